"""The dashboard's follow-ups widget read from the team rollup (dashboards.TeamDay) instead of
counting every follow-up still to do and a month of those due.

The widget's figures (followups.selectors.widgets.follow_up_stats counts them, and still does on
a rep's home page) split by the day a follow-up is scheduled, and TeamDay keeps per tenant-local
day and person the follow-ups done on time, done late, still open and missed. So:

- still open (pending), and overdue (open or missed, scheduled before now), are summed over the
  stored days, and counted from the follow-ups on the days read live (those from the rollup's
  live day to today: a follow-up of today is overdue only once its time has passed);
- this week is summed over the week's stored days when the reader's time zone is the tenant's
  (TeamDay's days are the tenant's), else counted; today is always counted (one day);
- due in the last 30 days and done on time: a slot lasts at most a day, so every follow-up
  scheduled on a stored day from the window's start to the day before yesterday ends inside the
  window and is summed; the window's first day, yesterday and today are counted.

The stored days of the months over before any of those days are read from their TeamMonth rows
(a month's days summed per person), so the sums read a few rows per person and month instead of
every day of the tenant's history. What is counted reads a few days of an index range. The rows
are as fresh as the rollup's last sweep (a minute), as the team section's.
"""

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from crm.models import Membership, Tenant
from dashboards.models import TeamDay, TeamMonth, TeamRollup
from followups.models import LONGEST_SLOT_MINUTES, OPEN_STATUSES, FollowUp, Status
from followups.selectors.lists import TODO_STATUSES, local_day_bounds, week_start
from followups.selectors.widgets import ON_TIME_WINDOW, FollowUpStats, follow_up_stats

DAY = dt.timedelta(days=1)
# Every status but cancelled: what counts as due once its slot has ended.
DUE_STATUSES = [status for status in Status.values if status != Status.CANCELLED]

# What the stored rows add to the counts, per figure.
FIGURES_SUMMED = ("pending", "overdue", "this_week", "due_recently", "on_time")


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + n * DAY for n in range((last - first).days + 1)]


def _within(ranges: list[tuple[dt.datetime, dt.datetime]]) -> Q:
    condition = Q(pk__in=[])
    for start, end in ranges:
        if start < end:
            condition |= Q(scheduled_at__gte=start, scheduled_at__lt=end)
    return condition


@dataclass(frozen=True)
class _WidgetDays:
    """The instants and days the widget's figures split on, in the tenant's and the reader's
    time zones."""

    now: dt.datetime
    tenant_zone: zoneinfo.ZoneInfo
    today: dt.date
    live_first: dt.date
    live_start: dt.datetime
    live_end: dt.datetime
    today_start: dt.datetime
    today_end: dt.datetime
    week_first: dt.datetime
    week_end: dt.datetime
    window_start: dt.datetime
    slot: dt.timedelta
    first_whole: dt.date
    # The stored days whose follow-ups all end inside the window, None when there are none.
    due_days: tuple[dt.date, dt.date] | None
    same_zone: bool
    week_days: list[dt.date]
    months_before: dt.date


def _widget_days(
    *, tenant: Tenant, zone: zoneinfo.ZoneInfo, state: TeamRollup, now: dt.datetime
) -> _WidgetDays:
    tenant_zone = tenant.zone
    today = timezone.localdate(now, tenant_zone)
    live_first = min(state.live_day, today)
    reader_today = timezone.localdate(now, zone)
    today_start, today_end = local_day_bounds(reader_today, zone)
    week_first, _ = local_day_bounds(week_start(reader_today), zone)
    _, week_end = local_day_bounds(week_start(reader_today) + 6 * DAY, zone)
    window_start = now - ON_TIME_WINDOW

    # The stored days whose follow-ups all end inside the window: from the first local day that
    # starts in it to the day before yesterday (a slot ends within a day of its start).
    first_whole = timezone.localdate(window_start, tenant_zone) + DAY
    last_whole = min(today - 2 * DAY, live_first - DAY)
    slot = dt.timedelta(minutes=LONGEST_SLOT_MINUTES)
    while local_day_bounds(last_whole, tenant_zone)[1] + slot > now:  # a short day (DST)
        last_whole -= DAY
    week_days = [
        day
        for day in _days(week_start(reader_today), week_start(reader_today) + 6 * DAY)
        if not live_first <= day <= today
    ]
    return _WidgetDays(
        now=now,
        tenant_zone=tenant_zone,
        today=today,
        live_first=live_first,
        live_start=local_day_bounds(live_first, tenant_zone)[0],
        live_end=local_day_bounds(today, tenant_zone)[1],
        today_start=today_start,
        today_end=today_end,
        week_first=week_first,
        week_end=week_end,
        window_start=window_start,
        slot=slot,
        first_whole=first_whole,
        due_days=(first_whole, last_whole) if first_whole <= last_whole else None,
        same_zone=str(zone) == str(tenant_zone),
        week_days=week_days,
        # The months over before any day the figures pick out (this week's, the window's, the
        # live ones) count only as still to do and overdue: their TeamMonth rows stand for their
        # days (a few dozen rows per person instead of every day of the tenant's history).
        months_before=min(live_first, week_start(reader_today), first_whole).replace(day=1),
    )


def _stored_sums(
    *, tenant: Tenant, assignee: Membership | None, days: _WidgetDays
) -> dict[str, int]:
    """FIGURES_SUMMED over the stored days (TeamDay) and the months before them (TeamMonth), in
    one statement."""
    to_do = F("follow_ups_open") + F("follow_ups_missed")
    due = to_do + F("follow_ups_on_time") + F("follow_ups_late")
    none = Q(pk__in=[])
    zero = Value(0, output_field=IntegerField())
    due_days = days.due_days
    stored = TeamDay.objects.filter(tenant=tenant, day__gte=days.months_before).exclude(
        day__gte=days.live_first, day__lte=days.today
    )
    in_months = TeamMonth.objects.filter(tenant=tenant, month__lt=days.months_before)
    if assignee is not None:
        stored = stored.filter(person=assignee)
        in_months = in_months.filter(person=assignee)
    day_sums = stored.values("tenant_id").annotate(
        pending=Sum("follow_ups_open", default=0),
        overdue=Sum(to_do, filter=Q(day__lt=days.live_first), default=0),
        this_week=Sum(
            to_do, filter=Q(day__in=days.week_days) if days.same_zone else none, default=0
        ),
        due_recently=Sum(
            due,
            filter=Q(day__gte=due_days[0], day__lte=due_days[1]) if due_days else none,
            default=0,
        ),
        on_time=Sum(
            "follow_ups_on_time",
            filter=Q(day__gte=due_days[0], day__lte=due_days[1]) if due_days else none,
            default=0,
        ),
    )
    month_sums = in_months.values("tenant_id").annotate(
        pending=Sum("follow_ups_open", default=0),
        overdue=Sum(to_do, default=0),
        this_week=zero,
        due_recently=zero,
        on_time=zero,
    )
    sums = dict.fromkeys(FIGURES_SUMMED, 0)
    for row in day_sums.union(month_sums, all=True):
        figures: Mapping[str, Any] = row
        for name in FIGURES_SUMMED:
            sums[name] += figures[name]
    return sums


def _live_counts(follow_ups: QuerySet, days: _WidgetDays) -> dict[str, int]:
    """Today's, and the overdue, this week's and still open follow-ups of the days read live."""
    none = Q(pk__in=[])
    live = Q(scheduled_at__gte=days.live_start, scheduled_at__lt=days.live_end)
    this_week = Q(scheduled_at__gte=days.week_first, scheduled_at__lt=days.week_end)
    if days.same_zone:
        this_week &= live
    return follow_ups.filter(
        _within([(days.live_start, days.live_end), (days.today_start, days.today_end)])
        | (this_week if not days.same_zone else none),
        status__in=TODO_STATUSES,
    ).aggregate(
        today=Count(
            "scheduled_at",
            filter=Q(scheduled_at__gte=days.today_start, scheduled_at__lt=days.today_end),
        ),
        overdue=Count("scheduled_at", filter=live & Q(scheduled_at__lt=days.now)),
        this_week=Count("scheduled_at", filter=this_week),
        pending=Count("scheduled_at", filter=live & Q(status__in=OPEN_STATUSES)),
    )


def _recent_counts(follow_ups: QuerySet, days: _WidgetDays) -> dict[str, int]:
    """Due recently, and done on time, on the days not summed: before the first whole day and
    after the last one."""
    now, slot, window_start = days.now, days.slot, days.window_start
    if days.due_days:
        recent_ranges = [
            (window_start - slot, local_day_bounds(days.due_days[0], days.tenant_zone)[0]),
            (
                local_day_bounds(days.due_days[1], days.tenant_zone)[1],
                now + dt.timedelta.resolution,
            ),
        ]
    else:
        recent_ranges = [(window_start - slot, now + dt.timedelta.resolution)]
    ends_at = ExpressionWrapper(
        F("scheduled_at")
        + ExpressionWrapper(
            F("duration_minutes") * Value(dt.timedelta(minutes=1)), output_field=DurationField()
        ),
        output_field=DateTimeField(),
    )
    return (
        # The statuses named, not "not cancelled": a rep's index then answers each status's
        # range of times instead of every follow-up the rep ever had.
        follow_ups.filter(_within(recent_ranges), status__in=DUE_STATUSES)
        .annotate(ends_at=ends_at)
        .filter(ends_at__gte=window_start, ends_at__lte=now)
        .aggregate(
            due_recently=Count("scheduled_at"),
            on_time=Count(
                "scheduled_at", filter=Q(status=Status.COMPLETED, completed_at__lte=F("ends_at"))
            ),
        )
    )


def follow_up_widget(
    *,
    tenant: Tenant,
    zone: zoneinfo.ZoneInfo,
    assignee: Membership | None = None,
    now: dt.datetime | None = None,
) -> FollowUpStats:
    """follow_up_stats for the dashboard, read from TeamDay (counted without it). Four queries:
    the rollup's state, the stored days' and months' sums, the follow-ups to do and those due
    recently on the days read live."""
    now = now or timezone.now()
    state = TeamRollup.objects.filter(tenant=tenant).first()
    if state is None:
        return follow_up_stats(tenant=tenant, zone=zone, assignee=assignee, now=now)
    days = _widget_days(tenant=tenant, zone=zone, state=state, now=now)
    sums = _stored_sums(tenant=tenant, assignee=assignee, days=days)
    follow_ups = FollowUp.objects.filter(tenant=tenant)
    if assignee is not None:
        follow_ups = follow_ups.filter(assignee=assignee)
    counted = _live_counts(follow_ups, days)
    recent = _recent_counts(follow_ups, days)
    return FollowUpStats(
        today=counted["today"],
        overdue=sums["overdue"] + counted["overdue"],
        this_week=sums["this_week"] + counted["this_week"],
        pending=sums["pending"] + counted["pending"],
        due_recently=sums["due_recently"] + recent["due_recently"],
        on_time=sums["on_time"] + recent["on_time"],
    )
