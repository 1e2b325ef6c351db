"""Invoices' events reach a subscribed endpoint with the documented payload: sent (the first
time only), paid, voided with its credit note, overdue; a payment that failed or was refunded
online arrives through the gateway's webhook as payment.failed and payment.refunded."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from billing.models import Invoice
from billing.services.invoices import invoice_create, invoice_send, invoice_void
from billing.services.payments import invoice_apply_payment, invoice_record_refund
from tests.billing.conftest import won_job
from tests.webhooks.conftest import deliver_due, deliveries_of, subscribe
from webhooks.handlers import invoice_overdue_deliver
from webhooks.models import EventType

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(world):
    """billing's won job with its accepted, scheduled quote."""
    return won_job(world)


D = Decimal
INVOICE_FIELDS = {
    "id", "number", "series", "lead_id", "contact_id", "quote_id", "credits_invoice_id", "status",
    "currency", "subtotal", "tax_total", "total", "paid", "balance", "issued_on", "due_on",
    "sent_at", "voided_at",
}  # fmt: skip


def _invoice(world, lead, amount="250") -> Invoice:
    with world.active():
        return invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra cable",
            lines=[("Cable", D("1"), D(amount), None)],
        )  # fmt: skip


def _pay(world, invoice, amount):
    with world.active():
        return invoice_apply_payment(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice, amount=D(amount),
            currency="USD", method="check", received_on=world.tenant.today(),
        )  # fmt: skip


def test_an_invoice_sent_paid_and_voided_is_posted_with_its_figures(world, job, receiver):
    lead, _quote = job
    subscribe(
        world,
        receiver.url,
        [EventType.INVOICE_SENT, EventType.INVOICE_PAID, EventType.INVOICE_VOIDED,
         EventType.PAYMENT_REFUNDED],
    )  # fmt: skip
    invoice = _invoice(world, lead)
    with world.active():
        invoice = invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=invoice)
        invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=invoice)  # again
    _pay(world, invoice, "250")
    with world.active():
        invoice_record_refund(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice, amount=D("50"),
            method="check", received_on=world.tenant.today(),
        )  # fmt: skip
    _pay(world, invoice, "50")  # paid in full a second time
    with world.active():
        credit = invoice_void(tenant=world.tenant, actor=world.rep.user, invoice=invoice)

    assert set(deliver_due(world.tenant)) == {"delivered"}
    # In the order they happened (the body's timestamp), whatever order the workers sent them.
    received = sorted(receiver.received, key=lambda item: item.payload["timestamp"])
    posted = [(item.payload["type"], item.payload["data"]) for item in received]
    assert [kind for kind, _data in posted] == [
        "invoice.sent",
        "invoice.paid",
        "payment.refunded",
        "invoice.paid",
        "invoice.voided",
    ]
    sent = posted[0][1]["invoice"]
    assert set(sent) == INVOICE_FIELDS
    assert (sent["number"], sent["status"], sent["total"], sent["balance"]) == (
        invoice.number, "sent", "250.00", "250.00",
    )  # fmt: skip
    assert posted[1][1]["invoice"]["status"] == "paid"
    assert posted[1][1]["invoice"]["balance"] == "0.00"
    refunded = posted[2][1]
    assert refunded["payment"]["kind"] == "refund" and D(refunded["payment"]["amount"]) == 50
    assert refunded["invoice"]["paid"] == "200.00"
    voided = posted[4][1]
    assert voided["invoice"]["status"] == "void"
    assert voided["credit_note"]["id"] == credit.pk
    assert voided["credit_note"]["credits_invoice_id"] == invoice.pk


def test_an_overdue_invoice_is_posted_once_per_due_date(world, job, receiver):
    lead, _quote = job
    subscribe(world, receiver.url, [EventType.INVOICE_OVERDUE])
    with world.active():
        invoice = invoice_send(tenant=world.tenant, actor=world.rep.user,
                               invoice=_invoice(world, lead))  # fmt: skip
        # As the overdue sweep hands it on: open, its due date passed.
        invoice.due_on = world.tenant.today() - dt.timedelta(days=1)
        overdue = SimpleNamespace(tenant=world.tenant, invoice=invoice)
        invoice_overdue_deliver(overdue)
        invoice_overdue_deliver(overdue)
    [delivery] = deliveries_of(world)
    assert delivery.event_type == "invoice.overdue"
    assert deliver_due(world.tenant) == ["delivered"]
    [request] = receiver.received
    assert request.payload["data"]["invoice"]["id"] == invoice.pk
    assert request.payload["data"]["invoice"]["status"] == "overdue"
