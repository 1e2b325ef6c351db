"""The calendar page: a month or a week of follow-ups by the member's local day."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from followups.models import FollowUp, Status
from followups.selectors.lists import local_day_bounds, week_start

CALENDAR_MOST = 400


@dataclass
class CalendarDay:
    day: dt.date
    in_range: bool
    is_today: bool
    follow_ups: list[FollowUp] = field(default_factory=list)


@dataclass(frozen=True)
class Calendar:
    view: str  # month | week
    anchor: dt.date
    first: dt.date
    last: dt.date
    weeks: list[list[CalendarDay]]
    previous: dt.date
    next: dt.date
    truncated: bool

    @property
    def days(self) -> list[CalendarDay]:
        return [day for week in self.weeks for day in week]


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


def follow_up_calendar(
    *,
    follow_ups: QuerySet[FollowUp],
    view: str,
    anchor: dt.date,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime | None = None,
) -> Calendar:
    """A month (whole weeks, Monday first) or a week of follow-ups by local day, in one query.
    Cancelled ones are left out."""
    now = now or timezone.now()
    today = timezone.localdate(now, zone)
    if view == "week":
        first = week_start(anchor)
        last = first + dt.timedelta(days=6)
        in_range_first, in_range_last = first, last
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        view = "month"
        month_first = anchor.replace(day=1)
        month_last = _add_months(month_first, 1) - dt.timedelta(days=1)
        first = week_start(month_first)
        last = week_start(month_last) + dt.timedelta(days=6)
        in_range_first, in_range_last = month_first, month_last
        previous, following = _add_months(month_first, -1), _add_months(month_first, 1)
    start, _ = local_day_bounds(first, zone)
    _, end = local_day_bounds(last, zone)
    rows = list(
        follow_ups.filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .exclude(status=Status.CANCELLED)
        .order_by("scheduled_at", "id")[: CALENDAR_MOST + 1]
    )
    truncated = len(rows) > CALENDAR_MOST
    by_day: dict[dt.date, list[FollowUp]] = defaultdict(list)
    for follow_up in rows[:CALENDAR_MOST]:
        by_day[timezone.localtime(follow_up.scheduled_at, zone).date()].append(follow_up)
    weeks, day = [], first
    while day <= last:
        week = []
        for _ in range(7):
            week.append(
                CalendarDay(
                    day=day,
                    in_range=in_range_first <= day <= in_range_last,
                    is_today=day == today,
                    follow_ups=by_day.get(day, []),
                )
            )
            day += dt.timedelta(days=1)
        weeks.append(week)
    return Calendar(
        view=view,
        anchor=anchor,
        first=in_range_first,
        last=in_range_last,
        weeks=weeks,
        previous=previous,
        next=following,
        truncated=truncated,
    )
