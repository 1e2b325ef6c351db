"""Beat-driven sweeps of triggers, sequences and customer updates. Thin wrappers over services.

The tasks keep the names they were registered under before automation had its own app
(``comms.tasks.*``, ``followups.tasks.sweep_sequences``), so tasks queued before a deploy and the
beat schedule still find them.
"""

from celery import shared_task

from automation.services import sequences, triggers, updates
from crm.models import Tenant
from crm.tenancy.tasks import each_tenant, tenant_task


@shared_task(name="comms.tasks.sweep_time_triggers")
def sweep_time_triggers() -> int:
    return each_tenant(triggers.time_triggers_sweep)


@shared_task(name="comms.tasks.sweep_follow_ups")
def sweep_follow_ups() -> int:
    return each_tenant(triggers.follow_ups_sweep)


@shared_task(name="comms.tasks.sweep_customer_updates")
def sweep_customer_updates() -> int:
    return each_tenant(updates.customer_updates_sweep)


@tenant_task(name="comms.tasks.refresh_update_rhythms")
def refresh_update_rhythms(tenant: Tenant) -> int:
    return updates.update_rhythms_refresh(tenant=tenant)


@shared_task(name="followups.tasks.sweep_sequences")
def sweep_sequences() -> int:
    """Run the sequence steps that came due (enrolments claimed with SKIP LOCKED)."""
    return each_tenant(sequences.sequences_sweep)
