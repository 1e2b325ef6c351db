"""Numbers that moved unusually: each week of the period against the eight weeks before it.

Weeks are rolling 7-day windows ending at the end of the period (or now, when the period is still
running), so the latest week is always a whole one. For every week of the period, each metric is
compared with its eight previous weeks:

- the change must be large enough to matter (`min_change`) on numbers big enough to read
  (`min_volume`, on this week or on the usual week);
- then it is flagged when it lies `Z_THRESHOLD` standard deviations or more from the usual
  week, or, when the previous weeks never varied (no spread to measure against), when it is
  at least twice or at most half of it.

Each flag carries the comparison that raised it: "New leads: 4 in the last 7 days vs 18 ± 3 over
the previous 8 weeks". New leads, their first response and sales are counted by one GROUP BY
query over week numbers each; calls and messages come from dashboards.selectors.activity, whose
daily rollup holds the days a week holds whole (6 queries in all).
"""

import datetime as dt
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.kit.formatting import duration
from dashboards.aggregates import Median
from dashboards.charts import Chart, line_chart
from dashboards.period import Scope
from dashboards.selectors.activity import WEEK, WeeksBefore, weekly_activity
from dashboards.tables import Table
from leads.models import LeadStatus

TRAILING_WEEKS = 8
MIN_BASELINE_WEEKS = 4  # a median needs leads to measure; fewer usable weeks: no verdict
Z_THRESHOLD = 3.0
FLAT_RATIO = 2.0


def format_minutes(minutes: float) -> str:
    """Minutes as the rest of the dashboard writes durations: "42m", "3h 5m"."""
    return duration(dt.timedelta(minutes=minutes), short=True)


def format_count(value: float) -> str:
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit_format: Callable[[float], str]
    min_volume: float  # this week or the usual week must reach it, or the numbers are too small
    min_change: float  # smaller moves are noise, whatever the spread
    better: str  # "up", "down" or "" (neither): colours the flag


METRICS = (
    Metric("new_leads", gettext_lazy("New leads"), format_count, 5, 3, "up"),
    Metric("won", gettext_lazy("Sales (won leads)"), format_count, 3, 2, "up"),
    Metric("calls", gettext_lazy("Calls logged"), format_count, 5, 3, "up"),
    Metric("messages_sent", gettext_lazy("Messages sent"), format_count, 5, 3, "up"),
    Metric("messages_received", gettext_lazy("Messages received"), format_count, 5, 3, ""),
    Metric("first_response", gettext_lazy("Median first response"), format_minutes, 5, 5, "down"),
)
# A week's median first response counts only when at least this many new leads were touched.
MIN_RESPONSE_SAMPLES = 3


@dataclass(frozen=True)
class Comparison:
    """One metric in one week of the period against the weeks before it."""

    metric: Metric
    week_end: dt.datetime
    week_label: str  # "the last 7 days" or "the week to Mar 3"
    week_title: str  # "Last 7 days" or "Week to Mar 3" (a table cell)
    value: float | None
    baseline: list[float]
    flagged: bool

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.baseline) if self.baseline else None

    @property
    def spread(self) -> float | None:
        return statistics.stdev(self.baseline) if len(self.baseline) > 1 else None

    @property
    def z_score(self) -> float | None:
        if self.value is None or not self.spread:
            return None
        return (self.value - self.mean) / self.spread

    @property
    def direction(self) -> str:
        if self.value is None or self.mean is None or self.value == self.mean:
            return ""
        return "up" if self.value > self.mean else "down"

    @property
    def tone(self) -> str:
        """good / bad / "" (neither), for the colour of the flag."""
        if not self.metric.better or not self.direction:
            return ""
        return "good" if self.direction == self.metric.better else "bad"

    @property
    def usual(self) -> str:
        """The previous weeks in words: "18 ± 3", or "0 every week" when they never varied."""
        if self.mean is None:
            return "—"
        fmt = self.metric.unit_format
        if not self.spread:
            return _("%(usual)s every week") % {"usual": fmt(self.mean)}
        return f"{fmt(self.mean)} ± {fmt(self.spread)}"

    @property
    def sentence(self) -> str:
        fmt = self.metric.unit_format
        shown = "—" if self.value is None else fmt(self.value)
        return ngettext(
            "%(metric)s: %(value)s in %(week)s vs %(usual)s over the previous %(weeks)s week",
            "%(metric)s: %(value)s in %(week)s vs %(usual)s over the previous %(weeks)s weeks",
            len(self.baseline),
        ) % {
            "metric": self.metric.label,
            "value": shown,
            "week": self.week_label,
            "usual": self.usual,
            "weeks": len(self.baseline),
        }


def is_unusual(metric: Metric, value: float | None, baseline: list[float]) -> bool:
    if value is None or len(baseline) < MIN_BASELINE_WEEKS:
        return False
    mean = statistics.fmean(baseline)
    if max(value, mean) < metric.min_volume or abs(value - mean) < metric.min_change:
        return False
    spread = statistics.stdev(baseline)
    if spread > 0:
        return abs(value - mean) / spread >= Z_THRESHOLD
    return mean == 0 or not (1 / FLAT_RATIO < value / mean < FLAT_RATIO)


@dataclass
class AnomalyReport:
    week_ends: list[dt.datetime]  # oldest first: the trailing weeks, then the period's weeks
    week_labels: list[str]  # for a time axis, one per week end
    period_weeks: int
    series: dict[str, list[float | None]]  # metric key -> one value per week, oldest first
    comparisons: list[Comparison]  # the period's weeks, newest first, metric by metric

    @property
    def flags(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.flagged]


def anomaly_report(scope: Scope, *, now: dt.datetime | None = None) -> AnomalyReport:
    now = now or timezone.now()
    # In UTC: the database counts weeks of real time, and Python's arithmetic on two datetimes of
    # the tenant's zone is wall-clock time, an hour apart across a daylight-saving change.
    end = min(scope.end, now).astimezone(dt.UTC)
    period_weeks = max(0, math.ceil((end - scope.start) / WEEK))
    weeks = period_weeks + TRAILING_WEEKS
    since = end - weeks * WEEK
    counts = _weekly_counts(scope, since, end, weeks)
    zone = scope.tenant.zone
    # Oldest first: index i holds week number (weeks - 1 - i), counted back from `end`.
    week_ends = [end - (weeks - 1 - i) * WEEK for i in range(weeks)]
    last_days = [
        timezone.localtime(e - dt.timedelta(microseconds=1), zone).date() for e in week_ends
    ]
    series = {metric.key: counts[metric.key][::-1] for metric in METRICS}
    comparisons = []
    for back in range(period_weeks):
        index = weeks - 1 - back
        if back == 0 and end == now:
            label, title = _("the last 7 days"), _("Last 7 days")
        else:
            day = date_format(last_days[index], "M j")
            label = _("the week to %(day)s") % {"day": day}
            title = _("Week to %(day)s") % {"day": day}
        for metric in METRICS:
            values = series[metric.key]
            baseline = [v for v in values[index - TRAILING_WEEKS : index] if v is not None]
            comparisons.append(
                Comparison(
                    metric=metric,
                    week_end=week_ends[index],
                    week_label=label,
                    week_title=title,
                    value=values[index],
                    baseline=baseline,
                    flagged=is_unusual(metric, values[index], baseline),
                )
            )
    return AnomalyReport(
        week_ends=week_ends,
        week_labels=[date_format(day, "M j") for day in last_days],
        period_weeks=period_weeks,
        series=series,
        comparisons=comparisons,
    )


def _weekly_counts(scope: Scope, since: dt.datetime, end: dt.datetime, weeks: int):
    """Metric key -> values by week number (0 = the latest week)."""
    counts: dict[str, list[float | None]] = {
        metric.key: [0] * weeks for metric in METRICS if metric.key != "first_response"
    }
    counts["first_response"] = [None] * weeks
    leads = scope.leads()

    def by_week(queryset: QuerySet, field: str, **aggregates):
        return (
            queryset.filter(**{f"{field}__gte": since, f"{field}__lt": end})
            .annotate(week=WeeksBefore(end, field))
            .order_by()
            .values("week")
            .annotate(**aggregates)
        )

    # Counting a column the index holds (not the id) lets PostgreSQL answer from the index alone:
    # dashboard_lead_created, timeline_by_kind, dashboard_message_by_time.
    touched = Q(first_touch_at__isnull=False)
    for row in by_week(
        leads,
        "created_at",
        created=Count("created_at"),
        touched=Count("created_at", filter=touched),
        median_first_touch=Median(
            ExpressionWrapper(F("first_touch_at") - F("created_at"), output_field=DurationField()),
            filter=touched,
        ),
    ):
        counts["new_leads"][row["week"]] = row["created"]
        if row["touched"] >= MIN_RESPONSE_SAMPLES:
            minutes = row["median_first_touch"].total_seconds() / 60
            counts["first_response"][row["week"]] = minutes
    for row in by_week(leads.filter(status=LeadStatus.WON), "won_at", won=Count("id")):
        counts["won"][row["week"]] = row["won"]
    counts.update(weekly_activity(scope, end=end, weeks=weeks))
    return counts


# --- Table and charts -----------------------------------------------------------------------------


def anomalies_table(report: AnomalyReport) -> Table:
    rows = []
    for c in report.comparisons:
        fmt = c.metric.unit_format
        z = c.z_score
        rows.append(
            [
                c.metric.label,
                c.week_title,
                "—" if c.value is None else fmt(c.value),
                c.usual,
                # A typographic minus: spreadsheets read it as text, not as a formula.
                "—" if z is None else f"{z:+.1f}".replace("-", "\N{MINUS SIGN}"),
                (_("Unusually high") if c.direction == "up" else _("Unusually low"))
                if c.flagged
                else "",
            ]
        )
    return Table(
        title=_("Each week against the previous %(TRAILING_WEEKS)s weeks")
        % {"TRAILING_WEEKS": TRAILING_WEEKS},
        headers=[
            _("Metric"),
            _("Week"),
            _("Value"),
            _("Previous %(TRAILING_WEEKS)s weeks") % {"TRAILING_WEEKS": TRAILING_WEEKS},
            _("z-score"),
            _("Flag"),
        ],
        rows=rows,
    )


def anomaly_charts(report: AnomalyReport) -> list[Chart]:
    """One small chart per metric over the trailing and the period's weeks; flagged weeks stand
    out."""
    charts = []
    for metric in METRICS:
        flagged = {
            report.week_ends.index(c.week_end) for c in report.flags if c.metric.key == metric.key
        }
        charts.append(
            line_chart(
                report.week_labels,
                [(metric.label, report.series[metric.key])],
                title=metric.label,
                value_format=metric.unit_format,
                width=360,
                height=160,
                highlighted=flagged,
                key=f"anomaly-{metric.key}",
            )
        )
    return charts
