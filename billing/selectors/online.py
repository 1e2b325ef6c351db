"""Which invoice a checkout session pays, and whether a customer can pay online now."""

from decimal import Decimal

from django.http import Http404

from billing.models import Invoice, InvoiceStatus, Payer
from billing.selectors.invoices import invoice_payments
from crm.models import Tenant
from gateway.selectors.accounts import payment_account_get, usable_account
from gateway.selectors.sessions import PaidSession, paid_sessions_of_reference
from leads.models import Payment, PaymentKind

REFERENCE_PREFIX = "invoice:"


def invoice_of_reference(*, tenant: Tenant, reference: str) -> Invoice | None:
    """The invoice a session's reference names ("invoice:42"), or None for anything else."""
    if not reference.startswith(REFERENCE_PREFIX):
        return None
    invoice_id = reference.removeprefix(REFERENCE_PREFIX)
    if not invoice_id.isdigit():
        return None
    return (
        Invoice.objects.select_related("lead__contact", "lead__owner__user")
        .filter(tenant=tenant, pk=int(invoice_id))
        .first()
    )


def online_payment_open(*, tenant: Tenant, invoice: Invoice, balance: Decimal) -> bool:
    """The Pay button shows: the business takes online payments and the homeowner's invoice owes
    money (an insurer's invoice is never paid from the customer's pages)."""
    return (
        not invoice.is_credit_note
        and invoice.payer == Payer.HOMEOWNER
        and invoice.status in (InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID)
        and balance > 0
        and usable_account(payment_account_get(tenant=tenant))
    )


def invoice_online_payments(
    *, tenant: Tenant, invoice: Invoice, payments: list[Payment]
) -> dict[int, PaidSession]:
    """Which of the invoice's payments came in online, by the job's payment id: each with its
    session (what is left to refund, what waits for the provider's confirmation). One query.
    The job's record names the session by the provider's id (billing.services.online)."""
    by_provider_id: dict[str, PaidSession] = {}
    sessions = paid_sessions_of_reference(
        tenant=tenant, reference=f"{REFERENCE_PREFIX}{invoice.pk}"
    )
    for paid in sessions:
        for provider_id in (paid.session.provider_payment_intent, paid.session.provider_session_id):
            if provider_id:
                by_provider_id.setdefault(provider_id, paid)
    return {
        payment.pk: by_provider_id[payment.reference]
        for payment in payments
        if payment.kind != PaymentKind.REFUND and payment.reference in by_provider_id
    }


def invoice_online_payment_get(
    *, tenant: Tenant, invoice: Invoice, payment_id: int
) -> tuple[Payment, PaidSession]:
    """One of the invoice's payments that came in online, with its session; else a 404."""
    payments = invoice_payments(tenant=tenant, invoice=invoice)
    online = invoice_online_payments(tenant=tenant, invoice=invoice, payments=payments)
    for payment in payments:
        if payment.pk == payment_id and payment.pk in online:
            return payment, online[payment.pk]
    raise Http404("No online payment matches the given query.")
