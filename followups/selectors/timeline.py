"""A customer's follow-up timeline (every follow-up with them, oldest first, by month, with a
"now" line between what happened and what is coming) and a series' next occurrences."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.utils import timezone

from crm.models import Contact, Tenant
from followups.models import OPEN_STATUSES, FollowUp, FollowUpSeries, Status
from followups.selectors.lists import follow_up_queryset

TIMELINE_MOST = 300
SERIES_NEXT = 8


@dataclass
class TimelineMonth:
    month: dt.date  # its first day, in the reader's zone
    follow_ups: list[FollowUp] = field(default_factory=list)
    now_before: bool = False  # "now" falls before this month: the line goes above its heading


@dataclass(frozen=True)
class CustomerTimeline:
    months: list[TimelineMonth]
    total: int
    shown: int
    done: int
    upcoming: int
    missed: int
    now_at_end: bool  # nothing from now on: the "now" line goes after the last one


def customer_timeline(
    *,
    tenant: Tenant,
    contact: Contact,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime | None = None,
    most: int = TIMELINE_MOST,
) -> CustomerTimeline:
    """The contact's follow-ups, the latest `most` of them, oldest first and grouped by month.
    The first one from now on carries `is_first_upcoming` (the template draws "now" before it);
    when none is, the line goes after the last."""
    now = now or timezone.now()
    follow_ups = follow_up_queryset(tenant=tenant).filter(contact=contact)
    rows = list(follow_ups.select_related("series").order_by("-scheduled_at", "-id")[:most])[::-1]
    months: list[TimelineMonth] = []
    this_month = timezone.localdate(now, zone).replace(day=1)
    marked = False
    for follow_up in rows:
        first_upcoming = not marked and follow_up.scheduled_at >= now
        follow_up.is_first_upcoming = first_upcoming  # type: ignore[attr-defined]  # for the page
        marked = marked or first_upcoming
        local = timezone.localtime(follow_up.scheduled_at, zone).date().replace(day=1)
        if not months or months[-1].month != local:
            months.append(TimelineMonth(month=local))
        months[-1].follow_ups.append(follow_up)
        if first_upcoming and local != this_month and len(months[-1].follow_ups) == 1:
            months[-1].now_before = True
            follow_up.is_first_upcoming = False  # type: ignore[attr-defined]
    return CustomerTimeline(
        months=months,
        total=follow_ups.count(),
        shown=len(rows),
        done=sum(1 for f in rows if f.status == Status.COMPLETED),
        upcoming=sum(1 for f in rows if f.status in OPEN_STATUSES and f.scheduled_at >= now),
        missed=sum(
            1
            for f in rows
            if f.status == Status.MISSED or (f.status in OPEN_STATUSES and f.scheduled_at < now)
        ),
        now_at_end=not marked,
    )


def series_next(
    *, tenant: Tenant, series: FollowUpSeries, now: dt.datetime | None = None, most=SERIES_NEXT
) -> list[FollowUp]:
    """The series' occurrences still to come (made ahead, pending), soonest first."""
    now = now or timezone.now()
    return list(
        FollowUp.objects.filter(
            tenant=tenant, series=series, status__in=OPEN_STATUSES, scheduled_at__gte=now
        ).order_by("scheduled_at", "id")[:most]
    )
