"""Merging two contacts (crm.services.merge): the merged contact's way into the portal."""

from crm.privacy import MergeScope
from crm.services.merge import one_per_contact_pair
from portal.models import DocumentRequest, JobInsurance, Onboarding, PortalAccess


def portal_access_merge(scope: MergeScope) -> None:
    """One portal access per contact. Without one of its own the survivor takes the merged
    contact's; otherwise the survivor's keeps the earliest invitation and first visit and the
    latest visit, and takes the merged access's job insurance answers, document requests of a
    kind it was not asked for, and its checklist if it had none."""
    pair = one_per_contact_pair(PortalAccess.objects.filter(tenant=scope.tenant), scope)
    if pair is None:
        return
    own, theirs = pair
    for name, pick in (
        ("invited_at", min),
        ("first_signed_in_at", min),
        ("last_signed_in_at", max),
    ):
        moments = [at for at in (getattr(own, name), getattr(theirs, name)) if at]
        setattr(own, name, pick(moments) if moments else None)
    if own.invited_by_id is None:
        own.invited_by_id = theirs.invited_by_id
    own.email = own.email or theirs.email
    own.phone = own.phone or theirs.phone
    own.save()
    JobInsurance.objects.filter(tenant=scope.tenant, access=theirs).update(access=own)
    asked = DocumentRequest.objects.filter(tenant=scope.tenant, access=own).values("kind")
    DocumentRequest.objects.filter(tenant=scope.tenant, access=theirs).exclude(
        kind__in=asked
    ).update(access=own)
    if not Onboarding.objects.filter(tenant=scope.tenant, access=own).exists():
        Onboarding.objects.filter(tenant=scope.tenant, access=theirs).update(access=own)
    theirs.delete()  # its remaining duplicates (a second checklist, a request asked twice) go
