"""Merging two contacts (crm.services.merge): the merged contact's neglect flags."""

from django.utils import timezone

from crm.privacy import MergeScope
from followups.models import NeglectFlag


def neglect_flags_merge(scope: MergeScope) -> None:
    """One open flag per contact and lead: an open flag of the merged contact for a lead (or for
    the contact itself) that the survivor is already flagged for is cleared; the rest move."""
    flags = NeglectFlag.objects.filter(tenant=scope.tenant)
    flagged = set(
        flags.filter(contact=scope.survivor, cleared_at__isnull=True).values_list(
            "lead_id", flat=True
        )
    )
    for flag in flags.filter(contact=scope.merged, cleared_at__isnull=True):
        if flag.lead_id in flagged:
            flag.cleared_at = timezone.now()
            flag.save(update_fields=["cleared_at"])
    flags.filter(contact=scope.merged).update(contact=scope.survivor)
