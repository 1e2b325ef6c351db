"""Version 1 of the REST API, at /api/v1/: its routers, its auth, and one shape for every error.

Built on django-ninja rather than Django REST framework with drf-spectacular: ninja emits
OpenAPI 3.1 from the type hints it validates with (drf-spectacular emits 3.0), and it adds only
pydantic schemas at the edge, where DRF would bring a second serializer and validation layer
beside our forms and services. Validation that matters stays in the services, which the pages
share; their ValidationError comes back as a 422 here as it shows on a form's fields there.
"""

import functools
import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from api.auth import NON_FIELD, ApiKeyAuth, run_as_key_holder
from api.endpoints import (
    contacts,
    documents,
    followups,
    intake,
    invoices,
    leads,
    money,
    pipelines,
    tickets,
    users,
)
from api.services.idempotency import MAX_KEY_LENGTH
from crm.kit.conflicts import is_conflict
from crm.kit.constraints import constraint_violated
from crm.views.errors import DATABASE_RETRY_AFTER_SECONDS

# Operations name their JSON body `payload`: a field's path in an error leaves it out.
BODY_PARAMETER = "payload"

logger = logging.getLogger("django.request")

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique value (a UUID, your own record's id): the request runs once, and sent again "
        "with the same key and body it answers what it answered the first time."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the key.",
    "schema": {"type": "string", "enum": ["true"]},
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}
# config.middleware.ControlCharacterMiddleware answers 400 to a query that holds one.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f]*$"
WWW_AUTHENTICATE = {"required": True, "schema": {"type": "string", "enum": ["Bearer"]}}
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _declared(operation: dict, status: str, description: str) -> dict:
    return operation["responses"].setdefault(
        status,
        {"description": description, "content": {"application/json": {"schema": PROBLEM}}},
    )


def _text_without_control_characters(schema: dict) -> None:
    if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
        schema.setdefault("pattern", NO_CONTROL_CHARACTERS)
    for alternative in schema.get("anyOf", []):
        _text_without_control_characters(alternative)


def _declare_headers(method: str, operation: dict) -> None:
    """What api.auth adds to every operation, declared on each: the rate limit's Retry-After,
    the Bearer challenge, and on every POST the Idempotency-Key, its replay and its 409."""
    responses = operation["responses"] = {
        str(code): r for code, r in operation["responses"].items()
    }
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            _text_without_control_characters(parameter["schema"])
    if "429" in responses:
        responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
    if "401" in responses:
        responses["401"].setdefault("headers", {})["WWW-Authenticate"] = WWW_AUTHENTICATE
    if method != "post":
        return
    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    _declared(operation, "409", "A request with this Idempotency-Key is still running.")
    for status, response in responses.items():
        if status.startswith("2"):
            response.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED


class ThreadlineAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema["paths"].values():
            for method, operation in item.items():
                _declare_headers(method, operation)
        return schema


api = ThreadlineAPI(
    title="Threadline API",
    version="1",
    description=(
        "The CRM's contacts, leads, pipelines and more, for the tenant whose key calls. "
        "Send `Authorization: Bearer <key>` (Settings → API keys). A key acts with the current "
        "rights of the admin who created it: once they are no longer an admin of the team it "
        "answers 403, and 401 once revoked. Lists take `cursor` and "
        "`limit` and answer `{results, next_cursor}`. Errors answer `{detail}`, and a 422 also "
        "`{errors: {field: [messages]}}`. A POST sent with an `Idempotency-Key` header runs once: "
        "sent again, it replays the first answer (marked `Idempotent-Replayed: true`). A 429 "
        "says in `Retry-After` how many seconds to wait."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": False}),
    # The schema and the docs page only read: any other method is refused (they need no CSRF).
    docs_decorator=require_safe,
)
api.add_decorator(run_as_key_holder, mode="view")

api.add_router("/users/", users.router, tags=["users"])
api.add_router("/contacts/", contacts.router, tags=["contacts"])
api.add_router("/pipelines/", pipelines.router, tags=["pipelines"])
leads.router.add_router("", money.router, tags=["quotes and payments"])
api.add_router("/leads/", leads.router, tags=["leads"])
api.add_router("/follow-ups/", followups.router, tags=["follow-ups"])
api.add_router("/tickets/", tickets.router, tags=["tickets"])
api.add_router("/documents/", documents.router, tags=["documents"])
api.add_router("/intake/", intake.router, tags=["intake"])
api.add_router("/invoices/", invoices.router, tags=["invoices"])
api.add_router("/payments/", invoices.payments_router, tags=["invoices"])


def _field(location: tuple) -> str:
    # ("body", "payload", "email") → "email"; ("query", "limit") → "limit"
    parts = [str(part) for part in location[1:]]
    if location and location[0] == "body" and parts[:1] == [BODY_PARAMETER]:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def errors_response(request, errors: dict[str, list[str]]):
    return api.create_response(
        request,
        {"detail": _("Some fields are not valid."), "errors": errors},
        status=422,
    )


@api.exception_handler(NinjaValidationError)
def request_not_valid(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field(tuple(error.get("loc", ()))), []).append(error.get("msg", ""))
    return errors_response(request, errors)


@api.exception_handler(DjangoValidationError)
def service_refused(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return errors_response(request, {f: list(m) for f, m in exc.message_dict.items()})
    return errors_response(request, {NON_FIELD: list(exc.messages)})


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc: AuthenticationError):
    response = api.create_response(
        request,
        {"detail": _("Send a valid, active API key: Authorization: Bearer <key>.")},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PermissionDenied)
def refused(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or _("Not allowed.")}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(IntegrityError)
def constraint_refused(request, exc: IntegrityError):
    """A database constraint the services did not check first (two requests at once): the field
    its constraint guards, never the constraint's name."""
    refused = constraint_violated(exc)
    if refused is None:
        return server_error(request, exc)
    return service_refused(request, refused)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
def body_unreadable(request, exc: Exception):
    """A multipart body without its boundary, a body over the size limit: Django answers them
    400 with its HTML page."""
    logger.warning("Bad request (%s): %s", exc, request.path)
    return JsonResponse({"detail": _("The request's body cannot be read.")}, status=400)


@api.exception_handler(Exception)
def operation_failed(request, exc: Exception):
    """A deadlock or serialization failure goes up to api.auth's key holder while it can still run
    the request's transaction again (it sets ``request.conflict_retryable``); anything else, and
    the last try's conflict, is a server error."""
    if getattr(request, "conflict_retryable", False) and is_conflict(exc):
        raise exc
    return server_error(request, exc)


def server_error(request, exc: Exception):
    """JSON, with DEBUG on too (ninja's own answer then is a plain-text traceback). Reported as
    Django reports a 500 (the log, the error tracker's signal); api.auth rolls the request's
    transaction back."""
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    got_request_exception.send(sender=None, request=request)
    if isinstance(exc, OperationalError | InterfaceError):
        response = api.create_response(
            request, {"detail": _("The service is briefly unavailable: try again.")}, status=503
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    else:
        response = api.create_response(
            request, {"detail": _("Something went wrong on our side.")}, status=500
        )
    # Logged above, with its traceback: Django's own flag (undeclared in its stubs) says not again.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _in_json(view):
    """Every answer of an API view in JSON, also where ninja's handlers never see the error: a
    method no operation takes (ninja answers an empty text/plain 405), a body Django cannot
    parse and anything raised around the operation, in api.auth (Django would answer them with
    its HTML pages)."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except (SuspiciousOperation, MultiPartParserError) as exc:
            return body_unreadable(request, exc)
        except Http404 as exc:  # ninja's root view, which only names the docs' address
            return not_found(request, exc)
        except Exception as exc:
            return server_error(request, exc)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        refused = JsonResponse(
            {
                "detail": _("This address does not take a %(method)s request.")
                % {"method": request.method}
            },
            status=405,
        )
        refused["Allow"] = response["Allow"]
        return refused

    return answer


def _answering_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view, marked as one that answers JSON (config.middleware reads the mark)."""
    setattr(view, "answers_json", True)  # noqa: B010 (a function's attribute is set no other way)
    return view


def unknown_address(request, *args, **kwargs):
    """Any address under /api/ that names no operation: a 404 in JSON, as the API's own."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


_answering_json(unknown_address)


def urls() -> tuple[list, str, str]:
    """The API's URL patterns, each view marked as one that answers JSON (so the project's
    middleware answers it in JSON too: config.middleware.ControlCharacterMiddleware), and
    answering in JSON whatever goes wrong."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _answering_json(_in_json(pattern.callback))
    return patterns, app_name, namespace
