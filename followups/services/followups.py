"""Writes to follow-ups: create, complete with an outcome, reschedule, cancel, delegate, note, and
the bulk versions. Each is one transaction and lands on the contact's (and lead's) timeline.

Reminders follow their follow-up: creating one schedules its reminder rows, moving it moves
them, finishing or cancelling it cancels those not yet sent (followups.services.reminders).
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from crm.events import publish
from crm.kit.languages import tenant_language
from crm.kit.stored_text import stored_date, stored_label
from crm.models import Contact, Membership, Tenant, User
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from followups.events import FollowUpCompleted, FollowUpRescheduled
from followups.models import (
    BUILTIN_TYPES,
    LONGEST_SLOT_MINUTES,
    OPEN_STATUSES,
    FollowUp,
    FollowUpNote,
    FollowUpType,
    Outcome,
    Priority,
    Source,
    Status,
)
from followups.services.reminders import (
    reminders_cancel,
    reminders_reschedule,
    reminders_schedule,
)
from leads.models import Lead
from leads.services.activity import lead_record_touch

DEFAULT_REMINDERS = ((60, "in_app"),)


def follow_up_types_ensure(*, tenant: Tenant) -> list[FollowUpType]:
    """The built-in types, made the first time a tenant needs them."""
    existing = {t.key: t for t in FollowUpType.objects.filter(tenant=tenant)}
    with translation.override(tenant_language(tenant)):
        for key, name in BUILTIN_TYPES:
            if key not in existing:
                existing[key] = FollowUpType.objects.create(
                    tenant=tenant, key=key, name=gettext(name), is_builtin=True
                )
    return sorted(existing.values(), key=lambda t: t.name)


def follow_up_type_get(*, tenant: Tenant, key: str) -> FollowUpType:
    follow_up_types_ensure(tenant=tenant)
    return FollowUpType.objects.get(tenant=tenant, key=key)


def _record(
    follow_up: FollowUp, kind: str, summary: str, params: dict, actor: User | None, **detail
) -> None:
    """`summary` a msgid (gettext_noop), `params` its values: the subject is always one."""
    timeline_record(
        tenant=follow_up.tenant,
        kind=kind,
        summary=summary,
        params={"subject": follow_up.subject, **params},
        actor=actor,
        contact=follow_up.contact,
        lead=follow_up.lead,
        detail={"follow_up": follow_up.pk, **detail},
    )


def _stored_when(at: dt.datetime, tenant: Tenant) -> dict:
    """A time in the team's zone for a timeline sentence: each reader reads it in their order."""
    return stored_date(timezone.localtime(at, tenant.zone), "weekday_month_day_clock")


def check_slot_length(duration_minutes: int) -> None:
    if not 0 <= duration_minutes <= LONGEST_SLOT_MINUTES:
        raise ValidationError(
            {
                "duration_minutes": _(
                    "A follow-up lasts at most a day (%(LONGEST_SLOT_MINUTES)s minutes)."
                )
                % {"LONGEST_SLOT_MINUTES": LONGEST_SLOT_MINUTES}
            }
        )


def _check_assignee(tenant: Tenant, assignee: Membership) -> None:
    if assignee.tenant_id != tenant.pk or not assignee.is_active:
        raise ValidationError({"assignee": _("Choose an active member of this team.")})


@transaction.atomic
def follow_up_create(
    *,
    tenant: Tenant,
    actor: User | None,
    subject: str,
    contact: Contact,
    assignee: Membership,
    scheduled_at: dt.datetime,
    type: FollowUpType | None = None,
    description: str = "",
    priority: str = Priority.MEDIUM,
    lead=None,
    ticket=None,
    quote=None,
    property=None,
    duration_minutes: int = 30,
    reminders: Iterable[tuple[int, str]] | None = None,
    source: str = Source.MANUAL,
    key: str = "",
    series=None,
    occurrence_at: dt.datetime | None = None,
) -> FollowUp:
    """A new follow-up with its reminders ((minutes before, channel) pairs; None: the default
    hour-before in-app reminder). With a `key`, creating it twice returns the first one."""
    if not subject.strip():
        raise ValidationError({"subject": _("A follow-up needs a subject.")})
    if contact.tenant_id != tenant.pk:
        raise ValidationError({"contact": _("Choose a contact of this team.")})
    for related in (lead, ticket, quote, property):
        if related is not None and related.tenant_id != tenant.pk:
            raise ValidationError(_("Link only this team's records."))
    _check_assignee(tenant, assignee)
    check_slot_length(duration_minutes)
    if key:
        existing = FollowUp.objects.filter(tenant=tenant, key=key).first()
        if existing is not None:
            return existing
    follow_up = FollowUp(
        tenant=tenant,
        subject=subject.strip()[:200],
        description=description.strip(),
        type=type or follow_up_type_get(tenant=tenant, key="call"),
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        priority=priority,
        assignee=assignee,
        contact=contact,
        lead=lead,
        ticket=ticket,
        quote=quote,
        property=property,
        source=source,
        key=key,
        series=series,
        occurrence_at=occurrence_at,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            follow_up.save()
    except IntegrityError:
        if key:  # made at the same moment by another worker: theirs is the one
            return FollowUp.objects.get(tenant=tenant, key=key)
        raise
    reminders_schedule(
        follow_up=follow_up, reminders=DEFAULT_REMINDERS if reminders is None else reminders
    )
    if series is None:  # a series is recorded once, not once per occurrence made ahead
        _record(
            follow_up,
            "follow_up.created",
            gettext_noop("Follow-up “%(subject)s” for %(when)s, %(assignee)s"),
            {"when": _stored_when(scheduled_at, tenant), "assignee": assignee.user.full_name},
            actor,
        )
    if lead is not None:
        lead_next_follow_up_refresh(tenant=tenant, lead_id=lead.pk)
    return follow_up


def leads_next_follow_up_refresh(*, tenant: Tenant, lead_ids: Iterable[int]) -> None:
    """Lead.next_follow_up_at: the earliest open follow-up of each of these leads (the leads list
    shows it), in one statement however many leads (a sweep's batch)."""
    Lead.objects.filter(tenant=tenant, pk__in=list(lead_ids)).update(
        next_follow_up_at=Subquery(
            FollowUp.objects.filter(tenant=tenant, lead_id=OuterRef("pk"), status__in=OPEN_STATUSES)
            .order_by("scheduled_at")
            .values("scheduled_at")[:1]
        )
    )


def lead_next_follow_up_refresh(*, tenant: Tenant, lead_id: int) -> None:
    """One lead's: for these services, and the sweeps (missed, recurrence) that change follow-ups
    outside them."""
    leads_next_follow_up_refresh(tenant=tenant, lead_ids=[lead_id])


def _locked(tenant: Tenant, follow_up: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("contact", "lead", "assignee__user", "type")
        .get(tenant=tenant, pk=follow_up.pk)
    )


def _finish(tenant: Tenant, follow_up: FollowUp) -> None:
    reminders_cancel(follow_up=follow_up)
    if follow_up.lead_id:
        lead_next_follow_up_refresh(tenant=tenant, lead_id=follow_up.lead_id)


@transaction.atomic
def follow_up_complete(
    *,
    tenant: Tenant,
    actor: User,
    follow_up: FollowUp,
    outcome: str,
    notes: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """Done, with what came of it. A missed follow-up may still be completed (late)."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose what came of it.")})
    follow_up = _locked(tenant, follow_up)
    if follow_up.status in (Status.COMPLETED, Status.CANCELLED):
        raise ValidationError(
            _("This follow-up is already %(status)s.")
            % {"status": follow_up.get_status_display().lower()}
        )
    now = now or timezone.now()
    follow_up.status = Status.COMPLETED
    follow_up.outcome = outcome
    follow_up.outcome_notes = notes.strip()
    follow_up.completed_at = now
    follow_up.save()
    _finish(tenant, follow_up)
    _record(
        follow_up,
        "follow_up.completed",
        gettext_noop("Follow-up “%(subject)s” done: %(outcome)s"),
        {"outcome": stored_label(Outcome(follow_up.outcome).label, lower=True)},
        actor,
        outcome=outcome,
    )
    publish(FollowUpCompleted(tenant=tenant, follow_up=follow_up, actor=actor))
    if follow_up.lead and outcome != Outcome.NO_RESPONSE:
        # A follow-up that reached the customer is a touch (speed to lead, neglect).
        lead_record_touch(
            tenant=tenant, lead=follow_up.lead, channel=follow_up.type.name, actor=actor, at=now
        )
    return follow_up


@transaction.atomic
def follow_up_reschedule(
    *, tenant: Tenant, actor: User, follow_up: FollowUp, scheduled_at: dt.datetime
) -> FollowUp:
    """Move it (a missed one comes back to pending); its unsent reminders move with it."""
    follow_up = _locked(tenant, follow_up)
    if follow_up.status in (Status.COMPLETED, Status.CANCELLED):
        raise ValidationError(_("A finished follow-up cannot be moved; create a new one."))
    before = follow_up.scheduled_at
    follow_up.scheduled_at = scheduled_at
    if follow_up.status == Status.MISSED:
        follow_up.status = Status.PENDING
        follow_up.missed_at = None
    follow_up.save()
    publish(FollowUpRescheduled(tenant=tenant, follow_up=follow_up, before=before))
    reminders_reschedule(follow_up=follow_up)
    if follow_up.lead_id:
        lead_next_follow_up_refresh(tenant=tenant, lead_id=follow_up.lead_id)
    _record(
        follow_up,
        "follow_up.rescheduled",
        gettext_noop("Follow-up “%(subject)s” moved from %(before)s to %(after)s"),
        {"before": _stored_when(before, tenant), "after": _stored_when(scheduled_at, tenant)},
        actor,
    )
    return follow_up


@transaction.atomic
def follow_up_cancel(
    *, tenant: Tenant, actor: User | None, follow_up: FollowUp, reason: str = ""
) -> FollowUp:
    follow_up = _locked(tenant, follow_up)
    if follow_up.status in (Status.COMPLETED, Status.CANCELLED):
        return follow_up
    follow_up.status = Status.CANCELLED
    follow_up.outcome_notes = reason.strip() or follow_up.outcome_notes
    follow_up.save()
    _finish(tenant, follow_up)
    _record(
        follow_up,
        "follow_up.cancelled",
        gettext_noop("Follow-up “%(subject)s” cancelled: %(reason)s")
        if reason.strip()
        else gettext_noop("Follow-up “%(subject)s” cancelled"),
        {"reason": reason.strip()} if reason.strip() else {},
        actor,
    )
    return follow_up


@transaction.atomic
def follow_up_start(*, tenant: Tenant, actor: User, follow_up: FollowUp) -> FollowUp:
    follow_up = _locked(tenant, follow_up)
    if follow_up.status == Status.PENDING:
        follow_up.status = Status.IN_PROGRESS
        follow_up.save(update_fields=["status", "updated_at"])
    return follow_up


@transaction.atomic
def follow_up_delegate(
    *, tenant: Tenant, actor: User, follow_up: FollowUp, assignee: Membership
) -> FollowUp:
    """Hand it to someone else, who is told (the in-app bell, and their reminders from now on)."""
    _check_assignee(tenant, assignee)
    follow_up = _locked(tenant, follow_up)
    if follow_up.assignee_id == assignee.pk:
        return follow_up
    follow_up.assignee = assignee
    follow_up.save(update_fields=["assignee", "updated_at"])
    _record(
        follow_up,
        "follow_up.delegated",
        gettext_noop("Follow-up “%(subject)s” handed to %(assignee)s"),
        {"assignee": assignee.user.full_name},
        actor,
    )
    if assignee.user_id != actor.pk:
        notification_create(
            tenant=tenant,
            recipient=assignee.user,
            title=gettext_noop("Follow-up for you: %(subject)s"),
            title_params={"subject": follow_up.subject},
            body="%(contact)s, %(when)s",
            body_params={
                "contact": follow_up.contact.display_name,
                "when": _stored_when(follow_up.scheduled_at, tenant),
            },
            url=reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk}),
            kind="follow_up_due",
        )
    return follow_up


@transaction.atomic
def follow_up_add_note(
    *, tenant: Tenant, actor: User, follow_up: FollowUp, body: str
) -> FollowUpNote:
    if not body.strip():
        raise ValidationError({"body": _("A note needs some text.")})
    return FollowUpNote.objects.create(
        tenant=tenant, follow_up=follow_up, author=actor, body=body.strip()
    )


@transaction.atomic
def follow_up_set_priority(
    *, tenant: Tenant, actor: User, follow_up: FollowUp, priority: str
) -> FollowUp:
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose high, medium or low.")})
    follow_up = _locked(tenant, follow_up)
    follow_up.priority = priority
    follow_up.save(update_fields=["priority", "updated_at"])
    return follow_up


@transaction.atomic
def follow_up_update(
    *,
    tenant: Tenant,
    actor: User,
    follow_up: FollowUp,
    subject: str | None = None,
    type: FollowUpType | None = None,
    scheduled_at: dt.datetime | None = None,
    duration_minutes: int | None = None,
    priority: str | None = None,
    assignee: Membership | None = None,
    description: str | None = None,
) -> FollowUp:
    """Edit a follow-up still to do (pending, in progress or missed): the fields given change.
    A new time moves its reminders (and brings a missed one back to pending); a new assignee is
    told, as when it is delegated. One timeline entry names what else changed."""
    follow_up = _locked(tenant, follow_up)
    if follow_up.status in (Status.COMPLETED, Status.CANCELLED):
        raise ValidationError(_("A finished follow-up cannot be edited; create a new one."))
    if subject is not None and not subject.strip():
        raise ValidationError({"subject": _("A follow-up needs a subject.")})
    if priority is not None and priority not in Priority.values:
        raise ValidationError({"priority": _("Choose high, medium or low.")})
    if type is not None and type.tenant_id != tenant.pk:
        raise ValidationError({"type": _("Choose a type of this team.")})
    if duration_minutes is not None:
        check_slot_length(duration_minutes)
    if scheduled_at is not None and scheduled_at != follow_up.scheduled_at:
        follow_up = follow_up_reschedule(
            tenant=tenant, actor=actor, follow_up=follow_up, scheduled_at=scheduled_at
        )
    if assignee is not None and assignee.pk != follow_up.assignee_id:
        follow_up = follow_up_delegate(
            tenant=tenant, actor=actor, follow_up=follow_up, assignee=assignee
        )
    values = {
        "subject": subject.strip()[:200] if subject is not None else None,
        "type": type,
        "duration_minutes": duration_minutes,
        "priority": priority,
        "description": description.strip() if description is not None else None,
    }
    changed = [
        name
        for name, value in values.items()
        if value is not None and getattr(follow_up, name) != value
    ]
    for name in changed:
        setattr(follow_up, name, values[name])
    if changed:
        follow_up.save(update_fields=[*changed, "updated_at"])
        words = {
            "subject": "subject",
            "type": "type",
            "duration_minutes": "length",
            "priority": "priority",
            "description": "description",
        }
        _record(
            follow_up,
            "follow_up.edited",
            gettext_noop("Follow-up “%(subject)s” edited: %(fields)s"),
            {"fields": ", ".join(words[n] for n in changed)},
            actor,
            changed=changed,
        )
    return follow_up


# --- Bulk -----------------------------------------------------------------------------------------


def _bulk(tenant: Tenant, ids: list[int], apply) -> int:
    changed = 0
    for follow_up in FollowUp.objects.filter(tenant=tenant, pk__in=ids).order_by("pk"):
        try:
            apply(follow_up)
            changed += 1
        except ValidationError:
            continue  # a finished one in the selection is left as it is
    return changed


@transaction.atomic
def follow_ups_bulk_update(
    *,
    tenant: Tenant,
    actor: User,
    follow_up_ids: list[int],
    status: str = "",
    assignee: Membership | None = None,
    scheduled_at: dt.datetime | None = None,
    priority: str = "",
) -> int:
    """Apply one change to many follow-ups: status (completed needs no outcome: "other"),
    assignment, a new time, or a priority. Returns how many changed."""

    def apply(follow_up):
        if status == Status.CANCELLED:
            follow_up_cancel(tenant=tenant, actor=actor, follow_up=follow_up, reason="bulk")
        elif status == Status.COMPLETED:
            follow_up_complete(
                tenant=tenant, actor=actor, follow_up=follow_up, outcome=Outcome.OTHER
            )
        elif status == Status.IN_PROGRESS:
            follow_up_start(tenant=tenant, actor=actor, follow_up=follow_up)
        if assignee is not None:
            follow_up_delegate(tenant=tenant, actor=actor, follow_up=follow_up, assignee=assignee)
        if scheduled_at is not None:
            follow_up_reschedule(
                tenant=tenant, actor=actor, follow_up=follow_up, scheduled_at=scheduled_at
            )
        if priority:
            follow_up_set_priority(
                tenant=tenant, actor=actor, follow_up=follow_up, priority=priority
            )

    return _bulk(tenant, follow_up_ids, apply)
