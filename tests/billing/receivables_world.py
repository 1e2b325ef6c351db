"""Open, overdue, paid and void invoices with due dates set where a test needs them."""

import datetime as dt
from decimal import Decimal

from billing.models import Invoice
from billing.services.invoices import invoice_create, invoice_issue, invoice_void
from billing.services.payments import invoice_apply_payment, invoice_record_refund
from leads.models import Lead, LeadStatus
from tests.factories import lead_for

D = Decimal


def open_invoice(world, *, amount="100", days_overdue=0, owner=None, brand=None, **lead_fields):
    """A sent invoice of `amount` (no tax) on a new job of `owner` (the rep by default), due
    `days_overdue` days before today (negative: due later)."""
    lead = lead_for(world, owner=owner or world.rep, title="Roof repair", **lead_fields)
    with world.active():
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.WON)  # paid jobs are won
        invoice = invoice_create(
            tenant=world.tenant,
            actor=world.manager.user,
            lead=lead,
            title="Roof repair",
            lines=[("Repair", D("1"), D(amount), None)],
        )
        invoice_issue(tenant=world.tenant, invoice=invoice)
        due_on = world.tenant.today() - dt.timedelta(days=days_overdue)
        Invoice.objects.filter(pk=invoice.pk).update(due_on=due_on, brand=brand or invoice.brand)
        return Invoice.objects.get(pk=invoice.pk)


def pay(world, invoice, amount, *, refund=False):
    with world.active():
        record = invoice_record_refund if refund else invoice_apply_payment
        extra = {} if refund else {"currency": world.tenant.currency}
        return record(
            tenant=world.tenant,
            actor=world.manager.user,
            invoice=invoice,
            amount=D(amount),
            method="bank_transfer",
            received_on=world.tenant.today(),
            **extra,
        )


def void(world, invoice):
    with world.active():
        return invoice_void(
            tenant=world.tenant, actor=world.manager.user, invoice=invoice, reason="Error"
        )
