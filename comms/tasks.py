"""Beat-driven sweeps over every tenant and the per-message send task. Thin wrappers over services."""

from celery import shared_task

from comms import outbox, triggers, updates
from crm.models import Tenant
from crm.tenancy.tasks import each_tenant, enqueue_on_commit, tenant_task


def _claim_and_enqueue(*, tenant: Tenant) -> int:
    ids = outbox.outbox_claim_due(tenant=tenant)
    for message_id in ids:
        enqueue_on_commit(send_message, tenant.pk, message_id)
    return len(ids)


@shared_task
def dispatch_due_messages() -> int:
    """Claim every tenant's due outbox rows and queue a send task for each."""
    return each_tenant(_claim_and_enqueue)


@tenant_task()
def send_message(tenant: Tenant, message_id: int) -> str:
    return outbox.message_send(tenant=tenant, message_id=message_id)


@shared_task
def sweep_time_triggers() -> int:
    return each_tenant(triggers.time_triggers_sweep)


@shared_task
def sweep_follow_ups() -> int:
    return each_tenant(triggers.follow_ups_sweep)


@shared_task
def sweep_customer_updates() -> int:
    return each_tenant(updates.customer_updates_sweep)


@tenant_task()
def refresh_update_rhythms(tenant: Tenant) -> int:
    return updates.update_rhythms_refresh(tenant=tenant)
