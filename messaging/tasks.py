"""The outbox's beat-driven sweep and the per-message send task. Thin wrappers over services.

The tasks keep the names they had in the ``comms`` package, so messages queued before a deploy and
the beat schedule still find them.
"""

from celery import shared_task

from crm.models import Tenant
from crm.tenancy.tasks import each_tenant, enqueue_on_commit, tenant_task
from messaging.services import outbox


def _claim_and_enqueue(*, tenant: Tenant) -> int:
    ids = outbox.outbox_claim_due(tenant=tenant)
    for message_id in ids:
        enqueue_on_commit(send_message, tenant.pk, message_id)
    return len(ids)


@shared_task(name="comms.tasks.dispatch_due_messages")
def dispatch_due_messages() -> int:
    """Claim every tenant's due outbox rows and queue a send task for each."""
    return each_tenant(_claim_and_enqueue)


@tenant_task(name="comms.tasks.send_message")
def send_message(tenant: Tenant, message_id: int) -> str:
    return outbox.message_send(tenant=tenant, message_id=message_id)
