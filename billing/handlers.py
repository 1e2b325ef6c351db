"""Billing's subscribers (listed in order in config/events.py): what the payment gateway reports
about a session that pays an invoice, and a job whose work is completed."""

from billing.services import insurance, online
from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded
from leads.events import LeadStageEntered


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


def depreciation_release_on_completion(event: LeadStageEntered) -> None:
    """The insurer's held-back depreciation becomes due once the work is completed."""
    insurance.claims_release_on_completion(
        tenant=event.tenant, actor=event.actor, lead=event.lead, stage=event.stage
    )
