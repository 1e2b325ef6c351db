"""Beat-driven sweeps, fanned out per tenant (crm.tenancy.sweeps), and the per-reminder send task.
Thin wrappers over services."""

from crm.models import Tenant
from crm.tenancy.sweeps import (
    HOUSEKEEPING,
    PROMPT,
    SECONDS_DISPATCH,
    SECONDS_FEW_MINUTES,
    SECONDS_HOURLY,
    SECONDS_MINUTE,
    More,
    tenant_sweep,
)
from crm.tenancy.tasks import enqueue_on_commit, tenant_task
from followups.selectors.sweeps import (
    digest_due_tenant_ids,
    missed_due_tenant_ids,
    reminders_due_tenant_ids,
)
from followups.services import digest, missed, neglect, recurrence, reminders


# Priority 0, ahead of the sends it queues (crm.tenancy.queues: a round never waits behind the
# last round's sends); each tenant with due reminders its own task, so claims run side by side.
@tenant_sweep(
    soft_time_limit=SECONDS_DISPATCH, due_tenants=reminders_due_tenant_ids, priority=0, chunk=1
)
def dispatch_due_reminders(*, tenant: Tenant) -> int:
    """Claim the tenant's due reminders and queue a send task for each (only tenants with due
    reminders get a task)."""
    ids = reminders.reminders_claim_due(tenant=tenant)
    for reminder_id in ids:
        enqueue_on_commit(send_reminder, tenant.pk, reminder_id)
    return len(ids)


@tenant_task()
def send_reminder(tenant: Tenant, reminder_id: int) -> str:
    return reminders.reminder_send(tenant=tenant, reminder_id=reminder_id)


@tenant_sweep(soft_time_limit=SECONDS_MINUTE, due_tenants=missed_due_tenant_ids, priority=PROMPT)
def sweep_missed_follow_ups(*, tenant: Tenant) -> int:
    """A batch of the tenant's missed follow-ups; a full one continues in a follow-up task."""
    done = missed.follow_ups_mark_missed(tenant=tenant, limit=missed.SWEEP_BATCH)
    return More(done) if done >= missed.SWEEP_BATCH else done


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def extend_follow_up_series(*, tenant: Tenant) -> int:
    return recurrence.series_extend_all(tenant=tenant)


# --- neglect and digest (followups.services.neglect, followups.services.digest)


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def sweep_neglected_leads(*, tenant: Tenant, clear_after: int | None = 0) -> int:
    """Flag live leads nobody has touched, clear touched ones, escalate to the managers: one
    bounded step; a step that stopped at its limit continues in a follow-up task, from the open
    flag its check got to."""
    step = neglect.neglect_sweep_step(tenant=tenant, clear_after=clear_after)
    return More(step.raised, resume={"clear_after": step.clear_after}) if step.more else step.raised


# Behind the minute sweeps: at the digest hour a sixth of the tenants' members are due in a round
# (each team's own minute, crm.models.digest_minute; before it, 15,000 digests at 1,000 tenants in
# one round, 22 s for a million-lead tenant's fifteen, held both default workers for seven minutes
# at the minute rollups' priority while those expired). A digest that goes out a few minutes later
# loses nothing; a round not done by the next one is done then. Only tenants with a member due
# are visited (every 5 minutes all 1,000 tenants' tasks queued behind the hourly sweeps and expired
# there, to find nobody due in all but the digest hours).
@tenant_sweep(
    soft_time_limit=SECONDS_FEW_MINUTES, due_tenants=digest_due_tenant_ids, priority=HOUSEKEEPING
)
def send_daily_digests(*, tenant: Tenant) -> int:
    """Every member whose local clock passed the digest hour gets today's digest, once."""
    return digest.digests_send_due(tenant=tenant)
