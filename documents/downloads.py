"""Short-lived signed download links, each bound to one document and one requester.

A link carries the document, its tenant and its audience (a staff membership, a REST API key, or
a portal customer's contact) under a TimestampSigner signature that lasts LINK_MAX_AGE. The view that
serves it checks the signature, the age, the tenant and that the person asking is the audience,
then streams the file as an attachment that is never cached and never sniffed. A link copied into
a chat, a proxy log or a browser history is of no use to anyone else, and not for long.

Staff links are served by documents:download; customer links by the portal's own view, which
checks the customer's session and what they may see; links made for a REST API key by the API,
which checks that key (each provides its link: CUSTOMER_DOWNLOAD, API_DOWNLOAD).
"""

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from crm.kit.links import Link
from crm.models import Membership, Tenant
from documents.models import Document

LINK_MAX_AGE = dt.timedelta(minutes=5)
SALT = "documents.download"
# Customer and API links are served by the apps above documents, which provide them.
CUSTOMER_DOWNLOAD = Link("the portal's document download")
API_DOWNLOAD = Link("the REST API's document download")
DOWNLOAD_LINKS = {"customer": CUSTOMER_DOWNLOAD, "api": API_DOWNLOAD}


@dataclass(frozen=True)
class Audience:
    """Who a link is for: a staff member (their membership) or a portal customer (their contact)."""

    kind: str
    id: int

    @classmethod
    def staff(cls, membership: Membership) -> "Audience":
        return cls("staff", membership.pk)

    @classmethod
    def customer(cls, contact_id: int) -> "Audience":
        return cls("customer", contact_id)

    @classmethod
    def api_key(cls, api_key_id: int) -> "Audience":
        """A REST API key: the link opens only with that key (served by the API)."""
        return cls("api", api_key_id)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


class DownloadLinkExpired(Exception):
    """The link is older than LINK_MAX_AGE: opening the document again makes a fresh one."""


def document_download_token(document: Document, *, audience: Audience) -> str:
    payload = {"d": document.pk, "t": document.tenant_id, "a": audience.key}
    return signing.TimestampSigner(salt=SALT).sign_object(payload)


def document_download_url(document: Document, *, audience: Audience) -> str:
    token = document_download_token(document, audience=audience)
    if audience.kind == "staff":
        return reverse("documents:download", kwargs={"token": token})
    link = DOWNLOAD_LINKS[audience.kind]
    if not link.provided:
        raise LookupError(f"No installed app serves {link.what}.")
    return link.path(token=token)


def document_link_open(token: str, *, tenant: Tenant, audience: Audience) -> int:
    """The id of the document a link names, once its signature, age, tenant and audience hold.

    Raises DownloadLinkExpired (say so, and how to get a new one), Http404 for a link that is not
    ours or names another tenant, PermissionDenied for a link made for someone else.
    """
    try:
        grant = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as expired:
        raise DownloadLinkExpired from expired
    except signing.BadSignature as forged:
        raise Http404("No such download link.") from forged
    if not isinstance(grant, dict) or grant.get("t") != tenant.pk:
        raise Http404("No such download link.")
    if grant.get("a") != audience.key:
        raise PermissionDenied("This download link was made for someone else.")
    document_id = grant.get("d")
    if not isinstance(document_id, int):
        raise Http404("No such download link.")
    return document_id


def document_file_response(document: Document) -> FileResponse:
    """The file from private storage, always as a download under its sanitised name."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is no longer stored.") from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Referrer-Policy"] = "no-referrer"
    return response
