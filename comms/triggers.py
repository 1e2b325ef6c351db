"""The trigger engine: what happens to a lead (or the time that comes for it) becomes outbox rows
and follow-ups, as the tenant's triggers say.

Status triggers run inside the transaction of the change that fired them (leads.signals), so the
change and its messages commit together. Time triggers are swept: each sweep looks at the window
since the last one (Trigger.swept_until), and every message has an idempotency key naming the
trigger, the lead and the date it counted from, so a sweep that runs twice sends nothing twice.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from comms import outbox, policy
from comms.models import (
    ChannelChoice,
    MessageSource,
    ScheduledFollowUp,
    ScheduledFollowUpStatus,
    StepAction,
    Trigger,
    TriggerDateField,
    TriggerOn,
    TriggerStep,
)
from crm.models import NotificationLevel, Role, Tenant
from crm.services import notification_create, notifications_notify_roles, timeline_record
from leads.models import Lead, LeadStatus, Stage

logger = logging.getLogger(__name__)

# After an outage the sweep catches up on what it missed, up to a day; a trigger new or switched
# back on after longer looks back only an hour (no reminders for appointments long gone).
TIME_TRIGGER_CATCH_UP = dt.timedelta(days=1)
TIME_TRIGGER_LOOKBACK = dt.timedelta(hours=1)


def _active_triggers(tenant: Tenant, event: str, **filters):
    return (
        Trigger.objects.filter(tenant=tenant, event=event, is_active=True, **filters)
        .prefetch_related("steps__template")
        .order_by("pk")
    )


def trigger_applies(trigger: Trigger, lead: Lead) -> bool:
    """The trigger's conditions (an empty one matches every lead)."""
    return (
        (trigger.pipeline_id is None or trigger.pipeline_id == lead.pipeline_id)
        and (not trigger.lead_type or trigger.lead_type == lead.lead_type)
        and (trigger.brand_id is None or trigger.brand_id == lead.brand_id)
        and (trigger.source_id is None or trigger.source_id == lead.source_id)
        and (trigger.min_priority is None or lead.priority_score >= trigger.min_priority)
    )


def step_channels(tenant: Tenant, step: TriggerStep, lead: Lead) -> list[str]:
    """The channels a send step uses for this contact: every reachable one, or the contact's
    preferred channel when the step lists it (else the first reachable one)."""
    if step.channel_choice == ChannelChoice.ALL:
        return list(step.channels)
    reachable = policy.reachable_channels(
        tenant=tenant, contact=lead.contact, channels=step.channels, purpose=step.template.purpose
    )
    preferred = lead.contact.preferred_channel
    if preferred in reachable:
        return [preferred]
    # Nobody reachable: schedule the first anyway, so the block shows on the message and timeline.
    return reachable[:1] or list(step.channels[:1])


def run_steps(
    *,
    tenant: Tenant,
    trigger: Trigger,
    lead: Lead,
    fired_at: dt.datetime,
    occasion: str,
    stage: Stage | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Schedule every step of `trigger` for `lead`, counted from `fired_at`. `occasion` names this
    firing (e.g. the stage entry's time), so the same firing schedules each step only once."""
    now = now or timezone.now()
    scheduled = 0
    for step in trigger.steps.all():
        due = fired_at + dt.timedelta(minutes=step.delay_minutes)
        key = f"trigger:{trigger.pk}:step:{step.pk}:lead:{lead.pk}:{occasion}"
        if step.action == StepAction.SEND:
            for channel in step_channels(tenant, step, lead):
                outbox.message_schedule(
                    tenant=tenant,
                    channel=channel,
                    source=MessageSource.TRIGGER,
                    idempotency_key=f"{key}:{channel}",
                    contact=lead.contact,
                    lead=lead,
                    brand=lead.brand,
                    template=step.template,
                    trigger_step=step,
                    trigger_stage=stage,
                    send_after=max(due, now),
                    now=now,
                )
                scheduled += 1
        else:
            _, created = ScheduledFollowUp.objects.get_or_create(
                tenant=tenant,
                key=key,
                defaults={
                    "lead": lead,
                    "step": step,
                    "kind": step.follow_up_kind,
                    "subject": step.follow_up_subject,
                    "due_at": max(due, now),
                },
            )
            scheduled += int(created)
            _note_next_follow_up(tenant, lead, max(due, now))
    return scheduled


def _note_next_follow_up(tenant: Tenant, lead: Lead, due: dt.datetime) -> None:
    Lead.objects.filter(tenant=tenant, pk=lead.pk).filter(
        Q(next_follow_up_at__isnull=True) | Q(next_follow_up_at__gt=due)
    ).update(next_follow_up_at=due)


def _occasion(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")


# --- Status triggers (called from leads' signals, inside their transaction) ---------------------


def triggers_on_stage_entered(*, tenant: Tenant, lead: Lead, stage: Stage) -> int:
    scheduled = 0
    for trigger in _active_triggers(tenant, TriggerOn.STAGE_ENTERED, stage=stage):
        if trigger_applies(trigger, lead):
            scheduled += run_steps(
                tenant=tenant,
                trigger=trigger,
                lead=lead,
                fired_at=lead.stage_entered_at,
                occasion=_occasion(lead.stage_entered_at),
                stage=stage,
            )
    _cancel_follow_ups_of_other_stages(tenant, lead, stage)
    return scheduled


def _cancel_follow_ups_of_other_stages(tenant: Tenant, lead: Lead, stage: Stage) -> None:
    """A follow-up a stage promised (e.g. the weekly call while on hold) ends when the lead leaves."""
    ScheduledFollowUp.objects.filter(
        tenant=tenant,
        lead=lead,
        status=ScheduledFollowUpStatus.PENDING,
        step__only_while_in_stage=True,
        step__trigger__event=TriggerOn.STAGE_ENTERED,
    ).exclude(step__trigger__stage=stage).update(status=ScheduledFollowUpStatus.CANCELLED)


def triggers_on_lead_created(*, tenant: Tenant, lead: Lead) -> int:
    scheduled = 0
    for trigger in _active_triggers(tenant, TriggerOn.LEAD_CREATED):
        if trigger_applies(trigger, lead):
            scheduled += run_steps(
                tenant=tenant,
                trigger=trigger,
                lead=lead,
                fired_at=lead.created_at,
                occasion="created",
            )
    return scheduled


def triggers_on_lead_lost(*, tenant: Tenant, lead: Lead) -> int:
    scheduled = 0
    moment = lead.closed_at or timezone.now()
    for trigger in _active_triggers(tenant, TriggerOn.LEAD_LOST):
        if trigger_applies(trigger, lead):
            scheduled += run_steps(
                tenant=tenant,
                trigger=trigger,
                lead=lead,
                fired_at=moment,
                occasion=_occasion(moment),
            )
    return scheduled


# --- Time triggers (swept) -----------------------------------------------------------------------


def _leads_due(trigger: Trigger, start: dt.datetime, end: dt.datetime):
    """Live leads (open, or won and in production) whose trigger moment (date + offset) falls in
    (start, end]."""
    offset = dt.timedelta(minutes=trigger.offset_minutes)
    leads = Lead.objects.filter(
        tenant=trigger.tenant_id, status__in=(LeadStatus.OPEN, LeadStatus.WON)
    )
    if trigger.event == TriggerOn.NO_RESPONSE:
        # Waiting since our last message, with no reply after it.
        field = "last_outbound_at"
        leads = leads.filter(
            Q(last_customer_reply_at__isnull=True) | Q(last_customer_reply_at__lt=F(field))
        )
    else:
        field = trigger.date_field
    return leads.filter(
        **{f"{field}__gt": start - offset, f"{field}__lte": end - offset}
    ).select_related("contact", "stage"), field


@transaction.atomic
def time_triggers_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    scheduled = 0
    triggers = (
        Trigger.objects.select_for_update(skip_locked=True)
        .filter(
            tenant=tenant,
            is_active=True,
            event__in=(TriggerOn.DATE_REACHED, TriggerOn.NO_RESPONSE),
        )
        .order_by("pk")
    )
    for trigger in triggers:
        caught_up = trigger.swept_until and now - trigger.swept_until <= TIME_TRIGGER_CATCH_UP
        start = trigger.swept_until if caught_up else now - TIME_TRIGGER_LOOKBACK
        leads, field = _leads_due(trigger, start, now)
        for lead in leads:
            if not trigger_applies(trigger, lead):
                continue
            moment = getattr(lead, field)
            stage = lead.stage if field == TriggerDateField.STAGE_ENTERED_AT else None
            scheduled += run_steps(
                tenant=tenant,
                trigger=trigger,
                lead=lead,
                fired_at=moment + dt.timedelta(minutes=trigger.offset_minutes),
                occasion=_occasion(moment),
                stage=stage,
                now=now,
            )
        Trigger.objects.filter(tenant=tenant, pk=trigger.pk).update(swept_until=now)
    return scheduled


# --- Follow-ups a trigger promised -------------------------------------------------------------


@transaction.atomic
def follow_ups_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Tell owners about follow-ups that came due; schedule the next of a repeating one."""
    now = now or timezone.now()
    due = (
        ScheduledFollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(tenant=tenant, status=ScheduledFollowUpStatus.PENDING, due_at__lte=now)
        .select_related("lead__contact", "lead__owner__user", "step__trigger")
        .order_by("due_at")[:500]
    )
    told = 0
    for follow_up in due:
        lead, step = follow_up.lead, follow_up.step
        # Like a trigger's messages, its follow-ups go only if the trigger still wants them.
        wanted = step is not None and step.trigger.is_active
        follow_up.status = (
            ScheduledFollowUpStatus.DUE if wanted else ScheduledFollowUpStatus.CANCELLED
        )
        follow_up.save(update_fields=["status"])
        if not wanted or (lead.status == LeadStatus.LOST and follow_up.kind != "escalation"):
            continue
        _tell_owner_follow_up_due(tenant, follow_up)
        told += 1
        if step.repeat_every_days and lead.status != LeadStatus.LOST:
            next_due = follow_up.due_at + dt.timedelta(days=step.repeat_every_days)
            ScheduledFollowUp.objects.get_or_create(
                tenant=tenant,
                key=f"{follow_up.key.split('|')[0]}|{_occasion(next_due)}",
                defaults={
                    "lead": lead,
                    "step": step,
                    "kind": follow_up.kind,
                    "subject": follow_up.subject,
                    "due_at": next_due,
                },
            )
            _note_next_follow_up(tenant, lead, next_due)
    return told


def _tell_owner_follow_up_due(tenant: Tenant, follow_up: ScheduledFollowUp) -> None:
    lead = follow_up.lead
    url = reverse("leads:detail", kwargs={"lead_pk": lead.pk})
    title = f"{follow_up.get_kind_display()} due: {follow_up.subject} — {lead.contact.display_name}"
    timeline_record(
        tenant=tenant,
        kind="follow_up.due",
        summary=f"Follow-up due: {follow_up.get_kind_display()} — {follow_up.subject}",
        lead=lead,
        detail={
            "follow_up": follow_up.pk,
            "trigger": follow_up.step.trigger_id if follow_up.step else None,
        },
    )
    if follow_up.kind == "escalation" or lead.owner is None:
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            title=title,
            url=url,
            level=NotificationLevel.WARNING,
            kind="follow_up_due",
        )
        return
    notification_create(
        tenant=tenant,
        recipient=lead.owner.user,
        title=title,
        url=url,
        level=NotificationLevel.WARNING,
        kind="follow_up_due",
    )
