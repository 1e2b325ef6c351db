"""The payments sandbox of `make dev` and the demo: its checkout page's buttons send
Stripe-format events, signed with the sandbox account's own secret, through the webhook's own
verification, storage and processing, to the published events. Posted here with the test client
(in `make dev` the task posts them over HTTP to the site itself)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded
from gateway.models import PaymentMethod, ProviderEvent, SessionStatus
from gateway.services.accounts import payment_account_save
from gateway.services.checkout import checkout_refund
from tests.gateway.conftest import deliver_through_the_webhook, sandbox_account_for, start

pytestmark = pytest.mark.django_db

PROCESS = "gateway.tasks.process_provider_event"


def test_pay_on_the_sandbox_page_goes_all_the_way_to_checkout_paid(
    client, world, task_queue, run_queued, published, django_capture_on_commit_callbacks
):
    sandbox_account_for(world)
    session = start(world, amount="180.00")
    assert session.url.startswith("/pay/sandbox/")

    page = client.get(session.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "$180" in html and "Invoice 2026-0042" in html
    assert 'value="pay"' in html and 'value="decline"' in html and 'value="ideal"' not in html

    task_queue()  # nothing queued before the press
    with django_capture_on_commit_callbacks(execute=True):
        pressed = client.post(session.url, {"action": "pay"})
    assert pressed.status_code == 302
    assert pressed["Location"] == "https://crm.example.com/portal/paid/"

    posted = deliver_through_the_webhook(
        client, world, task_queue, django_capture_on_commit_callbacks
    )
    assert posted == ["checkout.session.completed"]
    with world.active():
        assert ProviderEvent.objects.get().status == "pending"  # stored before processing
    run_queued(PROCESS)

    with world.active():
        session.refresh_from_db()
    assert session.status == SessionStatus.PAID
    assert [type(e) for e in published] == [CheckoutPaid]
    assert published[0].session.reference == "invoice:42"
    # Paid: the page no longer takes a press.
    assert "This payment has been made." in client.get(session.url).content.decode()
    assert client.post(session.url, {"action": "pay"}).status_code == 400


def test_ideal_in_euros_and_decline_and_a_refund_through_the_same_path(
    client, world, task_queue, run_queued, published, django_capture_on_commit_callbacks
):
    world.tenant.currency = "EUR"
    world.tenant.save()
    sandbox_account_for(world, methods=[PaymentMethod.CARD, PaymentMethod.IDEAL])
    paying, declining = start(world, currency="EUR"), start(world, currency="EUR", reference="b")
    assert 'value="ideal"' in client.get(paying.url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(paying.url, {"action": "ideal"})
        client.post(declining.url, {"action": "decline"})
    posted = deliver_through_the_webhook(
        client, world, task_queue, django_capture_on_commit_callbacks
    )
    assert posted == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
        "checkout.session.async_payment_failed",
    ]
    run_queued(PROCESS)
    with world.active():
        paying.refresh_from_db()
        declining.refresh_from_db()
    assert (paying.status, paying.paid_with) == (SessionStatus.PAID, "ideal")
    assert declining.status == SessionStatus.FAILED

    with django_capture_on_commit_callbacks(execute=True), world.active():
        checkout_refund(
            tenant=world.tenant, session=paying, amount=Decimal("30"), actor=world.admin.user
        )
    assert deliver_through_the_webhook(
        client, world, task_queue, django_capture_on_commit_callbacks
    ) == ["charge.refunded"]
    run_queued(PROCESS)

    assert [type(e) for e in published] == [CheckoutPaid, CheckoutFailed, CheckoutRefunded]
    assert (published[2].amount, published[2].amount_refunded) == (Decimal("30"), Decimal("30"))


def test_where_the_sandbox_is_off_nothing_of_it_works(client, world, settings):
    account = sandbox_account_for(world)
    session = start(world)
    settings.PAYMENTS_SANDBOX = False

    assert client.get(session.url).status_code == 404
    webhook = f"/hooks/payments/stripe/{account.token}/"
    assert client.post(webhook, data=b"{}", content_type="application/json").status_code == 404
    with pytest.raises(ValidationError, match="not set up"):
        start(world)
    with pytest.raises(ValidationError), transaction.atomic(), world.active():
        payment_account_save(
            tenant=world.tenant, actor=None, provider="sandbox", methods=[PaymentMethod.CARD]
        )


def test_a_link_we_did_not_sign_or_of_another_tenant_is_404(client, world, other_world):
    sandbox_account_for(world)
    session = start(world)
    token = session.url.split("/")[-2]
    assert client.get(f"/pay/sandbox/{token[:-2]}xx/").status_code == 404
    assert client.get("/pay/sandbox/not-a-token/").status_code == 404
    assert client.get(session.url).status_code == 200
