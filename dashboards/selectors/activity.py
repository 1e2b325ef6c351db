"""Calls logged and customer messages, per week, for the anomalies section.

A year shown is sixty weeks compared (the period's and the eight before it): at a million leads
that is a million messages joined to their tickets and leads on every count.
dashboards.services.rollups.activity_roll_up stores each finished tenant-local day per pipeline,
brand and person in dashboards.ActivityDay. The weeks are seven whole local days ending at a
local midnight, so `weekly_activity` reads every day of them from there but those not rolled up
yet (yesterday, in the hour after midnight), which it counts from the rows.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncDate

from crm.models import Tenant, TimelineEvent
from dashboards.models import ActivityDay, ActivityRollup
from dashboards.period import Scope
from dashboards.selectors.stage_flow import local_midnight
from leads.models import Lead
from tickets.models import Direction, TicketMessage

ACTIVITY = ("calls", "messages_sent", "messages_received")
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


def week_of_day(day: dt.date, end_day: dt.date) -> int:
    """The week a local day falls in, counted back from the midnight that starts `end_day`: 0
    for the seven days before it, 1 for the seven before."""
    return ((end_day - day).days - 1) // 7


# (day, pipeline id, brand id, person id)
ActivityKey = tuple[dt.date, int | None, int | None, int | None]


def calls_logged_by_anyone(tenant: Tenant) -> QuerySet:
    return TimelineEvent.objects.filter(tenant=tenant, kind="lead.call")


def calls_logged(scope: Scope) -> QuerySet:
    """Calls logged on the scope's leads (a rep's: the calls they logged)."""
    calls = calls_logged_by_anyone(scope.tenant)
    on_leads = scope.lead_conditions(by_owner=False)
    if on_leads:
        # The timeline knows a lead by id only (crm sits below leads), so the scope's leads are
        # a subquery the planner joins.
        leads = Lead.objects.filter(on_leads, tenant=scope.tenant)
        calls = calls.filter(lead_id__in=leads.values("pk"))
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


def _of_lead(field: str) -> Subquery:
    """A field of the timeline event's lead (the timeline holds the lead's id, not a relation)."""
    return Subquery(Lead.objects.filter(pk=OuterRef("lead_id")).values(field)[:1])


def activity_rows(*, tenant: Tenant, start: dt.datetime, end: dt.datetime):
    """The activity of [start, end) per local day, pipeline, brand and person (two grouped
    queries: timeline_by_kind for the calls, dashboard_message_by_time for the messages)."""
    rows: dict[ActivityKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY, 0))
    calls = (
        calls_logged_by_anyone(tenant)
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .annotate(
            day=TruncDate("occurred_at", tzinfo=tenant.zone),
            pipeline_id=_of_lead("pipeline_id"),
            brand_id=_of_lead("brand_id"),
        )
        .values_list("day", "pipeline_id", "brand_id", "actor_id")
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


def weekly_activity(scope: Scope, *, end_day: dt.date, weeks: int) -> dict[str, list[int]]:
    """Calls, messages sent and messages received per week of local days counted back from
    `end_day` (index 0: the seven days before it). At most four queries: the rollup's state and
    days, the calls and the messages of the days not rolled up yet."""
    tenant = scope.tenant
    first_day = end_day - weeks * WEEK
    counts = {key: [0] * weeks for key in ACTIVITY}
    state = ActivityRollup.objects.filter(tenant=tenant).first()
    rolled_through = state.rolled_through if state else first_day - DAY
    if rolled_through >= first_day:
        rolled = ActivityDay.objects.filter(
            tenant=tenant, day__gte=first_day, day__lte=min(rolled_through, end_day - DAY)
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
            for key, value in zip(ACTIVITY, figures, strict=True):
                counts[key][week_of_day(day, end_day)] += value
    live_first = max(first_day, rolled_through + DAY)
    if live_first >= end_day:
        return counts
    start, end = local_midnight(live_first, tenant), local_midnight(end_day, tenant)

    def by_day(queryset: QuerySet, field: str, **aggregates):
        return (
            queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .annotate(day=TruncDate(field, tzinfo=tenant.zone))
            .order_by()
            .values("day")
            .annotate(**aggregates)
        )

    for row in by_day(calls_logged(scope), "occurred_at", calls=Count("occurred_at")):
        counts["calls"][week_of_day(row["day"], end_day)] += row["calls"]
    for row in by_day(
        customer_messages(scope),
        "sent_at",
        sent=_sent(Direction.OUTBOUND),
        received=_sent(Direction.INBOUND),
    ):
        week = week_of_day(row["day"], end_day)
        counts["messages_sent"][week] += row["sent"]
        counts["messages_received"][week] += row["received"]
    return counts
