"""Beat-driven sweeps of triggers, sequences and customer updates. Thin wrappers over services.

The tasks keep the names they were registered under before automation had its own app
(``comms.tasks.*``, ``followups.tasks.sweep_sequences``), so tasks queued before a deploy and the
beat schedule still find them.
"""

from automation.selectors.sweeps import (
    repeating_follow_ups_tenant_ids,
    sequences_due_tenant_ids,
    time_triggers_tenant_ids,
    updates_due_tenant_ids,
)
from automation.services import sequences, triggers, updates
from crm.models import Tenant
from crm.tenancy.sweeps import PROMPT, SECONDS_FEW_MINUTES, SECONDS_MINUTE, tenant_sweep
from crm.tenancy.tasks import tenant_task


@tenant_sweep(
    name="comms.tasks.sweep_time_triggers",
    soft_time_limit=SECONDS_MINUTE,
    due_tenants=time_triggers_tenant_ids,
    priority=PROMPT,
)
def sweep_time_triggers(*, tenant: Tenant) -> int:
    return triggers.time_triggers_sweep(tenant=tenant)


@tenant_sweep(
    name="comms.tasks.sweep_follow_ups",
    soft_time_limit=SECONDS_MINUTE,
    due_tenants=repeating_follow_ups_tenant_ids,
    priority=PROMPT,
)
def sweep_follow_ups(*, tenant: Tenant) -> int:
    return triggers.follow_ups_sweep(tenant=tenant)


@tenant_sweep(
    name="comms.tasks.sweep_customer_updates",
    soft_time_limit=SECONDS_FEW_MINUTES,
    due_tenants=updates_due_tenant_ids,
)
def sweep_customer_updates(*, tenant: Tenant) -> int:
    return updates.customer_updates_sweep(tenant=tenant)


@tenant_task(name="comms.tasks.refresh_update_rhythms")
def refresh_update_rhythms(tenant: Tenant) -> int:
    return updates.update_rhythms_refresh(tenant=tenant)


@tenant_sweep(
    name="followups.tasks.sweep_sequences",
    soft_time_limit=SECONDS_MINUTE,
    due_tenants=sequences_due_tenant_ids,
    priority=PROMPT,
)
def sweep_sequences(*, tenant: Tenant) -> int:
    """Run the sequence steps that came due (enrolments claimed with SKIP LOCKED)."""
    return sequences.sequences_sweep(tenant=tenant)
