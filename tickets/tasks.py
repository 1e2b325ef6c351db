"""The inbox's Celery tasks: thin wrappers over tickets.services.ingest and
tickets.services.sla."""

import logging

from crm.models import Tenant
from crm.tenancy.sweeps import PROMPT, SECONDS_MINUTE, tenant_sweep
from crm.tenancy.tasks import tenant_task
from tickets.selectors.sweeps import inbound_events_due_tenant_ids, sla_due_tenant_ids
from tickets.services import ingest, sla

logger = logging.getLogger(__name__)


@tenant_task()
def process_inbound_event(tenant: Tenant, event_id: int) -> str:
    return ingest.inbound_event_process(tenant=tenant, event_id=event_id)


@tenant_sweep(
    soft_time_limit=SECONDS_MINUTE, due_tenants=inbound_events_due_tenant_ids, priority=PROMPT
)
def sweep_inbound_events(*, tenant: Tenant) -> int:
    """Events stored but never processed (broker down, worker killed) and retries that are due.
    Processed here, in the sweep, not queued again: enqueuing would lean on the broker that may be
    the very thing that failed."""
    ids = ingest.inbound_events_due(tenant=tenant)
    for event_id in ids:
        ingest.inbound_event_process(tenant=tenant, event_id=event_id)
    return len(ids)


@tenant_sweep(soft_time_limit=SECONDS_MINUTE, due_tenants=sla_due_tenant_ids, priority=PROMPT)
def sweep_sla_breaches(*, tenant: Tenant) -> int:
    return sla.sla_breaches_sweep(tenant=tenant)
