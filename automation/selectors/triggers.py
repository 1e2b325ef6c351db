"""Reads of the trigger admin pages, and the plain-words summary of a trigger they show.

The summaries read only what the selectors fetched (stage and pipeline, conditions, steps and
their templates), so a list of triggers costs the same few queries however long it is.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from automation.models import (
    ChannelChoice,
    FollowUpKind,
    Sequence,
    StepAction,
    Trigger,
    TriggerDateField,
    TriggerOn,
    TriggerStep,
)
from crm.models import Brand, Tenant
from leads.models import LeadSource, Pipeline, Stage
from messaging.models import MessageChannel, MessageTemplate, TemplateVariant

MINUTES_PER = {"minutes": 1, "hours": 60, "days": 24 * 60}
# How a channel reads in the middle of a sentence ("by email + SMS").
CHANNEL_WORDS: dict[str, str | Promise] = {
    MessageChannel.EMAIL: gettext_lazy("email"),
    MessageChannel.SMS: gettext_lazy("SMS"),
    MessageChannel.WHATSAPP: gettext_lazy("WhatsApp"),
}

# --- Reads --------------------------------------------------------------------------------------


def _steps(tenant: Tenant) -> QuerySet[TriggerStep]:
    return (
        TriggerStep.objects.filter(tenant=tenant)
        .select_related("template", "sequence")
        .order_by("position", "id")
    )


def _triggers(tenant: Tenant) -> QuerySet[Trigger]:
    return (
        Trigger.objects.filter(tenant=tenant)
        .select_related("stage__pipeline", "pipeline", "brand", "source")
        .prefetch_related(Prefetch("steps", queryset=_steps(tenant)))
    )


@dataclass
class TriggerGroup:
    event: str
    label: str | Promise
    triggers: list[Trigger]


def trigger_groups(*, tenant: Tenant) -> list[TriggerGroup]:
    """Every trigger with its steps, grouped by what starts it (in the order of TriggerOn); stage
    triggers follow their pipelines and stages, time triggers their offsets."""
    triggers = _triggers(tenant).order_by(
        "stage__pipeline__position",
        "stage__position",
        "date_field",
        "offset_minutes",
        "name",
        "id",
    )
    grouped: dict[str, list[Trigger]] = {event: [] for event in TriggerOn.values}
    for trigger in triggers:
        grouped[trigger.event].append(trigger)
    return [
        TriggerGroup(event, TriggerOn(event).label, rows) for event, rows in grouped.items() if rows
    ]


def trigger_get(*, tenant: Tenant, trigger_id: int) -> Trigger:
    return get_object_or_404(_triggers(tenant), pk=trigger_id)


def trigger_step_get(*, tenant: Tenant, step_id: int) -> TriggerStep:
    return get_object_or_404(
        TriggerStep.objects.filter(tenant=tenant).select_related(
            "template", "trigger__stage__pipeline"
        ),
        pk=step_id,
    )


@dataclass
class TriggerChoices:
    """What the trigger forms offer: only this tenant's rows, archived ones left out unless the
    row being edited already uses them."""

    pipelines: QuerySet[Pipeline]
    stages_by_pipeline: list[tuple[Pipeline, list[Stage]]]
    brands: QuerySet[Brand]
    sources: QuerySet[LeadSource]


def trigger_choices(*, tenant: Tenant, trigger: Trigger | None = None) -> TriggerChoices:
    trigger = trigger or Trigger()
    stages = Stage.objects.filter(tenant=tenant).filter(
        Q(is_archived=False) | Q(pk=trigger.stage_id)
    )
    stage = trigger.stage
    kept_pipelines = {trigger.pipeline_id, stage.pipeline_id if stage is not None else None}
    pipelines = (
        Pipeline.objects.filter(tenant=tenant)
        .filter(Q(is_archived=False) | Q(pk__in=kept_pipelines - {None}))
        .order_by("is_archived", "position", "id")
    )
    with_stages = pipelines.prefetch_related(
        Prefetch("stages", queryset=stages.order_by("position", "id"))
    )
    brands = Brand.objects.filter(tenant=tenant).filter(
        Q(is_archived=False) | Q(pk=trigger.brand_id)
    )
    sources = LeadSource.objects.filter(tenant=tenant).filter(
        Q(is_archived=False) | Q(pk=trigger.source_id)
    )
    return TriggerChoices(
        pipelines=pipelines,
        stages_by_pipeline=[(p, list(p.stages.all())) for p in with_stages if p.stages.all()],
        brands=brands.order_by("name"),
        sources=sources.order_by("is_archived", "name"),
    )


def step_sequences(*, tenant: Tenant, step: TriggerStep | None = None) -> list[Sequence]:
    """Sequences a step can enrol in: switched on, or the one the step already uses."""
    keep = Q(pk=step.sequence_id) if step and step.sequence_id else Q(pk__in=[])
    return list(
        Sequence.objects.filter(tenant=tenant)
        .filter(Q(is_active=True) | keep)
        .order_by("name", "id")
    )


def step_templates(*, tenant: Tenant, step: TriggerStep | None = None) -> list[MessageTemplate]:
    """Templates a step can send (not archived, unless the step already sends it), each with
    `channels`: the channels it has wording for, in the usual order."""
    keep = Q(pk=step.template_id) if step and step.template_id else Q(pk__in=[])
    templates = list(
        MessageTemplate.objects.filter(tenant=tenant)
        .filter(Q(is_archived=False) | keep)
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=TemplateVariant.objects.filter(tenant=tenant).only("template", "channel"),
            )
        )
        .order_by("name", "id")
    )
    for template in templates:
        has = {variant.channel for variant in template.variants.all()}
        template.channels = [  # type: ignore[attr-defined]  # for the step's form
            channel for channel in MessageChannel.values if channel in has
        ]
    return templates


# --- Summaries ----------------------------------------------------------------------------------


def split_minutes(minutes: int) -> tuple[int, str]:
    """A duration as the number and unit an admin would say: whole days past two days, whole
    hours, else minutes (48 hours, not 2 days; 3 days, not 72 hours)."""
    minutes = abs(minutes)
    if minutes and minutes % MINUTES_PER["days"] == 0 and minutes > 2 * MINUTES_PER["days"]:
        return minutes // MINUTES_PER["days"], "days"
    if minutes and minutes % MINUTES_PER["hours"] == 0:
        return minutes // MINUTES_PER["hours"], "hours"
    return minutes, "minutes"


def describe_duration(minutes: int) -> str:
    amount, unit = split_minutes(minutes)
    if unit == "days":
        text = ngettext("%(count)s day", "%(count)s days", amount)
    elif unit == "hours":
        text = ngettext("%(count)s hour", "%(count)s hours", amount)
    else:
        text = ngettext("%(count)s minute", "%(count)s minutes", amount)
    return text % {"count": amount}


def describe_delay(minutes: int) -> str:
    if not minutes:
        return _("now")
    return _("after %(duration)s") % {"duration": describe_duration(minutes)}


# How each date a time trigger counts from reads before it, after it, and at the moment itself:
# whole phrases, so each language can say "before the appointment" and "after the lead was won"
# in its own way.
DATE_PHRASES: dict[str, tuple[str | Promise, str | Promise, str | Promise]] = {
    TriggerDateField.APPOINTMENT_AT: (
        gettext_lazy("%(duration)s before the appointment"),
        gettext_lazy("%(duration)s after the appointment"),
        gettext_lazy("At the time of the appointment"),
    ),
    TriggerDateField.STAGE_ENTERED_AT: (
        gettext_lazy("%(duration)s before the lead entered its stage"),
        gettext_lazy("%(duration)s after the lead entered its stage"),
        gettext_lazy("When the lead enters its stage"),
    ),
    TriggerDateField.WON_AT: (
        gettext_lazy("%(duration)s before the lead was won"),
        gettext_lazy("%(duration)s after the lead was won"),
        gettext_lazy("When the lead is won"),
    ),
    TriggerDateField.CREATED_AT: (
        gettext_lazy("%(duration)s before the lead was created"),
        gettext_lazy("%(duration)s after the lead was created"),
        gettext_lazy("When the lead is created"),
    ),
}
OTHER_DATE = (
    gettext_lazy("%(duration)s before the date"),
    gettext_lazy("%(duration)s after the date"),
    gettext_lazy("On the date"),
)


def describe_event(trigger: Trigger) -> str:
    """What starts the trigger, as the first words of its summary."""
    if trigger.event == TriggerOn.STAGE_ENTERED:
        stage = trigger.stage
        assert stage is not None  # noqa: S101  # such a trigger names its stage
        return _("When a lead enters %(stage)s (%(pipeline)s)") % {
            "stage": stage.name,
            "pipeline": stage.pipeline.name,
        }
    if trigger.event == TriggerOn.LEAD_CREATED:
        return _("When a new lead arrives")
    if trigger.event == TriggerOn.LEAD_LOST:
        return _("When a lead is lost")
    if trigger.event == TriggerOn.NO_RESPONSE:
        return _("After %(duration)s without a reply") % {
            "duration": describe_duration(trigger.offset_minutes)
        }
    before, after, moment = DATE_PHRASES.get(trigger.date_field, OTHER_DATE)
    if not trigger.offset_minutes:
        return str(moment)
    text = before if trigger.offset_minutes < 0 else after
    return (str(text) % {"duration": describe_duration(trigger.offset_minutes)}).capitalize()


def describe_channels(step: TriggerStep) -> str:
    labels = [CHANNEL_WORDS.get(channel, channel) for channel in step.channels]
    if len(labels) > 1 and step.channel_choice == ChannelChoice.PREFERRED:
        return _("%(channels)s or %(last)s (whichever they prefer)") % {
            "channels": ", ".join(str(label) for label in labels[:-1]),
            "last": labels[-1],
        }
    return " + ".join(str(label) for label in labels)


FOLLOW_UP_PHRASES: dict[str, str | Promise] = {
    FollowUpKind.CALL: gettext_lazy("Call follow-up"),
    FollowUpKind.EMAIL: gettext_lazy("Email follow-up"),
    FollowUpKind.MESSAGE: gettext_lazy("SMS/WhatsApp follow-up"),
    FollowUpKind.MEETING: gettext_lazy("Meeting follow-up"),
    FollowUpKind.ESCALATION: gettext_lazy("Escalation to a manager"),
}


def step_summary(step: TriggerStep) -> str:
    """One step in a few words: "Quote follow-up by email after 3 days", "Call follow-up after
    7 days, then every 7 days", "Enrol in Payment reminders now"."""
    when = describe_delay(step.delay_minutes)
    if step.action == StepAction.ENROL:
        sequence = step.sequence.name if step.sequence else _("a sequence")
        return _("Enrol in %(sequence)s %(when)s") % {"sequence": sequence, "when": when}
    if step.action == StepAction.FOLLOW_UP:
        phrase = FOLLOW_UP_PHRASES.get(step.follow_up_kind) or _("Follow-up")
        text = f"{phrase} {when}"
        if step.repeat_every_days:
            text += _(", then every %(duration)s") % {
                "duration": describe_duration(step.repeat_every_days * 24 * 60)
            }
        return text
    template = step.template.name if step.template else _("A message")
    return _("%(template)s by %(channels)s %(when)s") % {
        "template": template,
        "channels": describe_channels(step),
        "when": when,
    }


def trigger_summary(trigger: Trigger) -> str:
    """The whole trigger in a line: "When a lead enters Quote sent (Residential roofing) · Quote
    sent by email + SMS now → Quote follow-up by email after 3 days → Call follow-up after 7 days"."""
    steps = [step_summary(step) for step in trigger.steps.all()]
    route = " → ".join(steps) if steps else _("no steps yet")
    return f"{describe_event(trigger)} · {route}"


def trigger_conditions(trigger: Trigger) -> str:
    """Which leads it applies to: "Every lead", or "Residential roofing · Commercial · ..."."""
    parts = []
    if trigger.pipeline is not None:
        parts.append(_("in %(pipeline)s") % {"pipeline": trigger.pipeline.name})
    if trigger.lead_type:
        parts.append(trigger.get_lead_type_display().lower())
    if trigger.brand is not None:
        parts.append(_("brand %(brand)s") % {"brand": trigger.brand.name})
    if trigger.source is not None:
        parts.append(_("from %(source)s") % {"source": trigger.source.name})
    if trigger.min_priority is not None:
        parts.append(_("priority %(priority)s or more") % {"priority": trigger.min_priority})
    if not parts:
        return _("Every lead")
    return _("Only leads %(conditions)s") % {"conditions": ", ".join(parts)}
