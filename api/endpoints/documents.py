"""Documents: metadata, uploads (checked as the pages check them: documents.validation), and
short-lived signed download links bound to the calling key (documents.downloads: a link copied
elsewhere opens for nobody else, and not for long)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from api.lookups import named_in_body
from api.schemas import MAX_LIMIT, READ_ERRORS, WRITE_ERRORS, Body, Problem
from crm.selectors.contacts import contact_get
from crm.selectors.members import membership_of
from documents.downloads import (
    LINK_MAX_AGE,
    Audience,
    DownloadLinkExpired,
    document_download_url,
    document_file_response,
    document_link_open,
)
from documents.models import DocumentKind
from documents.selectors.documents import document_get, documents_for_contact, documents_for_lead
from documents.services.documents import document_upload
from documents.validation import ACCEPTED_SUMMARY
from leads.selectors.lists import lead_get

router = Router()


class DocumentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    kind: DocumentKind
    contact_id: int
    lead_id: int | None
    property_id: int | None
    visible_to_customer: bool
    created_at: dt.datetime


class DocumentDetailOut(DocumentOut):
    download_url: str = Field(
        description="Opens with this same key only, for a few minutes: fetch it with the "
        "Authorization header. Read the document again for a fresh one."
    )
    download_expires_at: dt.datetime


class DocumentPage(Schema):
    results: list[DocumentOut]
    next_cursor: str | None


class DocumentListParams(Schema):
    contact: int | None = Field(None, description="A contact's documents, their jobs' included.")
    lead: int | None = Field(None, description="A lead's documents. Give contact or lead.")
    cursor: str | None = None
    limit: int = Query(25, ge=1, le=MAX_LIMIT)


@router.get("", response={200: DocumentPage, **READ_ERRORS}, summary="List documents")
def document_index(request, params: Query[DocumentListParams]):
    tenant = request.tenant
    lead_id, contact_id = params.lead, params.contact
    if lead_id:
        lead = named_in_body(lambda: lead_get(tenant=tenant, lead_id=lead_id), "lead")
        keyset = documents_for_lead(
            tenant=tenant, lead=lead, after=params.cursor, per_page=params.limit
        )
    elif contact_id:
        contact = named_in_body(
            lambda: contact_get(tenant=tenant, contact_id=contact_id), "contact"
        )
        keyset = documents_for_contact(
            tenant=tenant, contact=contact, after=params.cursor, per_page=params.limit
        )
    else:
        raise ValidationError({"contact": [_("Give a contact or a lead.")]})
    return {"results": keyset.items, "next_cursor": keyset.next_cursor}


class DocumentIn(Body):
    kind: DocumentKind
    visible_to_customer: bool = Field(False, description="Shown in the customer's portal.")
    contact_id: int | None = Field(
        None, description="The contact's documents: give this or lead_id."
    )
    lead_id: int | None = Field(
        None, description="A job's: its contact's too, with the job's property."
    )
    property_id: int | None = Field(
        None, description="One of the contact's properties; empty: the job's, or none."
    )


@router.post(
    "",
    response={201: DocumentOut, **WRITE_ERRORS},
    summary="Upload a document",
    description=(
        "Multipart: the file and its fields, checked as on the lead and contact pages: "
        f"{ACCEPTED_SUMMARY}, up to DOCUMENT_MAX_UPLOAD_BYTES (20 MB unless the server says "
        "otherwise), known by their content, not their name. A file refused is a 422 on `file`. "
        "Download it through the signed link `GET /documents/{id}` gives."
    ),
)
def document_new(request, payload: Form[DocumentIn], file: File[UploadedFile]):
    tenant = request.tenant
    uploader = membership_of(tenant=tenant, user=request.actor)
    if uploader is None:
        raise PermissionDenied(_("The person who made this key has left the team: make a new key."))
    lead_id, contact_id = payload.lead_id, payload.contact_id
    lead = (
        named_in_body(lambda: lead_get(tenant=tenant, lead_id=lead_id), "lead_id")
        if lead_id
        else None
    )
    if contact_id:
        contact = named_in_body(
            lambda: contact_get(tenant=tenant, contact_id=contact_id), "contact_id"
        )
        if lead is not None and lead.contact_id != contact.pk:
            raise ValidationError({"lead_id": [_("Give a lead of this contact.")]})
    elif lead is not None:
        contact = contact_get(tenant=tenant, contact_id=lead.contact_id)
    else:
        raise ValidationError({"contact_id": [_("Give a contact or a lead.")]})
    place = None
    if payload.property_id:
        # The contact page offers the contact's own properties.
        places = {link.property_id: link.property for link in contact.property_links.all()}
        place = places.get(payload.property_id)
        if place is None:
            raise ValidationError({"property_id": [_("Not found.")]})
    try:
        document = document_upload(
            tenant=tenant,
            file=file,
            contact=contact,
            lead=lead,
            property=place,
            kind=payload.kind,
            visible_to_customer=payload.visible_to_customer,
            actor=uploader,
        )
    except ValidationError as refused:
        raise ValidationError({"file": refused.messages}) from None
    return Status(201, document_get(tenant=tenant, document_id=document.pk))


@router.get("{document_id}", response={200: DocumentDetailOut, **READ_ERRORS}, summary="Get one")
def document_detail(request, document_id: int):
    document = document_get(tenant=request.tenant, document_id=document_id)
    return DocumentDetailOut(
        **DocumentOut.from_orm(document).model_dump(),
        download_url=request.build_absolute_uri(
            document_download_url(document, audience=Audience.api_key(request.api_key.pk))
        ),
        download_expires_at=timezone.now() + LINK_MAX_AGE,
    )


@router.get(
    "download/{token}",
    response={200: None, 410: Problem, **READ_ERRORS},
    url_name="document-download",
    summary="Download a document",
)
def document_download(request, token: str):
    """The file, from a link `GET /documents/{id}` gave this key."""
    tenant = request.tenant
    try:
        document_id = document_link_open(
            token, tenant=tenant, audience=Audience.api_key(request.api_key.pk)
        )
    except DownloadLinkExpired:
        return 410, {"detail": _("This link has expired: read the document again for a new one.")}
    return document_file_response(document_get(tenant=tenant, document_id=document_id))
