"""Which tenants the outbox sweep has work in (read across tenants, ids only)."""

import datetime as dt

from django.db import connection

from messaging.models import QUEUED_LEASE


def outbox_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with scheduled rows due by `now`, or queued rows whose lease ran out: what
    outbox_claim_due would claim (messaging migration 0007_sweeps_due_tenants)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM threadline_tenants_with_due_messages(%s, %s)", [now, now - QUEUED_LEASE]
        )
        return [row[0] for row in cursor.fetchall()]
