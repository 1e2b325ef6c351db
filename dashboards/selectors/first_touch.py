"""Minutes to the first touch of new leads, for speed to lead, read from dashboards.FirstTouchDay
and FirstTouchBin (kept by the period sweep, dashboards.services.period_rollups) instead of a
median over every lead created in the period.

(The anomalies' weekly new leads and median are not read from these rows: their weeks end now,
so 60 days a year are cut in two and counted anyway, and a year's 420 days of rows cost more than
the index-only count at 200,000 leads.)

A median cannot be summed, so the waits are kept as a histogram in two levels: each day row's
`bin_0`…`bin_31` count the touched leads per coarse bin (dashboards.selectors.histograms.wait_bin), which any period sums in
plain SQL; the bin or two holding the median are then read at the page's own resolution from
FirstTouchBin (a whole minute below a day, a whole hour after, with the shortest and longest
wait of each bucket, so the median is exact to what the page shows:
dashboards.selectors.team.buckets_median). Only those bins' rows are read, a few percent of the
period's leads.

The days a read cannot take from the rows are counted from the leads with the same buckets:
the days the sweep has not recounted since a lead of theirs changed (dashboards.PeriodChange),
and today (a lead created a minute ago is not late yet). Counted from the leads alone (no
rollup yet, another time zone), the figures are the same.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)

from crm.models import Tenant
from dashboards.aggregates import ColumnSums
from dashboards.models import (
    TOUCH_BINS,
    FirstTouchBin,
    FirstTouchBinMonth,
    FirstTouchDay,
    FirstTouchMonth,
    PeriodChange,
    PeriodRollup,
)
from dashboards.selectors.histograms import Waits, fine_bucket_sums
from dashboards.selectors.period_rollups import next_month

# Speed to lead's target: touched within this long.
SPEED_WINDOW = dt.timedelta(minutes=15)
BIN_FIELDS = [f"bin_{index}" for index in range(TOUCH_BINS)]


class WaitSeconds(Func):
    """Seconds from the lead's creation to its first touch (null: not touched)."""

    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()

    def __init__(self):
        super().__init__(
            ExpressionWrapper(F("first_touch_at") - F("created_at"), output_field=DurationField())
        )


class WaitBucket(Func):
    """dashboards.selectors.team.wait_bucket of WaitSeconds, in SQL."""

    template = (
        "(CASE WHEN floor(%(expressions)s / 60) < 1440 THEN floor(%(expressions)s / 60)"
        " ELSE floor(%(expressions)s / 3600) * 60 END)::integer"
    )
    output_field = IntegerField()

    def __init__(self):
        super().__init__(WaitSeconds())


@dataclass
class Touches(Waits):
    """The new leads of one group (a rep, the team) and their waits to the first touch."""

    leads: int = 0
    judged: int = 0  # touched, or their window is over
    within_window: int = 0
    touched: int = 0

    def add_counts(self, leads: int, judged: int, within_window: int, touched: int) -> None:
        self.leads += leads
        self.judged += judged
        self.within_window += within_window
        self.touched += touched

    def merge(self, other: Waits) -> None:
        assert isinstance(other, Touches)  # noqa: S101  # counts merge with counts
        self.add_counts(other.leads, other.judged, other.within_window, other.touched)
        super().merge(other)


# --- Which days come from the rows -----------------------------------------------------------


def local_date(moment: dt.datetime, tenant: Tenant) -> dt.date:
    return moment.astimezone(tenant.zone).date()


def local_midnight(day: dt.date, tenant: Tenant) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tenant.zone)


@dataclass
class TouchRollup:
    """What a read takes from the first-touch rollup: not the `live_days`, whose new leads are
    counted from the leads (changed since the sweep's last recount, or their window may still be
    running: today; yesterday in its first minutes), and FirstTouchBinMonth's months only before
    `months_until`."""

    live_days: set[dt.date]
    months_until: dt.date | None


def touch_rollup(tenant: Tenant, now: dt.datetime) -> TouchRollup | None:
    """The rollup's state for a read at `now`; None: the rollup is not built (in this time
    zone), every day is counted."""
    state = PeriodRollup.objects.filter(tenant=tenant).values_list("zone", "touch_months_until")
    zone, months_until = state.first() or (None, None)
    if zone != tenant.time_zone:
        return None
    changes = PeriodChange.objects.filter(tenant=tenant).values_list("created_at", flat=True)
    days = {local_date(created_at, tenant) for created_at in changes.order_by().distinct()}
    first_running = local_date(now - SPEED_WINDOW, tenant)
    days |= {first_running, local_date(now, tenant)}
    days |= {
        first_running + dt.timedelta(days=n)
        for n in range((local_date(now, tenant) - first_running).days)
    }
    return TouchRollup(live_days=days, months_until=months_until)


def day_ranges(days, tenant: Tenant) -> list[tuple[dt.datetime, dt.datetime]]:
    """Sorted local days as [start, end) moments, one per run of consecutive days."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for day in sorted(set(days)):
        start, end = local_midnight(day, tenant), local_midnight(day + dt.timedelta(days=1), tenant)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def created_within(ranges: list[tuple[dt.datetime, dt.datetime]]) -> Q:
    condition = Q(pk__in=[])
    for start, end in ranges:
        condition |= Q(created_at__gte=start, created_at__lt=end)
    return condition


def stored_days(days) -> Q:
    """The rollup rows' `day` among `days` (one range per run of consecutive days)."""
    condition = Q(pk__in=[])
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + dt.timedelta(days=1)
        else:
            runs.append([day, day + dt.timedelta(days=1)])
    for first, after in runs:
        condition |= Q(day__gte=first, day__lt=after)
    return condition


def stored_rows(
    tenant: Tenant, scope_conditions: Q, days: list[dt.date], months_until: dt.date | None
) -> list[QuerySet]:
    """The stored rows of the scope on `days`: the months before `months_until` that `days`
    hold whole from FirstTouchMonth, the other days from FirstTouchDay (a year: twelve rows per
    key instead of 365). Both have the same figures."""
    months, days = whole_months(days, months_until)
    rows: list[QuerySet] = [
        FirstTouchDay.objects.filter(scope_conditions, stored_days(days), tenant=tenant)
    ]
    if months:
        rows.append(
            FirstTouchMonth.objects.filter(scope_conditions, month__in=months, tenant=tenant)
        )
    return rows


# --- Reading the rows ------------------------------------------------------------------------


def bin_sums(rows: list[QuerySet], group: str) -> dict:
    """Per value of `group` (a column of the rows): leads, touched, within the window and the
    touched leads per bin, summed over the rows (stored_rows: days and months, one query, no
    histogram expanded)."""
    sums = [
        part.values(group)
        .annotate(
            leads_=Sum("leads"),
            touched_=Sum("touched"),
            within_=Sum("within_window"),
            bins_=ColumnSums(*BIN_FIELDS),
        )
        .order_by()
        for part in rows
    ]
    totals: dict = {}
    for row in sums[0].union(*sums[1:], all=True) if len(sums) > 1 else sums[0]:
        leads, touched, within = row["leads_"], row["touched_"], row["within_"]
        bins = row["bins_"]
        kept = totals.get(row[group])
        if kept is None:
            totals[row[group]] = (leads, touched, within, bins)
        else:
            totals[row[group]] = (
                kept[0] + leads,
                kept[1] + touched,
                kept[2] + within,
                [a + b for a, b in zip(kept[3], bins, strict=True)],
            )
    return totals


def fine_buckets(
    tenant: Tenant,
    scope_conditions: Q,
    days: list[dt.date],
    bins: set[int],
    months_until: dt.date | None,
) -> list[tuple]:
    """The fine buckets of `bins` on the stored `days`, summed per owner by PostgreSQL: (owner,
    bin, bucket, count, shortest, longest). The months before `months_until` that `days` hold
    whole are read from FirstTouchBinMonth, the other days from FirstTouchBin; only the rows of
    those bins (indexes first_touch_month_by_bin and first_touch_bin_by_bin)."""
    months, days = whole_months(days, months_until)
    rows: list[QuerySet] = [
        FirstTouchBin.objects.filter(scope_conditions, stored_days(days), bin__in=bins)
    ]
    if months:
        rows.append(
            FirstTouchBinMonth.objects.filter(scope_conditions, month__in=months, bin__in=bins)
        )
    return fine_bucket_sums(
        [part.filter(tenant=tenant) for part in rows], "f.owner_id", columns=["owner_id"]
    )


def whole_months(
    days: list[dt.date], before: dt.date | None
) -> tuple[list[dt.date], list[dt.date]]:
    """`days` as the months before `before` they hold every day of (their first days) and the
    days left."""
    chosen = set(days)
    months: list[dt.date] = []
    rest: list[dt.date] = []
    for month in sorted({day.replace(day=1) for day in chosen}):
        after = next_month(month)
        month_days = [month + dt.timedelta(days=n) for n in range((after - month).days)]
        if before is not None and after <= before and chosen.issuperset(month_days):
            months.append(month)
        else:
            rest.extend(day for day in month_days if day in chosen)
    return months, rest


def live_buckets(leads: QuerySet, group, *, now: dt.datetime):
    """The leads' counts per `group` (an expression or field) and fine bucket (null: not
    touched): (group, bucket, leads, judged, within window, shortest, longest)."""
    touched = Q(first_touch_at__isnull=False)
    return (
        leads.annotate(group_=group, bucket=WaitBucket(), wait=WaitSeconds())
        .values_list("group_", "bucket")
        .annotate(
            leads_=Count("created_at"),
            judged_=Count("created_at", filter=touched | Q(created_at__lte=now - SPEED_WINDOW)),
            within_=Count("created_at", filter=Q(wait__lte=SPEED_WINDOW.total_seconds())),
            shortest=Min("wait"),
            longest=Max("wait"),
        )
        .order_by()
    )


def add_live(touches: Touches, bucket, leads, judged, within, shortest, longest) -> None:
    touches.add_counts(leads, judged, within, 0 if bucket is None else leads)
    if bucket is not None:
        touches.add_bucket(bucket, leads, shortest, longest)
