"""Which invoice a checkout session pays, and whether a customer can pay online now."""

from decimal import Decimal

from billing.models import Invoice, InvoiceStatus, Payer
from crm.models import Tenant
from gateway.selectors.accounts import payment_account_get, usable_account

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
