"""The one step engine that triggers and sequences share: what a step does when it runs.

A trigger step and a sequence step are configured differently (a trigger's delay in minutes and
its choice of channel, a sequence's day offsets), but running one comes down to the same writes:
outbox rows for a message step, a follow-up for a task step, and a manager to take an escalation.
Each output carries the key its caller names (the trigger firing or the enrolment, and the step),
so a step that runs twice writes nothing twice.
"""

import datetime as dt

from automation.models import TriggerStep
from crm.models import Contact, Membership, Role, Tenant
from followups.models import FollowUp, FollowUpType
from followups.services import followups as follow_ups
from leads.models import Lead, Stage
from messaging.models import MessageTemplate
from messaging.services import outbox


def step_manager(*, tenant: Tenant) -> Membership | None:
    """Who an escalation goes to: the longest-serving active manager, else an admin."""
    candidates = list(
        Membership.objects.filter(
            tenant=tenant, is_active=True, role__in=(Role.MANAGER, Role.ADMIN)
        )
        .select_related("user")
        .order_by("pk")
    )
    managers = [member for member in candidates if member.role == Role.MANAGER]
    return next(iter(managers or candidates), None)


def step_messages_schedule(
    *,
    tenant: Tenant,
    channels: list[str],
    source: str,
    key: str,
    contact: Contact,
    lead: Lead | None,
    template: MessageTemplate,
    send_after: dt.datetime,
    now: dt.datetime,
    trigger_step: TriggerStep | None = None,
    trigger_stage: Stage | None = None,
) -> int:
    """One outbox row per channel, keyed `<key>:<channel>`; returns how many were scheduled."""
    for channel in channels:
        outbox.message_schedule(
            tenant=tenant,
            channel=channel,
            source=source,
            idempotency_key=f"{key}:{channel}",
            contact=contact,
            lead=lead,
            # The outbox resolves the brand: the job's, else the contact's latest job's.
            template=template,
            trigger_step_id=trigger_step.pk if trigger_step is not None else None,
            trigger_stage=trigger_stage,
            send_after=send_after,
            now=now,
        )
    return len(channels)


def step_follow_up_create(
    *,
    tenant: Tenant,
    key: str,
    subject: str,
    description: str,
    contact: Contact,
    lead: Lead | None,
    assignee: Membership,
    due: dt.datetime,
    follow_up_type: FollowUpType,
    priority: str,
    source: str,
) -> FollowUp:
    """The step's follow-up, made by nobody (the automation), for `assignee`, due at `due`."""
    return follow_ups.follow_up_create(
        tenant=tenant,
        actor=None,
        subject=subject,
        description=description,
        contact=contact,
        lead=lead,
        assignee=assignee,
        scheduled_at=due,
        type=follow_up_type,
        priority=priority,
        source=source,
        key=key,
    )
