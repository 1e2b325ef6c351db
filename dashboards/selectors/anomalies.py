"""Numbers that moved unusually: each week of the period against the eight weeks before it.

Weeks are seven whole tenant-local days ending at the end of the period, or at the midnight that
began today while the period runs (today is compared once it is over: a day's figures only
change with late writes), so every figure is a sum of day rows. For every week of the period,
each metric is compared with its eight previous weeks:

- the change must be large enough to matter (`min_change`) on numbers big enough to read
  (`min_volume`, on this week or on the usual week);
- then it is flagged when it lies `Z_THRESHOLD` standard deviations or more from the usual
  week, or, when the previous weeks never varied (no spread to measure against), when it is
  at least twice or at most half of it.

Each flag carries the comparison that raised it: "New leads: 4 in the week to Mar 24 vs 18 ± 3
over the previous 8 weeks". New leads, their median first response (to the minute the page
shows) and sales are read from dashboards.LeadDay (one row a day for any filter, kept by the
period sweep; the days it has not recounted since a change are counted from the leads); calls
and messages from dashboards.ActivityDay (dashboards.selectors.activity).
"""

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from functools import cached_property

from django.db.models import (
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.kit.formatting import duration
from crm.kit.formatting import local_date as date_in_style
from dashboards.aggregates import ColumnSums
from dashboards.charts import Chart, Number, ValueFormat, line_chart
from dashboards.models import (
    ANY_BRAND,
    ANY_OWNER,
    ANY_PIPELINE,
    LeadDay,
    LeadDayBin,
    PeriodChange,
    PeriodRollup,
)
from dashboards.period import Scope
from dashboards.selectors.activity import DAY, WEEK, week_of_day, weekly_activity
from dashboards.selectors.first_touch import (
    BIN_FIELDS,
    WaitBucket,
    WaitSeconds,
    created_within,
    day_ranges,
    local_date,
    local_midnight,
)
from dashboards.selectors.histograms import BINS, Waits, fine_bucket_sums
from dashboards.tables import Table
from leads.models import LeadStatus

TRAILING_WEEKS = 8
MIN_BASELINE_WEEKS = 4  # a median needs leads to measure; fewer usable weeks: no verdict
Z_THRESHOLD = 3.0
FLAT_RATIO = 2.0


def format_minutes(minutes: Number) -> str:
    """Minutes as the rest of the dashboard writes durations: "42m", "3h 5m"."""
    return duration(dt.timedelta(minutes=float(minutes)), short=True)


def format_count(value: Number) -> str:
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str | Promise
    unit_format: ValueFormat
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

    @cached_property
    def mean(self) -> float | None:
        return statistics.fmean(self.baseline) if self.baseline else None

    @cached_property
    def spread(self) -> float | None:
        return sample_spread(self.baseline) if len(self.baseline) > 1 else None

    @property
    def z_score(self) -> float | None:
        if self.value is None or self.mean is None or not self.spread:
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


def sample_spread(values: list[float]) -> float:
    """statistics.stdev of two or more values, in floats: stdev works in exact fractions, which
    cost the page's first request most of its anomaly verdicts' time. Values all equal have no
    spread, exactly (a float mean of them may be off by the last digit)."""
    first = values[0]
    if all(value == first for value in values):
        return 0.0
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1))


def is_unusual(metric: Metric, value: float | None, baseline: list[float]) -> bool:
    if value is None or len(baseline) < MIN_BASELINE_WEEKS:
        return False
    mean = statistics.fmean(baseline)
    if max(value, mean) < metric.min_volume or abs(value - mean) < metric.min_change:
        return False
    spread = sample_spread(baseline)
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
    tenant = scope.tenant
    today = local_date(now, tenant)
    running = scope.end > now
    end_day = today if running else local_date(scope.end, tenant)
    period_days = (end_day - local_date(scope.start, tenant)).days
    # A running period compares at least its last whole week, even on its first day.
    period_weeks = max(1 if running and scope.start <= now else 0, math.ceil(period_days / 7))
    weeks = period_weeks + TRAILING_WEEKS
    counts = _weekly_counts(scope, end_day, weeks)
    # Oldest first: index i holds week number (weeks - 1 - i), counted back from end_day.
    last_days = [end_day - dt.timedelta(days=1 + 7 * (weeks - 1 - i)) for i in range(weeks)]
    week_ends = [local_midnight(day + DAY, tenant) for day in last_days]
    series = {metric.key: counts[metric.key][::-1] for metric in METRICS}
    comparisons = []
    for back in range(period_weeks):
        index = weeks - 1 - back
        day = date_in_style(last_days[index], "month_day")
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
        week_labels=[date_in_style(day, "month_day") for day in last_days],
        period_weeks=period_weeks,
        series=series,
        comparisons=comparisons,
    )


def _weekly_counts(scope: Scope, end_day: dt.date, weeks: int):
    """Metric key -> values by week number (0 = the latest week)."""
    counts: dict[str, list[float | None]] = {
        metric.key: [0] * weeks for metric in METRICS if metric.key != "first_response"
    }
    counts["first_response"] = [None] * weeks
    waits = [Waits() for _ in range(weeks)]
    first_day = end_day - weeks * WEEK
    live_days = _days_read_live(scope.tenant, first_day, end_day)
    if live_days is None:
        live_days = set(_days(first_day, end_day))
    stored = None
    if len(live_days) < weeks * 7:
        stored = _lead_day_rows(scope, LeadDay, first_day, end_day, live_days)
        _read_lead_days(stored, end_day, counts, waits)
    if live_days:
        _count_lead_days(scope, end_day, live_days, counts, waits)
    needs = {
        week: kept.median_bins()
        for week, kept in enumerate(waits)
        if kept.total >= MIN_RESPONSE_SAMPLES
    }
    if stored is not None and needs:
        fine = _lead_day_rows(scope, LeadDayBin, first_day, end_day, live_days)
        _read_fine_buckets(fine, end_day, needs, waits)
    for week in needs:
        median = waits[week].median()
        assert median is not None  # noqa: S101  # the week has its samples
        counts["first_response"][week] = median.total_seconds() / 60
    activity = weekly_activity(scope, end_day=end_day, weeks=weeks)
    counts.update({key: list(values) for key, values in activity.items()})
    return counts


def _days(first: dt.date, after: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((after - first).days)]


def _days_read_live(tenant, first_day: dt.date, end_day: dt.date) -> set[dt.date] | None:
    """The days of [first_day, end_day) whose LeadDay rows a change made stale (a lead created,
    touched or won on them since the sweep's last recount). None: the rows are not built (in
    this time zone), every day is counted."""
    state = PeriodRollup.objects.filter(tenant=tenant).values_list("zone", flat=True).first()
    if state != tenant.time_zone:
        return None
    days = set()
    for created_at, won_at in (
        PeriodChange.objects.filter(tenant=tenant).values_list("created_at", "won_at").distinct()
    ):
        days |= {local_date(moment, tenant) for moment in (created_at, won_at) if moment}
    return {day for day in days if first_day <= day < end_day}


def _lead_day_rows(scope: Scope, model, first_day, end_day, live_days) -> QuerySet:
    """The LeadDay (or LeadDayBin) rows of the scope's filters, one a day (and bin), of the days
    not read live."""
    any_of = (
        (ANY_PIPELINE if scope.pipeline_id is None else 0)
        | (ANY_BRAND if scope.brand_id is None else 0)
        | (ANY_OWNER if scope.rep is None else 0)
    )
    rows = model.objects.filter(
        tenant=scope.tenant, any_of=any_of, day__gte=first_day, day__lt=end_day
    ).exclude(day__in=live_days)
    # Null where "any" (as the rows hold it): equalities the index answers alone.
    return rows.filter(
        Q(pipeline_id=scope.pipeline_id)
        if scope.pipeline_id is not None
        else Q(pipeline_id__isnull=True),
        Q(brand_id=scope.brand_id) if scope.brand_id is not None else Q(brand_id__isnull=True),
        Q(owner_id=scope.rep.pk) if scope.rep is not None else Q(owner_id__isnull=True),
    )


def _read_lead_days(rows: QuerySet, end_day, counts, waits: list[Waits]) -> None:
    """Sum the day rows per week (one query): new leads, sales and the touched leads per bin."""
    for row in (
        rows.annotate(week=WeekOfDay(end_day))
        .values("week")
        .annotate(
            leads_=Sum("leads"),
            won_=Sum("won"),
            bins_=ColumnSums(*BIN_FIELDS),
        )
        .order_by()
    ):
        week = row["week"]
        counts["new_leads"][week] += row["leads_"]
        counts["won"][week] += row["won_"]
        waits[week].add_bins(row["bins_"])


def _read_fine_buckets(rows: QuerySet, end_day, needs: dict, waits: list[Waits]) -> None:
    """The fine buckets of the bins that hold each week's median (one query: the rows of each
    week's bins only, summed per week, bin and bucket by PostgreSQL)."""
    # Each week's bins as one number per (week, bin): a list the statement compares, where a
    # condition per week cost more to build and plan than the sums.
    wanted = [week * BINS + index for week, bins in needs.items() for index in bins]
    rows = rows.filter(
        day__gte=end_day - (max(needs) + 1) * WEEK,
        bin__in=sorted({index for bins in needs.values() for index in bins}),
    ).alias(week_bin=WeekOfDay(end_day) * BINS + F("bin"))
    for week, index, *bucket in fine_bucket_sums(
        rows.filter(week_bin__in=wanted),
        "((%s::date - f.day) - 1) / 7",
        [end_day],
        columns=["day"],
    ):
        if index in needs.get(week, ()):
            waits[week].add_fine(index, *bucket)


def _count_lead_days(scope: Scope, end_day, days, counts, waits) -> None:
    """Count the given days from the leads, as the sweep counts LeadDay (two grouped queries)."""
    tenant = scope.tenant
    ranges = day_ranges(days, tenant)
    created = (
        scope.leads()
        .filter(created_within(ranges))
        .annotate(day=TruncDate("created_at", tzinfo=tenant.zone), bucket=WaitBucket())
        .annotate(wait=WaitSeconds())
        .values_list("day", "bucket")
        .annotate(Count("created_at"), Min("wait"), Max("wait"))
        .order_by()
    )
    for day, bucket, count, shortest, longest in created:
        week = week_of_day(day, end_day)
        counts["new_leads"][week] += count
        if bucket is not None:
            waits[week].add_bucket(bucket, count, shortest, longest)
    won_on = Q(pk__in=[])
    for start, end in ranges:
        won_on |= Q(won_at__gte=start, won_at__lt=end)
    for day, count in (
        scope.leads()
        .filter(won_on, status=LeadStatus.WON)
        .annotate(day=TruncDate("won_at", tzinfo=tenant.zone))
        .values_list("day")
        .annotate(Count("won_at"))
        .order_by()
    ):
        counts["won"][week_of_day(day, end_day)] += count


class WeekOfDay(Func):
    """dashboards.selectors.activity.week_of_day of a row's `day`, in SQL."""

    template = "((%(expressions)s) - 1) / 7"
    arg_joiner = " - "  # two dates: their difference in days
    output_field = IntegerField()

    def __init__(self, end_day: dt.date):
        super().__init__(Value(end_day, output_field=DateField()), F("day"))


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
                [(str(metric.label), report.series[metric.key])],
                title=str(metric.label),
                value_format=metric.unit_format,
                width=360,
                height=160,
                highlighted=flagged,
                key=f"anomaly-{metric.key}",
            )
        )
    return charts
