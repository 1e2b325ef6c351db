"""Which tenants the inbox's minute sweeps have work in (read across tenants, ids only)."""

import datetime as dt

from crm.tenancy.sweeps import tenants_from_function
from tickets.models import InboxSettings


def inbound_events_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with events inbound_events_due would return now (tickets migration
    0011_sweeps2_due_tenants)."""
    return tenants_from_function("threadline_tenants_with_due_inbound_events", now)


def sla_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with a ticket sla_breaches_sweep would breach or escalate now."""
    default = InboxSettings._meta.get_field("escalate_to_manager_after_minutes").default
    return tenants_from_function("threadline_tenants_with_sla_due", now, default)
