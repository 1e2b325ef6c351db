"""The dashboard's rollups: finished tenant-local days stored so a page sums a few hundred rows
instead of scanning history (dashboards.selectors.stage_flow and dashboards.selectors.activity
read them, and count live what is not stored yet). Each run is one transaction per tenant; on the
first run a rollup reads all history in the same few set-based statements as a day's run (the
grouping is by day, so one pass over years costs what the years' months cost one by one, without a
scan of the leads per month).

Messages arrive late: an email's time is its Date header, a call can be logged after the fact.
Each activity run therefore counts the last `SETTLING_DAYS` finished days again; anything older
that arrives later is not added to a day already stored.
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from crm.models import Tenant
from dashboards.models import (
    ActivityDay,
    ActivityRollup,
    StageFlowDay,
    StageFlowMonth,
    StageFlowRollup,
)
from dashboards.selectors.activity import DAY, activity_rows, calls_logged_by_anyone
from dashboards.selectors.stage_flow import local_midnight
from leads.models import Lead, Stage
from tickets.models import TicketMessage

# The flow of [start, end) per local day, stage, owner and brand, as dashboards.selectors
# .stage_flow.flow_rows counts it, in one statement: the visits that began (their stage's
# `entered`), and each one's predecessor, the visit of the same lead that ended when it began
# (that stage's `left`, `moved_on` and `time_in_stage`). The predecessor comes from one hash join
# over the range instead of a probe per visit; when two visits ended at that moment (moves with
# one timestamp) it is the one entered last, as flow_rows picks it. The rows go in in day order,
# as the days that follow are added: a first build of years in the hash aggregate's order spread
# a month's rows over the whole table, a page each (a year's read of this month's days: 4,106
# pages for 9,336 rows at a million leads, 58 ms; in day order 116 pages, 11 ms).
FLOW_SQL = """
INSERT INTO dashboards_stageflowday
    (tenant_id, day, stage_id, owner_id, brand_id, entered, "left", moved_on, time_in_stage)
WITH visit AS (
    SELECT DISTINCT ON (v.id)
           (v.entered_at AT TIME ZONE %(zone)s)::date AS day, v.stage_id, l.owner_id, l.brand_id,
           p.stage_id AS from_stage_id, v.entered_at - p.entered_at AS stay
    FROM leads_stagevisit v
    JOIN leads_lead l ON l.tenant_id = v.tenant_id AND l.id = v.lead_id
    LEFT JOIN leads_stagevisit p
        ON p.tenant_id = v.tenant_id AND p.lead_id = v.lead_id AND p.left_at = v.entered_at
           AND p.id <> v.id
    WHERE v.tenant_id = %(tenant)s AND v.stage_id = ANY(%(stages)s::bigint[])
          AND v.entered_at >= %(start)s AND v.entered_at < %(end)s
    ORDER BY v.id, p.entered_at DESC, p.id DESC
), grouped AS (
    SELECT day, stage_id, from_stage_id, owner_id, brand_id, count(*) AS visits,
           sum(stay) AS stay
    FROM visit
    GROUP BY day, stage_id, from_stage_id, owner_id, brand_id
), flow AS (
    SELECT day, stage_id, owner_id, brand_id, visits AS entered, 0 AS ended, 0 AS moved_on,
           NULL::interval AS stay
    FROM grouped
    UNION ALL
    SELECT g.day, g.from_stage_id, g.owner_id, g.brand_id, 0, g.visits,
           CASE WHEN NOT n.is_lost AND n.pipeline_id = s.pipeline_id AND n.position > s.position
                THEN g.visits ELSE 0 END,
           g.stay
    FROM grouped g
    JOIN leads_stage s ON s.tenant_id = %(tenant)s AND s.id = g.from_stage_id
    JOIN leads_stage n ON n.tenant_id = %(tenant)s AND n.id = g.stage_id
)
SELECT %(tenant)s, day, stage_id, owner_id, brand_id, sum(entered), sum(ended), sum(moved_on),
       coalesce(sum(stay), interval '0')
FROM flow
GROUP BY day, stage_id, owner_id, brand_id
ORDER BY day
"""


# A finished month's rows: the sums of its day rows (table and column names are this module's).
MONTHS_SQL = """
INSERT INTO dashboards_stageflowmonth
    (tenant_id, month, stage_id, owner_id, brand_id, entered, "left", moved_on, time_in_stage)
SELECT tenant_id, date_trunc('month', day)::date, stage_id, owner_id, brand_id, sum(entered),
       sum("left"), sum(moved_on), sum(time_in_stage)
FROM dashboards_stageflowday
WHERE tenant_id = %(tenant)s AND day >= %(first)s AND day < %(after)s
GROUP BY 1, 2, 3, 4, 5
"""


def _months_count(tenant: Tenant, first_day: dt.date, today: dt.date) -> None:
    """Write again the month rows of the finished months from `first_day`'s to the one before
    `today`'s, from their day rows (stored whole: a finished day is never counted again)."""
    first, after = first_day.replace(day=1), today.replace(day=1)
    if first >= after:
        return
    StageFlowMonth.objects.filter(tenant=tenant, month__gte=first, month__lt=after).delete()
    with connection.cursor() as cursor:
        cursor.execute(MONTHS_SQL, {"tenant": tenant.pk, "first": first, "after": after})


def _flow_count(tenant: Tenant, start: dt.datetime, end: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            FLOW_SQL,
            {
                "tenant": tenant.pk,
                "zone": tenant.time_zone,
                "stages": list(Stage.objects.filter(tenant=tenant).values_list("pk", flat=True)),
                "start": start,
                "end": end,
            },
        )


@transaction.atomic
def stage_flow_roll_up(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Store the flow of the visits that began since the last run (beat's minute), so a read
    counts live only the visits since. Today's rows are added to minute by minute (a reader sums
    the rows of a day); the first run of a day counts the days that ended since the last one
    again whole, in one statement (on the first run, all history since the tenant's oldest lead).
    Returns how many days were counted (0: nothing new). The months that day recount finishes
    are written again from their days (StageFlowMonth).

    A finished day is stored once: the lead's owner and brand are those of that moment, and a
    stage move recorded later with a past date (an import) is not added to a day already stored.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, tenant.zone).date()
    state = StageFlowRollup.objects.select_for_update().filter(tenant=tenant).first()
    if state is not None:
        first_day = state.rolled_through + dt.timedelta(days=1)
    else:
        oldest = Lead.objects.filter(tenant=tenant).aggregate(oldest=Min("created_at"))["oldest"]
        if oldest is None:
            return 0
        first_day = timezone.localtime(oldest, tenant.zone).date()
    if first_day < today or state is None or state.counted_through is None:
        # Days ended since the last run: what was added to them minute by minute is counted
        # again whole (the owners and brands of now, the moves committed late).
        StageFlowDay.objects.filter(tenant=tenant, day__gte=first_day).delete()
        _flow_count(tenant, local_midnight(first_day, tenant), now)
        _months_count(tenant, first_day, today)
        counted = max(0, (today - first_day).days + 1)
    elif state.counted_through < now:
        _flow_count(tenant, state.counted_through, now)
        counted = 1
    else:
        return 0
    StageFlowRollup.objects.update_or_create(
        tenant=tenant,
        defaults={"rolled_through": today - dt.timedelta(days=1), "counted_through": now},
    )
    return counted


SETTLING_DAYS = 3


def _oldest_activity(tenant: Tenant) -> dt.datetime | None:
    """The first call or message (one index probe each); a ticket can predate every lead."""
    firsts = [
        calls_logged_by_anyone(tenant).aggregate(first=Min("occurred_at"))["first"],
        TicketMessage.objects.filter(tenant=tenant).aggregate(first=Min("sent_at"))["first"],
    ]
    return min((first for first in firsts if first is not None), default=None)


@transaction.atomic
def activity_roll_up(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Store the activity of every finished local day not stored yet, and count the last
    `SETTLING_DAYS` again (on the first run, all history since the tenant's first call or
    message, in the same two grouped queries). Returns how many days were counted."""
    now = now or timezone.now()
    yesterday = timezone.localtime(now, tenant.zone).date() - DAY
    state = ActivityRollup.objects.select_for_update().filter(tenant=tenant).first()
    if state is not None:
        first_day = min(state.rolled_through + DAY, yesterday - (SETTLING_DAYS - 1) * DAY)
    else:
        oldest = _oldest_activity(tenant)
        if oldest is None:
            return 0
        first_day = timezone.localtime(oldest, tenant.zone).date()
    if first_day > yesterday:
        return 0
    ActivityDay.objects.filter(tenant=tenant, day__gte=first_day).delete()
    rows = activity_rows(
        tenant=tenant,
        start=local_midnight(first_day, tenant),
        end=local_midnight(yesterday + DAY, tenant),
    )
    ActivityDay.objects.bulk_create(
        (
            ActivityDay(
                tenant=tenant,
                day=row_day,
                pipeline_id=pipeline_id,
                brand_id=brand_id,
                person_id=person_id,
                **counts,
            )
            for (row_day, pipeline_id, brand_id, person_id), counts in rows.items()
        ),
        batch_size=5000,
    )
    ActivityRollup.objects.update_or_create(tenant=tenant, defaults={"rolled_through": yesterday})
    return (yesterday - first_day).days + 1
