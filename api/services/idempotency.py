"""Idempotency keys on POSTs: a client that is not sure its request arrived (a timeout, a
dropped connection) sends it again with the same ``Idempotency-Key`` and gets the first answer,
with nothing done twice.

The key is claimed before the operation runs (a row with no answer yet), in the request's own
transaction: a second request with the same key waits on that row until the first commits, then
replays its answer; if the first rolled back (a 5xx), the key is free again."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from api.models import ApiKey, IdempotentRequest
from crm.models import Tenant

IDEMPOTENCY_KEEP = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _body_parts(request: HttpRequest):
    """The body as the fingerprint reads it. An upload is read as its fields and its files'
    names and contents, parsed: Django keeps a multipart body out of memory (it may be larger
    than DATA_UPLOAD_MAX_MEMORY_SIZE, which reading ``request.body`` refuses)."""
    if not (request.content_type or "").startswith("multipart/"):
        yield request.body
        return
    for name, values in sorted(request.POST.lists()):
        yield name
        yield from values
    for name, uploads in sorted(request.FILES.lists()):
        yield name
        for upload in uploads:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            yield upload.name or ""
            yield content.hexdigest()


def request_fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), *_body_parts(request)):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """What to do with a request that carries a key: run it (``record`` holds the claim), replay
    an earlier answer, or refuse it (``conflict``: the key was used for another request, or its
    first request is still running)."""

    record: IdempotentRequest | None = None
    replay: IdempotentRequest | None = None
    conflict: str = ""


def idempotency_claim(
    *, tenant: Tenant, api_key: ApiKey, key: str, fingerprint: str, now: dt.datetime | None = None
) -> Claim:
    now = now or timezone.now()
    IdempotentRequest.objects.filter(tenant=tenant, api_key=api_key, expires_at__lte=now).delete()
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                tenant=tenant,
                api_key=api_key,
                key=key,
                fingerprint=fingerprint,
                expires_at=now + IDEMPOTENCY_KEEP,
            )
        return Claim(record=record)
    except IntegrityError:
        pass
    earlier = IdempotentRequest.objects.get(tenant=tenant, api_key=api_key, key=key)
    if earlier.fingerprint != fingerprint:
        return Claim(conflict="reused")
    if earlier.status_code is None:
        return Claim(conflict="running")
    return Claim(replay=earlier)


def idempotency_purge_expired(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Forget the tenant's keys past IDEMPOTENCY_KEEP, whichever API key sent them (a claim only
    clears its own API key's, so the keys of one that stopped calling would stay for ever); how
    many went."""
    deleted, _by_model = IdempotentRequest.objects.filter(
        tenant=tenant, expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def idempotency_answer(*, tenant: Tenant, record: IdempotentRequest, response: HttpResponse):
    """Keep the answer for the key's repeats (a 5xx rolls back the claim instead)."""
    record.status_code = response.status_code
    record.body = response.content.decode()
    record.save(update_fields=["status_code", "body"])
