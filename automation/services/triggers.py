"""The trigger engine: what happens to a lead (or the time that comes for it) becomes outbox rows
and follow-ups, as the tenant's triggers say.

Status triggers run inside the transaction of the change that fired them (leads.events), so the
change and its messages commit together. Time triggers are swept: each sweep looks at the window
since the last one (Trigger.swept_until), and every message has an idempotency key naming the
trigger, the lead and the date it counted from, so a sweep that runs twice sends nothing twice.
A follow-up step makes a real follow-up (followups.FollowUp) for the lead's owner, keyed the
same way (both through automation.services.steps, which sequences share); its reminders and missed status are the follow-ups app's. An enrol step puts the lead
in a follow-up sequence, which stops on its own rules (a reply, an unsubscribe, won or lost).
"""

import datetime as dt
import logging
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from automation.models import (
    ChannelChoice,
    FollowUpKind,
    StepAction,
    Trigger,
    TriggerDateField,
    TriggerOn,
    TriggerStep,
)
from automation.services import sequences
from automation.services.steps import step_follow_up_create, step_manager, step_messages_schedule
from crm.kit.languages import in_english
from crm.models import Membership, Tenant
from followups.models import OPEN_STATUSES, FollowUp, Priority, Source, Status
from followups.services import followups as follow_ups
from leads.models import Lead, LeadStatus, Stage
from messaging.models import MessageSource
from messaging.services import policy

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
    assert step.template is not None  # noqa: S101  # trigger_step_send_has_template
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
            assert step.template is not None  # noqa: S101  # trigger_step_send_has_template
            scheduled += step_messages_schedule(
                tenant=tenant,
                channels=step_channels(tenant, step, lead),
                source=MessageSource.TRIGGER,
                key=key,
                contact=lead.contact,
                lead=lead,
                template=step.template,
                trigger_step=step,
                trigger_stage=stage,
                send_after=max(due, now),
                now=now,
            )
        elif step.action == StepAction.ENROL:
            scheduled += int(_enrol(tenant, step, lead, max(due, now)))
        else:
            scheduled += int(_follow_up_create(tenant, step, lead, max(due, now), key))
    return scheduled


def _enrol(tenant: Tenant, step: TriggerStep, lead: Lead, start: dt.datetime) -> bool:
    """Enrol the lead in the step's sequence, its days counted from `start`. A lead already in
    it (this firing again, or enrolled by hand), a lost lead, or a sequence switched off since is
    left as it is: the enrolment's own rules decide (logged, as nothing changed)."""
    assert step.sequence is not None  # noqa: S101  # trigger_step_enrol_has_sequence
    try:
        with transaction.atomic():
            sequences.sequence_enrol(
                tenant=tenant, actor=None, sequence=step.sequence, lead=lead, now=start
            )
    except ValidationError as refused:
        logger.info("trigger step %s did not enrol %s: %s", step.pk, lead.reference, refused)
        return False
    return True


# --- Follow-ups a trigger promises (followups.FollowUp rows) -------------------------------------

# The follow-up type of each kind of step (an escalation is a call, by a manager).
FOLLOW_UP_TYPES: dict[str, str] = {
    FollowUpKind.CALL: "call",
    FollowUpKind.EMAIL: "email",
    FollowUpKind.MESSAGE: "message",
    FollowUpKind.MEETING: "meeting",
    FollowUpKind.ESCALATION: "call",
}
# Keys of trigger follow-ups start "trigger:<trigger>:step:<step>:" (then lead and occasion; a
# repeat adds "|<its occasion>"): the step a follow-up came from is read back from its key.
STEP_KEY = re.compile(r"^trigger:(\d+):step:(\d+):")


def _assignee(tenant: Tenant, step: TriggerStep, lead: Lead) -> Membership | None:
    """The lead's owner; an escalation, or a lead nobody owns, goes to a manager."""
    owner = lead.owner
    if step.follow_up_kind != FollowUpKind.ESCALATION and owner is not None and owner.is_active:
        return owner
    return step_manager(tenant=tenant) or owner


def _follow_up_create(
    tenant: Tenant, step: TriggerStep, lead: Lead, due: dt.datetime, key: str
) -> bool:
    """The step's follow-up for `lead`, due at `due`, once per key. True if it is new."""
    if FollowUp.objects.filter(tenant=tenant, key=key).exists():
        return False
    assignee = _assignee(tenant, step, lead)
    if assignee is None:
        logger.warning("Trigger step %s: nobody can take the follow-up of %s", step.pk, lead)
        return False
    escalation = step.follow_up_kind == FollowUpKind.ESCALATION
    step_follow_up_create(
        tenant=tenant,
        key=key,
        subject=step.follow_up_subject or in_english(step.get_follow_up_kind_display()),
        description=f"Asked for by the trigger “{step.trigger.name}”.",
        contact=lead.contact,
        lead=lead,
        assignee=assignee,
        due=due,
        follow_up_type=follow_ups.follow_up_type_get(
            tenant=tenant, key=FOLLOW_UP_TYPES.get(step.follow_up_kind, "call")
        ),
        priority=Priority.HIGH if escalation else Priority.MEDIUM,
        source=Source.TRIGGER,
    )
    return True


def _open_trigger_follow_ups(tenant: Tenant, lead: Lead) -> list[tuple[FollowUp, TriggerStep]]:
    """The lead's open follow-ups made by triggers, each with the step that made it (one whose
    step was deleted since is left alone: it is a plain follow-up now)."""
    found = FollowUp.objects.filter(
        tenant=tenant, lead=lead, source=Source.TRIGGER, status__in=OPEN_STATUSES
    ).select_related("contact", "lead")
    by_step: dict[int, list[FollowUp]] = {}
    for follow_up in found:
        match = STEP_KEY.match(follow_up.key)
        if match:
            by_step.setdefault(int(match.group(2)), []).append(follow_up)
    steps = TriggerStep.objects.filter(tenant=tenant, pk__in=by_step).select_related("trigger")
    return [(follow_up, step) for step in steps for follow_up in by_step[step.pk]]


def _cancel(tenant: Tenant, follow_up: FollowUp, reason: str) -> None:
    follow_ups.follow_up_cancel(tenant=tenant, actor=None, follow_up=follow_up, reason=reason)


def _occasion(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")


# --- Status triggers (leads' events, heard in automation.handlers, inside their transaction) ----------


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
    for follow_up, step in _open_trigger_follow_ups(tenant, lead):
        trigger = step.trigger
        if (
            step.only_while_in_stage
            and trigger.event == TriggerOn.STAGE_ENTERED
            and trigger.stage_id != stage.pk
        ):
            _cancel(tenant, follow_up, f"the lead moved on to {stage.name}")


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
    # What the triggers promised for the sale ends with it; an escalation still reaches a manager.
    for follow_up, step in _open_trigger_follow_ups(tenant, lead):
        if step.follow_up_kind != FollowUpKind.ESCALATION:
            _cancel(tenant, follow_up, "the lead was lost")
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
    ).select_related("contact", "stage", "owner"), field


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
        swept = trigger.swept_until
        if swept is not None and now - swept <= TIME_TRIGGER_CATCH_UP:
            start = swept
        else:
            start = now - TIME_TRIGGER_LOOKBACK
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


# --- Repeating follow-ups -------------------------------------------------------------------------


@transaction.atomic
def follow_ups_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """The next follow-up of a repeating step, once the last one came due, while the lead is
    still open (and, for a stage's step, still in that stage). A cancelled one ends the chain.
    Returns how many were made; each is keyed by its occasion, so a second sweep makes none."""
    now = now or timezone.now()
    steps = TriggerStep.objects.filter(
        tenant=tenant,
        action=StepAction.FOLLOW_UP,
        repeat_every_days__isnull=False,
        trigger__is_active=True,
    ).select_related("trigger")
    made = 0
    for step in steps.order_by("pk"):
        every = step.repeat_every_days
        if every is None:  # not read: the steps that repeat only
            continue
        latest_per_lead = (
            FollowUp.objects.filter(
                tenant=tenant,
                source=Source.TRIGGER,
                key__startswith=f"trigger:{step.trigger_id}:step:{step.pk}:",
            )
            .select_related("lead__contact", "lead__owner")
            .order_by("lead_id", "-scheduled_at")
            .distinct("lead_id")
        )
        for latest in latest_per_lead:
            lead = latest.lead
            if latest.scheduled_at > now or latest.status == Status.CANCELLED or lead is None:
                continue
            if lead.status == LeadStatus.LOST:
                continue
            trigger = step.trigger
            if (
                trigger.event == TriggerOn.STAGE_ENTERED
                and step.only_while_in_stage
                and lead.stage_id != trigger.stage_id
            ):
                continue
            next_due = latest.scheduled_at + dt.timedelta(days=every)
            key = f"{latest.key.split('|')[0]}|{_occasion(next_due)}"
            made += int(_follow_up_create(tenant, step, lead, next_due, key))
    return made
