"""The webhook outbox's beat-driven sweep and the per-delivery send task: thin wrappers."""

from crm.models import Tenant
from crm.tenancy.sweeps import SECONDS_DISPATCH, SECONDS_HOURLY, tenant_sweep
from crm.tenancy.tasks import enqueue_on_commit, tenant_task
from webhooks.selectors.sweeps import deliveries_due_tenant_ids
from webhooks.services import deliveries, endpoints

# The POST's timeout, with room for the lookup and the row's writes.
SEND_SOFT_TIME_LIMIT = 60


@tenant_sweep(
    name="webhooks.tasks.dispatch_due_webhooks",
    soft_time_limit=SECONDS_DISPATCH,
    due_tenants=deliveries_due_tenant_ids,
    priority=0,  # ahead of the sends on the messages queue, as the outbox's claims
    chunk=1,  # each tenant with due rows its own task: claims run side by side
)
def dispatch_due_webhooks(*, tenant: Tenant) -> int:
    """Claim the tenant's due deliveries and queue a send task for each."""
    ids = deliveries.deliveries_claim_due(tenant=tenant)
    for delivery_id in ids:
        enqueue_on_commit(send_webhook, tenant.pk, delivery_id)
    return len(ids)


@tenant_task(soft_time_limit=SEND_SOFT_TIME_LIMIT, time_limit=SEND_SOFT_TIME_LIMIT + 30)
def send_webhook(tenant: Tenant, delivery_id: int) -> str:
    return deliveries.delivery_send(tenant=tenant, delivery_id=delivery_id)


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def purge_old_deliveries(*, tenant: Tenant) -> int:
    """Finished deliveries older than a month leave the log, and signing secrets replaced by a
    rotation are forgotten once they no longer sign (the same hourly round of every tenant)."""
    purged = deliveries.deliveries_purge_old(tenant=tenant)
    return purged + endpoints.endpoints_forget_previous_secrets(tenant=tenant)
