"""Which tenants the reminder sweep has work in (read across tenants, ids only)."""

import datetime as dt

from django.db import connection

from crm.tenancy.sweeps import tenants_from_function
from followups.services.reminders import QUEUED_LEASE


def reminders_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with pending reminders due by `now`, or queued ones whose lease ran out: what
    reminders_claim_due would claim (followups migration 0005_sweeps_due_tenants)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM threadline_tenants_with_due_reminders(%s, %s)",
            [now, now - QUEUED_LEASE],
        )
        return [row[0] for row in cursor.fetchall()]


def missed_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with an open follow-up follow_ups_mark_missed would mark missed now (followups
    migration 0006_sweeps2_due_tenants)."""
    from followups.services.missed import MIN_GRACE, STARTED_GRACE

    return tenants_from_function(
        "threadline_tenants_with_missed_follow_ups", now, MIN_GRACE, STARTED_GRACE
    )
