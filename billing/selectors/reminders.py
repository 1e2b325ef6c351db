"""Which tenants have invoice reminders or overdue news due (one query across tenants)."""

import datetime as dt

from crm.tenancy.sweeps import tenants_from_function

# The furthest ahead any business's calendar day can be of UTC (UTC+14).
AHEAD_OF_UTC = dt.timedelta(hours=14)


def invoice_reminders_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with an open invoice whose reminder is due, or past its due date with its overdue
    news not yet published, on the latest calendar day anywhere (billing migration 0002); each
    tenant's run then reads its own day."""
    latest_day = (now.astimezone(dt.UTC) + AHEAD_OF_UTC).date()
    return tenants_from_function("threadline_tenants_with_due_invoice_reminders", latest_day)
