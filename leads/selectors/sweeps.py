"""Which tenants the leads sweeps have work in (read across tenants, ids only)."""

import datetime as dt

from crm.tenancy.sweeps import tenants_from_function
from leads.models import LeadSettings


def untouched_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with a lead leads_alert_untouched would alert now (leads migration
    0008_sweeps2_due_tenants)."""
    fields = LeadSettings._meta
    return tenants_from_function(
        "threadline_tenants_with_untouched_leads",
        now,
        fields.get_field("untouched_owner_alert_minutes").default,
        fields.get_field("untouched_manager_alert_minutes").default,
    )


def priorities_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants where a stored priority score can have changed by the clock since the priority
    sweep's last run (leads migration 0010_sweeps2_priorities_due)."""
    return tenants_from_function("threadline_tenants_with_priorities_due", now)
