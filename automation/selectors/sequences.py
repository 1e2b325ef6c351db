"""Reads for the sequence pages: the admins' list and editor, a sequence's enrolments, and the
enrol panel of a lead or contact page. Every read takes the tenant and costs a fixed number of
queries however many rows it shows."""

from dataclasses import dataclass

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from automation.models import EnrolmentStatus, Sequence, SequenceEnrolment, SequenceStep
from crm.models import Contact, Tenant
from crm.pagination import KeysetPage, keyset_page
from followups.models import FollowUpType
from leads.models import Lead
from messaging.models import MessageTemplate

ENROLMENTS_PER_PAGE = 50
PANEL_ENROLMENTS = 10


def sequence_list(*, tenant: Tenant) -> list[Sequence]:
    """Every sequence with its steps in order and how many people are in it now."""
    steps = SequenceStep.objects.filter(tenant=tenant).select_related("template", "follow_up_type")
    return list(
        Sequence.objects.filter(tenant=tenant)
        .annotate(
            active_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)),
        )
        .prefetch_related(
            Prefetch("steps", queryset=steps.order_by("position", "day_offset", "id"))
        )
        .order_by("-is_active", "name", "id")
    )


def sequence_get(*, tenant: Tenant, sequence_id: int) -> Sequence:
    return get_object_or_404(Sequence.objects.filter(tenant=tenant), pk=sequence_id)


def sequence_steps(*, tenant: Tenant, sequence: Sequence) -> list[SequenceStep]:
    return list(
        SequenceStep.objects.filter(tenant=tenant, sequence=sequence)
        .select_related("template", "follow_up_type")
        .order_by("position", "day_offset", "id")
    )


def sequence_step_get(*, tenant: Tenant, step_id: int) -> SequenceStep:
    return get_object_or_404(
        SequenceStep.objects.filter(tenant=tenant).select_related("sequence"), pk=step_id
    )


def step_templates(*, tenant: Tenant, step: SequenceStep | None) -> list[MessageTemplate]:
    """Templates a message step may send: those in use, and the step's own if archived since."""
    templates = MessageTemplate.objects.filter(tenant=tenant)
    keep = Q(is_archived=False)
    if step is not None and step.template_id:
        keep |= Q(pk=step.template_id)
    return list(templates.filter(keep).order_by("name", "id"))


def step_follow_up_types(*, tenant: Tenant, step: SequenceStep | None) -> list[FollowUpType]:
    keep = Q(is_archived=False)
    if step is not None and step.follow_up_type_id:
        keep |= Q(pk=step.follow_up_type_id)
    return list(FollowUpType.objects.filter(tenant=tenant).filter(keep).order_by("name", "id"))


@dataclass(frozen=True)
class EnrolmentCounts:
    active: int
    completed: int
    stopped: int


def enrolment_counts(*, tenant: Tenant, sequence: Sequence) -> EnrolmentCounts:
    counts = SequenceEnrolment.objects.filter(tenant=tenant, sequence=sequence).aggregate(
        **{
            status: Count("id", filter=Q(status=status))
            for status in (
                EnrolmentStatus.ACTIVE,
                EnrolmentStatus.COMPLETED,
                EnrolmentStatus.STOPPED,
            )
        }
    )
    return EnrolmentCounts(**counts)


def _enrolments(tenant: Tenant) -> QuerySet[SequenceEnrolment]:
    return SequenceEnrolment.objects.filter(tenant=tenant).select_related(
        "sequence", "contact", "lead", "owner__user", "enrolled_by"
    )


def enrolment_page(
    *, tenant: Tenant, sequence: Sequence, status: str = "", after: str | None = None
) -> KeysetPage:
    """A sequence's enrolments, newest first, optionally of one status, a page at a time."""
    enrolments = _enrolments(tenant).filter(sequence=sequence)
    if status in EnrolmentStatus.values:
        enrolments = enrolments.filter(status=status)
    return keyset_page(enrolments, order=("-id",), after=after, per_page=ENROLMENTS_PER_PAGE)


def enrolment_get(*, tenant: Tenant, enrolment_id: int) -> SequenceEnrolment:
    return get_object_or_404(_enrolments(tenant), pk=enrolment_id)


def sequences_to_enrol_in(*, tenant: Tenant) -> list[Sequence]:
    """The sequences someone can be enrolled in: switched on, with at least one step."""
    return list(enrollable_sequences(tenant=tenant))


def enrollable_sequences(*, tenant: Tenant) -> QuerySet[Sequence]:
    """sequences_to_enrol_in, unread (a page may read it together with its other lists)."""
    return (
        Sequence.objects.filter(tenant=tenant, is_active=True, steps__isnull=False)
        .distinct()
        .order_by("name", "id")
    )


def enrolments_of(
    *, tenant: Tenant, lead: Lead | None = None, contact: Contact | None = None
) -> list[SequenceEnrolment]:
    """The latest enrolments of a lead, or of a contact (with or without their leads), active
    first."""
    enrolments = _enrolments(tenant)
    enrolments = (
        enrolments.filter(lead=lead) if lead is not None else enrolments.filter(contact=contact)
    )
    active_first = Case(When(status=EnrolmentStatus.ACTIVE, then=Value(0)), default=Value(1))
    return list(enrolments.order_by(active_first, "-id")[:PANEL_ENROLMENTS])


def panel_lead_get(*, tenant: Tenant, lead_id: int) -> Lead:
    """The lead whose sequence panel is shown, with what the panel reads of it."""
    return get_object_or_404(
        Lead.objects.filter(tenant=tenant).select_related("contact", "owner"), pk=lead_id
    )


def panel_contact_get(*, tenant: Tenant, contact_id: int) -> Contact:
    return get_object_or_404(Contact.objects.filter(tenant=tenant), pk=contact_id)
