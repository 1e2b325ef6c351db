"""Sequences: ordered steps a contact or lead is enrolled in (onboarding, payment reminders).

Writes only: staff enrol contacts and leads by hand or in bulk (admins build the sequences and
their steps: automation.services.sequence_editing); a beat sweep runs the steps that came due; replies, unsubscribes, bounces and won or lost
leads stop enrolments (automation.handlers). Reads for the pages are in automation.selectors.sequences.

When a step runs: day 0 at enrolment, day N at STEP_TIME in the business's time zone N days after
the day of enrolment (a message goes out in the morning, a call lands in the working day). An
enrolment's progress is its `next_step_at`: the steps due at or after it have not run yet, so an
admin's edit to a sequence never runs a step twice nor runs one the enrolment has passed. Every
step's output (outbox row, follow-up) carries a key naming the enrolment and the step, so a sweep
that runs twice, or a step moved later, does nothing twice.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from automation.models import EnrolmentStatus, Sequence, SequenceEnrolment, SequenceStep, StepKind
from automation.services.steps import step_follow_up_create, step_manager, step_messages_schedule
from crm.kit.claims import lock_due_rows
from crm.kit.stored_text import stored_columns, stored_message
from crm.models import Contact, Membership, NotificationLevel, Tenant, User
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from followups.models import Priority, Source
from followups.services.followups import follow_up_type_get
from leads.models import Lead, LeadStatus
from messaging.models import (
    PENDING_STATUSES,
    MessageSource,
    OutboundMessage,
    Purpose,
)
from messaging.services import outbox

logger = logging.getLogger(__name__)

STEP_TIME = dt.time(9, 0)
# A task step's follow-up is due an hour after the step runs: its default reminder (an hour
# before) reaches the owner as the step runs.
TASK_LEAD_TIME = dt.timedelta(hours=1)
SWEEP_BATCH = 200

# Kept in English in the database; the pages translate it when they show it.
STOPPED_BY_HAND = gettext_noop("Stopped by hand")


# --- When steps run ---------------------------------------------------------------------------


def step_due_at(*, tenant: Tenant, enrolled_at: dt.datetime, day_offset: int) -> dt.datetime:
    """Day 0: at enrolment; day N: STEP_TIME, N days after the (local) day of enrolment."""
    if day_offset == 0:
        return enrolled_at
    day = timezone.localtime(enrolled_at, tenant.zone).date() + dt.timedelta(days=day_offset)
    return dt.datetime.combine(day, STEP_TIME, tzinfo=tenant.zone)


def _ordered_steps(tenant: Tenant, sequence_id: int) -> list[SequenceStep]:
    return list(
        SequenceStep.objects.filter(tenant=tenant, sequence_id=sequence_id)
        .select_related("template", "follow_up_type")
        .order_by("position", "day_offset", "id")
    )


def _schedule_next(
    enrolment: SequenceEnrolment, steps: list[SequenceStep], after: dt.datetime | None
) -> None:
    """Point the enrolment at its first step due after `after` (None: its first step)."""
    tenant = enrolment.tenant
    for index, step in enumerate(steps):
        due = step_due_at(
            tenant=tenant, enrolled_at=enrolment.enrolled_at, day_offset=step.day_offset
        )
        if after is None or due > after:
            enrolment.next_step, enrolment.next_step_at = index, due
            return
    enrolment.next_step, enrolment.next_step_at = len(steps), None


# --- Enrolment --------------------------------------------------------------------------------


def _record(
    enrolment: SequenceEnrolment, kind: str, summary: str, params: dict, actor: User | None
) -> None:
    """`summary` a msgid (gettext_noop), `params` its values; the sequence's name is one."""
    timeline_record(
        tenant=enrolment.tenant,
        kind=kind,
        summary=summary,
        params={"sequence": enrolment.sequence.name, **params},
        actor=actor,
        contact=enrolment.contact,
        lead=enrolment.lead,
        detail={"sequence": enrolment.sequence_id, "enrolment": enrolment.pk},
    )


@transaction.atomic
def sequence_enrol(
    *,
    tenant: Tenant,
    actor: User | None,
    sequence: Sequence,
    contact: Contact | None = None,
    lead: Lead | None = None,
    owner: Membership | None = None,
    now: dt.datetime | None = None,
) -> SequenceEnrolment:
    """Enrol a lead (its contact with it) or a contact on their own. The owner gets the task
    steps: `owner`, else the lead's owner; nobody: a manager when a task comes due."""
    now = now or timezone.now()
    if lead is not None:
        # Read afresh and held: a lead lost at this moment is lost before or after, not during.
        lead = (
            Lead.objects.select_for_update(no_key=True, of=("self",))
            .select_related("contact", "owner")
            .filter(tenant=tenant, pk=lead.pk)
            .first()
        )
        if lead is None:
            raise ValidationError(_("Unknown lead."))
        if lead.status == LeadStatus.LOST:
            raise ValidationError(
                _("%(reference)s is lost: reopen it before enrolling it.")
                % {"reference": lead.reference}
            )
        contact = contact or lead.contact
        if lead.contact_id != contact.pk:
            raise ValidationError(_("The lead belongs to another contact."))
        owner = owner or lead.owner
    if contact is None or contact.tenant_id != tenant.pk:
        raise ValidationError(_("Pick a contact of this team."))
    # Read afresh and held: an admin switching it off waits for this enrolment, then stops it.
    locked = (
        Sequence.objects.select_for_update(no_key=True)
        .filter(tenant=tenant, pk=sequence.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("Unknown sequence."))
    sequence = locked
    if not sequence.is_active:
        raise ValidationError(_("“%(name)s” is switched off.") % {"name": sequence.name})
    if owner is not None and (owner.tenant_id != tenant.pk or not owner.is_active):
        owner = None
    steps = _ordered_steps(tenant, sequence.pk)
    if not steps:
        raise ValidationError(_("“%(name)s” has no steps yet.") % {"name": sequence.name})
    who = lead.reference if lead else contact.display_name
    enrolment = SequenceEnrolment(
        tenant=tenant,
        sequence=sequence,
        contact=contact,
        lead=lead,
        owner=owner,
        enrolled_at=now,
        enrolled_by=actor,
    )
    _schedule_next(enrolment, steps, after=None)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        raise ValidationError(
            _("%(who)s is already in “%(name)s”.") % {"who": who, "name": sequence.name}
        ) from None
    _record(
        enrolment,
        "sequence.enrolled",
        gettext_noop("Enrolled in the sequence “%(sequence)s”"),
        {},
        actor,
    )
    return enrolment


@dataclass(frozen=True)
class BulkEnrolment:
    enrolled: int
    skipped: list[str]  # why each one left out was left out


@transaction.atomic
def sequence_enrol_bulk(
    *,
    tenant: Tenant,
    actor: User | None,
    sequence: Sequence,
    lead_ids: Iterable[int] = (),
    contact_ids: Iterable[int] = (),
    owner: Membership | None = None,
    now: dt.datetime | None = None,
) -> BulkEnrolment:
    """Enrol a selection of leads and contacts (from a list's checkboxes); those that cannot be
    enrolled (lost, already in it) are skipped with the reason."""
    leads = Lead.objects.filter(tenant=tenant, pk__in=list(lead_ids)).select_related(
        "contact", "owner"
    )
    contacts = Contact.objects.filter(tenant=tenant, pk__in=list(contact_ids))
    enrolled, skipped = 0, []
    for subject in [*leads.order_by("pk"), *contacts.order_by("pk")]:
        lead = subject if isinstance(subject, Lead) else None
        contact = subject if isinstance(subject, Contact) else None
        try:
            with transaction.atomic():
                sequence_enrol(
                    tenant=tenant,
                    actor=actor,
                    sequence=sequence,
                    contact=contact,
                    lead=lead,
                    # A lead's tasks go to its owner; a contact's to whoever enrolled them.
                    owner=None if lead else owner,
                    now=now,
                )
        except ValidationError as error:
            skipped.append(" ".join(error.messages))
        else:
            enrolled += 1
    return BulkEnrolment(enrolled, skipped)


def _active_enrolments(tenant: Tenant):
    return SequenceEnrolment.objects.select_for_update(of=("self",)).filter(
        tenant=tenant, status=EnrolmentStatus.ACTIVE
    )


def _cancel_pending_messages(enrolment: SequenceEnrolment, reason: str | dict) -> None:
    """Its messages still waiting (deferred to the morning, say) do not go after it stopped."""
    pending = OutboundMessage.objects.filter(
        tenant=enrolment.tenant,
        idempotency_key__startswith=f"{_key(enrolment)}:",
        status__in=PENDING_STATUSES,
    )
    for message in pending:
        outbox.message_cancel(
            tenant=enrolment.tenant,
            message=message,
            reason=stored_message(gettext_noop("the sequence stopped: %(reason)s"), reason=reason),
        )


def _stop(enrolment: SequenceEnrolment, reason: str | dict, actor: User | None) -> None:
    """`reason` free text (or a bare msgid the pages translate), or a stored message
    (crm.kit.stored_text.stored_message): kept in English, shown in the reader's language."""
    if isinstance(reason, dict):
        text, params = stored_columns(reason)
    else:
        text, params = reason, None
    enrolment.status = EnrolmentStatus.STOPPED
    enrolment.stopped_at = timezone.now()
    enrolment.stop_reason = text[:200]
    enrolment.stop_reason_params = params
    enrolment.next_step_at = None
    enrolment.save(
        update_fields=["status", "stopped_at", "stop_reason", "stop_reason_params", "next_step_at"]
    )
    _cancel_pending_messages(enrolment, reason)
    _record(
        enrolment,
        "sequence.stopped",
        # A stored message reason reads in the reader's language, free text as written.
        gettext_noop("Sequence “%(sequence)s” stopped: %(reason)s"),
        {"reason": reason},
        actor,
    )


@transaction.atomic
def enrolment_stop(
    *, tenant: Tenant, actor: User | None, enrolment: SequenceEnrolment, reason: str = ""
) -> SequenceEnrolment:
    """Stop one enrolment by hand (a finished one stays as it is)."""
    locked = (
        _active_enrolments(tenant)
        .select_related("sequence", "contact", "lead")
        .filter(pk=enrolment.pk)
        .first()
    )
    if locked is None:
        return enrolment
    name = actor.full_name if actor else ""
    because = reason.strip() or (
        stored_message(gettext_noop("Stopped by hand by %(name)s"), name=name)
        if name
        else stored_message(STOPPED_BY_HAND)
    )
    _stop(locked, because, actor)
    return locked


def enrolments_stop(
    *,
    tenant: Tenant,
    reason: str | dict,
    contact: Contact | None = None,
    lead: Lead | None = None,
    marketing_only: bool = False,
) -> int:
    """Stop the active enrolments of a contact (all of theirs, with or without a lead) or of one
    lead, recording why. `marketing_only`: only sequences that send marketing templates."""
    if contact is None and lead is None:
        raise ValueError("Say whose enrolments stop.")
    enrolments = _active_enrolments(tenant)
    if lead is not None:
        enrolments = enrolments.filter(lead=lead)
    else:
        enrolments = enrolments.filter(contact=contact)
    if marketing_only:
        marketing = SequenceStep.objects.filter(
            tenant=tenant, kind=StepKind.MESSAGE, template__purpose=Purpose.MARKETING
        ).values("sequence_id")
        enrolments = enrolments.filter(sequence_id__in=marketing)
    # Every customer's reply asks, and most are in no sequence: a probe of the active ones' index
    # first, not the locked read with its three joins (building it was a tenth of a reply's
    # processing under load). One enrolled meanwhile was not this reply's to stop either way.
    if not enrolments.exists():
        return 0
    stopped = 0
    for enrolment in enrolments.select_related("sequence", "contact", "lead").order_by("pk"):
        _stop(enrolment, reason, None)
        stopped += 1
    return stopped


def sequence_enrolments_stop(
    *, tenant: Tenant, sequence: Sequence, reason: str | dict, actor: User | None
) -> int:
    """Stop every active enrolment of `sequence` (it was switched off), recording why."""
    stopped = 0
    for enrolment in _active_enrolments(tenant).filter(sequence=sequence).order_by("pk"):
        _stop(enrolment, reason, actor)
        stopped += 1
    return stopped


# --- Running steps ----------------------------------------------------------------------------


def _key(enrolment: SequenceEnrolment) -> str:
    return f"sequence:{enrolment.pk}"


def _step_key(enrolment: SequenceEnrolment, step: SequenceStep) -> str:
    return f"{_key(enrolment)}:step:{step.pk}"


def _owner_for(enrolment: SequenceEnrolment) -> Membership | None:
    for candidate in (enrolment.owner, enrolment.lead.owner if enrolment.lead else None):
        if candidate is not None and candidate.is_active:
            return candidate
    return step_manager(tenant=enrolment.tenant)


def _send(enrolment: SequenceEnrolment, step: SequenceStep, now: dt.datetime) -> int:
    assert step.template is not None  # noqa: S101  # a message step has one (_check_step)
    return step_messages_schedule(
        tenant=enrolment.tenant,
        channels=step.channels,
        source=MessageSource.SEQUENCE,
        key=_step_key(enrolment, step),
        contact=enrolment.contact,
        lead=enrolment.lead,
        template=step.template,
        send_after=now,
        now=now,
    )


def _follow_up(
    enrolment: SequenceEnrolment,
    step: SequenceStep,
    number: int,
    assignee: Membership,
    priority: str,
    now: dt.datetime,
):
    tenant = enrolment.tenant
    return step_follow_up_create(
        tenant=tenant,
        key=_step_key(enrolment, step),
        subject=step.subject,
        description=f"Step {number} of the sequence “{enrolment.sequence.name}”.",
        contact=enrolment.contact,
        lead=enrolment.lead,
        assignee=assignee,
        due=now + TASK_LEAD_TIME,
        follow_up_type=step.follow_up_type or follow_up_type_get(tenant=tenant, key="call"),
        priority=priority,
        source=Source.SEQUENCE,
    )


def _run_step(
    enrolment: SequenceEnrolment, step: SequenceStep, number: int, now: dt.datetime
) -> None:
    if step.kind == StepKind.MESSAGE:
        _send(enrolment, step, now)
        return
    if step.kind == StepKind.TASK:
        owner = _owner_for(enrolment)
        if owner is None:
            raise ValidationError(_("Nobody in the team can take the follow-up."))
        _follow_up(enrolment, step, number, owner, Priority.MEDIUM, now)
        return
    manager = step_manager(tenant=enrolment.tenant) or _owner_for(enrolment)
    if manager is None:
        raise ValidationError(_("Nobody in the team can take the escalation."))
    follow_up = _follow_up(enrolment, step, number, manager, Priority.HIGH, now)
    notification_create(
        tenant=enrolment.tenant,
        recipient=manager.user,
        title=gettext_noop("Escalated: %(subject)s — %(name)s"),
        title_params={"subject": step.subject, "name": enrolment.contact.display_name},
        body=gettext_noop("From the sequence “%(sequence)s”."),
        body_params={"sequence": enrolment.sequence.name},
        url=reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk}),
        level=NotificationLevel.WARNING,
        kind="follow_up_due",
    )


def _lead_outcome(enrolment: SequenceEnrolment) -> dict | str:
    """Why the enrolment should have stopped already (a lead lost or won since it began)."""
    lead = enrolment.lead
    if lead is None:
        return ""
    if lead.status == LeadStatus.LOST:
        return stored_message(gettext_noop("The lead was lost"))
    if lead.won_at is not None and lead.won_at > enrolment.enrolled_at:
        return stored_message(gettext_noop("The lead was won"))
    return ""


def _advance(enrolment: SequenceEnrolment, steps: list[SequenceStep], now: dt.datetime) -> int:
    """Run the enrolment's steps due by `now` (in order), then point it at the next one, or
    complete it after its last."""
    outcome = _lead_outcome(enrolment)
    if outcome:
        _stop(enrolment, outcome, None)
        return 0
    tenant, ran = enrolment.tenant, 0
    assert enrolment.next_step_at is not None  # noqa: S101  # claimed by its due time
    for number, step in enumerate(steps, 1):
        due = step_due_at(
            tenant=tenant, enrolled_at=enrolment.enrolled_at, day_offset=step.day_offset
        )
        if enrolment.next_step_at <= due <= now:
            _run_step(enrolment, step, number, now)
            ran += 1
    _schedule_next(enrolment, steps, after=now)
    if enrolment.next_step_at is None:
        enrolment.status = EnrolmentStatus.COMPLETED
        _record(
            enrolment,
            "sequence.completed",
            gettext_noop("Sequence “%(sequence)s” completed"),
            {},
            None,
        )
    enrolment.save(update_fields=["next_step", "next_step_at", "status"])
    return ran


@transaction.atomic
def sequences_sweep(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Claim the enrolments with a step due (SKIP LOCKED: two workers never share one), run their
    due steps and move them on. Returns how many steps ran. An enrolment whose step fails is
    stopped with the error as its reason, for an admin to see, instead of failing every minute."""
    now = now or timezone.now()
    due = lock_due_rows(
        SequenceEnrolment.objects.filter(
            tenant=tenant, status=EnrolmentStatus.ACTIVE
        ).select_related("sequence", "contact__brand", "lead__brand", "lead__owner", "owner"),
        due_field="next_step_at",
        up_to=now,
        limit=SWEEP_BATCH,
    )
    steps_of: dict[int, list[SequenceStep]] = {}
    for sequence_id in {enrolment.sequence_id for enrolment in due}:
        steps_of[sequence_id] = _ordered_steps(tenant, sequence_id)
    ran = 0
    for enrolment in due:
        try:
            with transaction.atomic():
                ran += _advance(enrolment, steps_of[enrolment.sequence_id], now)
        except Exception as error:
            # Bad data or a bug must not jam the enrolment (claimed and failing every minute).
            logger.exception("Sequence enrolment %s failed a step", enrolment.pk)
            reason = " ".join(getattr(error, "messages", [f"{type(error).__name__}: {error}"]))
            enrolment.refresh_from_db()
            because = stored_message(
                gettext_noop("A step could not run: %(reason)s"), reason=reason
            )
            _stop(enrolment, because, None)
    return ran
