"""The dashboard's rollups: finished tenant-local days stored so a page sums a few hundred rows
instead of scanning history (dashboards.selectors.stage_flow and dashboards.selectors.activity
read them, and count live what is not stored yet). Each run is one transaction per tenant; on the
first run a rollup reads all history, a month per query.

Messages arrive late: an email's time is its Date header, a call can be logged after the fact.
Each activity run therefore counts the last `SETTLING_DAYS` finished days again; anything older
that arrives later is not added to a day already stored.
"""

import datetime as dt
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from crm.models import Tenant
from dashboards.models import ActivityDay, ActivityRollup, StageFlowDay, StageFlowRollup
from dashboards.selectors.activity import DAY, activity_rows, calls_logged_by_anyone
from dashboards.selectors.stage_flow import flow_rows, local_midnight
from leads.models import Lead
from tickets.models import TicketMessage

ROLL_UP_CHUNK = dt.timedelta(days=31)


def day_chunks(
    first_day: dt.date, last_day: dt.date, *, tenant: Tenant
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The local days first_day to last_day as [start, end) ranges of at most ROLL_UP_CHUNK: a
    rollup's first run reads all history, a month per query."""
    day = first_day
    while day <= last_day:
        chunk_end = min(day + ROLL_UP_CHUNK, last_day + dt.timedelta(days=1))
        yield local_midnight(day, tenant), local_midnight(chunk_end, tenant)
        day = chunk_end


@transaction.atomic
def stage_flow_roll_up(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Store the flow of every finished local day not stored yet (on the first run, all history
    since the tenant's oldest lead, a month per query). Returns how many days were rolled up.

    A day is stored once: the lead's owner and brand are those of that moment, and a stage move
    recorded later with a past date (an import) is not added to a day already stored.
    """
    now = now or timezone.now()
    yesterday = timezone.localtime(now, tenant.zone).date() - dt.timedelta(days=1)
    state = StageFlowRollup.objects.select_for_update().filter(tenant=tenant).first()
    if state is not None:
        first_day = state.rolled_through + dt.timedelta(days=1)
    else:
        oldest = Lead.objects.filter(tenant=tenant).aggregate(oldest=Min("created_at"))["oldest"]
        if oldest is None:
            return 0
        first_day = timezone.localtime(oldest, tenant.zone).date()
    if first_day > yesterday:
        return 0
    for start, end in day_chunks(first_day, yesterday, tenant=tenant):
        flows = flow_rows(tenant=tenant, start=start, end=end)
        StageFlowDay.objects.bulk_create(
            StageFlowDay(
                tenant=tenant,
                day=flow_day,
                stage_id=stage_id,
                owner_id=owner_id,
                brand_id=brand_id,
                entered=flow.entered,
                left=flow.left,
                moved_on=flow.moved_on,
                time_in_stage=flow.time_in_stage,
            )
            for (flow_day, stage_id, owner_id, brand_id), flow in flows.items()
        )
    StageFlowRollup.objects.update_or_create(tenant=tenant, defaults={"rolled_through": yesterday})
    return (yesterday - first_day).days + 1


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
    message, a month per query). Returns how many days were counted."""
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
    for start, end in day_chunks(first_day, yesterday, tenant=tenant):
        rows = activity_rows(tenant=tenant, start=start, end=end)
        ActivityDay.objects.bulk_create(
            ActivityDay(
                tenant=tenant,
                day=row_day,
                pipeline_id=pipeline_id,
                brand_id=brand_id,
                person_id=person_id,
                **counts,
            )
            for (row_day, pipeline_id, brand_id, person_id), counts in rows.items()
        )
    ActivityRollup.objects.update_or_create(tenant=tenant, defaults={"rolled_through": yesterday})
    return (yesterday - first_day).days + 1
