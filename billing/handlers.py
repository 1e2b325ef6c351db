"""Billing's subscribers (listed in order in config/events.py): what the payment gateway reports
about a session that pays an invoice, and the receipt of a payment applied to an invoice."""

from billing.events import InvoicePaymentApplied
from billing.services import online, receipts
from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded


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
