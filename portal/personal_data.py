"""What the portal holds on a contact: erasure deletes their portal access (its onboarding,
insurance answers and document requests go with it) and their sign-in challenges; the export
has their access, insurance answers and the documents staff asked them for (see crm.privacy)."""

from django.db.models import Q

from crm.privacy import (
    ExportKind,
    MergeRule,
    PersonalModel,
    register_export_kinds,
    register_merge_rules,
    register_personal_models,
)
from portal.models import DocumentRequest, JobInsurance, PortalAccess, SignInChallenge
from portal.services.contact_merge import portal_access_merge


def _sign_in_challenges(scope):
    """Theirs, and those sent to any of their addresses before the address was theirs."""
    return SignInChallenge.objects.filter(tenant=scope.tenant).filter(
        Q(contact=scope.contact) | Q(address__in=scope.addresses)
    )


register_personal_models(
    PersonalModel("portal.SignInChallenge", "contact", delete=True, rows=_sign_in_challenges),
    PersonalModel("portal.PortalAccess", "contact", delete=True),
    PersonalModel("portal.Onboarding", "access__contact", deleted_with="portal.PortalAccess"),
    PersonalModel("portal.JobInsurance", "access__contact", deleted_with="portal.PortalAccess"),
    PersonalModel("portal.DocumentRequest", "access__contact", deleted_with="portal.PortalAccess"),
)


def _portal_access(subject):
    rows = PortalAccess.objects.filter(tenant=subject.tenant, contact_id__in=subject.contact_ids)
    for access in rows.order_by("contact_id"):
        yield (
            access.contact_id,
            access.email,
            str(access.phone or ""),
            access.invited_at,
            access.first_signed_in_at,
            access.last_signed_in_at,
        )


def _insurance(subject):
    rows = JobInsurance.objects.filter(
        tenant=subject.tenant, access__contact_id__in=subject.contact_ids
    ).select_related("lead")
    for answer in rows.order_by("lead_id"):
        yield (
            answer.lead.reference,
            answer.is_claim,
            answer.carrier,
            answer.claim_number,
            answer.updated_at,
        )


def _document_requests(subject):
    rows = DocumentRequest.objects.filter(
        tenant=subject.tenant, access__contact_id__in=subject.contact_ids
    )
    for request in rows.order_by("requested_at", "id"):
        yield (request.get_kind_display(), request.note, request.requested_at)


register_export_kinds(
    ExportKind(
        "portal_access",
        ("contact_id", "email", "phone", "invited", "first_signed_in", "last_signed_in"),
        _portal_access,
    ),
    ExportKind("insurance", ("job", "is_claim", "carrier", "claim_number", "updated"), _insurance),
    ExportKind("document_requests", ("kind", "note", "requested"), _document_requests),
)


register_merge_rules(MergeRule("portal.PortalAccess", "contact", portal_access_merge))
