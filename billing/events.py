"""What billing tells the apps above it (config/events.py lists who hears it, in order).
Published inside the transaction of the change, carrying the very rows the service holds."""

from dataclasses import dataclass

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
