"""An invoice's balance (the one place it is computed) and the invoices of a job or customer.

Each invoice has one payer (the homeowner, or the insurer on an insurance job), so an invoice's
balance is that payer's; `claim_balance` adds an insurance job's invoices up per payer: what the
homeowner owes, what the insurer owes now and what it holds back until the work is completed."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from billing.models import (
    InsuranceClaim,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
    Payer,
    SentVia,
    Series,
)
from crm.models import Channel, Tenant
from crm.pagination import KeysetPage, keyset_page
from crm.selectors.contacts import contact_reach_address
from leads.models import Lead, Payment, PaymentKind, Quote
from leads.quote_totals import TaxGroup

ZERO = Decimal("0")
OVERDUE = "overdue"
HELD_BACK = "held_back"


@dataclass(frozen=True)
class InvoiceBalance:
    total: Decimal
    paid: Decimal  # payments less refunds recorded against the invoice
    refunded: Decimal
    held_back: Decimal = ZERO  # recoverable depreciation not yet due (not in `total`)
    payer: str = Payer.HOMEOWNER

    @property
    def balance(self) -> Decimal:
        """What is left to pay (never below zero)."""
        return max(self.total - self.paid, ZERO)


def balance_of(invoice: Invoice, payments: Iterable[Payment]) -> InvoiceBalance:
    """The balance from payments already read. A void invoice and a credit note owe nothing; a
    held-back invoice owes nothing yet: its total is held back until it is released."""
    paid = refunded = ZERO
    for payment in payments:
        if payment.kind == PaymentKind.REFUND:
            refunded += payment.amount
        else:
            paid += payment.amount
    owed = ZERO if invoice.status == InvoiceStatus.VOID or invoice.is_credit_note else invoice.total
    held_back = ZERO
    if invoice.held_back:
        owed, held_back = ZERO, invoice.total
    return InvoiceBalance(
        total=owed,
        paid=paid - refunded,
        refunded=refunded,
        held_back=held_back,
        payer=invoice.payer,
    )


def invoice_payments(*, tenant: Tenant, invoice: Invoice) -> list[Payment]:
    return list(
        Payment.objects.filter(
            tenant=tenant,
            pk__in=InvoicePayment.objects.filter(tenant=tenant, invoice=invoice).values(
                "payment_id"
            ),
        ).order_by("received_on", "id")
    )


def invoice_latest_payment_id(*, tenant: Tenant, invoice: Invoice) -> int | None:
    """The job's payment (or refund) last recorded against the invoice."""
    return (
        InvoicePayment.objects.filter(tenant=tenant, invoice=invoice)
        .order_by("-payment_id")
        .values_list("payment_id", flat=True)
        .first()
    )


def invoice_balance(*, tenant: Tenant, invoice: Invoice) -> InvoiceBalance:
    """One query: the invoice's payments and refunds."""
    return balance_of(invoice, invoice_payments(tenant=tenant, invoice=invoice))


def shown_status(invoice: Invoice, today: dt.date) -> str:
    """The status as people read it: an open invoice past its due date is overdue; a draft held
    back until the work is completed is held back."""
    if invoice.held_back:
        return HELD_BACK
    return OVERDUE if invoice.is_overdue(today) else invoice.status


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    figures: InvoiceBalance
    status: str  # shown_status


def _with_payments(invoices: QuerySet[Invoice], tenant: Tenant) -> QuerySet[Invoice]:
    return invoices.select_related("lead__contact", "brand").prefetch_related(
        Prefetch(
            "payments",
            queryset=InvoicePayment.objects.filter(tenant=tenant).select_related("payment"),
        )
    )


def rows_of(invoices: Iterable[Invoice], today: dt.date) -> list[InvoiceRow]:
    return [
        InvoiceRow(
            invoice=invoice,
            figures=balance_of(invoice, (link.payment for link in invoice.payments.all())),
            status=shown_status(invoice, today),
        )
        for invoice in invoices
    ]


def lead_invoices(*, tenant: Tenant, lead: Lead) -> list[InvoiceRow]:
    """The job's invoices and credit notes with their balances, oldest first (two queries)."""
    invoices = _with_payments(Invoice.objects.filter(tenant=tenant, lead=lead), tenant)
    return rows_of(invoices.order_by("created_at", "id"), tenant.today())


def _customers_own(tenant: Tenant, contact_ids: Iterable[int]) -> QuerySet[Invoice]:
    """The sent invoices a customer pays: no drafts, and not their insurer's invoices."""
    return (
        Invoice.objects.filter(tenant=tenant, lead__contact_id__in=list(contact_ids))
        .exclude(status=InvoiceStatus.DRAFT)
        .exclude(payer=Payer.INSURER)
    )


def customer_invoices(*, tenant: Tenant, contact_ids: Iterable[int]) -> list[InvoiceRow]:
    """What a customer sees: the sent invoices and credit notes of their contacts that they pay
    (no drafts, no insurer's invoices), newest first."""
    invoices = _with_payments(_customers_own(tenant, contact_ids), tenant)
    return rows_of(invoices.order_by("-issued_on", "-id"), tenant.today())


def customer_invoice_get(*, tenant: Tenant, contact_ids: Iterable[int], invoice_id: int) -> Invoice:
    """One of the customer's sent invoices; anyone else's (a draft, their insurer's) is a 404."""
    found = (
        _customers_own(tenant, contact_ids)
        .filter(pk=invoice_id)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise Http404("No invoice matches the given query.")
    return invoice_get(tenant=tenant, invoice_id=found)


def invoice_get(*, tenant: Tenant, invoice_id: int, lead: Lead | None = None) -> Invoice:
    invoices = Invoice.objects.filter(tenant=tenant).select_related(
        "lead__contact", "lead__property", "brand", "quote", "credits", "claim"
    )
    if lead is not None:
        invoices = invoices.filter(lead=lead)
    return get_object_or_404(
        invoices.prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.filter(tenant=tenant))
        ),
        pk=invoice_id,
    )


def tax_groups(invoice: Invoice) -> list[TaxGroup]:
    """The invoice's tax per rate, from its lines (prefetched): what the lines at that rate come
    to and the tax on them."""
    groups: dict[tuple[str, Decimal], list[Decimal]] = {}
    for line in invoice.lines.all():
        net_tax = groups.setdefault((line.tax_name, line.tax_percent), [ZERO, ZERO])
        net_tax[0] += line.amount
        net_tax[1] += line.tax_amount
    return [
        TaxGroup(name, percent, net, tax)
        for (name, percent), (net, tax) in groups.items()
        if percent
    ]


def quote_has_invoices(*, tenant: Tenant, quote_ids: Iterable[int]) -> set[int]:
    """Which of these quotes already have invoices from their schedule or their insurance claim
    (not void)."""
    return set(
        Invoice.objects.filter(tenant=tenant, quote_id__in=list(quote_ids))
        .exclude(status=InvoiceStatus.VOID)
        .filter(~Q(schedule_kind="") | Q(claim__isnull=False))
        .values_list("quote_id", flat=True)
    )


def invoice_send_address(*, invoice: Invoice, channel: str) -> str:
    """Where the invoice goes on `channel` (the contact's email, or the mobile number a text
    reaches); empty when the contact has none."""
    reach = Channel.EMAIL if channel == SentVia.EMAIL else Channel.SMS
    return contact_reach_address(contact=invoice.lead.contact, channel=reach)


@dataclass(frozen=True)
class SendOption:
    channel: str
    address: str


def invoice_send_options(*, invoice: Invoice) -> list[SendOption]:
    """The channels the invoice can go by to its customer, with the address each reaches."""
    options = [
        SendOption(channel, invoice_send_address(invoice=invoice, channel=channel))
        for channel in SentVia.values
    ]
    return [option for option in options if option.address]


OPEN = "open"
# The list's orders: newest first, or by last change (oldest first) for a client that syncs.
INVOICE_ORDERS = {"newest": ("-created_at", "-id"), "updated": ("updated_at", "id")}


@dataclass(frozen=True)
class InvoiceQuery:
    status: str = ""  # an InvoiceStatus, "overdue" or "open" (sent or partly paid); "": all
    lead_id: int | None = None
    updated_since: dt.datetime | None = None
    order: str = "newest"


def invoice_page(
    *, tenant: Tenant, query: InvoiceQuery, after: str | None, per_page: int
) -> tuple[KeysetPage, list[InvoiceRow]]:
    """The tenant's invoices and credit notes, filtered, a keyset page at a time with their
    balances: three queries whatever the page's length."""
    invoices = Invoice.objects.filter(tenant=tenant)
    today = tenant.today()
    if query.status == OVERDUE:
        invoices = invoices.filter(
            status__in=(InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID), due_on__lt=today
        )
    elif query.status == OPEN:
        invoices = invoices.filter(status__in=(InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID))
    elif query.status:
        invoices = invoices.filter(status=query.status)
    if query.lead_id is not None:
        invoices = invoices.filter(lead_id=query.lead_id)
    if query.updated_since is not None:
        invoices = invoices.filter(updated_at__gte=query.updated_since)
    keyset = keyset_page(
        _with_payments(invoices, tenant),
        order=INVOICE_ORDERS[query.order],
        after=after,
        per_page=per_page,
    )
    return keyset, rows_of(keyset.items, today)


def invoice_payment_page(
    *, tenant: Tenant, invoice: Invoice | None, after: str | None, per_page: int
) -> KeysetPage:
    """Payments and refunds recorded against invoices (one invoice's, or all), newest first:
    InvoicePayment rows with their payment, in one query."""
    links = InvoicePayment.objects.filter(tenant=tenant).select_related("payment", "invoice")
    if invoice is not None:
        links = links.filter(invoice=invoice)
    return keyset_page(links, order=("-id",), after=after, per_page=per_page)


def invoice_payment_get(*, tenant: Tenant, payment_id: int) -> InvoicePayment:
    """A payment (the job's payment id) recorded against one of the tenant's invoices."""
    return get_object_or_404(
        InvoicePayment.objects.filter(tenant=tenant).select_related("payment", "invoice"),
        payment_id=payment_id,
    )


def quote_to_invoice_get(*, tenant: Tenant, quote_id: int) -> Quote:
    """One of the tenant's quotes, to make its invoices from."""
    return get_object_or_404(Quote.objects.filter(tenant=tenant), pk=quote_id)


def lead_has_open_invoice(*, tenant: Tenant, lead: Lead) -> bool:
    return Invoice.objects.filter(
        tenant=tenant,
        lead=lead,
        series=Series.INVOICE,
        status__in=(InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID),
    ).exists()


@dataclass(frozen=True)
class PayerFigures:
    billed: Decimal  # what the payer's issued invoices come to
    paid: Decimal
    owes: Decimal


@dataclass(frozen=True)
class ClaimBalance:
    """An insurance job's invoices added up per payer, from the invoices' own balances."""

    claim: InsuranceClaim
    homeowner: PayerFigures
    insurer: PayerFigures
    held_back: Decimal  # the recoverable depreciation, until its release

    @property
    def total(self) -> Decimal:
        return self.homeowner.billed + self.insurer.billed + self.held_back


def _figures(balances: list[InvoiceBalance]) -> PayerFigures:
    return PayerFigures(
        billed=sum((figures.total for figures in balances), ZERO),
        paid=sum((figures.paid for figures in balances), ZERO),
        owes=sum((figures.balance for figures in balances), ZERO),
    )


def claim_balance_of(claim: InsuranceClaim, rows: Iterable[InvoiceRow]) -> ClaimBalance:
    """The claim's figures from its invoices' rows already read (credit notes and void invoices
    owe nothing and count as such)."""
    mine = [row.figures for row in rows if row.invoice.claim_id == claim.pk]
    return ClaimBalance(
        claim=claim,
        homeowner=_figures([figures for figures in mine if figures.payer == Payer.HOMEOWNER]),
        insurer=_figures([figures for figures in mine if figures.payer == Payer.INSURER]),
        held_back=sum((figures.held_back for figures in mine), ZERO),
    )


def lead_claims(
    *, tenant: Tenant, lead: Lead, rows: list[InvoiceRow] | None = None
) -> list[ClaimBalance]:
    """The job's insurance claims with their figures per payer (one query for the claims, two for
    the invoices unless the job's rows from lead_invoices are given)."""
    claims = list(InsuranceClaim.objects.filter(tenant=tenant, lead=lead))
    if not claims:
        return []
    if rows is None:
        rows = lead_invoices(tenant=tenant, lead=lead)
    return [claim_balance_of(claim, rows) for claim in claims]


def homeowner_part(claims: Iterable[ClaimBalance]) -> PayerFigures:
    """What the homeowner is billed, has paid and owes on the job's claims: their deductibles."""
    figures = [claim.homeowner for claim in claims]
    return PayerFigures(
        billed=sum((part.billed for part in figures), ZERO),
        paid=sum((part.paid for part in figures), ZERO),
        owes=sum((part.owes for part in figures), ZERO),
    )


def claim_balance(*, tenant: Tenant, claim: InsuranceClaim) -> ClaimBalance:
    """One claim's figures per payer: what the homeowner owes, what the insurer owes now and what
    it holds back (two queries)."""
    invoices = _with_payments(Invoice.objects.filter(tenant=tenant, claim=claim), tenant)
    return claim_balance_of(claim, rows_of(invoices, tenant.today()))


def claim_get(*, tenant: Tenant, claim_id: int, lead: Lead) -> InsuranceClaim:
    return get_object_or_404(InsuranceClaim.objects.filter(tenant=tenant, lead=lead), pk=claim_id)
