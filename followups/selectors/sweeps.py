"""Which tenants the reminder sweep has work in (read across tenants, ids only)."""

import datetime as dt
import zoneinfo

from django.db import connection

from crm.models import zone_named
from crm.tenancy.sweeps import tenants_from_function
from followups.models import MIN_GRACE, QUEUED_LEASE, STARTED_GRACE, FollowUpSettings
from followups.selectors.digest import digest_day_due


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
    return tenants_from_function(
        "threadline_tenants_with_missed_follow_ups", now, MIN_GRACE, STARTED_GRACE
    )


def digest_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with a member whose digest is due at `now` and not sent for that day, by the rule
    members_due applies (followups migration 0008_digest_members reads the members across
    tenants). Outside the digest hours no tenant is visited; a member whose last digest is of
    another day counts as not sent (members_due checks the day exactly)."""
    default_hour = FollowUpSettings._meta.get_field("digest_hour").default
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM threadline_digest_members()")
        rows = cursor.fetchall()
    due: set[int] = set()
    for tenant_id, user_zone, tenant_zone, member_hour, team_hour, last_day in rows:
        if tenant_id in due:
            continue
        zone = zone_named(user_zone) or zone_named(tenant_zone) or zoneinfo.ZoneInfo("UTC")
        hour = next(h for h in (member_hour, team_hour, default_hour) if h is not None)
        day = digest_day_due(now, zone=zone, hour=hour, tenant_id=tenant_id)
        if day is not None and day != last_day:
            due.add(tenant_id)
    return sorted(due)
