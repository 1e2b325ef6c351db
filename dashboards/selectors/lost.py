"""Why deals were lost: the leads lost in the period, by reason, source, rep and month.

"Lost in the period" means the lead's status is lost and it was closed inside the period (a
lost lead that was reopened is not lost any more). One GROUP BY query over (reason, source, rep,
month); the four breakdowns are added up from its rows.

A lost lead's value is what was on the table: the total of its latest quote that reached the
customer (sent, viewed, rejected or expired), else its estimated value.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DateField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.kit.formatting import money
from dashboards.charts import Chart, bar_chart, grouped_bar_chart, money_format
from dashboards.models import LostDay, LostMonth
from dashboards.period import Scope
from dashboards.selectors.people import UNASSIGNED, member_name, team_members
from dashboards.selectors.period_rollups import RollupPlan, rollup_plans
from dashboards.selectors.sources import (
    MONEY_FIELD,
    NO_SOURCE,
    ZERO,
    month_axis_labels,
    month_label,
    months_of,
    source_names,
)
from dashboards.tables import Table
from leads.models import LeadStatus, LostReason, Quote, QuoteStatus

OFFERED_QUOTE_STATUSES = (
    QuoteStatus.SENT,
    QuoteStatus.VIEWED,
    QuoteStatus.REJECTED,
    QuoteStatus.EXPIRED,
)


@dataclass
class LostGroup:
    """Lost leads sharing one reason, source, rep or month."""

    name: str | Promise
    count: int = 0
    value: Decimal = ZERO
    reasons: Counter = field(default_factory=Counter)

    def add(self, reason: str, count: int, value: Decimal) -> None:
        self.count += count
        self.value += value
        self.reasons[reason] += count

    @property
    def main_reason(self) -> str | Promise:
        """The most frequent reason (ties: the one listed first in LostReason)."""
        if not self.reasons:
            return "—"
        order = list(LostReason.values)
        reason = min(self.reasons, key=lambda r: (-self.reasons[r], order.index(r)))
        return LostReason(reason).label


@dataclass
class LostReport:
    currency: str
    months: list[dt.date]
    total: LostGroup
    by_reason: list[LostGroup]  # most lost first
    by_source: list[LostGroup]
    by_rep: list[LostGroup]
    by_month: list[LostGroup]  # every month of the period

    def share(self, group: LostGroup) -> float | None:
        return group.count / self.total.count if self.total.count else None


def lost_value_expression():
    """What a lost lead was worth: its latest offered quote's total, else its estimate."""
    latest_offer = (
        Quote.objects.filter(
            tenant_id=OuterRef("tenant_id"),
            lead_id=OuterRef("pk"),
            status__in=OFFERED_QUOTE_STATUSES,
        )
        .order_by("-created_at", "-id")
        .values("total")[:1]
    )
    return Coalesce(
        Subquery(latest_offer, output_field=MONEY_FIELD),
        "estimated_value",
        Value(ZERO),
        output_field=MONEY_FIELD,
    )


def lost_aggregates() -> dict:
    return {"lead_count": Count("id"), "value_total": Sum(lost_value_expression())}


def _live_rows(scope: Scope, closed: Q):
    """Rows of (reason, source, rep, month) counted from the leads lost as `closed` says."""
    rows = (
        scope.leads()
        .filter(closed, status=LeadStatus.LOST)
        .annotate(month=TruncMonth("closed_at", tzinfo=scope.tenant.zone))
        .order_by()
        .values("lost_reason", "source__name", "owner_id", "month")
        .annotate(**lost_aggregates())
    )
    for row in rows:
        row["month"] = timezone.localtime(row["month"], scope.tenant.zone).date()
        yield row


# GROUPING(source_id, owner_id, m) of each grouping set: a bit set for each column summed over.
BY_SOURCE, BY_REP, BY_MONTH = 0b011, 0b101, 0b110
ALL_GROUPS = (BY_SOURCE, BY_REP, BY_MONTH)


def _rollup_rows(scope: Scope, plan: RollupPlan):
    """The rollup's month and day rows summed by reason and source, by reason and rep, and by
    reason and month (one query: a year holds some 20,000 rows of every reason, source, rep and
    month, and the report needs only those three breakdowns); then the changed days counted live
    (those rows count in every breakdown)."""
    columns = ("reason", "source_id", "owner_id", "lost", "value", "m")
    filters = scope.lead_conditions()
    days = (
        LostDay.objects.filter(filters, plan.days, tenant=scope.tenant)
        .annotate(m=Cast(TruncMonth("day"), DateField()))
        .values(*columns)
    )
    if plan.months:
        stored = (
            LostMonth.objects.filter(filters, tenant=scope.tenant, month__in=plan.months)
            .annotate(m=F("month"))
            .values(*columns)
            .union(days, all=True)
        )
    else:
        stored = days
    sql, params = stored.order_by().query.sql_with_params()
    # The ORM's own SQL and parameters, wrapped: Django has no GROUPING SETS.
    summed = (
        "SELECT reason, source_id, owner_id, m, GROUPING(source_id, owner_id, m),"  # noqa: S608
        f" SUM(lost), SUM(value) FROM ({sql}) stored"
        " GROUP BY GROUPING SETS ((reason, source_id), (reason, owner_id), (reason, m))"
    )
    with connection.cursor() as cursor:
        cursor.execute(summed, params)
        rows = cursor.fetchall()
    names = source_names(scope.tenant, {row[1] for row in rows})
    for reason, source_id, owner_id, month, grouping, count, value in rows:
        yield {
            "lost_reason": reason,
            "source__name": names.get(source_id),
            "owner_id": owner_id,
            "month": month,
            "lead_count": count,
            "value_total": value,
            "groups": (grouping,),
        }
    live = plan.live("closed_at", scope.tenant)
    if live is not None:
        yield from _live_rows(scope, live)


def lost_report(scope: Scope) -> LostReport:
    """The leads lost in the period: summed from the rollup when it is built, else counted (one
    query); and one query for the reps' names."""
    plans = rollup_plans(scope)
    if plans is None:
        rows = _live_rows(scope, Q(closed_at__gte=scope.start, closed_at__lt=scope.end))
    else:
        rows = _rollup_rows(scope, plans[1])
    members = team_members(scope)
    months = months_of(scope)
    total = LostGroup("All lost leads")
    by_reason = {reason: LostGroup(label) for reason, label in LostReason.choices}
    by_source: dict[str, LostGroup] = defaultdict(lambda: LostGroup(""))
    by_rep: dict[int | None, LostGroup] = defaultdict(lambda: LostGroup(""))
    by_month = {month: LostGroup(month_label(month)) for month in months}
    for row in rows:
        reason, count, value = row["lost_reason"], row["lead_count"], row["value_total"] or ZERO
        groups = row.get("groups", ALL_GROUPS)
        if BY_SOURCE in groups:
            source = row["source__name"] or NO_SOURCE
            by_source[source].name = source
            by_source[source].add(reason, count, value)
        if BY_REP in groups:
            by_rep[row["owner_id"]].name = member_name(members, row["owner_id"])
            by_rep[row["owner_id"]].add(reason, count, value)
        if BY_MONTH in groups:
            for group in (total, by_reason[reason], by_month[row["month"]]):
                group.add(reason, count, value)
    return LostReport(
        currency=scope.tenant.currency,
        months=months,
        total=total,
        by_reason=_most_first([g for g in by_reason.values() if g.count]),
        by_source=_most_first(by_source.values(), last=NO_SOURCE),
        by_rep=_most_first(by_rep.values(), last=UNASSIGNED),
        by_month=[by_month[month] for month in months],
    )


def _most_first(groups: Iterable[LostGroup], *, last: str | Promise = "") -> list[LostGroup]:
    return sorted(
        groups, key=lambda g: (g.name == last, -g.count, -g.value, str(g.name).casefold())
    )


# --- Tables and charts ----------------------------------------------------------------------------


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def lost_by_reason_table(report: LostReport) -> Table:
    rows = [
        [g.name, g.count, _percent(report.share(g)), money(g.value, report.currency)]
        for g in report.by_reason
    ]
    return Table(
        title=_("Leads lost in the period, by reason"),
        headers=[_("Reason"), _("Lost leads"), _("Share"), _("Value")],
        rows=rows,
    )


def _grouped_table(title: str, first_header: str, groups, currency: str) -> Table:
    return Table(
        title=title,
        headers=[first_header, _("Lost leads"), _("Value"), _("Main reason")],
        rows=[[g.name, g.count, money(g.value, currency), g.main_reason] for g in groups],
    )


def lost_by_source_table(report: LostReport) -> Table:
    return _grouped_table(
        _("Leads lost in the period, by source"), _("Source"), report.by_source, report.currency
    )


def lost_by_rep_table(report: LostReport) -> Table:
    return _grouped_table(
        _("Leads lost in the period, by rep"), _("Rep"), report.by_rep, report.currency
    )


def lost_by_month_table(report: LostReport) -> Table:
    return _grouped_table(
        _("Leads lost in the period, by month"), _("Month"), report.by_month, report.currency
    )


def lost_charts(report: LostReport) -> list[Chart]:
    """Lost leads and their value by reason; over several months, each month's reasons stacked."""
    charts = [
        bar_chart(
            [(str(g.name), g.count) for g in report.by_reason], title=_("Lost leads by reason")
        ),
        bar_chart(
            [(str(g.name), g.value) for g in report.by_reason],
            title=_("Lost value by reason"),
            value_format=money_format(report.currency),
        ),
    ]
    if len(report.months) > 1 and report.by_reason:
        reasons = [(r, label) for r, label in LostReason.choices if report.total.reasons[r]]
        charts.append(
            grouped_bar_chart(
                month_axis_labels(report.months),
                [
                    (str(label), [month.reasons[reason] for month in report.by_month])
                    for reason, label in reasons
                ],
                title=_("Lost leads by month and reason"),
                stacked=True,
            )
        )
    return charts
