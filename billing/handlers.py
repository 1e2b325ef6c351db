"""Billing's subscribers (listed in order in config/events.py): what the payment gateway reports
about a session that pays an invoice, the receipt of a payment applied to an invoice, the
moments a quote's schedule is invoiced by itself (the deposit on acceptance, the rest at the stage
the admin chose), and a job whose work is completed (an insurer's held-back depreciation)."""

from billing.events import InvoicePaymentApplied
from billing.services import insurance, online, receipts, schedule
from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded
from leads.events import LeadStageEntered, QuoteAccepted


def invoice_paid_online(event: CheckoutPaid) -> None:
    online.invoice_online_payment_apply(
        tenant=event.tenant, session=event.session, amount=event.amount, currency=event.currency
    )


def invoice_refunded_online(event: CheckoutRefunded) -> None:
    online.invoice_online_refund_apply(
        tenant=event.tenant, session=event.session, amount=event.amount
    )


def invoice_payment_failed_online(event: CheckoutFailed) -> None:
    online.invoice_online_failure_record(
        tenant=event.tenant, session=event.session, reason=event.reason
    )


def payment_receipt_send(event: InvoicePaymentApplied) -> None:
    receipts.invoice_receipt_send(
        tenant=event.tenant, actor=event.actor, invoice=event.invoice, payment=event.payment
    )


def deposit_invoice_on_acceptance(event: QuoteAccepted) -> None:
    schedule.quote_deposit_invoice(tenant=event.tenant, quote=event.quote)


def schedule_invoiced_at_stage(event: LeadStageEntered) -> None:
    schedule.invoices_at_stage(
        tenant=event.tenant, actor=event.actor, lead=event.lead, stage=event.stage
    )


def depreciation_release_on_completion(event: LeadStageEntered) -> None:
    """The insurer's held-back depreciation becomes due once the work is completed."""
    insurance.claims_release_on_completion(
        tenant=event.tenant, actor=event.actor, lead=event.lead, stage=event.stage
    )
