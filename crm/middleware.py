import logging

from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from crm.auth import session_user
from crm.kit.conflicts import conflicts_retried, is_conflict
from crm.kit.languages import browser_language, staff_language
from crm.logging import bind_log_context, log_context
from crm.tenancy.context import USER_SETTING, request_tenant_context, settings_sent_with_next_query

logger = logging.getLogger(__name__)

ACTIVE_MEMBERSHIP_SESSION_KEY = "active_membership_id"


class TenantMiddleware:
    """Run each signed-in request in one transaction that knows its user and tenant (both walls).

    This replaces ATOMIC_REQUESTS: the transaction must begin before the tenant is set, and the
    view, template rendering and any lazy query all run inside it. A 5xx response rolls it back.
    ``request.tenant`` and ``request.membership`` are None until the user picks a tenant.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        user_id = _session_user_id(request)
        if user_id is None:
            # Sign-in pages, health checks and webhooks see no tenant data and manage their own
            # transactions; a health probe must answer even when the database does not.
            return self.get_response(request)
        # A deadlock or serialization failure, in the view or at commit, runs the request again
        # (crm.kit.conflicts) before anyone sees an error.
        messages = getattr(request, "_messages", None)
        queued = list(getattr(messages, "_queued_messages", ()))

        def attempt(final: bool):
            if messages is not None:
                messages._queued_messages[:] = queued  # a retried view says its messages once
            return self._in_transaction(request, user_id, final)

        response = conflicts_retried(attempt)
        return response if response is not None else self.get_response(request)

    def _in_transaction(self, request, user_id: int, final: bool):
        request.tenant = None
        request.membership = None
        request.conflict_retried = not final
        with transaction.atomic():
            # app.user_id (row-level security shows a user their own memberships) goes to the
            # database with the first statement, which reads the active membership with its user
            # and sets the tenant (crm.selectors.members.membership_entering): one round trip for
            # the user and both walls. The user is the session's claim until Django has checked
            # the session (its auth hash) on that row: nothing is shown before. Without a chosen
            # membership the user's own read carries the setting (the tenant picker needs it).
            with settings_sent_with_next_query({USER_SETTING: user_id}):
                membership = self._active_membership(request, user_id)
                request.user = session_user(request, membership.user if membership else None)
            if request.user.is_authenticated:
                return self._signed_in(request, membership)
            transaction.set_rollback(True)  # the claim did not hold: nothing it set stays
        return None

    def _signed_in(self, request, membership):
        if membership is None:
            return self._respond(request)
        request.membership = membership
        request.tenant = membership.tenant
        token = bind_log_context(tenant=membership.tenant.slug, user=request.user.pk)
        # Dates and times show in the reader's own time zone, else the tenant's.
        request.zone = request.user.zone_in(membership.tenant)
        timezone.activate(request.zone)
        try:
            # The transaction ends with the request: nothing to give back to the database.
            with request_tenant_context(membership.tenant):
                return self._respond(request)
        finally:
            timezone.deactivate()
            log_context.reset(token)

    def _respond(self, request):
        response = self.get_response(request)
        conflict = request.__dict__.pop("write_conflict", None)
        if conflict is not None:
            raise conflict  # rolls the transaction back; conflicts_retried runs it again
        if response.status_code >= 500:
            transaction.set_rollback(True)
        return response

    def process_exception(self, request, exception):
        """A view's write conflict, when another try follows: kept for ``_respond`` to raise, in
        place of the 500 page (the response is not sent)."""
        if getattr(request, "conflict_retried", False) and is_conflict(exception):
            request.write_conflict = exception
            return HttpResponse(status=503)
        return None

    def _active_membership(self, request, user_id: int):
        from crm.selectors.members import membership_entering

        membership_id = request.session.get(ACTIVE_MEMBERSHIP_SESSION_KEY)
        if membership_id is None:
            return None
        membership = membership_entering(user_id=user_id, membership_id=membership_id)
        if membership is None:
            # Removed from the team or deactivated since they chose it: ask again.
            request.session.pop(ACTIVE_MEMBERSHIP_SESSION_KEY, None)
        return membership


def _session_user_id(request) -> int | None:
    """The user the session says is signed in (not yet checked), or None."""
    user_id = request.session.get(SESSION_KEY)
    if user_id is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(user_id)
    except ValidationError:
        return None


class LanguageMiddleware:
    """Activate the reader's language for the request (crm.kit.languages says whose).

    After TenantMiddleware: a member's page speaks their own language, else their team's. Anyone
    else (sign-in pages, public pages, the portal) starts in the browser's language; the portal
    and public pages that know their contact or tenant switch to theirs around the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.membership is not None:
            language = staff_language(request.user, request.tenant)
        else:
            language = browser_language(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        if request.membership is None:
            patch_vary_headers(response, ("Accept-Language",))
        return response
