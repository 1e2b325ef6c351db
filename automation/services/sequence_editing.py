"""Sequences and their steps as admins build them: named, switched on and off, deleted while
nobody was ever enrolled; steps that send a template, make a follow-up or escalate, kept in day
order. Enrolling and running the steps: automation.services.sequences."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from automation.models import Sequence, SequenceEnrolment, SequenceStep, StepKind
from automation.services.configuration_triggers import template_channels
from automation.services.sequences import sequence_enrolments_stop
from crm.kit.formatting import or_list
from crm.kit.stored_text import stored_message
from crm.models import Tenant, User
from followups.models import FollowUpType
from messaging.models import MessageChannel, MessageTemplate

LONGEST_DAY_OFFSET = 366


def _check_sequence(sequence: Sequence, tenant: Tenant) -> None:
    if not sequence.name:
        raise ValidationError({"name": _("Name the sequence.")})
    clash = Sequence.objects.filter(tenant=tenant, name__iexact=sequence.name)
    if clash.exclude(pk=sequence.pk).exists():
        raise ValidationError(
            {"name": _("There is already a sequence called “%(name)s”.") % {"name": sequence.name}}
        )


@transaction.atomic
def sequence_save(
    *,
    tenant: Tenant,
    actor: User | None,
    sequence: Sequence | None = None,
    name: str,
    description: str = "",
    is_active: bool = True,
) -> Sequence:
    """Create a sequence (sequence=None) or change one. Switched off, its active enrolments stop
    (with that reason) and nobody new can be enrolled."""
    if sequence is None:
        sequence = Sequence(tenant=tenant)
        was_active = True
    else:
        sequence = Sequence.objects.select_for_update().get(tenant=tenant, pk=sequence.pk)
        was_active = sequence.is_active
    sequence.name = name.strip()
    sequence.description = description.strip()
    sequence.is_active = is_active
    _check_sequence(sequence, tenant)
    sequence.full_clean(exclude=["tenant"])
    sequence.save()
    if was_active and not is_active:
        sequence_enrolments_stop(
            tenant=tenant,
            sequence=sequence,
            reason=stored_message(gettext_noop("The sequence was switched off")),
            actor=actor,
        )
    return sequence


@transaction.atomic
def sequence_delete(*, tenant: Tenant, actor: User | None, sequence: Sequence) -> None:
    """Only a sequence nobody was ever enrolled in: the others keep their history (switch them
    off instead)."""
    if SequenceEnrolment.objects.filter(tenant=tenant, sequence=sequence).exists():
        raise ValidationError(
            _(
                "People have been enrolled in this sequence: switch it off instead, so their "
                "history stays."
            )
        )
    used_by = list(
        sequence.trigger_steps.filter(tenant=tenant).values_list("trigger__name", flat=True)
    )
    if used_by:
        raise ValidationError(
            _("The trigger “%(name)s” enrols leads in this sequence: remove that step first.")
            % {"name": used_by[0]}
        )
    Sequence.objects.filter(tenant=tenant, pk=sequence.pk).delete()


def _lock_steps(tenant: Tenant, sequence_id: int) -> list[SequenceStep]:
    """The sequence's steps in order, locked: two admins editing at once take turns."""
    return list(
        SequenceStep.objects.select_for_update()
        .filter(tenant=tenant, sequence_id=sequence_id)
        .order_by("position", "day_offset", "id")
    )


def _renumber(steps: list[SequenceStep]) -> None:
    """Steps run in day order: positions follow the day offsets (same day: the order they were
    added in)."""
    ordered = sorted(steps, key=lambda step: (step.day_offset, step.position, step.pk or 0))
    changed = []
    for position, step in enumerate(ordered):
        if step.position != position:
            step.position = position
            changed.append(step)
    if changed:
        SequenceStep.objects.bulk_update(changed, ["position"])


def _check_step(step: SequenceStep, tenant: Tenant) -> None:
    errors: dict[str, str] = {}
    if step.day_offset < 0 or step.day_offset > LONGEST_DAY_OFFSET:
        errors["day_offset"] = _("Pick a day from 0 to %(last)s.") % {"last": LONGEST_DAY_OFFSET}
    if step.kind == StepKind.MESSAGE:
        template = step.template
        if template is None:
            errors["template"] = _("Pick the template to send.")
        elif template.tenant_id != tenant.pk:
            errors["template"] = _("Pick one of this team's templates.")
        elif template.is_archived:
            errors["template"] = _("“%(name)s” is archived: pick a template in use.") % {
                "name": template.name
            }
        if not step.channels:
            errors["channels"] = _("Tick at least one channel.")
        elif any(channel not in MessageChannel.values for channel in step.channels):
            errors["channels"] = _("Tick email, SMS or WhatsApp.")
        elif template is not None and "template" not in errors:
            written = template_channels(tenant=tenant, template=template)
            missing = [_(MessageChannel(c).label) for c in step.channels if c not in written]
            if missing:
                errors["channels"] = _(
                    "“%(name)s” has no %(channels)s wording yet: write it on the template's page, "
                    "or untick it."
                ) % {"name": template.name, "channels": or_list(missing)}
    elif step.kind in (StepKind.TASK, StepKind.ESCALATE):
        if not step.subject:
            errors["subject"] = _("Say what should be done, e.g. “Welcome call”.")
        if step.follow_up_type is not None and step.follow_up_type.tenant_id != tenant.pk:
            errors["follow_up_type"] = _("Pick one of this team's follow-up types.")
    else:
        errors["kind"] = _("Send a message, create a follow-up or escalate.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def sequence_step_save(
    *,
    tenant: Tenant,
    actor: User | None,
    sequence: Sequence,
    step: SequenceStep | None = None,
    day_offset: int,
    kind: str,
    template: MessageTemplate | None = None,
    channels: list[str] | tuple[str, ...] = (),
    follow_up_type: FollowUpType | None = None,
    subject: str = "",
) -> SequenceStep:
    """Add a step (step=None) or change one. A message step sends a template on the channels
    ticked (each of them); a task step makes a follow-up for the enrolment's owner; an escalation
    one for a manager. Settings the kind does not use are cleared."""
    if sequence.tenant_id != tenant.pk:
        raise ValidationError(_("Unknown sequence."))
    steps = _lock_steps(tenant, sequence.pk)
    if step is None:
        step = SequenceStep(
            tenant=tenant, sequence=sequence, position=(steps[-1].position + 1) if steps else 0
        )
        steps.append(step)
    else:
        step = next((row for row in steps if row.pk == step.pk), None)
        if step is None:
            raise ValidationError(_("That step belongs to another sequence."))
    step.day_offset, step.kind = day_offset, kind
    if kind == StepKind.MESSAGE:
        step.template, step.channels = template, list(dict.fromkeys(channels))
        step.follow_up_type, step.subject = None, ""
    else:
        step.template, step.channels = None, []
        step.follow_up_type, step.subject = follow_up_type, subject.strip()
    _check_step(step, tenant)
    step.full_clean(exclude=["tenant", "sequence"])
    step.save()
    _renumber(steps)
    return step


@transaction.atomic
def sequence_step_delete(*, tenant: Tenant, actor: User | None, step: SequenceStep) -> None:
    steps = _lock_steps(tenant, step.sequence_id)
    SequenceStep.objects.filter(tenant=tenant, pk=step.pk).delete()
    _renumber([row for row in steps if row.pk != step.pk])
