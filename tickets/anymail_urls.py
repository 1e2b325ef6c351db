"""Anymail's webhook URLs (inbound and tracking), hardened in three ways.

- A webhook of an ESP that is not configured here answers 404. anymail mounts a webhook for every
  ESP it knows and reads that ESP's credentials when a request arrives, so a POST to one we don't
  use would raise ImproperlyConfigured: a 500 for anyone probing the URL.
- An inbound post that passed the ESP's authentication but that anymail cannot parse (seen:
  Postmark JSON with an empty From address, a line break in the Subject, an empty attachment) is
  shown, once however often the ESP retries it, in the Inbound log of the tenant it was addressed
  to (else kept for the platform's operators), and answered 200. A 500 would make the ESP retry
  the same post until it gave up, and the customer's message would be lost with it.
- An inbound post is spooled to disk as it is read, so a message of any size the ESPs deliver
  (Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB, everywhere else) is taken in.
  One over INBOUND_EMAIL_MAX_POST_BYTES is threaded from the headers at its start and shown as
  too large, once its basic auth checks out.
A configured ESP's well-formed webhook runs unchanged, its signature or basic-auth check included.
"""

import email.parser
import email.policy
import functools
import io
import logging
import tempfile

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import inbound
from anymail.webhooks.base import AnymailBasicAuthMixin
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound, QueryDict
from django.urls import URLPattern
from django.utils.datastructures import MultiValueDict

from tickets.models import EventProvider
from tickets.services.ingest_unreadable import email_too_large_store, email_unreadable_store

logger = logging.getLogger(__name__)


def _refuse_when_not_configured(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImproperlyConfigured as error:
            logger.warning("anymail webhook %s is not configured: %s", request.path, error)
            return HttpResponseNotFound("This webhook is not configured.")

    return wrapped


def _provider(esp_name: str) -> str:
    name = esp_name.lower().replace(" ", "_")
    return name if name in EventProvider.values else EventProvider.EMAIL_OTHER


def _parse_or_keep_raw(self, request):
    """anymail's parse_events; a post it cannot parse is shown in the Inbound log of the tenant
    it was addressed to (else kept for the platform's operators) and yields no event."""
    try:
        return super(type(self), self).parse_events(request)
    except (DatabaseError, ImproperlyConfigured):
        raise
    except Exception as error:
        logger.exception("anymail could not parse an inbound %s post; kept raw", self.esp_name)
        email_unreadable_store(
            provider=_provider(self.esp_name),
            post=request.body,
            content_type=request.META.get("CONTENT_TYPE", ""),
            reason=f"{self.esp_name} post could not be read: {type(error).__name__}: {error}",
        )
        return []


CHUNK_BYTES = 64 * 1024


def _spooled(request, limit: int):
    """The request's body copied to a temporary file (on disk past 1 MB), and its size; reading
    stops once past `limit` (or at once when the declared length is already past it)."""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 the caller closes it
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    size = 0
    while chunk := request.read(CHUNK_BYTES):
        spool.write(chunk)
        size += len(chunk)
        if size > limit or (declared > limit and size >= settings.INBOUND_EMAIL_HEAD_BYTES):
            return spool, max(size, declared), True
    spool.seek(0)
    return spool, size, False


def _form_of(content_type: str, body: bytes, encoding: str) -> tuple[QueryDict, MultiValueDict]:
    """A multipart form parsed without Django's in-memory limit on a field (Mailgun's body-mime
    and SendGrid's raw email are fields, not files)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    post, files = QueryDict(mutable=True, encoding=encoding), MultiValueDict()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            post.appendlist(name, data.decode(encoding, "replace"))
        else:
            files.appendlist(name, SimpleUploadedFile(filename, data, part.get_content_type()))
    post._mutable = False
    return post, files


def _take_in_large_posts(view, esp_name: str, view_initkwargs: dict):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        spool, size, too_large = _spooled(request, settings.INBOUND_EMAIL_MAX_POST_BYTES)
        with spool:
            if too_large:
                return _too_large(request, spool, size, esp_name, view_initkwargs)
            body = spool.read()
        request._body = body
        request._stream = io.BytesIO(body)
        if request.content_type == "multipart/form-data":
            request._post, request._files = _form_of(
                request.META.get("CONTENT_TYPE", ""), body, request.encoding or "utf-8"
            )
        return view(request, *args, **kwargs)

    return wrapped


class _BasicAuth(AnymailBasicAuthMixin):
    esp_name = "inbound email"  # named in the refusal's message
    warn_if_no_basic_auth = False  # a too-large post without basic auth is refused instead


def _too_large(request, spool, size: int, esp_name: str, view_initkwargs: dict):
    """Only the post's start was read, so only the webhook's basic auth can be checked (a
    signature covers the whole post): without one configured it is refused, with 413."""
    checker = _BasicAuth(**view_initkwargs)
    if not checker.basic_auth:
        logger.error("an inbound %s post of %s bytes refused: too large to check", esp_name, size)
        return HttpResponse("Too large.", status=413)
    try:
        checker.validate_request(request)
    except AnymailWebhookValidationFailure:
        return HttpResponseForbidden()
    spool.seek(0)
    email_too_large_store(
        provider=_provider(esp_name),
        head=spool.read(settings.INBOUND_EMAIL_HEAD_BYTES),
        size=size,
    )
    logger.warning("an inbound %s post of %s bytes kept as too large", esp_name, size)
    return HttpResponse()


def _view(pattern: URLPattern):
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and view_class.signal is inbound:
        guarded = type(
            f"KeepUnparseable{view_class.__name__}",
            (view_class,),
            {"parse_events": _parse_or_keep_raw},
        )
        callback = _take_in_large_posts(
            guarded.as_view(**callback.view_initkwargs),
            view_class.esp_name,
            callback.view_initkwargs,
        )
    return _refuse_when_not_configured(callback)


urlpatterns = [
    URLPattern(pattern.pattern, _view(pattern), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
]
app_name = anymail_urls.app_name
