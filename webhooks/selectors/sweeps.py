"""Which tenants the webhook sweep has work in (read across tenants, ids only)."""

import datetime as dt

from crm.tenancy.sweeps import tenants_from_function
from webhooks.models import QUEUED_LEASE


def deliveries_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with scheduled deliveries due by `now`, or queued ones whose lease ran out: what
    deliveries_claim_due would claim (webhooks migration 0002_due_tenants)."""
    return tenants_from_function("threadline_tenants_with_due_webhooks", now, now - QUEUED_LEASE)
