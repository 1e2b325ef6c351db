"""The demo tenants' triggers (called by seed_demo inside the tenant's context).

Built from the examples of the comms issue on whatever pipelines the tenant has: a stage is found
by what it does (the stage a sent quote moves leads to) or by the names the ready-made pipelines
use, and a trigger whose stage or templates are missing is left out. Adds only what is missing:
a trigger that already exists under its name is kept as the admin left it.
"""

from dataclasses import dataclass

from automation.models import (
    ChannelChoice,
    FollowUpKind,
    StepAction,
    Trigger,
    TriggerDateField,
    TriggerOn,
)
from automation.services.configuration_triggers import (
    template_channels,
    trigger_save,
    trigger_step_save,
)
from crm.models import Tenant
from leads.models import LeadEvent, Pipeline, Stage
from messaging.models import MessageChannel, MessageTemplate

HOURS, DAYS = 60, 24 * 60
EMAIL, SMS, WHATSAPP = MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.WHATSAPP


@dataclass(frozen=True)
class Send:
    template: str  # a demo template key
    channels: tuple[str, ...]
    delay_minutes: int = 0
    channel_choice: str = ChannelChoice.ALL
    only_while_in_stage: bool = True


@dataclass(frozen=True)
class FollowUp:
    kind: str
    subject: str
    delay_minutes: int = 0
    repeat_every_days: int | None = None
    only_while_in_stage: bool = True


@dataclass(frozen=True)
class DemoTrigger:
    name: str
    event: str
    steps: tuple[Send | FollowUp, ...]
    stage: Stage | None = None
    date_field: str = ""
    offset_minutes: int = 0


def _reminder(hours: int, channel: str) -> DemoTrigger:
    return DemoTrigger(
        f"Appointment reminder {hours} hours before ({MessageChannel(channel).label})",
        TriggerOn.DATE_REACHED,
        (Send("appointment-reminder", (channel,)),),
        date_field=TriggerDateField.APPOINTMENT_AT,
        offset_minutes=-hours * HOURS,
    )


EVERY_LEAD = [
    DemoTrigger(
        "New lead: thank them",
        TriggerOn.LEAD_CREATED,
        (Send("new-lead-ack", (EMAIL, SMS, WHATSAPP), channel_choice=ChannelChoice.PREFERRED),),
    ),
    DemoTrigger(
        "Lost lead: sorry to see you go",
        TriggerOn.LEAD_LOST,
        (Send("sorry-to-see-you-go", (EMAIL,), delay_minutes=1 * HOURS),),
    ),
    _reminder(48, EMAIL),
    _reminder(24, SMS),
    _reminder(2, WHATSAPP),
    DemoTrigger(
        "No reply for 48 hours: text a reminder",
        TriggerOn.NO_RESPONSE,
        (Send("quote-follow-up", (SMS,)),),
        offset_minutes=48 * HOURS,
    ),
    DemoTrigger(
        "No reply for 72 hours: call them",
        TriggerOn.NO_RESPONSE,
        (FollowUp(FollowUpKind.CALL, "No answer for three days: give them a call"),),
        offset_minutes=72 * HOURS,
    ),
    DemoTrigger(
        "No reply for 14 days: escalate",
        TriggerOn.NO_RESPONSE,
        (FollowUp(FollowUpKind.ESCALATION, "No answer for two weeks: a manager steps in"),),
        offset_minutes=14 * DAYS,
    ),
]

# Stages of the ready-made pipelines (leads.pipeline_templates), first match wins.
VISIT_BOOKED = (
    "Inspection scheduled",
    "Site survey scheduled",
    "Inspection",
    "Installation planned",
    "Installatie gepland",  # the Dutch demo's (leads.demo.DUTCH_STAGE_NAMES)
)
JOB_DONE = ("Completed", "Job completed", "Installed", "Geïnstalleerd")
REVIEW = ("Review requested", "Review gevraagd")
ON_HOLD = ("On hold",)


def _named(stages: list[Stage], names: tuple[str, ...]) -> Stage | None:
    by_name = {stage.name.casefold(): stage for stage in stages}
    return next((by_name[name.casefold()] for name in names if name.casefold() in by_name), None)


def _moved_on(stages: list[Stage], event: str) -> Stage | None:
    """The stage leads move to when `event` happens (a sent quote, a payment)."""
    return next((stage for stage in stages if stage.moves_on == event), None)


def _stage_triggers(pipeline: Pipeline, stages: list[Stage]) -> list[DemoTrigger]:
    quote_sent = _moved_on(stages, LeadEvent.QUOTE_SENT)
    wanted = [
        (
            quote_sent,
            "Quote sent: send and follow up",
            (
                Send("quote-sent", (EMAIL, SMS)),
                Send("quote-follow-up", (EMAIL,), delay_minutes=3 * DAYS),
                FollowUp(FollowUpKind.CALL, "Call about the quote", delay_minutes=7 * DAYS),
            ),
        ),
        (
            _named(stages, VISIT_BOOKED),
            "Visit booked: confirm it",
            (Send("appointment-confirmation", (EMAIL, SMS)),),
        ),
        (
            _named(stages, JOB_DONE),
            "Job completed: thank, survey, check-up",
            (
                Send("job-completed", (EMAIL,)),
                # The lead moves on (paid, review) long before these: they go wherever it is.
                Send(
                    "satisfaction-survey",
                    (EMAIL,),
                    delay_minutes=7 * DAYS,
                    only_while_in_stage=False,
                ),
                Send(
                    "annual-check-up",
                    (EMAIL,),
                    delay_minutes=365 * DAYS,
                    only_while_in_stage=False,
                ),
            ),
        ),
        (
            _moved_on(stages, LeadEvent.PAID_IN_FULL),
            "Job paid: thank-you call and review request",
            # No paid customer is left without a follow-up: the owner thanks them in person and
            # asks for the review, wherever the lead has moved on to by then.
            (
                FollowUp(
                    FollowUpKind.CALL,
                    "Thank-you call: the job is paid",
                    delay_minutes=1 * DAYS,
                    only_while_in_stage=False,
                ),
                FollowUp(
                    FollowUpKind.MESSAGE,
                    "Ask for a review (text them the link)",
                    delay_minutes=3 * DAYS,
                    only_while_in_stage=False,
                ),
            ),
        ),
        (_named(stages, REVIEW), "Ask for a review", (Send("review-request", (EMAIL,)),)),
        (
            _named(stages, ON_HOLD),
            "On hold: tell them, check in weekly",
            (
                Send("on-hold", (EMAIL,)),
                FollowUp(
                    FollowUpKind.CALL,
                    "Check in on the job on hold",
                    delay_minutes=7 * DAYS,
                    repeat_every_days=7,
                ),
            ),
        ),
    ]
    return [
        DemoTrigger(f"{purpose} · {pipeline.name}", TriggerOn.STAGE_ENTERED, steps, stage=stage)
        for stage, purpose, steps in wanted
        if stage is not None
    ]


def _step_values(
    tenant: Tenant, step: Send | FollowUp, templates: dict[str, MessageTemplate]
) -> dict | None:
    """trigger_step_save's arguments for `step`, or None when the demo lacks what it sends."""
    if isinstance(step, FollowUp):
        return {
            "action": StepAction.FOLLOW_UP,
            "delay_minutes": step.delay_minutes,
            "follow_up_kind": step.kind,
            "follow_up_subject": step.subject,
            "repeat_every_days": step.repeat_every_days,
            "only_while_in_stage": step.only_while_in_stage,
        }
    template = templates.get(step.template)
    if template is None:
        return None
    written = template_channels(tenant=tenant, template=template)
    channels = [channel for channel in step.channels if channel in written]
    if not channels:
        return None
    return {
        "action": StepAction.SEND,
        "delay_minutes": step.delay_minutes,
        "template": template,
        "channels": channels,
        "channel_choice": step.channel_choice,
        "only_while_in_stage": step.only_while_in_stage,
    }


def _create(tenant: Tenant, spec: DemoTrigger, templates) -> Trigger | None:
    steps = [values for step in spec.steps if (values := _step_values(tenant, step, templates))]
    if not steps:
        return None
    trigger = trigger_save(
        tenant=tenant,
        actor=None,
        name=spec.name,
        event=spec.event,
        stage=spec.stage,
        date_field=spec.date_field,
        offset_minutes=spec.offset_minutes,
    )
    for values in steps:
        trigger_step_save(tenant=tenant, actor=None, trigger=trigger, **values)
    return trigger


def seed_triggers(*, tenant: Tenant, templates: dict[str, MessageTemplate]) -> list[Trigger]:
    """The demo triggers of `tenant`, created if missing; `templates` maps demo template keys to
    the tenant's templates (a missing key leaves out the steps that send it)."""
    existing = {trigger.name: trigger for trigger in Trigger.objects.filter(tenant=tenant)}
    specs = list(EVERY_LEAD)
    pipelines = Pipeline.objects.filter(tenant=tenant, is_archived=False).order_by("position", "id")
    live_stages = list(
        Stage.objects.filter(tenant=tenant, is_archived=False).order_by("position", "id")
    )
    for pipeline in pipelines:
        specs += _stage_triggers(pipeline, [s for s in live_stages if s.pipeline_id == pipeline.pk])
    seeded = []
    for spec in specs:
        trigger = existing.get(spec.name) or _create(tenant, spec, templates)
        if trigger is not None:
            seeded.append(trigger)
    return seeded
