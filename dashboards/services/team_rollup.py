"""The team section's period figures kept per local day (dashboards.models.TeamDay), so the page
sums a few hundred rows for any period, pipeline, brand or rep instead of counting follow-ups and
SLA events in the request.

A beat sweep (dashboards.tasks.roll_up_team, every minute) counts again only the days that
changed since its last run, found from the rows as they are now:
- follow-ups saved since then (created, done, missed, cancelled, reassigned: `updated_at`), on
  the day they are scheduled;
- SLA events added since then (by id: they are only ever added);
- tickets saved since then (reassigned, answered, moved to another inbox), on the days of their
  SLA events;
- days marked by events: a follow-up's FollowUpRescheduled (the day it left) and a lead's
  LeadRegrouped (another pipeline or brand: the days of its follow-ups and its tickets' SLA
  events; a lead is saved for every stage move, and counting its days again for each cost a
  quarter of a second a day at a million leads), and the days that ended since the last run.
Changes are looked for a few minutes before the last run too, so a transaction that committed
after the run with an earlier `updated_at` is not missed. The tenant's today is counted again by
every run, as of its time (TeamRollup.today_counted_at): its follow-ups whole, with those overdue
then (`follow_ups_overdue`: "overdue" depends on the time of day), and its SLA events up to then.
The page adds what it cannot know from them: the follow-ups that have fallen due since, and the
SLA events recorded since (a small index range each). Counting today live on every request
probed a lead for each of today's follow-ups when a pipeline or brand was picked.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm.models import Tenant
from dashboards.aggregates import jit_off
from dashboards.models import (
    TeamDay,
    TeamDayChanged,
    TeamMonth,
    TeamResponseBin,
    TeamResponseMonthBin,
    TeamRollup,
)
from dashboards.selectors.histograms import (
    BIN_FLOORS,
    BINS,
    month_buckets_sql,
    month_params,
    month_sums_sql,
    seconds_json,
)
from dashboards.selectors.period_rollups import next_month
from dashboards.selectors.stage_flow import local_midnight
from dashboards.selectors.sweeps import CHANGES_OVERLAP
from followups.models import OPEN_STATUSES, FollowUp, Status
from leads.models import Lead
from tickets.models import Inbox, SlaEvent, SlaEventKind, SlaTarget, Ticket

DAY = dt.timedelta(days=1)
# The SLA events the figures count (answered in time or late, and the wait's start for the bins).
_COUNTED_EVENTS = (SlaEventKind.MET, SlaEventKind.ANSWERED_LATE, SlaEventKind.STARTED)

# TeamDay's and TeamResponseBin's rows of the local days in [start, end), in one statement: the
# follow-ups scheduled then (not cancelled) by assignee and their lead's pipeline and brand; the
# SLA events by the ticket's assignee, its lead's pipeline and its inbox's brand (the dimensions
# dashboards.period.Scope.ticket_conditions filters on), the first-response waits in fine buckets
# (dashboards.selectors.histograms.wait_bucket, in SQL) and coarse bins (wait_bin: BIN_FLOORS).
# A row for every key any of the three counts has. The days' SLA events are read first, on their
# own (`day_events`, MATERIALIZED: the (tenant, kind, occurred_at) index), then their tickets by
# primary key (`day_tickets`): joined in one query, PostgreSQL (its estimates blurred by row-level
# security's filter: 452 tickets guessed for 450,000) walked every ticket of the tenant's inbox,
# probing each one's events or hashing them all, 0.3-0.6 s of each day's statement at a million
# leads, every minute, for today and each day that changed.
# The rows go in in day order, as the sweep adds them day after day: a first build of years in
# the hash aggregate's order spread a month's rows over the whole table (a page each).
# Only table names and this module's fragments are put in; the values are parameters.
TEAM_DAYS_SQL = f"""
WITH follow_ups AS (
    SELECT (f.scheduled_at AT TIME ZONE %(zone)s)::date AS day, l.pipeline_id, l.brand_id,
           f.assignee_id AS person_id,
           count(*) FILTER (WHERE f.status = %(completed)s
                              AND f.completed_at <= f.scheduled_at + f.duration_minutes
                                                    * interval '1 minute') AS on_time,
           count(*) FILTER (WHERE f.status = %(completed)s
                              AND f.completed_at > f.scheduled_at + f.duration_minutes
                                                   * interval '1 minute') AS late,
           count(*) FILTER (WHERE f.status = ANY(%(open)s)) AS open,
           count(*) FILTER (WHERE f.status = ANY(%(open)s) AND f.scheduled_at < %(now)s)
               AS overdue,
           count(*) FILTER (WHERE f.status = %(missed)s) AS missed
      FROM {FollowUp._meta.db_table} f
      LEFT JOIN {Lead._meta.db_table} l ON l.id = f.lead_id
     WHERE f.tenant_id = %(tenant)s AND f.scheduled_at >= %(start)s AND f.scheduled_at < %(end)s
       AND f.status <> %(cancelled)s
     GROUP BY 1, 2, 3, 4
), day_events AS MATERIALIZED (
    SELECT e.ticket_id, e.occurred_at, e.kind, e.target
      FROM {SlaEvent._meta.db_table} e
     WHERE e.tenant_id = %(tenant)s AND e.occurred_at >= %(start)s
       AND e.occurred_at < %(events_end)s
       AND e.kind IN (%(met)s, %(late)s, %(started)s)
), day_tickets AS MATERIALIZED (
    SELECT t.id, t.assignee_id, t.first_response_at, t.inbox_id, t.lead_id
      FROM {Ticket._meta.db_table} t
     WHERE t.tenant_id = %(tenant)s
       AND t.id = ANY(ARRAY(SELECT DISTINCT ticket_id FROM day_events))
), events AS (
    SELECT (e.occurred_at AT TIME ZONE %(zone)s)::date AS day, l.pipeline_id, i.brand_id,
           t.assignee_id AS person_id, e.kind,
           CASE WHEN e.kind = %(started)s AND e.target = %(first)s
                 AND t.first_response_at >= e.occurred_at
                THEN extract(epoch FROM t.first_response_at - e.occurred_at) END AS wait
      FROM day_events e
      JOIN day_tickets t ON t.id = e.ticket_id
      JOIN {Inbox._meta.db_table} i ON i.id = t.inbox_id
      LEFT JOIN {Lead._meta.db_table} l ON l.id = t.lead_id
), answers AS (
    SELECT day, pipeline_id, brand_id, person_id,
           count(*) FILTER (WHERE kind = %(met)s) AS met,
           count(*) FILTER (WHERE kind = %(late)s) AS answered_late
      FROM events
     WHERE kind IN (%(met)s, %(late)s)
     GROUP BY 1, 2, 3, 4
), responses AS (
    SELECT *, greatest(0, width_bucket(bucket, ARRAY[{", ".join(map(str, BIN_FLOORS))}]) - 1) AS bin
      FROM (SELECT day, pipeline_id, brand_id, person_id,
                   (CASE WHEN floor(wait / 60) < 1440 THEN floor(wait / 60)
                         ELSE floor(wait / 3600) * 60 END)::integer AS bucket,
                   count(*) AS answered, min(wait)::float8 AS shortest,
                   max(wait)::float8 AS longest
              FROM events
             WHERE wait IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5) AS bucketed
), figures AS (
    SELECT day, pipeline_id, brand_id, person_id, on_time, late, open, overdue, missed,
           0 AS met, 0 AS answered_late, 0 AS answered, 0 AS bin
      FROM follow_ups
    UNION ALL
    SELECT day, pipeline_id, brand_id, person_id, 0, 0, 0, 0, 0, met, answered_late, 0, 0
      FROM answers
    UNION ALL
    SELECT day, pipeline_id, brand_id, person_id, 0, 0, 0, 0, 0, 0, 0, answered, bin
      FROM responses
), days AS (
    INSERT INTO {TeamDay._meta.db_table}
        (tenant_id, day, pipeline_id, brand_id, person_id, follow_ups_on_time, follow_ups_late,
         follow_ups_open, follow_ups_overdue, follow_ups_missed, sla_met, sla_late,
         first_responses,
         {", ".join(f"response_bin_{index}" for index in range(BINS))})
    SELECT %(tenant)s, day, pipeline_id, brand_id, person_id, sum(on_time), sum(late), sum(open),
           sum(overdue), sum(missed), sum(met), sum(answered_late), sum(answered),
           {", ".join(f"coalesce(sum(answered) FILTER (WHERE bin = {index}), 0)" for index in range(BINS))}
      FROM figures
     GROUP BY day, pipeline_id, brand_id, person_id
     ORDER BY day
)
INSERT INTO {TeamResponseBin._meta.db_table}
    (tenant_id, day, bin, pipeline_id, brand_id, person_id, buckets)
SELECT %(tenant)s, day, bin, pipeline_id, brand_id, person_id,
       jsonb_object_agg(bucket, jsonb_build_array(answered, {seconds_json("shortest")},
                                                  {seconds_json("longest")}))
  FROM responses
 GROUP BY day, bin, pipeline_id, brand_id, person_id
 ORDER BY day
"""  # noqa: S608  # nosec B608


# TeamResponseMonthBin's rows of the months %(months)s: their day rows' buckets summed.
TEAM_MONTHS_SQL = month_buckets_sql(
    TeamResponseMonthBin._meta.db_table,
    TeamResponseBin._meta.db_table,
    ("pipeline_id", "brand_id", "person_id"),
)


# TeamMonth's rows of the months %(months)s: their day rows summed per pipeline, brand and person.
TEAM_MONTH_SUMS_SQL = month_sums_sql(
    TeamMonth._meta.db_table,
    TeamDay._meta.db_table,
    "pipeline_id, brand_id, person_id",
    [
        "follow_ups_on_time",
        "follow_ups_late",
        "follow_ups_open",
        "follow_ups_missed",
        "sla_met",
        "sla_late",
        "first_responses",
        *(f"response_bin_{index}" for index in range(BINS)),
    ],
)


def _day_ranges(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive days as (first, last)."""
    ranges: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + DAY:
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(first, last) for first, last in ranges]


def team_days_count(
    *,
    tenant: Tenant,
    days: Iterable[dt.date],
    now: dt.datetime,
    events_until: dt.datetime | None = None,
) -> int:
    """Count these local days again, replacing their rows, a statement per run of consecutive
    days: the follow-ups overdue as of `now`, the SLA events recorded before `events_until`
    (today's: the page reads the later ones). The finished months of those days are summed again
    (TeamMonth, TeamResponseMonthBin); this month's are read from its days. Returns how many
    days."""
    counted = 0
    params: dict[str, Any] = {
        "zone": str(tenant.zone),
        "tenant": tenant.pk,
        "completed": Status.COMPLETED,
        "open": list(OPEN_STATUSES),
        "missed": Status.MISSED,
        "cancelled": Status.CANCELLED,
        "met": SlaEventKind.MET,
        "late": SlaEventKind.ANSWERED_LATE,
        "started": SlaEventKind.STARTED,
        "first": SlaTarget.FIRST,
        "now": now,
    }
    # The finished months of the days counted are written again from their days.
    this_month = timezone.localtime(now, tenant.zone).date().replace(day=1)
    months: set[dt.date] = set()
    for first, last in _day_ranges(days):
        start, end = local_midnight(first, tenant), local_midnight(last + DAY, tenant)
        TeamDay.objects.filter(tenant=tenant, day__gte=first, day__lte=last).delete()
        TeamResponseBin.objects.filter(tenant=tenant, day__gte=first, day__lte=last).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                TEAM_DAYS_SQL,
                {
                    **params,
                    "start": start,
                    "end": end,
                    "events_end": end if events_until is None else min(end, events_until),
                },
            )
        counted += (last - first).days + 1
        months |= {month for month in _months(first, last) if month < this_month}
    if months:
        TeamMonth.objects.filter(tenant=tenant, month__in=months).delete()
        TeamResponseMonthBin.objects.filter(tenant=tenant, month__in=months).delete()
        with connection.cursor() as cursor:
            params = month_params(tenant.pk, months)
            cursor.execute(TEAM_MONTH_SUMS_SQL, params)
            cursor.execute(TEAM_MONTHS_SQL, params)
    return counted


def _months(first: dt.date, last: dt.date) -> set[dt.date]:
    """The first days of the months from `first`'s to `last`'s."""
    months, month = set(), first.replace(day=1)
    while month <= last:
        months.add(month)
        month = next_month(month)
    return months


def _local_days(queryset, field: str, tenant: Tenant) -> set[dt.date]:
    return set(
        queryset.annotate(local_day=TruncDate(field, tzinfo=tenant.zone))
        .values_list("local_day", flat=True)
        .distinct()
        .order_by()
    )


def _changed_days(tenant: Tenant, state: TeamRollup) -> set[dt.date]:
    since = state.changes_seen_at - CHANGES_OVERLAP
    follow_ups = FollowUp.objects.filter(tenant=tenant)
    events = SlaEvent.objects.filter(tenant=tenant, kind__in=_COUNTED_EVENTS)
    changed_tickets = Ticket.objects.filter(tenant=tenant, updated_at__gt=since).values("pk")
    days = _local_days(follow_ups.filter(updated_at__gt=since), "scheduled_at", tenant)
    # Added since: a higher id, or (an id taken before the last run, committed after it) a
    # recent time.
    added = events.filter(Q(pk__gt=state.sla_events_seen) | Q(occurred_at__gt=since))
    days |= _local_days(added, "occurred_at", tenant)
    days |= _local_days(events.filter(ticket__in=changed_tickets), "occurred_at", tenant)
    marked = TeamDayChanged.objects.filter(tenant=tenant)
    days |= set(marked.values_list("day", flat=True))
    marked.delete()
    return days


def _history(tenant: Tenant) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last time anything the team figures count happened."""
    follow_ups = FollowUp.objects.filter(tenant=tenant).aggregate(
        first=Min("scheduled_at"), last=Max("scheduled_at")
    )
    events = SlaEvent.objects.filter(tenant=tenant).aggregate(
        first=Min("occurred_at"), last=Max("occurred_at")
    )
    firsts = [at for at in (follow_ups["first"], events["first"]) if at is not None]
    lasts = [at for at in (follow_ups["last"], events["last"]) if at is not None]
    if not firsts:
        return None
    return min(firsts), max(lasts)


@transaction.atomic
def team_roll_up(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Bring the tenant's TeamDay rows up to date: on the first run every day of its history
    (one statement), afterwards the days that changed; and today as of now, on every run.
    Returns how many days were counted besides today."""
    now = now or timezone.now()
    today = timezone.localtime(now, tenant.zone).date()
    state = TeamRollup.objects.select_for_update().filter(tenant=tenant).first()
    last_event = SlaEvent.objects.filter(tenant=tenant).aggregate(last=Max("pk"))["last"] or 0
    if state is None:
        jit_off()
        history = _history(tenant)
        days: set[dt.date] = set()
        if history is not None:
            first = timezone.localtime(history[0], tenant.zone).date()
            last = timezone.localtime(history[1], tenant.zone).date()
            days = {first + n * DAY for n in range((last - first).days + 1)}
        state = TeamRollup(tenant=tenant, live_day=today, changes_seen_at=now)
    else:
        days = _changed_days(tenant, state)
        # The days that ended since the last run, read live until now.
        days |= {state.live_day + n * DAY for n in range(max(0, (today - state.live_day).days))}
    days.discard(today)
    counted = team_days_count(tenant=tenant, days=days, now=now)
    team_days_count(tenant=tenant, days=[today], now=now, events_until=now)
    state.live_day, state.changes_seen_at, state.sla_events_seen = today, now, last_event
    state.today_counted_at = now
    state.save()
    return counted


def team_day_changed(*, tenant: Tenant, day: dt.date) -> None:
    """Have the next sweep count this local day again."""
    TeamDayChanged.objects.create(tenant=tenant, day=day)


def team_days_of_lead_changed(*, tenant: Tenant, lead: Lead) -> None:
    """Have the next sweep count again every day with one of the lead's follow-ups or of its
    tickets' SLA events."""
    days = _local_days(FollowUp.objects.filter(tenant=tenant, lead=lead), "scheduled_at", tenant)
    days |= _local_days(
        SlaEvent.objects.filter(tenant=tenant, ticket__lead=lead, kind__in=_COUNTED_EVENTS),
        "occurred_at",
        tenant,
    )
    TeamDayChanged.objects.bulk_create(TeamDayChanged(tenant=tenant, day=day) for day in days)
