"""Beat-driven sweeps of triggers, sequences and customer updates. Thin wrappers over services.

Each task is also registered under the name it had before automation had its own app
(``comms.tasks.*``, ``followups.tasks.sweep_sequences``: ``aliases``), so tasks queued before the
deploy still run. The aliases go in the next release (CHANGELOG.md).
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
    name="automation.tasks.sweep_time_triggers",
    aliases=("comms.tasks.sweep_time_triggers",),  # until the next release
    soft_time_limit=SECONDS_MINUTE,
    due_tenants=time_triggers_tenant_ids,
    priority=PROMPT,
)
def sweep_time_triggers(*, tenant: Tenant) -> int:
    return triggers.time_triggers_sweep(tenant=tenant)


@tenant_sweep(
    name="automation.tasks.sweep_follow_ups",
    aliases=("comms.tasks.sweep_follow_ups",),  # until the next release
    soft_time_limit=SECONDS_MINUTE,
    due_tenants=repeating_follow_ups_tenant_ids,
    priority=PROMPT,
)
def sweep_follow_ups(*, tenant: Tenant) -> int:
    return triggers.follow_ups_sweep(tenant=tenant)


@tenant_sweep(
    name="automation.tasks.sweep_customer_updates",
    aliases=("comms.tasks.sweep_customer_updates",),  # until the next release
    soft_time_limit=SECONDS_FEW_MINUTES,
    due_tenants=updates_due_tenant_ids,
)
def sweep_customer_updates(*, tenant: Tenant) -> int:
    return updates.customer_updates_sweep(tenant=tenant)


@tenant_task(
    name="automation.tasks.refresh_update_rhythms",
    aliases=("comms.tasks.refresh_update_rhythms",),  # until the next release
)
def refresh_update_rhythms(tenant: Tenant) -> int:
    return updates.update_rhythms_refresh(tenant=tenant)


@tenant_sweep(
    name="automation.tasks.sweep_sequences",
    aliases=("followups.tasks.sweep_sequences",),  # until the next release
    soft_time_limit=SECONDS_MINUTE,
    due_tenants=sequences_due_tenant_ids,
    priority=PROMPT,
)
def sweep_sequences(*, tenant: Tenant) -> int:
    """Run the sequence steps that came due (enrolments claimed with SKIP LOCKED)."""
    return sequences.sequences_sweep(tenant=tenant)
