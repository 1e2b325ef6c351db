"""The payments' Celery tasks: thin wrappers over gateway.services."""

from django.utils import timezone

from crm.models import Tenant
from crm.tenancy.sweeps import PROMPT, SECONDS_MINUTE, tenant_sweep
from crm.tenancy.tasks import tenant_task
from gateway.selectors.sessions import provider_events_due, provider_events_due_tenant_ids
from gateway.services import events, sandbox_delivery


@tenant_task()
def process_provider_event(tenant: Tenant, event_id: int) -> str:
    return events.provider_event_process(tenant=tenant, event_id=event_id)


@tenant_sweep(
    soft_time_limit=SECONDS_MINUTE, due_tenants=provider_events_due_tenant_ids, priority=PROMPT
)
def sweep_provider_events(*, tenant: Tenant) -> int:
    """Events stored but never processed (broker down, worker killed) and retries that are due,
    processed here rather than queued again (the broker may be what failed)."""
    ids = provider_events_due(tenant=tenant, now=timezone.now())
    return events.provider_events_sweep(tenant=tenant, ids=ids)


@tenant_task()
def sandbox_event_deliver(tenant: Tenant, account_id: int, events_json: str) -> list[int]:
    """The sandbox's events, signed now and posted to this site's webhook, in order."""
    path, signed = sandbox_delivery.sandbox_events_signed(
        tenant=tenant, account_id=account_id, events_json=events_json
    )
    return sandbox_delivery.sandbox_events_post(path=path, events=signed) if path else []
