"""Calls logged and customer messages, per week, for the anomalies section.

A year shown is sixty weeks compared (the period's and the eight before it): at a million leads
that is a million messages joined to their tickets and leads on every count.
dashboards.services.rollups.activity_roll_up stores each finished tenant-local day per pipeline,
brand and person in dashboards.ActivityDay; `weekly_activity` reads the days a week holds whole
from there and counts the rest from the rows: the days not rolled up yet (today) and the days a
week boundary cuts in two (weeks are rolling 7-day windows ending now, so each boundary falls at
this time of day).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm.models import Tenant, TimelineEvent
from dashboards.models import ActivityDay, ActivityRollup
from dashboards.period import Scope
from dashboards.selectors.stage_flow import local_midnight
from tickets.models import Direction, TicketMessage

ACTIVITY = ("calls", "messages_sent", "messages_received")
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
WEEK_SECONDS = int(WEEK.total_seconds())


class WeeksBefore(Func):
    """Whole weeks of real time from a timestamp to `end`: 0 for the last 7 days before it, 1 for
    the 7 before."""

    # [end - 7 days, end) is week 0: CEIL - 1 keeps each week's start in it and its end out.
    # date_part is double precision (EXTRACT is numeric, several times slower on 100,000s of rows).
    template = (
        "CAST(CEIL(date_part('epoch', %(expressions)s) / " + str(WEEK_SECONDS) + ") - 1 AS integer)"
    )
    arg_joiner = " - "
    output_field = IntegerField()

    def __init__(self, end: dt.datetime, field: str):
        super().__init__(Value(end, output_field=DateTimeField()), F(field))


def week_of(moment: dt.datetime, end: dt.datetime) -> int:
    """WeeksBefore in Python. `end` must not share `moment`'s zone (give it in UTC): Python
    subtracts two datetimes of one zone as wall-clock time, an hour off across a daylight-saving
    change."""
    return -((moment - end) // WEEK) - 1


# (day, pipeline id, brand id, person id)
ActivityKey = tuple[dt.date, int | None, int | None, int | None]


def calls_logged_by_anyone(tenant: Tenant) -> QuerySet:
    return TimelineEvent.objects.filter(tenant=tenant, kind="lead.call")


def calls_logged(scope: Scope) -> QuerySet:
    """Calls logged on the scope's leads (a rep's: the calls they logged)."""
    calls = calls_logged_by_anyone(scope.tenant).filter(
        scope.lead_conditions("lead__", by_owner=False)
    )
    if scope.rep is not None:
        calls = calls.filter(actor_id=scope.rep.user_id)
    return calls


def customer_messages(scope: Scope) -> QuerySet:
    """Customer messages, both ways (internal notes are not messages); a rep's: those they sent
    and those received on the tickets assigned to them."""
    messages = TicketMessage.objects.filter(
        tenant=scope.tenant, direction__in=[Direction.INBOUND, Direction.OUTBOUND]
    )
    if scope.pipeline_id:
        messages = messages.filter(ticket__lead__pipeline_id=scope.pipeline_id)
    if scope.brand_id:
        messages = messages.filter(ticket__inbox__brand_id=scope.brand_id)
    if scope.rep is not None:
        messages = messages.filter(
            Q(direction=Direction.OUTBOUND, author_id=scope.rep.user_id)
            | Q(direction=Direction.INBOUND, ticket__assignee=scope.rep)
        )
    return messages


def _sent(direction: str) -> Count:
    # Counting a column the index holds (not the id) lets PostgreSQL answer from the index alone.
    return Count("sent_at", filter=Q(direction=direction))


def activity_rows(*, tenant: Tenant, start: dt.datetime, end: dt.datetime):
    """The activity of [start, end) per local day, pipeline, brand and person (two grouped
    queries: timeline_by_kind for the calls, dashboard_message_by_time for the messages)."""
    rows: dict[ActivityKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY, 0))
    calls = (
        calls_logged_by_anyone(tenant)
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .annotate(day=TruncDate("occurred_at", tzinfo=tenant.zone))
        .values_list("day", "lead__pipeline_id", "lead__brand_id", "actor_id")
        .annotate(Count("pk"))
        .order_by()
    )
    for day, pipeline_id, brand_id, person_id, count in calls:
        rows[(day, pipeline_id, brand_id, person_id)]["calls"] += count
    messages = (
        TicketMessage.objects.filter(
            tenant=tenant,
            direction__in=[Direction.INBOUND, Direction.OUTBOUND],
            sent_at__gte=start,
            sent_at__lt=end,
        )
        .annotate(
            day=TruncDate("sent_at", tzinfo=tenant.zone),
            person_id=Case(
                When(direction=Direction.OUTBOUND, then=F("author_id")),
                default=F("ticket__assignee__user_id"),
            ),
        )
        .values_list("day", "ticket__lead__pipeline_id", "ticket__inbox__brand_id", "person_id")
        .annotate(sent=_sent(Direction.OUTBOUND), received=_sent(Direction.INBOUND))
        .order_by()
    )
    for day, pipeline_id, brand_id, person_id, sent, received in messages:
        row = rows[(day, pipeline_id, brand_id, person_id)]
        row["messages_sent"] += sent
        row["messages_received"] += received
    return dict(rows)


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += DAY


def _live_ranges(
    days: list[dt.date], tenant: Tenant, since: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The days to count from the rows, as few [start, end) ranges, within [since, end)."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for day in days:
        start = max(local_midnight(day, tenant), since)
        stop = min(local_midnight(day + DAY, tenant), end)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], stop)
        else:
            ranges.append((start, stop))
    return ranges


def _within(field: str, ranges: list[tuple[dt.datetime, dt.datetime]]) -> Q:
    condition = Q()
    for start, stop in ranges:
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": stop})
    return condition


def weekly_activity(scope: Scope, *, end: dt.datetime, weeks: int) -> dict[str, list[int]]:
    """Calls, messages sent and messages received per week counted back from `end` (index 0:
    the last 7 days before it). At most four queries: the rollup's state and days, the calls
    and the messages of the days counted from the rows."""
    tenant = scope.tenant
    zone = tenant.zone
    end = end.astimezone(dt.UTC)  # weeks of real time, as WeeksBefore counts them
    since = end - weeks * WEEK
    counts = {key: [0] * weeks for key in ACTIVITY}
    first_day = timezone.localtime(since, zone).date()
    last_day = timezone.localtime(end - dt.timedelta(microseconds=1), zone).date()
    state = ActivityRollup.objects.filter(tenant=tenant).first()
    rolled_through = state.rolled_through if state else first_day - DAY
    # A day read from the rollup must lie whole in one week of the range.
    whole_week_of: dict[dt.date, int] = {}
    live_days = []
    for day in _days(first_day, last_day):
        start, stop = local_midnight(day, tenant), local_midnight(day + DAY, tenant)
        week = week_of(start, end)
        last_moment = stop - dt.timedelta(microseconds=1)
        whole = since <= start and stop <= end and week == week_of(last_moment, end)
        if whole and day <= rolled_through:
            whole_week_of[day] = week
        else:
            live_days.append(day)
    if whole_week_of:
        rolled = ActivityDay.objects.filter(
            tenant=tenant, day__gte=min(whole_week_of), day__lte=max(whole_week_of)
        )
        if scope.pipeline_id is not None:
            rolled = rolled.filter(pipeline_id=scope.pipeline_id)
        if scope.brand_id is not None:
            rolled = rolled.filter(brand_id=scope.brand_id)
        if scope.rep is not None:
            rolled = rolled.filter(person_id=scope.rep.user_id)
        for day, *figures in (
            rolled.values_list("day").annotate(*(Sum(key) for key in ACTIVITY)).order_by()
        ):
            if day in whole_week_of:
                for key, value in zip(ACTIVITY, figures, strict=True):
                    counts[key][whole_week_of[day]] += value
    ranges = _live_ranges(live_days, tenant, since, end)
    if not ranges:
        return counts

    def by_week(queryset: QuerySet, field: str, **aggregates):
        return (
            queryset.filter(_within(field, ranges))
            .annotate(week=WeeksBefore(end, field))
            .order_by()
            .values("week")
            .annotate(**aggregates)
        )

    for row in by_week(calls_logged(scope), "occurred_at", calls=Count("occurred_at")):
        counts["calls"][row["week"]] += row["calls"]
    for row in by_week(
        customer_messages(scope),
        "sent_at",
        sent=_sent(Direction.OUTBOUND),
        received=_sent(Direction.INBOUND),
    ):
        counts["messages_sent"][row["week"]] += row["sent"]
        counts["messages_received"][row["week"]] += row["received"]
    return counts
