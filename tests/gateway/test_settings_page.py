"""The admin's "Online payments" page: Stripe's keys checked by shape and stored encrypted, the
secrets never shown back, iDEAL only in euros, the webhook URL with its account token."""

import pytest

from crm.kit.encryption import decrypt
from gateway.models import PaymentAccount, PaymentRoute
from tests.conftest import sign_in
from tests.gateway.conftest import SECRET_KEY, WEBHOOK_SECRET

pytestmark = pytest.mark.django_db

URL = "/settings/payments/"


def _form(**fields):
    return {
        "provider": "stripe",
        "publishable_key": "pk_test_51Hh2kLkdIwHu7ixPublish",
        "secret_key": SECRET_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "methods": ["card"],
        "is_enabled": "on",
    } | fields


def test_an_admin_connects_stripe_and_the_secrets_are_stored_encrypted(client, world):
    sign_in(client, world.admin)
    assert client.get(URL).status_code == 200

    response = client.post(URL, _form())

    assert response.status_code == 302
    with world.active():
        account = PaymentAccount.objects.get()
    assert SECRET_KEY not in account.secret_key_encrypted
    assert decrypt(account.secret_key_encrypted) == SECRET_KEY
    assert decrypt(account.webhook_secret_encrypted) == WEBHOOK_SECRET
    assert PaymentRoute.objects.get(token=account.token).tenant_id == world.tenant.pk
    page = client.get(URL).content.decode()
    assert SECRET_KEY not in page and WEBHOOK_SECRET not in page
    assert page.count("•••• set") == 2
    assert f"/hooks/payments/stripe/{account.token}/" in page
    assert "checkout.session.completed" in page

    # Left empty, the secrets stay; typed, they are replaced.
    client.post(URL, _form(secret_key="", webhook_secret=""))
    with world.active():
        account.refresh_from_db()
    assert decrypt(account.secret_key_encrypted) == SECRET_KEY
    client.post(URL, _form(secret_key="sk_test_51Hh2kLkdIwHu7ixRotated"))
    with world.active():
        account.refresh_from_db()
    assert decrypt(account.secret_key_encrypted) == "sk_test_51Hh2kLkdIwHu7ixRotated"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"publishable_key": "sk_test_51Hh2kLkdIwHu7ix"}, "starts with pk_test_ or pk_live_"),
        ({"secret_key": "pk_test_51Hh2kLkdIwHu7ix"}, "starts with sk_test_"),
        ({"webhook_secret": "secret"}, "starts with whsec_"),
        ({"secret_key": "sk_" + "live_51Hh2kLkdIwHu7ixAbCd"}, "same mode"),
        ({"secret_key": ""}, "Enter the secret key"),
        ({"methods": ["card", "ideal"]}, "iDEAL takes euros only"),
    ],
)
def test_a_key_of_the_wrong_shape_is_refused(client, world, fields, message):
    sign_in(client, world.admin)

    response = client.post(URL, _form(**fields))

    assert response.status_code == 400
    assert message in response.content.decode()
    with world.active():
        assert not PaymentAccount.objects.exists()


def test_ideal_in_euros(client, world):
    world.tenant.currency = "EUR"
    world.tenant.save()
    sign_in(client, world.admin)
    assert client.post(URL, _form(methods=["card", "ideal"])).status_code == 302
    with world.active():
        assert PaymentAccount.objects.get().methods == ["card", "ideal"]


def test_only_admins_open_the_page(client, world):
    for member in (world.manager, world.rep):
        sign_in(client, member)
        assert client.get(URL).status_code == 403
        assert client.post(URL, _form()).status_code == 403


def test_the_audit_leaves_the_secrets_out(client, world):
    sign_in(client, world.admin)
    client.post(URL, _form())
    with world.active():
        events = list(PaymentAccount.pgh_event_model.objects.filter(tenant=world.tenant).values())
    assert events
    for event in events:
        assert "secret_key_encrypted" not in event
        assert "webhook_secret_encrypted" not in event


def test_try_a_payment_opens_the_providers_page(client, world):
    from tests.gateway.conftest import sandbox_account_for

    sign_in(client, world.admin)
    refused = client.post("/settings/payments/try/")
    assert refused.status_code == 302 and refused["Location"] == URL  # nothing set up yet

    sandbox_account_for(world)
    response = client.post("/settings/payments/try/")

    assert response.status_code == 302
    assert response["Location"].startswith("/pay/sandbox/")
    assert "$1" in client.get(response["Location"]).content.decode()
