"""Merging two contacts (crm.services.merge): the merged contact's sequence enrolments."""

from django.utils import timezone
from django.utils.translation import gettext_noop

from automation.models import EnrolmentStatus, SequenceEnrolment
from crm.privacy import MergeScope


def enrolments_merge(scope: MergeScope) -> None:
    """One active enrolment per sequence, contact and lead: where both contacts are in the same
    sequence, the survivor's goes on and the merged contact's stops (the person would get every
    step twice); the rest move."""
    enrolments = SequenceEnrolment.objects.filter(tenant=scope.tenant)
    active = set(
        enrolments.filter(contact=scope.survivor, status=EnrolmentStatus.ACTIVE).values_list(
            "sequence_id", "lead_id"
        )
    )
    for enrolment in enrolments.filter(contact=scope.merged, status=EnrolmentStatus.ACTIVE):
        if (enrolment.sequence_id, enrolment.lead_id) in active:
            enrolment.status = EnrolmentStatus.STOPPED
            enrolment.stopped_at = timezone.now()
            enrolment.stop_reason = gettext_noop("Contact merged: the survivor is enrolled already")
            enrolment.save(update_fields=["status", "stopped_at", "stop_reason"])
    enrolments.filter(contact=scope.merged).update(contact=scope.survivor)
