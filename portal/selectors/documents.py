"""The portal's Documents: what a signed-in customer may see, grouped by job and property.

The rule of what a customer sees is documents.selectors' (shared documents of their contacts and
properties, plus their own uploads). Files leave only through a signed link made for the customer
on each click (documents/downloads.py), so a page left open still works and a copied link is of
no use to anyone else.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext

from documents.downloads import Audience
from documents.models import Document
from documents.selectors import documents as document_selectors
from leads.models import Lead
from portal.auth import PortalCustomer

PER_PAGE = 50


def customer_audience(customer: PortalCustomer) -> Audience:
    """Whom the customer's download links are made for: the contact they are greeted as."""
    return Audience.customer(customer.contacts[0].pk)


@dataclass
class DocumentGroup:
    key: str
    title: str
    job: Lead | None = None
    address: str = ""
    documents: list[Document] = field(default_factory=list)


@dataclass(frozen=True)
class PortalDocuments:
    groups: list[DocumentGroup]
    next_cursor: str | None

    @property
    def is_empty(self) -> bool:
        return not self.groups


def _group_of(document: Document) -> tuple[str, dict]:
    lead = document.lead
    if lead is not None:
        return f"job-{lead.pk}", {
            "title": lead.title or gettext("Job %(reference)s") % {"reference": lead.reference},
            "job": lead,
            "address": document.property.one_line_address if document.property else "",
        }
    if document.property is not None:
        return f"property-{document.property_id}", {"title": document.property.one_line_address}
    return "general", {"title": gettext("Other documents")}


def portal_documents(*, customer: PortalCustomer, after: str | None = None) -> PortalDocuments:
    """A page of the customer's documents, newest first, grouped by job (else property, else
    "other") in the order of each group's newest document. Fixed queries per page."""
    page = document_selectors.documents_for_customer(
        tenant=customer.tenant,
        contact_ids=customer.contact_ids,
        property_ids=customer.property_ids,
        after=after,
        per_page=PER_PAGE,
    )
    groups: dict[str, DocumentGroup] = {}
    for document in page.items:
        key, values = _group_of(document)
        if key not in groups:
            groups[key] = DocumentGroup(key=key, **values)
        groups[key].documents.append(document)
    return PortalDocuments(groups=list(groups.values()), next_cursor=page.next_cursor)


def portal_job_documents(*, customer: PortalCustomer, job: Lead) -> list[Document]:
    """The documents of one of the customer's jobs that they may see (the job page's list),
    newest first: the documents app's own rule, narrowed to the job."""
    may_see = document_selectors._customer_may_see(  # the rule lives in one place
        list(customer.contact_ids), list(customer.property_ids)
    )
    documents = Document.objects.filter(
        tenant=customer.tenant, lead=job, deleted_at__isnull=True
    ).filter(may_see)
    return list(documents.order_by(*document_selectors.ORDER)[:PER_PAGE])


def portal_document_get(*, customer: PortalCustomer, document_id: int) -> Document:
    """One document the customer may see, else 404 (another customer's or tenant's alike)."""
    return document_selectors.document_for_customer_get(
        tenant=customer.tenant,
        document_id=document_id,
        contact_ids=customer.contact_ids,
        property_ids=customer.property_ids,
    )
