"""Version 1 of the REST API, at /api/v1/: its routers, its auth, and one shape for every error.

Built on django-ninja rather than Django REST framework with drf-spectacular: ninja emits
OpenAPI 3.1 from the type hints it validates with (drf-spectacular emits 3.0), and it adds only
pydantic schemas at the edge, where DRF would bring a second serializer and validation layer
beside our forms and services. Validation that matters stays in the services, which the pages
share; their ValidationError comes back as a 422 here as it shows on a form's fields there.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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
    leads,
    money,
    pipelines,
    tickets,
    users,
)

# Operations name their JSON body `payload`: a field's path in an error leaves it out.
BODY_PARAMETER = "payload"

api = NinjaAPI(
    title="Threadline API",
    version="1",
    description=(
        "The CRM's contacts, leads, pipelines and more, for the tenant whose key calls. "
        "Send `Authorization: Bearer <key>` (Settings → API keys). A key acts with the current "
        "rights of the admin who created it: once they are no longer an admin of the team it "
        "answers 403, and 401 once revoked. Lists take `cursor` and "
        "`limit` and answer `{results, next_cursor}`. Errors answer `{detail}`, and a 422 also "
        "`{errors: {field: [messages]}}`. A POST sent with an `Idempotency-Key` header runs once: "
        "sent again, it replays the first answer."
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


def urls() -> tuple[list, str, str]:
    """The API's URL patterns, each view marked as one that answers JSON (so the project's
    middleware answers it in JSON too: config.middleware.ControlCharacterMiddleware)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.answers_json = True
    return patterns, app_name, namespace
