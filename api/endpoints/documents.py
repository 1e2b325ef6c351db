"""Documents: metadata, and short-lived signed download links bound to the calling key
(documents.downloads: a link copied elsewhere opens for nobody else, and not for long)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from api.lookups import named_in_body
from api.schemas import MAX_LIMIT, READ_ERRORS, Problem
from crm.selectors.contacts import contact_get
from documents.downloads import (
    LINK_MAX_AGE,
    Audience,
    DownloadLinkExpired,
    document_download_url,
    document_file_response,
    document_link_open,
)
from documents.selectors.documents import document_get, documents_for_contact, documents_for_lead
from leads.selectors.lists import lead_get

router = Router()


class DocumentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    kind: str
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
    if params.lead:
        lead = named_in_body(lambda: lead_get(tenant=tenant, lead_id=params.lead), "lead")
        keyset = documents_for_lead(
            tenant=tenant, lead=lead, after=params.cursor, per_page=params.limit
        )
    elif params.contact:
        contact = named_in_body(
            lambda: contact_get(tenant=tenant, contact_id=params.contact), "contact"
        )
        keyset = documents_for_contact(
            tenant=tenant, contact=contact, after=params.cursor, per_page=params.limit
        )
    else:
        raise ValidationError({"contact": [_("Give a contact or a lead.")]})
    return {"results": keyset.items, "next_cursor": keyset.next_cursor}


@router.get("{document_id}", response={200: DocumentDetailOut, **READ_ERRORS}, summary="Get one")
def document_detail(request, document_id: int):
    document = document_get(tenant=request.tenant, document_id=document_id)
    document.download_url = request.build_absolute_uri(
        document_download_url(document, audience=Audience.api_key(request.api_key.pk))
    )
    document.download_expires_at = timezone.now() + LINK_MAX_AGE
    return document


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
