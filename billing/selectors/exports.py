"""What the accounting exports read: the invoice lines and the payments of a period, as plain
tuples (a year of a large team is tens of thousands of rows; no model objects are built)."""

import datetime as dt

from django.db.models import OuterRef, Subquery

from billing.models import InvoiceLine, InvoicePayment, InvoiceStatus
from crm.models import ContactEmail, Tenant
from leads.models import Payment

EXPORT_CHUNK = 2000

INVOICE_LINE_FIELDS = (
    "invoice__number",
    "invoice__issued_on",
    "invoice__due_on",
    "invoice__series",
    "invoice__status",
    "invoice__currency",
    "invoice__total",
    "invoice__credits__number",
    "invoice__lead__contact__first_name",
    "invoice__lead__contact__last_name",
    "invoice__lead__contact__company_name",
    "contact_email",
    "invoice__lead__number",
    "invoice__brand__name",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "tax_name",
    "tax_percent",
    "tax_amount",
)

# A payment's row: its date, then the invoice's number and currency (payments_for_export adds
# them), then these.
PAYMENT_FIELDS = (
    "amount",
    "kind",
    "method",
    "reference",
    "lead__contact__first_name",
    "lead__contact__last_name",
    "lead__contact__company_name",
    "lead__number",
)


def _first_email(contact_path: str) -> Subquery:
    return Subquery(
        ContactEmail.objects.filter(
            tenant_id=OuterRef("tenant_id"), contact_id=OuterRef(contact_path)
        )
        .order_by("-is_primary", "id")
        .values("email")[:1]
    )


def invoice_lines_for_export(*, tenant: Tenant, first: dt.date, last: dt.date) -> list[tuple]:
    """The lines of the invoices and credit notes issued from `first` to `last` (inclusive),
    each with its invoice's figures, in number order: drafts have no number yet and are left
    out. Read at once, so a streamed response needs no database."""
    lines = (
        InvoiceLine.objects.filter(
            tenant=tenant,
            invoice__issued_on__gte=first,
            invoice__issued_on__lte=last,
        )
        .exclude(invoice__status=InvoiceStatus.DRAFT)
        .annotate(contact_email=_first_email("invoice__lead__contact_id"))
        .order_by("invoice__issued_on", "invoice__sequence", "invoice_id", "position", "id")
        .values_list(*INVOICE_LINE_FIELDS)
    )
    return list(lines.iterator(chunk_size=EXPORT_CHUNK))


def payments_for_export(*, tenant: Tenant, first: dt.date, last: dt.date) -> list[tuple]:
    """The payments and refunds received from `first` to `last` (inclusive), each with the
    number and currency of the invoice it was recorded against (empty for a payment of the job
    recorded without one), oldest first. Two set-based queries joined here: a lookup per
    payment took seconds for a year of a large team."""
    in_period = {"received_on__gte": first, "received_on__lte": last}
    invoices = {
        payment_id: (number, currency)
        for payment_id, number, currency in InvoicePayment.objects.filter(
            tenant=tenant, **{f"payment__{name}": value for name, value in in_period.items()}
        )
        .values_list("payment_id", "invoice__number", "invoice__currency")
        .iterator(chunk_size=EXPORT_CHUNK)
    }
    payments = (
        Payment.objects.filter(tenant=tenant, **in_period)
        .order_by("received_on", "id")
        .values_list("id", "received_on", *PAYMENT_FIELDS)
    )
    return [
        (received_on, *invoices.get(payment_id, ("", "")), *rest)
        for payment_id, received_on, *rest in payments.iterator(chunk_size=EXPORT_CHUNK)
    ]
