"""Lead sources: what each source brought in a period, what it cost, and what it earned.

Every figure is about the leads *created* in the period (a cohort): how many, what they cost,
how many of them are won by now and for how much, and how many turned out to be jobs the
business does not do. One GROUP BY (month, source) query; per-source and per-month totals are
added up from its rows, and the ratios are worked out from the totals, never averaged.

- Cost: each lead's own `cost` (it starts at its source's default cost and can be changed per
  lead); there are no separate spend records.
- Won: leads of the cohort whose status is won now (a won lead marked lost later is not).
- Won value: the total of the lead's accepted quotes; a won lead without one counts its
  estimated value (payments only record what came in so far, not what the job is worth).
- Return on spend: won value divided by cost (3.0 = every dollar spent brought three).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.formatting import local_date, money
from dashboards.charts import Chart, bar_chart, grouped_bar_chart, line_chart, money_format
from dashboards.models import LeadCohortDay, LeadCohortMonth
from dashboards.period import Scope
from dashboards.selectors.period_rollups import RollupPlan, rollup_plans
from dashboards.tables import Table
from leads.models import LeadSource, LeadStatus, LostReason, Quote, QuoteStatus

NO_SOURCE = "No source"
ZERO = Decimal("0")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
# Lost reasons that mean "we were never going to do this job".
WRONG_JOB_REASONS = (LostReason.NOT_OUR_WORK, LostReason.OUT_OF_AREA)


def months_of(scope: Scope) -> list[dt.date]:
    """The first day of every month the period touches, in the tenant's time zone."""
    first = timezone.localtime(scope.start, scope.tenant.zone).date().replace(day=1)
    last = timezone.localtime(scope.end - dt.timedelta(microseconds=1), scope.tenant.zone).date()
    months = []
    while first <= last:
        months.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return months


def month_label(month: dt.date) -> str:
    return local_date(month, "month_year")


def month_axis_labels(months: list[dt.date]) -> list[str]:
    """Short month names on a time axis; with the year when the months span two years."""
    one_year = len({month.year for month in months}) == 1
    return [date_format(month, "M") if one_year else month_label(month) for month in months]


@dataclass(frozen=True)
class SourceFigures:
    """One source's (or one month's, or everyone's) cohort of leads."""

    name: str
    leads: int = 0
    cost: Decimal = ZERO
    won: int = 0
    won_value: Decimal = ZERO
    not_our_work: int = 0
    out_of_area: int = 0

    def __add__(self, other: "SourceFigures") -> "SourceFigures":
        return SourceFigures(
            name=self.name,
            leads=self.leads + other.leads,
            cost=self.cost + other.cost,
            won=self.won + other.won,
            won_value=self.won_value + other.won_value,
            not_our_work=self.not_our_work + other.not_our_work,
            out_of_area=self.out_of_area + other.out_of_area,
        )

    @property
    def cost_per_lead(self) -> Decimal | None:
        return _money_ratio(self.cost, self.leads)

    @property
    def conversion(self) -> float | None:
        """Share of the leads won."""
        return self.won / self.leads if self.leads else None

    @property
    def cost_per_acquisition(self) -> Decimal | None:
        return _money_ratio(self.cost, self.won)

    @property
    def return_on_spend(self) -> Decimal | None:
        if not self.cost:
            return None
        return (self.won_value / self.cost).quantize(Decimal("0.1"))

    @property
    def wrong_jobs(self) -> int:
        return self.not_our_work + self.out_of_area

    @property
    def wrong_job_share(self) -> float | None:
        return self.wrong_jobs / self.leads if self.leads else None


def _money_ratio(amount: Decimal, count: int) -> Decimal | None:
    return (amount / count).quantize(Decimal("0.01")) if count else None


@dataclass
class SourcesReport:
    currency: str
    months: list[dt.date]
    by_source: list[SourceFigures]  # most leads first, "No source" last
    by_month: list[SourceFigures]  # every month of the period, empty ones too
    total: SourceFigures

    @property
    def wrong_job_sources(self) -> list[SourceFigures]:
        """Sources whose leads were lost as jobs we don't do (or out of the area), worst first."""
        sources = [figures for figures in self.by_source if figures.wrong_jobs]
        return sorted(sources, key=lambda f: (-f.wrong_jobs, -(f.wrong_job_share or 0), f.name))


def won_value_expression():
    """A lead's won value: its accepted quotes' total, else its estimated value."""
    accepted_total = (
        Quote.objects.filter(
            tenant_id=OuterRef("tenant_id"), lead_id=OuterRef("pk"), status=QuoteStatus.ACCEPTED
        )
        .order_by()
        .values("lead_id")
        .annotate(total=Sum("total"))
        .values("total")
    )
    return Coalesce(
        Subquery(accepted_total, output_field=MONEY_FIELD),
        "estimated_value",
        Value(ZERO),
        output_field=MONEY_FIELD,
    )


def cohort_aggregates() -> dict:
    """The sources report's figures of a group of leads (the live count and the rollup's)."""
    won = Q(status=LeadStatus.WON)
    return {
        "lead_count": Count("id"),
        "cost_total": Sum("cost"),
        "won_count": Count("id", filter=won),
        "won_value_total": Sum(won_value_expression(), filter=won),
        "not_our_work_count": Count(
            "id", filter=Q(status=LeadStatus.LOST, lost_reason=LostReason.NOT_OUR_WORK)
        ),
        "out_of_area_count": Count(
            "id", filter=Q(status=LeadStatus.LOST, lost_reason=LostReason.OUT_OF_AREA)
        ),
    }


def _live_rows(scope: Scope, created: Q):
    """Rows of (month, source) counted from the leads created as `created` says."""
    rows = (
        scope.leads()
        .filter(created)
        .annotate(month=TruncMonth("created_at", tzinfo=scope.tenant.zone))
        .order_by()
        .values("month", "source_id", "source__name")
        .annotate(**cohort_aggregates())
    )
    for row in rows:
        row["month"] = timezone.localtime(row["month"], scope.tenant.zone).date()
        yield row


def _rollup_rows(scope: Scope, plan: RollupPlan):
    """Rows of (month, source) summed from the rollup, then the changed days counted live."""
    sums = {
        "lead_count": Sum("leads"),
        "cost_total": Sum("cost"),
        "won_count": Sum("won"),
        "won_value_total": Sum("won_value"),
        "not_our_work_count": Sum("not_our_work"),
        "out_of_area_count": Sum("out_of_area"),
    }
    filters = scope.lead_conditions()
    rows: list[Mapping[str, Any]] = []
    if plan.months:
        rows += (
            LeadCohortMonth.objects.filter(filters, tenant=scope.tenant, month__in=plan.months)
            .order_by()
            .values("month", "source_id")
            .annotate(**sums)
        )
    rows += (
        LeadCohortDay.objects.filter(filters, plan.days, tenant=scope.tenant)
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values("month", "source_id")
        .annotate(**sums)
    )
    names = source_names(scope.tenant, {row["source_id"] for row in rows})
    for row in rows:
        yield {**row, "source__name": names.get(row["source_id"])}
    live = plan.live("created_at", scope.tenant)
    if live is not None:
        yield from _live_rows(scope, live)


def source_names(tenant, source_ids) -> dict[int, str]:
    ids = [pk for pk in source_ids if pk is not None]
    if not ids:
        return {}
    return dict(LeadSource.objects.filter(tenant=tenant, pk__in=ids).values_list("pk", "name"))


def sources_report(scope: Scope) -> SourcesReport:
    """The period's leads by source and by month: summed from the rollup when it is built (a
    few queries whatever the period), else counted (one query)."""
    plans = rollup_plans(scope)
    if plans is None:
        rows = _live_rows(scope, Q(created_at__gte=scope.start, created_at__lt=scope.end))
    else:
        rows = _rollup_rows(scope, plans[0])
    months = months_of(scope)
    by_source: dict[int | None, SourceFigures] = {}
    by_month = {month: SourceFigures(month_label(month)) for month in months}
    for row in rows:
        name = row["source__name"] or NO_SOURCE
        figures = SourceFigures(
            name=name,
            leads=row["lead_count"],
            cost=row["cost_total"] or ZERO,
            won=row["won_count"],
            won_value=row["won_value_total"] or ZERO,
            not_our_work=row["not_our_work_count"],
            out_of_area=row["out_of_area_count"],
        )
        source_id = row["source_id"]
        by_source[source_id] = by_source.get(source_id, SourceFigures(name)) + figures
        by_month[row["month"]] = by_month[row["month"]] + figures
    ordered = sorted(
        by_source.values(), key=lambda f: (f.name == NO_SOURCE, -f.leads, f.name.casefold())
    )
    total = SourceFigures("All sources")
    for figures in ordered:
        total = total + figures
    return SourcesReport(
        currency=scope.tenant.currency,
        months=months,
        by_source=ordered,
        by_month=[by_month[month] for month in months],
        total=total,
    )


# --- Tables and charts (the page and the CSV export read the same ones) -----------------------


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _times(ratio: Decimal | None) -> str:
    return "—" if ratio is None else f"{ratio}\N{MULTIPLICATION SIGN}"


SOURCE_HEADERS = [  # translated where used
    gettext_noop("Leads"),
    gettext_noop("Cost"),
    gettext_noop("Cost per lead"),
    gettext_noop("Won"),
    gettext_noop("Conversion"),
    gettext_noop("Won value"),
    gettext_noop("Cost per acquisition"),
    gettext_noop("Return on spend"),
]


def _figures_row(figures: SourceFigures, currency: str) -> list[str | int]:
    return [
        figures.name,
        figures.leads,
        money(figures.cost, currency),
        money(figures.cost_per_lead, currency),
        figures.won,
        _percent(figures.conversion),
        money(figures.won_value, currency),
        money(figures.cost_per_acquisition, currency),
        _times(figures.return_on_spend),
    ]


def sources_table(report: SourcesReport) -> Table:
    rows = [_figures_row(figures, report.currency) for figures in report.by_source]
    if len(report.by_source) > 1:
        rows.append(_figures_row(report.total, report.currency))
    return Table(
        title=_("Leads created in the period, by source"),
        headers=[_("Source"), *map(_, SOURCE_HEADERS)],
        rows=rows,
    )


def sources_by_month_table(report: SourcesReport) -> Table:
    return Table(
        title=_("Leads created in the period, by month"),
        headers=[_("Month"), *map(_, SOURCE_HEADERS)],
        rows=[_figures_row(figures, report.currency) for figures in report.by_month],
    )


def wrong_jobs_table(report: SourcesReport) -> Table:
    return Table(
        title=_("Sources that bring jobs we don't do"),
        headers=[
            _("Source"),
            _("Leads"),
            LostReason.NOT_OUR_WORK.label,
            LostReason.OUT_OF_AREA.label,
            _("Share of its leads"),
        ],
        rows=[
            [f.name, f.leads, f.not_our_work, f.out_of_area, _percent(f.wrong_job_share)]
            for f in report.wrong_job_sources
        ],
    )


def sources_charts(report: SourcesReport) -> list[Chart]:
    """Leads per source; cost against won value per source; and, over several months, the same
    two amounts month by month."""
    as_money = money_format(report.currency)
    names = [figures.name for figures in report.by_source]
    charts = [
        bar_chart([(f.name, f.leads) for f in report.by_source], title=_("Leads by source")),
        grouped_bar_chart(
            names,
            [
                (_("Cost"), [f.cost for f in report.by_source]),
                (_("Won value"), [f.won_value for f in report.by_source]),
            ],
            title=_("Cost and won value by source"),
            value_format=as_money,
        ),
    ]
    if len(report.months) > 1:
        charts.append(
            line_chart(
                month_axis_labels(report.months),
                [
                    (_("Cost"), [f.cost for f in report.by_month]),
                    (_("Won value"), [f.won_value for f in report.by_month]),
                ],
                title=_("Cost and won value by month"),
                value_format=as_money,
            )
        )
    return charts


def sources_headline(report: SourcesReport) -> list[tuple[str, str]]:
    """The period's totals as (figure, what it is) pairs, above the charts."""
    total, currency = report.total, report.currency
    return [
        (str(total.leads), f"leads · {money(total.cost_per_lead, currency)} each"),
        (money(total.cost, currency), "spent on leads"),
        (
            _percent(total.conversion),
            f"won ({total.won}) · {money(total.cost_per_acquisition, currency)} per sale",
        ),
        (
            money(total.won_value, currency),
            f"won value · {_times(total.return_on_spend)} return on spend",
        ),
    ]
