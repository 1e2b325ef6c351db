"""Beat-driven sweeps over every tenant and the per-reminder send task. Thin wrappers over services."""

from celery import shared_task

from crm.models import Tenant
from crm.tenancy.tasks import each_tenant, enqueue_on_commit, tenant_task
from followups.services import digest, missed, neglect, recurrence, reminders


def _claim_and_enqueue(*, tenant: Tenant) -> int:
    ids = reminders.reminders_claim_due(tenant=tenant)
    for reminder_id in ids:
        enqueue_on_commit(send_reminder, tenant.pk, reminder_id)
    return len(ids)


@shared_task
def dispatch_due_reminders() -> int:
    """Claim every tenant's due reminders and queue a send task for each."""
    return each_tenant(_claim_and_enqueue)


@tenant_task()
def send_reminder(tenant: Tenant, reminder_id: int) -> str:
    return reminders.reminder_send(tenant=tenant, reminder_id=reminder_id)


@shared_task
def sweep_missed_follow_ups() -> int:
    return each_tenant(missed.follow_ups_mark_missed)


@shared_task
def extend_follow_up_series() -> int:
    return each_tenant(recurrence.series_extend_all)


# --- neglect and digest (followups.services.neglect, followups.services.digest)


@shared_task
def sweep_neglected_leads() -> int:
    """Flag live leads nobody has touched, clear touched ones, escalate to the managers."""
    return each_tenant(neglect.neglect_sweep)


@shared_task
def send_daily_digests() -> int:
    """Every member whose local clock passed the digest hour gets today's digest, once."""
    return each_tenant(digest.digests_send_due)
