"""Every write of a tenant's triggers and their steps. Each function is one transaction,
keyword-only, and takes the tenant and the acting admin explicitly.

Triggers are data the engine (automation.services.triggers) reads when something happens and again when each
message is due, so an edit or a switch-off here changes only what has not gone out yet.
Trigger and TriggerStep are in the audit trail through their database triggers.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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
from automation.selectors.triggers import CHANNEL_WORDS
from crm.models import Brand, Tenant, User
from leads.models import LeadSource, LeadType, Pipeline, Stage
from messaging.models import MessageChannel, MessageTemplate, TemplateVariant

UP, DOWN = "up", "down"

# Which of a trigger's own settings each event uses; the others are cleared on save, so a
# trigger never carries a stage or an offset its event ignores.
EVENT_USES_STAGE = {TriggerOn.STAGE_ENTERED}
EVENT_USES_DATE_FIELD = {TriggerOn.DATE_REACHED}
EVENT_USES_OFFSET = {TriggerOn.DATE_REACHED, TriggerOn.NO_RESPONSE}

# Longer waits are typos (and dates that far out overflow the sweeps' arithmetic).
LONGEST_WAIT_MINUTES = 3 * 366 * 24 * 60
LONGEST_REPEAT_DAYS = 366


def _channel_names(channels) -> str:
    labels = [CHANNEL_WORDS.get(channel, channel) for channel in channels]
    if len(labels) == 1:
        return str(labels[0])
    return _("%(channels)s and %(last)s") % {
        "channels": ", ".join(str(label) for label in labels[:-1]),
        "last": labels[-1],
    }


def _belongs(row, tenant: Tenant) -> bool:
    return row is None or row.tenant_id == tenant.pk


# --- Triggers -----------------------------------------------------------------------------------


def _check_trigger(trigger: Trigger, tenant: Tenant) -> None:
    errors: dict[str, str] = {}
    if not trigger.name:
        errors["name"] = _("Name the trigger.")
    elif (
        Trigger.objects.filter(tenant=tenant, name__iexact=trigger.name)
        .exclude(pk=trigger.pk)
        .exists()
    ):
        errors["name"] = _("There is already a trigger called “%(name)s”.") % {"name": trigger.name}
    if trigger.event not in TriggerOn.values:
        errors["event"] = _("Pick what starts the trigger.")
    if trigger.event == TriggerOn.STAGE_ENTERED:
        if trigger.stage is None:
            errors["stage"] = _("Pick the stage a lead enters.")
        elif not _belongs(trigger.stage, tenant):
            errors["stage"] = _("Pick one of this team's stages.")
        elif (
            trigger.pipeline is not None
            and _belongs(trigger.pipeline, tenant)
            and trigger.stage.pipeline_id != trigger.pipeline_id
        ):
            errors["pipeline"] = _(
                "“%(name)s” is a stage of another pipeline: pick its own pipeline or any pipeline."
            ) % {"name": trigger.stage.name}
    if (
        trigger.event == TriggerOn.DATE_REACHED
        and trigger.date_field not in TriggerDateField.values
    ):
        errors["date_field"] = _("Pick the date on the lead to count from.")
    if trigger.event == TriggerOn.NO_RESPONSE and trigger.offset_minutes <= 0:
        errors["offset_minutes"] = _("Say how long without a reply: more than zero.")
    if abs(trigger.offset_minutes) > LONGEST_WAIT_MINUTES:
        errors["offset_minutes"] = _("Keep it within three years of the date.")
    conditions = {
        "pipeline": _("Pick one of this team's pipelines."),
        "brand": _("Pick one of this team's brands."),
        "source": _("Pick one of this team's lead sources."),
    }
    for field, message in conditions.items():
        if not _belongs(getattr(trigger, field), tenant):
            errors.setdefault(field, message)
    if trigger.lead_type and trigger.lead_type not in LeadType.values:
        errors["lead_type"] = _("Pick a type of job.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def trigger_save(
    *,
    tenant: Tenant,
    actor: User | None,
    trigger: Trigger | None = None,
    name: str,
    event: str,
    is_active: bool = True,
    stage: Stage | None = None,
    date_field: str = "",
    offset_minutes: int = 0,
    pipeline: Pipeline | None = None,
    lead_type: str = "",
    brand: Brand | None = None,
    source: LeadSource | None = None,
    min_priority: int | None = None,
) -> Trigger:
    """Create a trigger (trigger=None) or change one. Settings the event does not use are
    cleared; conditions left empty match every lead."""
    if trigger is None:
        trigger = Trigger(tenant=tenant)
    else:
        trigger = Trigger.objects.select_for_update().get(tenant=tenant, pk=trigger.pk)
    trigger.name, trigger.event, trigger.is_active = name.strip(), event, is_active
    trigger.stage = stage if event in EVENT_USES_STAGE else None
    trigger.date_field = date_field if event in EVENT_USES_DATE_FIELD else ""
    trigger.offset_minutes = offset_minutes if event in EVENT_USES_OFFSET else 0
    trigger.pipeline, trigger.lead_type, trigger.brand = pipeline, lead_type, brand
    trigger.source, trigger.min_priority = source, min_priority
    _check_trigger(trigger, tenant)
    trigger.full_clean(exclude=["tenant"])
    trigger.save()
    return trigger


@transaction.atomic
def trigger_set_active(
    *, tenant: Tenant, actor: User | None, trigger: Trigger, active: bool
) -> Trigger:
    """Switch a trigger on or off. Off, it starts nothing new and its messages not sent yet are
    dropped when they come due (the engine checks at send time)."""
    trigger = Trigger.objects.select_for_update().get(tenant=tenant, pk=trigger.pk)
    trigger.is_active = active
    trigger.save(update_fields=["is_active", "updated_at"])
    return trigger


@transaction.atomic
def trigger_delete(*, tenant: Tenant, actor: User | None, trigger: Trigger) -> None:
    """The trigger and its steps. Messages it scheduled lose their step, which the engine reads as
    "no longer wanted"; what already went out keeps its record in the outbox."""
    Trigger.objects.filter(tenant=tenant, pk=trigger.pk).delete()


# --- Steps --------------------------------------------------------------------------------------


def template_channels(*, tenant: Tenant, template: MessageTemplate) -> set[str]:
    """The channels `template` has wording for (in any language or brand)."""
    variants = TemplateVariant.objects.filter(tenant=tenant, template=template)
    return set(variants.values_list("channel", flat=True))


def _check_send(step: TriggerStep, tenant: Tenant) -> dict[str, str]:
    errors: dict[str, str] = {}
    template = step.template
    if template is None:
        errors["template"] = _("Pick the template to send.")
    elif not _belongs(template, tenant):
        errors["template"] = _("Pick one of this team's templates.")
    elif template.is_archived:
        errors["template"] = _("“%(name)s” is archived: pick a template in use.") % {
            "name": template.name
        }
    if not step.channels:
        errors["channels"] = _("Tick at least one channel.")
    elif any(channel not in MessageChannel.values for channel in step.channels):
        errors["channels"] = _("Tick email, SMS or WhatsApp.")
    if step.repeat_every_days:
        errors["repeat_every_days"] = _("Only follow-ups repeat: a message goes once.")
    if errors or template is None:
        return errors
    has = template_channels(tenant=tenant, template=template)
    missing = [channel for channel in step.channels if channel not in has]
    if missing:
        if len(missing) == 1:
            text = _(
                "“%(name)s” has no %(channels)s version yet: write it on the template's page, or "
                "untick that channel."
            )
        else:
            text = _(
                "“%(name)s” has no %(channels)s version yet: write it on the template's page, or "
                "untick them."
            )
        errors["channels"] = text % {
            "name": template.name,
            "channels": _channel_names(missing),
        }
    return errors


def _check_follow_up(step: TriggerStep) -> dict[str, str]:
    errors: dict[str, str] = {}
    if step.follow_up_kind not in FollowUpKind.values:
        errors["follow_up_kind"] = _("Pick the kind of follow-up.")
    if not step.follow_up_subject:
        errors["follow_up_subject"] = _("Say what the owner should follow up on.")
    return errors


def _check_enrol(step: TriggerStep, tenant: Tenant) -> dict[str, str]:
    sequence = step.sequence
    if sequence is None or sequence.tenant_id != tenant.pk:
        return {"sequence": _("Pick the sequence to enrol the lead in.")}
    if not sequence.is_active:
        return {
            "sequence": _("“%(name)s” is switched off: switch it on first.")
            % {"name": sequence.name}
        }
    return {}


@transaction.atomic
def trigger_step_save(
    *,
    tenant: Tenant,
    actor: User | None,
    trigger: Trigger,
    step: TriggerStep | None = None,
    action: str,
    delay_minutes: int = 0,
    template: MessageTemplate | None = None,
    channels: list[str] | tuple[str, ...] = (),
    channel_choice: str = ChannelChoice.PREFERRED,
    follow_up_kind: str = "",
    follow_up_subject: str = "",
    repeat_every_days: int | None = None,
    only_while_in_stage: bool = True,
    sequence: Sequence | None = None,
) -> TriggerStep:
    """Add a step after the trigger's others (step=None) or change one.

    A message step needs a template with wording for every channel it ticks; a follow-up step
    needs a kind and a subject, and may repeat; an enrol step needs a sequence that is switched
    on. Settings the action does not use are cleared.
    """
    if not _belongs(trigger, tenant):
        raise ValidationError(_("Unknown trigger."))
    steps = _lock_steps(tenant, trigger.pk)
    if step is None:
        step = TriggerStep(
            tenant=tenant, trigger=trigger, position=(steps[-1].position + 1) if steps else 0
        )
    else:
        step = next((row for row in steps if row.pk == step.pk), None)
        if step is None:
            raise ValidationError(_("That step belongs to another trigger."))
    step.action, step.delay_minutes = action, delay_minutes
    step.only_while_in_stage = only_while_in_stage
    step.sequence = sequence if action == StepAction.ENROL else None
    if action == StepAction.SEND:
        step.template, step.channels = template, list(dict.fromkeys(channels))
        step.channel_choice = channel_choice
        step.follow_up_kind, step.follow_up_subject = "", ""
        step.repeat_every_days = repeat_every_days
        errors = _check_send(step, tenant)
    elif action == StepAction.FOLLOW_UP:
        step.template, step.channels, step.channel_choice = None, [], ChannelChoice.PREFERRED
        step.follow_up_kind, step.follow_up_subject = follow_up_kind, follow_up_subject.strip()
        step.repeat_every_days = repeat_every_days or None
        errors = _check_follow_up(step)
    elif action == StepAction.ENROL:
        step.template, step.channels, step.channel_choice = None, [], ChannelChoice.PREFERRED
        step.follow_up_kind, step.follow_up_subject = "", ""
        step.repeat_every_days = None
        errors = _check_enrol(step, tenant)
    else:
        errors = {"action": _("Send a message, create a follow-up or enrol in a sequence.")}
    if delay_minutes < 0:
        errors["delay_minutes"] = _("A step cannot happen before its trigger fires.")
    elif delay_minutes > LONGEST_WAIT_MINUTES:
        errors["delay_minutes"] = _("Keep it within three years of the trigger.")
    if (repeat_every_days or 0) > LONGEST_REPEAT_DAYS:
        errors["repeat_every_days"] = _("Repeat at least once a year.")
    if errors:
        raise ValidationError(errors)
    step.full_clean(exclude=["tenant", "trigger"])
    step.save()
    return step


def _lock_steps(tenant: Tenant, trigger_id: int) -> list[TriggerStep]:
    """The trigger's steps in order, locked: two admins editing at once take turns."""
    return list(
        TriggerStep.objects.select_for_update()
        .filter(tenant=tenant, trigger_id=trigger_id)
        .order_by("position", "id")
    )


def _renumber(steps: list[TriggerStep]) -> None:
    changed = []
    for position, step in enumerate(steps):
        if step.position != position:
            step.position = position
            changed.append(step)
    if changed:
        TriggerStep.objects.bulk_update(changed, ["position"])


@transaction.atomic
def trigger_step_delete(*, tenant: Tenant, actor: User | None, step: TriggerStep) -> None:
    steps = _lock_steps(tenant, step.trigger_id)
    TriggerStep.objects.filter(tenant=tenant, pk=step.pk).delete()
    _renumber([row for row in steps if row.pk != step.pk])


@transaction.atomic
def trigger_step_move(
    *, tenant: Tenant, actor: User | None, step: TriggerStep, direction: str
) -> None:
    """Swap the step with the one above or below it."""
    if direction not in (UP, DOWN):
        raise ValidationError(_("Move up or down."))
    steps = _lock_steps(tenant, step.trigger_id)
    index = next(i for i, row in enumerate(steps) if row.pk == step.pk)
    neighbour = index - 1 if direction == UP else index + 1
    if 0 <= neighbour < len(steps):
        steps[index], steps[neighbour] = steps[neighbour], steps[index]
    _renumber(steps)
