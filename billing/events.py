"""What billing tells the apps above it (config/events.py lists who hears it, in order).
Published inside the transaction of the change, carrying the very rows the service holds."""

from dataclasses import dataclass
from decimal import Decimal

from billing.models import Invoice
from crm.models import Tenant, User
from leads.models import Payment


@dataclass(frozen=True)
class InvoiceSent:
    """An invoice was sent (the first time: it was given its number) or sent again."""

    tenant: Tenant
    invoice: Invoice
    first_time: bool
    actor: User | None


@dataclass(frozen=True)
class InvoicePaid:
    """An invoice's balance reached zero."""

    tenant: Tenant
    invoice: Invoice
    actor: User | None


@dataclass(frozen=True)
class InvoiceVoided:
    """An invoice was voided; `credit_note` is the credit note made for it (after a payment)."""

    tenant: Tenant
    invoice: Invoice
    credit_note: Invoice | None
    actor: User | None


@dataclass(frozen=True)
class InvoiceOverdue:
    """An open invoice passed its due date unpaid (published once per invoice, by the reminder
    sweep on the first day after its due date)."""

    tenant: Tenant
    invoice: Invoice
    actor: User | None


@dataclass(frozen=True)
class InvoicePaymentApplied:
    """A payment (recorded by staff or paid online) was applied to an invoice: once per payment,
    in the transaction that applied it."""

    tenant: Tenant
    invoice: Invoice
    payment: Payment
    actor: User | None


@dataclass(frozen=True)
class InvoicePaymentFailed:
    """An online payment of `amount` for the invoice was declined (or a delayed method failed).
    `attempt` names that payment attempt, so a receiver can tell two failures apart."""

    tenant: Tenant
    invoice: Invoice
    amount: Decimal
    currency: str
    attempt: str


@dataclass(frozen=True)
class InvoicePaymentRefunded:
    """Money went back to the customer against the invoice: `refund` is the job's refund record
    (a refund the payment provider confirmed, or one staff recorded)."""

    tenant: Tenant
    invoice: Invoice
    refund: Payment
    actor: User | None
