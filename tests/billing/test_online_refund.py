"""Staff refund a payment that came in online: the invoice page's Refund asks the provider (the
sandbox through the gateway's webhook, or Stripe at its HTTP boundary), the page says it is
pending, and the refund is recorded only when the provider's webhook confirms it. More than was
paid is refused with the figures; a cash payment keeps "Record refund" only."""

import html
from decimal import Decimal

import pytest
import stripe
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from billing.invoice_links import invoice_public_token
from billing.selectors.invoices import invoice_balance
from billing.services.invoices import invoice_create, invoice_send
from billing.services.online import invoice_online_payment_apply, invoice_online_refund_request
from billing.services.payments import invoice_apply_payment
from crm.models import TimelineEvent
from gateway.models import CheckoutRefund, CheckoutSession, SessionStatus
from leads.models import Payment
from tests.conftest import sign_in
from tests.gateway.conftest import (
    deliver_through_the_webhook,
    sandbox_account_for,
    start,
    stripe_account_for,
)
from tests.gateway.stripe_double import StripeDouble
from tests.webhooks.conftest import deliveries_of, subscribe
from webhooks.models import EventType

pytestmark = pytest.mark.django_db

D = Decimal
PROCESS = "gateway.tasks.process_provider_event"


@pytest.fixture
def stripe_http(monkeypatch):
    """Stripe at its HTTP boundary (tests/gateway/stripe_double.py)."""
    double = StripeDouble()
    monkeypatch.setattr(stripe, "default_http_client", double)
    return double


def _sent_invoice(world, lead, amount="250"):
    with world.active():
        invoice = invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra cable",
            lines=[("Cable", D("1"), D(amount), None)],
        )  # fmt: skip
        return invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=invoice)


def _page(client, invoice) -> str:
    url = reverse("billing:detail", kwargs={"lead_pk": invoice.lead_id, "invoice_pk": invoice.pk})
    return html.unescape(client.get(url).content.decode())


def test_staff_refund_an_online_payment_and_it_counts_once_the_provider_confirms(
    client, world, job, task_queue, run_queued, django_capture_on_commit_callbacks
):
    lead, _quote = job
    invoice = _sent_invoice(world, lead)
    sandbox_account_for(world)
    subscribe(world, "https://hooks.example.com/threadline", [EventType.PAYMENT_REFUNDED])
    customer = Client()
    link = reverse("billing-public:invoice", kwargs={"token": invoice_public_token(invoice)})
    opened = customer.post(link + "pay/")
    with django_capture_on_commit_callbacks(execute=True):
        customer.post(opened["Location"], {"action": "pay"})
    deliver_through_the_webhook(customer, world, task_queue, django_capture_on_commit_callbacks)
    run_queued(PROCESS)
    with world.active():
        [payment] = Payment.objects.filter(lead=lead)

    sign_in(client, world.rep)
    page = _page(client, invoice)
    refund_url = reverse(
        "billing:online-refund",
        kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk, "payment_pk": payment.pk},
    )
    assert refund_url in page and "paid online" in page
    form = html.unescape(client.get(refund_url).content.decode())
    assert "Left to refund" in form and "$250" in form

    too_much = client.post(refund_url, {"amount": "300", "reason": "Charger returned"})
    assert too_much.status_code == 200
    assert (
        f"A refund of $300 is more than the $250 paid on invoice {invoice.number}."
        in html.unescape(too_much.content.decode())
    )
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(refund_url, {"amount": "100", "reason": "Charger returned"})
    assert asked.status_code == 302
    page = _page(client, invoice)
    assert "A refund of $100 is pending" in page
    with world.active():
        assert CheckoutRefund.objects.get().amount == D("100")
        # Nothing is recorded against the invoice before the provider confirms it.
        assert invoice_balance(tenant=world.tenant, invoice=invoice).paid == D("250")
        assert TimelineEvent.objects.filter(kind="invoice.refund_requested").exists()
    waiting = client.post(refund_url, {"amount": "200", "reason": "Twice"})
    assert "$100 is already waiting for the payment provider" in html.unescape(
        waiting.content.decode()
    )

    deliver_through_the_webhook(customer, world, task_queue, django_capture_on_commit_callbacks)
    run_queued(PROCESS)
    with world.active():
        figures = invoice_balance(tenant=world.tenant, invoice=invoice)
        assert (figures.paid, figures.refunded) == (D("150.00"), D("100.00"))
        assert [d.event_type for d in deliveries_of(world)] == ["payment.refunded"]
    page = _page(client, invoice)
    assert "is pending" not in page and "\N{MINUS SIGN}$100" in page


def test_a_refund_goes_to_stripe_and_a_cash_payment_has_no_online_refund(
    client, world, job, stripe_http
):
    lead, _quote = job
    invoice = _sent_invoice(world, lead, amount="180")
    stripe_account_for(world)
    session = start(world, amount="120.00", reference=f"invoice:{invoice.pk}")
    with world.active():
        CheckoutSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.PAID, provider_payment_intent="pi_3MtwBwLkdIwHu7ix28a3tqPa"
        )
        session.refresh_from_db()
        invoice_online_payment_apply(
            tenant=world.tenant, session=session, amount=D("120"), currency="USD"
        )
        invoice_apply_payment(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice, amount=D("60"),
            currency="USD", method="cash", received_on=world.tenant.today(),
        )  # fmt: skip
        online, cash = Payment.objects.filter(lead=lead).order_by("id")
    sign_in(client, world.rep)
    page = _page(client, invoice)
    for payment, offered in ((online, True), (cash, False)):
        url = reverse(
            "billing:online-refund",
            kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk, "payment_pk": payment.pk},
        )
        assert (url in page) is offered
    assert "Record refund" in page
    cash_url = reverse(
        "billing:online-refund",
        kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk, "payment_pk": cash.pk},
    )
    assert client.get(cash_url).status_code == 404
    with world.active():
        with (
            pytest.raises(ValidationError, match=r"more than the \$120 left to refund of this"),
            transaction.atomic(),
        ):
            invoice_online_refund_request(
                    tenant=world.tenant, actor=world.rep.user, invoice=invoice,
                    payment_id=online.pk, amount=D("150"), reason="Too much",
                )  # fmt: skip
        invoice_online_refund_request(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice,
            payment_id=online.pk, amount=D("45.50"), reason="Scratched cover",
        )  # fmt: skip
    call = stripe_http.calls[-1]
    assert (call.path, call.form["payment_intent"], call.form["amount"]) == (
        "/v1/refunds",
        "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "4550",
    )
