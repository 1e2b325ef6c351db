"""The portal's Documents: what a signed-in customer may see, grouped by job and property, and
what they upload themselves.

The rule of what a customer sees is documents.selectors' (shared documents of their contacts and
properties, plus their own uploads). Files leave only through a signed link made for the customer
on each click (documents/downloads.py), so a page left open still works and a copied link is of
no use to anyone else. An upload goes through documents.services.documents.document_upload like a staff one:
checked by its content, stored privately, on the job's timeline and the job owner's bell.
"""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from documents.downloads import Audience
from documents.forms import upload_file_field
from documents.models import Document, DocumentKind
from documents.selectors import documents as document_selectors
from documents.services import documents as document_services
from documents.validation import ACCEPTED_SUMMARY, max_upload_bytes
from leads.models import Lead
from portal.auth import PortalCustomer
from portal.selectors import portal_jobs

PER_PAGE = 50
# What a customer may call their upload; quotes, invoices and warranties come from the team.
CUSTOMER_KINDS = (
    DocumentKind.PHOTO,
    DocumentKind.INSURANCE,
    DocumentKind.SIGNED_FORM,
    DocumentKind.OTHER,
)
CUSTOMER_KIND_CHOICES = [(kind.value, kind.label) for kind in CUSTOMER_KINDS]


def customer_audience(customer: PortalCustomer) -> Audience:
    """Whom the customer's download links are made for: the contact they are greeted as."""
    return Audience.customer(customer.contacts[0].pk)


# --- Reads -------------------------------------------------------------------------------------------


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
    if document.lead_id is not None:
        lead = document.lead
        return f"job-{lead.pk}", {
            "title": lead.title or f"Job {lead.reference}",
            "job": lead,
            "address": document.property.one_line_address if document.property else "",
        }
    if document.property_id is not None:
        return f"property-{document.property_id}", {"title": document.property.one_line_address}
    return "general", {"title": "Other documents"}


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


# --- Upload ------------------------------------------------------------------------------------------


class PortalUploadForm(forms.Form):
    job = forms.ModelChoiceField(
        label="Which job is it for?",
        queryset=Lead.unscoped.none(),
        required=False,
        empty_label="None in particular",
    )
    kind = forms.ChoiceField(label="What is it?", choices=CUSTOMER_KIND_CHOICES)
    file = upload_file_field()

    def __init__(self, *args, customer: PortalCustomer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = portal_jobs(customer).order_by("-created_at", "-id")
        self.fields["job"].label_from_instance = lambda lead: (
            f"{lead.title} ({lead.reference})" if lead.title else f"Job {lead.reference}"
        )
        limit = filesizeformat(max_upload_bytes())
        self.fields["file"].help_text = f"{ACCEPTED_SUMMARY}, up to {limit}."


def upload_form(customer: PortalCustomer, data=None, files=None, *, job=None, kind=None):
    initial = {}
    if job is not None:
        initial["job"] = job.pk
    if kind in dict(CUSTOMER_KIND_CHOICES):
        initial["kind"] = kind
    return PortalUploadForm(data, files, customer=customer, initial=initial)


def portal_document_upload(*, customer: PortalCustomer, form: PortalUploadForm) -> Document | None:
    """Store the upload of a valid form; a refusal of the file (its size, its content, its name)
    lands on the form's file field with the reason, and nothing is stored."""
    data = form.cleaned_data
    job: Lead | None = data["job"]
    # A job's documents belong to its contact; the customer may be another contact on the
    # job's property (a property manager), and is recorded as the uploader either way.
    uploader = next(
        (contact for contact in customer.contacts if job and contact.pk == job.contact_id),
        customer.contacts[0],
    )
    try:
        return document_services.document_upload(
            tenant=customer.tenant,
            file=data["file"],
            contact=job.contact if job is not None else uploader,
            lead=job,
            kind=data["kind"],
            visible_to_customer=True,
            uploaded_by_contact=uploader,
        )
    except ValidationError as refused:
        form.add_error("file", refused)
        return None
