"""Which tenants automation's minute sweeps have work in (read across tenants, ids only);
automation migration 0002_sweeps2_due_tenants."""

import datetime as dt

from crm.tenancy.sweeps import tenants_from_function


def time_triggers_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with an active time trigger (what time_triggers_sweep reads)."""
    return tenants_from_function("threadline_tenants_with_time_triggers")


def repeating_follow_ups_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with a repeating follow-up step on an active trigger (what follow_ups_sweep reads)."""
    return tenants_from_function("threadline_tenants_with_repeating_follow_ups")


def sequences_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with an active enrolment whose next step is due (what sequences_sweep claims)."""
    return tenants_from_function("threadline_tenants_with_due_enrolments", now)


def updates_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants with a lead whose customer update is due (what customer_updates_sweep claims);
    leads migration 0009_sweeps2_update_due_tenants."""
    return tenants_from_function("threadline_tenants_with_updates_due", now)
