"""How an API request becomes a tenant's request: the bearer key names the tenant, and the
operation runs in that tenant's context with row-level security, as a page request does.

A page request gets its transaction and tenant from crm.middleware.TenantMiddleware, which reads
the session; an API request has no session, so ``run_as_key_holder`` does the same for it around
each operation: one transaction, ``app.tenant_id`` set in it (wall 2) and the tenant context
variable (wall 1), the tenant's time zone, and the audit trail's context (who acted, through
which key). A 5xx answer rolls the transaction back.
"""

import datetime as dt
import functools
import json
import time
from collections.abc import Iterable

import pghistory
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from api.selectors.keys import api_key_presented, tenant_holding_key
from api.services.idempotency import (
    MAX_KEY_LENGTH,
    idempotency_answer,
    idempotency_claim,
    request_fingerprint,
)
from api.services.keys import api_key_note_use, key_parts
from crm.auth import client_ip
from crm.kit.conflicts import conflicts_retried
from crm.logging import bind_log_context, log_context
from crm.ratelimit import hits, over_limit
from crm.tenancy import tenant_context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NON_FIELD = "__all__"


def _presented(request: HttpRequest) -> tuple[str, str] | None:
    scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return key_parts(key.strip())


def _window(seconds: int) -> tuple[int, int]:
    """The current fixed window of this length: its number, and the seconds left in it."""
    now = time.time()
    window = int(now // seconds)
    return window, max(1, int((window + 1) * seconds - now + 0.999))


def _rate_limited(api_key) -> int | None:
    """Seconds until the key may call again, once it has used up its window's requests."""
    limit, seconds = settings.THREADLINE_API_RATE_LIMIT
    window, left = _window(seconds)
    if not over_limit(f"api-rate:{api_key.pk}:{window}", limit, dt.timedelta(seconds=seconds)):
        return None
    return left


def _failures_key(request: HttpRequest, seconds: int) -> tuple[str, int]:
    window, left = _window(seconds)
    return f"api-auth-failed:{client_ip(request)}:{window}", left


def _client_refused(request: HttpRequest) -> int | None:
    """Seconds until this client address may present a key again, once it has presented
    THREADLINE_API_FAILED_AUTH_LIMIT keys in its window that opened nothing: a client guessing
    keys is stopped whichever keys or tenants it tries. A good key from that address waits too,
    or the guesser would learn which guess was right."""
    limit, seconds = settings.THREADLINE_API_FAILED_AUTH_LIMIT
    key, left = _failures_key(request, seconds)
    return left if hits(key) >= limit else None


def _authentication_failed(request: HttpRequest) -> None:
    limit, seconds = settings.THREADLINE_API_FAILED_AUTH_LIMIT
    key, _left = _failures_key(request, seconds)
    over_limit(key, limit, dt.timedelta(seconds=seconds))


def _too_many(detail: str, retry_after: int) -> JsonResponse:
    response = _problem(429, detail)
    response["Retry-After"] = str(retry_after)
    return response


def _problem(status: int, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


# Deeper than any body of ours (a quote's lines are three levels down): a client's mistake
# or an attack, and each level costs the decoder and the validators a stack frame.
MAX_BODY_DEPTH = 32


class BodyTooDeep(Exception):
    pass


def _nul_in(body) -> str | None:
    """The path of the first string holding NUL in a decoded JSON body (PostgreSQL stores none).
    Walked with a stack, not by recursion: a body nested deeper than MAX_BODY_DEPTH raises
    BodyTooDeep."""
    pending = [(body, "", 0)]
    items: Iterable[tuple[object, object]]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or NON_FIELD
            continue
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        if depth >= MAX_BODY_DEPTH:
            raise BodyTooDeep
        for name, item in reversed(list(items)):
            pending.append((item, f"{path}.{name}" if path else str(name), depth + 1))
    return None


def _body_refused(request) -> JsonResponse | None:
    # An upload's fields are a form's, and its body may be too large to read whole.
    if request.method in SAFE_METHODS or request.content_type.startswith("multipart/"):
        return None
    if not request.body:
        return None
    too_deep = _problem(
        400,
        _("The JSON body is nested more than %(most)d levels deep.") % {"most": MAX_BODY_DEPTH},
    )
    try:
        body = json.loads(request.body)
    except RecursionError:
        return too_deep
    except ValueError:
        return None  # not JSON: the operation answers 422 itself
    try:
        field = _nul_in(body)
    except BodyTooDeep:
        return too_deep
    if field is None:
        return None
    return _problem(
        422,
        _("Some fields are not valid."),
        errors={field: [_("No field accepts a NUL character.")]},
    )


def _run_once(run, request, args, kwargs):
    """Run the operation; a POST with an Idempotency-Key runs once per key and request."""
    refused = _body_refused(request)
    if refused is not None:
        return refused
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or key is None:
        return run(request, *args, **kwargs)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        message = _("Give a key of 1 to %(most)d characters.") % {"most": MAX_KEY_LENGTH}
        return _problem(
            422, _("The Idempotency-Key is not valid."), errors={"Idempotency-Key": [message]}
        )
    claim = idempotency_claim(
        tenant=request.tenant,
        api_key=request.api_key,
        key=key,
        fingerprint=request_fingerprint(request),
    )
    if claim.conflict == "reused":
        return _problem(
            422,
            _("This Idempotency-Key was used for another request: use a new key."),
            errors={"Idempotency-Key": [_("Already used for another request.")]},
        )
    if claim.conflict == "running":
        return _problem(409, _("A request with this Idempotency-Key is still running."))
    if claim.replay is not None:
        response = HttpResponse(
            claim.replay.body, status=claim.replay.status_code, content_type="application/json"
        )
        response["Idempotent-Replayed"] = "true"
        return response
    if claim.record is None:  # every claim without its record was answered above
        raise RuntimeError(f"An idempotency claim with neither record nor answer: {claim}")
    response = run(request, *args, **kwargs)
    if response.status_code < 500:
        idempotency_answer(tenant=request.tenant, record=claim.record, response=response)
    return response


def run_as_key_holder(run):
    """Wraps every operation (ninja's ``add_decorator(mode="view")``, before its own checks).

    A request with no key, or a key that is not an active one, goes on with no ``api_key``:
    the operation's auth answers 401. Each key that opens nothing counts against the client's
    address; past its limit, every request from there that sends a key is refused (429)."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        request.api_key = None

        def refused():
            _authentication_failed(request)
            return run(request, *args, **kwargs)

        if not request.headers.get("Authorization"):
            return run(request, *args, **kwargs)  # nothing guessed: 401, uncounted
        retry_after = _client_refused(request)
        if retry_after is not None:
            return _too_many(
                _("Too many requests with keys that are not valid: wait and try again."),
                retry_after,
            )
        presented = _presented(request)
        if presented is None:
            return refused()
        prefix, secret_hash = presented
        tries = 0

        def attempt(final: bool):
            nonlocal tries
            tries += 1
            request.conflict_retryable = not final
            with transaction.atomic():
                tenant = tenant_holding_key(prefix=prefix, secret_hash=secret_hash)
                if tenant is None:
                    return refused()
                with tenant_context(tenant), timezone.override(tenant.zone):
                    api_key = api_key_presented(
                        tenant=tenant, prefix=prefix, secret_hash=secret_hash
                    )
                    if api_key is None:
                        return refused()
                    if not api_key.creator_holds:
                        # A real key (not a guess): its creator's rights no longer include it.
                        return _problem(
                            403,
                            _(
                                "The person who created this key is no longer an admin of this "
                                "team, so the key no longer works: an admin can create a new one."
                            ),
                        )
                    # A retry is the same request: it counts once.
                    retry_after = _rate_limited(api_key) if tries == 1 else None
                    if retry_after is not None:
                        return _too_many(
                            _("Too many requests with this key: wait and try again."), retry_after
                        )
                    api_key_note_use(tenant=tenant, api_key=api_key)
                    request.api_key = api_key
                    request.tenant = tenant
                    request.actor = api_key.created_by
                    token = bind_log_context(tenant=tenant.slug, api_key=api_key.prefix)
                    try:
                        with pghistory.context(user=api_key.created_by_id, api_key=api_key.prefix):
                            response = _run_once(run, request, args, kwargs)
                    finally:
                        log_context.reset(token)
                    if response.status_code >= 500:
                        transaction.set_rollback(True)
                    return response

        # A deadlock or serialization failure, in the operation or at commit, runs the whole
        # transaction again (crm.kit.conflicts); its idempotency claim was rolled back with it.
        return conflicts_retried(attempt)

    return wrapper


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer tl_…``. The key was already checked by ``run_as_key_holder``;
    here a read-only key is refused every write."""

    def authenticate(self, request: HttpRequest, token: str):
        api_key = getattr(request, "api_key", None)
        if api_key is None:
            return None
        if request.method not in SAFE_METHODS and not api_key.can_write:
            raise HttpError(403, _("This key may only read: create a key with write access."))
        return api_key
