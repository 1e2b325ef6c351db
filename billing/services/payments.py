"""Payments and refunds recorded against an invoice.

The money itself is recorded by leads.services.payments (the job's one record: its balance and
the "paid in full → paid stage" rule read it); here it is linked to the invoice it pays and the
invoice's status follows. Online payment (a provider's "paid" event) calls
`invoice_apply_payment` the same way staff do, with no actor."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.events import InvoicePaid, InvoicePaymentApplied, InvoicePaymentRefunded
from billing.models import Invoice, InvoicePayment, InvoiceStatus, ScheduleKind
from billing.reminder_schedule import next_reminder_of
from billing.selectors.invoices import InvoiceBalance, invoice_balance
from billing.services.numbering import billing_settings
from crm.events import publish
from crm.kit.formatting import money
from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from leads.models import Payment, PaymentKind
from leads.selectors.money import lead_balance
from leads.services.payments import payment_record, payment_refund_record


def _locked_open(tenant: Tenant, invoice: Invoice) -> Invoice:
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("lead__contact")
        .get(tenant=tenant, pk=invoice.pk)
    )
    if invoice.is_credit_note:
        raise ValidationError(_("A credit note is not paid."))
    if invoice.held_back:
        raise ValidationError(
            _(
                "Invoice %(reference)s is depreciation held back until the work is completed: "
                "release it before recording a payment."
            )
            % {"reference": invoice.reference}
        )
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError(_("Send the invoice before recording a payment against it."))
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("This invoice is void."))
    return invoice


def _check_currency(invoice: Invoice, amount: Decimal, currency: str) -> None:
    if currency.upper() != invoice.currency:
        raise ValidationError(
            _(
                "This payment of %(amount)s %(currency)s is in another currency than invoice "
                "%(number)s, which is in %(invoice_currency)s."
            )
            % {
                "amount": amount,
                "currency": currency.upper(),
                "number": invoice.number,
                "invoice_currency": invoice.currency,
            }
        )


def _payment_kind(tenant: Tenant, invoice: Invoice, amount: Decimal) -> str:
    """The kind the job's record gets: a deposit invoice's payment is the deposit; a payment that
    settles the whole job is its final payment; anything else a progress payment."""
    if invoice.schedule_kind == ScheduleKind.DEPOSIT:
        return PaymentKind.DEPOSIT
    job = lead_balance(tenant=tenant, lead=invoice.lead)
    if job.balance is not None and amount == job.balance:
        return PaymentKind.FINAL
    return PaymentKind.PROGRESS


def _status_after(figures: InvoiceBalance) -> str:
    if figures.balance <= 0:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTLY_PAID if figures.paid > 0 else InvoiceStatus.SENT


def _status_set(tenant: Tenant, invoice: Invoice, figures: InvoiceBalance) -> None:
    """The status the balance gives; a paid invoice is reminded no more, and one a refund opens
    again picks up its reminders where they were."""
    invoice.status = _status_after(figures)
    if invoice.is_open:
        invoice.next_reminder_on = next_reminder_of(
            billing_settings(tenant=tenant), invoice, tenant.zone
        )
    else:
        invoice.next_reminder_on = None
    invoice.save(update_fields=["status", "next_reminder_on"])


@transaction.atomic
def invoice_apply_payment(
    *,
    tenant: Tenant,
    actor: User | None,
    invoice: Invoice,
    amount: Decimal,
    currency: str,
    method: str,
    received_on: dt.date,
    reference: str = "",
) -> Payment:
    """Record a payment against the invoice: more than its balance, or in another currency, is
    refused with the figures in words."""
    invoice = _locked_open(tenant, invoice)
    _check_currency(invoice, amount, currency)
    before = invoice_balance(tenant=tenant, invoice=invoice)
    if before.balance <= 0:
        raise ValidationError(
            _("Invoice %(number)s is paid in full: there is nothing left to pay.")
            % {"number": invoice.number}
        )
    if amount > before.balance:
        raise ValidationError(
            _("%(amount)s is more than the balance of %(balance)s on invoice %(number)s.")
            % {
                "amount": money(amount, invoice.currency),
                "balance": money(before.balance, invoice.currency),
                "number": invoice.number,
            }
        )
    payment = payment_record(
        tenant=tenant,
        actor=actor,
        lead=invoice.lead,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference or invoice.number,
        kind=_payment_kind(tenant, invoice, amount),
    )
    InvoicePayment.objects.create(tenant=tenant, invoice=invoice, payment=payment)
    _status_set(tenant, invoice, invoice_balance(tenant=tenant, invoice=invoice))
    publish(InvoicePaymentApplied(tenant=tenant, invoice=invoice, payment=payment, actor=actor))
    if invoice.status == InvoiceStatus.PAID:
        timeline_record(
            tenant=tenant,
            kind="invoice.paid",
            summary=gettext_noop("Invoice %(number)s paid in full"),
            params={"number": invoice.number},
            actor=actor,
            lead=invoice.lead,
            customer_visible=True,
        )
        publish(InvoicePaid(tenant=tenant, invoice=invoice, actor=actor))
    return payment


@transaction.atomic
def invoice_record_refund(
    *,
    tenant: Tenant,
    actor: User | None,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    received_on: dt.date,
    reference: str = "",
) -> Payment:
    """Money given back against this invoice: at most what was paid on it."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("lead__contact")
        .get(tenant=tenant, pk=invoice.pk)
    )
    paid = invoice_balance(tenant=tenant, invoice=invoice).paid
    if amount > paid:
        raise ValidationError(
            _("A refund of %(amount)s is more than the %(paid)s paid on invoice %(number)s.")
            % {
                "amount": money(amount, invoice.currency),
                "paid": money(paid, invoice.currency),
                "number": invoice.reference,
            }
        )
    refund = payment_refund_record(
        tenant=tenant,
        actor=actor,
        lead=invoice.lead,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference or invoice.reference,
    )
    InvoicePayment.objects.create(tenant=tenant, invoice=invoice, payment=refund)
    if invoice.status != InvoiceStatus.VOID:
        _status_set(tenant, invoice, invoice_balance(tenant=tenant, invoice=invoice))
    publish(InvoicePaymentRefunded(tenant=tenant, invoice=invoice, refund=refund, actor=actor))
    return refund
