"""Receivables: what customers owe on open invoices, by age since the due date, per rep (the
job's owner) and brand; the tenant's invoice list; the overdue invoices of one rep's customers.

Every balance here is the one billing.selectors.invoices.balance_of computes (the invoice's total
less its payments net of refunds, never below zero), added up in the database: an open invoice's
payments are summed by one correlated subquery on the invoice_payment_by_invoice index, and the
open invoices are read from the partial index invoice_open_by_due_date, so the dashboard's
figures are one query however many invoices a tenant has.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billing.models import OPEN_STATUSES, Invoice, InvoicePayment, InvoiceStatus, Payer, Series
from billing.selectors.invoices import OVERDUE, InvoiceRow, rows_of
from crm.models import Tenant
from crm.pagination import KeysetPage, keyset_page
from leads.models import MONEY, PaymentKind

ZERO = Decimal("0")
# What insurers owe on open invoices (no due date): a receivables figure and a list filter.
INSURER = "insurer"
MONEY_FIELD = DecimalField(max_digits=MONEY["max_digits"], decimal_places=MONEY["decimal_places"])
INVOICES_PER_PAGE = 50
MOST_OVERDUE_SHOWN = 5


@dataclass(frozen=True)
class AgeBucket:
    """Open invoices by days past their due date, `first`..`last` (inclusive; None is open-ended).
    Due today is not overdue yet (Invoice.is_overdue), so "not yet due" ends at day 0."""

    slug: str
    label: Promise
    first: int | None
    last: int | None

    def holds(self, days_overdue: int) -> bool:
        return (self.first is None or days_overdue >= self.first) and (
            self.last is None or days_overdue <= self.last
        )

    def due_dates(self, today: dt.date) -> Q:
        """The bucket as a range of due dates (what the partial index on due_on reads)."""
        conditions = Q()
        if self.first is not None:
            conditions &= Q(due_on__lte=today - dt.timedelta(days=self.first))
        if self.last is not None:
            conditions &= Q(due_on__gte=today - dt.timedelta(days=self.last))
        return conditions


AGE_BUCKETS = (
    AgeBucket("current", _("Not yet due"), None, 0),
    AgeBucket("1-30", _("1–30 days"), 1, 30),
    AgeBucket("31-60", _("31–60 days"), 31, 60),
    AgeBucket("61-90", _("61–90 days"), 61, 90),
    AgeBucket("90+", _("Over 90 days"), 91, None),
)
BUCKETS_BY_SLUG = {bucket.slug: bucket for bucket in AGE_BUCKETS}


def age_bucket_of(due_on: dt.date, today: dt.date) -> AgeBucket:
    days = (today - due_on).days
    return next(bucket for bucket in AGE_BUCKETS if bucket.holds(days))


def net_paid_expression() -> Coalesce:
    """An invoice's payments less its refunds (balance_of's `paid`), as a subquery."""
    signed = Case(
        When(payment__kind=PaymentKind.REFUND, then=-F("payment__amount")),
        default=F("payment__amount"),
        output_field=MONEY_FIELD,
    )
    paid = (
        InvoicePayment.objects.filter(tenant_id=OuterRef("tenant_id"), invoice_id=OuterRef("pk"))
        .order_by()
        .values("invoice_id")
        .annotate(net=Sum(signed))
        .values("net")
    )
    return Coalesce(Subquery(paid, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def balance_expression() -> Greatest:
    """An open invoice's balance (balance_of's `balance`): its total less what was paid, never
    below zero."""
    return Greatest(F("total") - net_paid_expression(), Value(ZERO), output_field=MONEY_FIELD)


def open_invoices(
    *,
    tenant: Tenant,
    owner_id: int | None = None,
    brand_id: int | None = None,
    pipeline_id: int | None = None,
    insurers: bool = False,
) -> QuerySet[Invoice]:
    """Invoices still to be paid (sent or partly paid; credit notes owe nothing) by a date: the
    customers'. With `insurers`, the insurers' too, which have no due date (InsuranceClaim)."""
    terms = Q(due_on__isnull=False)
    if insurers:
        terms |= Q(payer=Payer.INSURER)
    invoices = Invoice.objects.filter(
        terms, tenant=tenant, status__in=OPEN_STATUSES, series=Series.INVOICE
    )
    if owner_id is not None:
        invoices = invoices.filter(lead__owner_id=owner_id)
    if brand_id is not None:
        invoices = invoices.filter(brand_id=brand_id)
    if pipeline_id is not None:
        invoices = invoices.filter(lead__pipeline_id=pipeline_id)
    return invoices


@dataclass
class Owed:
    """How many open invoices and what they still owe."""

    count: int = 0
    amount: Decimal = ZERO

    def add(self, count: int, amount: Decimal) -> None:
        self.count += count
        self.amount += amount


def _by_bucket() -> dict[str, Owed]:
    return {bucket.slug: Owed() for bucket in AGE_BUCKETS}


@dataclass
class ReceivablesGroup:
    """One rep's or brand's open invoices by age; `key` is the member's or brand's id (None:
    no owner, no brand)."""

    key: int | None
    buckets: dict[str, Owed] = field(default_factory=_by_bucket)
    total: Owed = field(default_factory=Owed)

    def add(self, bucket: str, count: int, amount: Decimal) -> None:
        self.buckets[bucket].add(count, amount)
        self.total.add(count, amount)

    @property
    def overdue(self) -> Owed:
        owed = Owed()
        for slug, figures in self.buckets.items():
            if slug != "current":
                owed.add(figures.count, figures.amount)
        return owed


@dataclass
class Receivables:
    currency: str
    today: dt.date
    total: ReceivablesGroup
    by_rep: list[ReceivablesGroup]  # most owed first
    by_brand: list[ReceivablesGroup]
    # What insurers owe on insurance claims: paid on the insurer's own terms, so not aged with
    # the customers' invoices.
    insurers: Owed = field(default_factory=Owed)


def receivables(
    *,
    tenant: Tenant,
    today: dt.date,
    owner_id: int | None = None,
    brand_id: int | None = None,
    pipeline_id: int | None = None,
) -> Receivables:
    """The open invoices' balances by age, rep and brand, and the insurers' apart: one GROUP BY
    query over (owner, brand, age bucket)."""
    age_or_insurer = Case(
        When(payer=Payer.INSURER, then=Value(INSURER)),
        *(When(bucket.due_dates(today), then=Value(bucket.slug)) for bucket in AGE_BUCKETS),
        output_field=CharField(),
    )
    invoices = open_invoices(
        tenant=tenant,
        owner_id=owner_id,
        brand_id=brand_id,
        pipeline_id=pipeline_id,
        insurers=True,
    )
    rows = (
        invoices.annotate(bucket=age_or_insurer, balance=balance_expression())
        .order_by()
        .values("lead__owner_id", "brand_id", "bucket")
        .annotate(count=Count("id"), amount=Sum("balance"))
    )
    total = ReceivablesGroup(key=None)
    reps: dict[int | None, ReceivablesGroup] = {}
    brands: dict[int | None, ReceivablesGroup] = {}
    insurers = Owed()
    for row in rows:
        count, amount = row["count"], row["amount"] or ZERO
        if row["bucket"] == INSURER:
            insurers.add(count, amount)
            continue
        total.add(row["bucket"], count, amount)
        owner, brand = row["lead__owner_id"], row["brand_id"]
        reps.setdefault(owner, ReceivablesGroup(key=owner)).add(row["bucket"], count, amount)
        brands.setdefault(brand, ReceivablesGroup(key=brand)).add(row["bucket"], count, amount)

    def most_owed(groups: dict) -> list[ReceivablesGroup]:
        return sorted(groups.values(), key=lambda group: (-group.total.amount, group.key or 0))

    return Receivables(
        currency=tenant.currency,
        today=today,
        total=total,
        by_rep=most_owed(reps),
        by_brand=most_owed(brands),
        insurers=insurers,
    )


# --- The invoice list -----------------------------------------------------------------------


def _listed(invoices: QuerySet[Invoice], tenant: Tenant) -> QuerySet[Invoice]:
    """What a row shows: the job, its customer and owner, the brand, and the payments that
    make the balance (rows_of)."""
    return invoices.select_related("lead__contact", "lead__owner__user", "brand").prefetch_related(
        Prefetch(
            "payments",
            queryset=InvoicePayment.objects.filter(tenant=tenant).select_related("payment"),
        )
    )


@dataclass(frozen=True)
class InvoiceFilters:
    """What the invoice list is narrowed to; every field optional. `issued_from`/`issued_to`
    (inclusive) are the invoice dates; `age` is an AGE_BUCKETS slug (open invoices only)."""

    status: str = ""
    age: str = ""
    owner_id: int | None = None
    brand_id: int | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None


def _filtered(tenant: Tenant, filters: InvoiceFilters, today: dt.date) -> QuerySet[Invoice]:
    invoices = Invoice.objects.filter(tenant=tenant)
    if filters.age in BUCKETS_BY_SLUG or filters.status in ("open", OVERDUE):
        invoices = open_invoices(tenant=tenant)
    elif filters.status == INSURER:
        invoices = open_invoices(tenant=tenant, insurers=True).filter(payer=Payer.INSURER)
    if filters.status == OVERDUE:
        invoices = invoices.filter(due_on__lt=today)
    elif filters.status in (InvoiceStatus.PAID, InvoiceStatus.VOID, InvoiceStatus.DRAFT):
        invoices = invoices.filter(status=filters.status)
    if filters.age in BUCKETS_BY_SLUG:
        invoices = invoices.filter(BUCKETS_BY_SLUG[filters.age].due_dates(today))
    if filters.owner_id is not None:
        invoices = invoices.filter(lead__owner_id=filters.owner_id)
    if filters.brand_id is not None:
        invoices = invoices.filter(brand_id=filters.brand_id)
    if filters.issued_from is not None:
        invoices = invoices.filter(issued_on__gte=filters.issued_from)
    if filters.issued_to is not None:
        invoices = invoices.filter(issued_on__lte=filters.issued_to)
    return invoices


def invoice_list(
    *,
    tenant: Tenant,
    filters: InvoiceFilters,
    after: str | None = None,
    per_page: int = INVOICES_PER_PAGE,
) -> KeysetPage:
    """The tenant's invoices and credit notes as filtered, newest first, a page at a time, each
    with its balance (items are InvoiceRow): two queries a page, the invoices with their job,
    customer, owner and brand, and their payments."""
    today = tenant.today()
    invoices = _listed(_filtered(tenant, filters, today), tenant)
    page = keyset_page(invoices, order=("-created_at", "-id"), after=after, per_page=per_page)
    return KeysetPage(items=rows_of(page.items, today), next_cursor=page.next_cursor)


# --- A rep's overdue customers ----------------------------------------------------------------


@dataclass(frozen=True)
class OverdueSummary:
    count: int
    amount: Decimal
    currency: str
    most_overdue: list[InvoiceRow]  # oldest due date first


def overdue_for_owner(
    *, tenant: Tenant, owner_id: int, most: int = MOST_OVERDUE_SHOWN
) -> OverdueSummary:
    """The open invoices past their due date on the jobs `owner_id` owns: how many, what they
    still owe, and the most overdue of them (three queries)."""
    today = tenant.today()
    overdue = open_invoices(tenant=tenant, owner_id=owner_id).filter(due_on__lt=today)
    totals = overdue.aggregate(count=Count("id"), amount=Sum(balance_expression()))
    oldest = _listed(overdue, tenant).order_by("due_on", "id")[:most]
    return OverdueSummary(
        count=totals["count"],
        amount=totals["amount"] or ZERO,
        currency=tenant.currency,
        most_overdue=rows_of(oldest, today) if totals["count"] else [],
    )
