"""Reads of erasure requests."""

from crm.models import Contact, ErasureRequest, ErasureStatus, Tenant


def open_erasure_request(*, tenant: Tenant, contact: Contact) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(
        tenant=tenant, contact=contact, status=ErasureStatus.OPEN
    ).first()
