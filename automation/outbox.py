"""What automation tells the outbox about the messages its triggers scheduled (messaging's
`Scheduler` for trigger-sourced rows): the row keeps its step's id, the step is read here."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from automation.models import TriggerOn, TriggerStep
from crm.kit.stored_text import stored_label, stored_message
from messaging.models import MessageChannel, MessageSource, MessageTemplate, OutboundMessage
from messaging.schedulers import Origin, Scheduler, register_scheduler


def _step(message: OutboundMessage) -> TriggerStep | None:
    """The step that scheduled the message, with its trigger and template (read once a row)."""
    if message.trigger_step_id is None:
        return None
    cached = getattr(message, "_trigger_step", None)
    if cached is None or cached.pk != message.trigger_step_id:
        cached = (
            TriggerStep.objects.select_related("trigger", "template")
            .filter(tenant_id=message.tenant_id, pk=message.trigger_step_id)
            .first()
        )
        message._trigger_step = cached
    return cached


def step_due_at(created_at: dt.datetime, delay_minutes: int) -> dt.datetime:
    """When a stage trigger's step meant its message to go: its delay after the stage was entered
    (the row is made then). Quiet hours, caps or the queue may hold it longer; that is no reason
    for a later stage to drop it."""
    return created_at + dt.timedelta(minutes=delay_minutes)


def stale_reason(message: OutboundMessage) -> dict | None:
    """Why a trigger's message should no longer go: the trigger changed after it was scheduled."""
    step = _step(message)
    if step is None:
        return stored_message(gettext_noop("its trigger step was removed"))
    if not step.trigger.is_active:
        return stored_message(
            gettext_noop("trigger “%(trigger)s” was switched off"), trigger=step.trigger.name
        )
    if message.channel not in step.channels:
        return stored_message(
            gettext_noop("trigger “%(trigger)s” no longer sends by %(channel)s"),
            trigger=step.trigger.name,
            channel=stored_label(MessageChannel(message.channel).label),
        )
    lead = message.lead
    if (
        lead is not None
        and message.trigger_stage_id
        and step.only_while_in_stage
        and lead.stage_id != message.trigger_stage_id
        and lead.stage_entered_at < step_due_at(message.created_at, step.delay_minutes)
    ):
        return stored_message(
            gettext_noop("the lead has moved on from the stage that scheduled it")
        )
    return None


def template(message: OutboundMessage) -> MessageTemplate | None:
    """The step's template now: an edit of the step before the send counts."""
    step = _step(message)
    return step.template if step is not None else None


def reminds_of_silence(message: OutboundMessage) -> bool:
    step = _step(message)
    return step is not None and step.trigger.event == TriggerOn.NO_RESPONSE


def origin(message: OutboundMessage) -> Origin | None:
    step = _step(message)
    if step is None:
        return None
    url = reverse("automation-settings:trigger-edit", kwargs={"trigger_pk": step.trigger_id})
    return Origin(kind=_("trigger"), name=step.trigger.name, url=url)


def register() -> None:
    register_scheduler(
        MessageSource.TRIGGER,
        Scheduler(
            stale_reason=stale_reason,
            template=template,
            reminds_of_silence=reminds_of_silence,
            origin=origin,
        ),
    )
