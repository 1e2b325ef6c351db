"""The inbox's Celery tasks: thin wrappers over tickets.services.ingest and
tickets.services.sla."""

import logging

from celery import shared_task

from crm.models import Tenant
from crm.tenancy.tasks import each_tenant, tenant_task
from tickets.services import ingest, sla

logger = logging.getLogger(__name__)


@tenant_task()
def process_inbound_event(tenant: Tenant, event_id: int) -> str:
    return ingest.inbound_event_process(tenant=tenant, event_id=event_id)


def _requeue_unprocessed(*, tenant: Tenant) -> int:
    """Process here, in the sweep, what no task did: enqueuing again would lean on the broker
    that may be the very thing that failed."""
    ids = ingest.inbound_events_due(tenant=tenant)
    for event_id in ids:
        ingest.inbound_event_process(tenant=tenant, event_id=event_id)
    return len(ids)


@shared_task
def sweep_inbound_events() -> int:
    """Events stored but never processed (broker down, worker killed) and retries that are due."""
    return each_tenant(_requeue_unprocessed)


@shared_task
def sweep_sla_breaches() -> int:
    return each_tenant(sla.sla_breaches_sweep)
