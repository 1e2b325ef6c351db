"""Every read of documents: tenant first, deleted ones left out, newest first, keyset-paged."""

from collections.abc import Collection

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from crm.models import Contact, Tenant
from crm.pagination import KeysetPage, keyset_page
from documents.models import Document
from leads.models import Lead

ORDER = ("-created_at", "-id")
PER_PAGE = 25


def _present(*, tenant: Tenant) -> QuerySet[Document]:
    return Document.objects.filter(tenant=tenant, deleted_at__isnull=True).select_related(
        "uploaded_by__user", "uploaded_by_contact"
    )


def documents_for_lead(
    *, tenant: Tenant, lead: Lead, after: str | None = None, per_page: int = PER_PAGE
) -> KeysetPage:
    documents = _present(tenant=tenant).filter(lead=lead)
    return keyset_page(documents, order=ORDER, after=after, per_page=per_page)


def documents_for_contact(
    *, tenant: Tenant, contact: Contact, after: str | None = None, per_page: int = PER_PAGE
) -> KeysetPage:
    """All of a contact's documents, their jobs' included (each row names its job)."""
    documents = _present(tenant=tenant).filter(contact=contact).select_related("lead")
    return keyset_page(documents, order=ORDER, after=after, per_page=per_page)


def _customer_may_see(contact_ids: Collection[int], property_ids: Collection[int]) -> Q:
    """Shared documents of the customer's contacts and properties, and whatever they uploaded."""
    theirs = Q(contact_id__in=contact_ids) | Q(property_id__in=property_ids)
    return (Q(visible_to_customer=True) & theirs) | Q(uploaded_by_contact_id__in=contact_ids)


def documents_for_customer(
    *,
    tenant: Tenant,
    contact_ids: Collection[int],
    property_ids: Collection[int],
    after: str | None = None,
    per_page: int = 50,
) -> KeysetPage:
    """What a portal customer sees: documents shared with them on their contacts and properties,
    plus their own uploads (shared or not)."""
    documents = (
        _present(tenant=tenant)
        .filter(_customer_may_see(list(contact_ids), list(property_ids)))
        .select_related("lead", "property")
    )
    return keyset_page(documents, order=ORDER, after=after, per_page=per_page)


def document_get(*, tenant: Tenant, document_id: int) -> Document:
    """One document for staff (any member of the tenant); 404 once deleted."""
    return get_object_or_404(
        _present(tenant=tenant).select_related("contact", "lead", "property"), pk=document_id
    )


def document_for_customer_get(
    *,
    tenant: Tenant,
    document_id: int,
    contact_ids: Collection[int],
    property_ids: Collection[int],
) -> Document:
    """One document a portal customer may see (the rule of documents_for_customer); else 404."""
    documents = _present(tenant=tenant).filter(
        _customer_may_see(list(contact_ids), list(property_ids))
    )
    return get_object_or_404(documents, pk=document_id)
