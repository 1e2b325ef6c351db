"""Project-wide HTTP middleware: what every request gets whatever app answers it."""

import re
import uuid

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.logging import bind_log_context, log_context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (the proxy's X-Request-ID if sane) for its logs and its response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = bind_log_context(request_id=request.request_id)
        try:
            response = self.get_response(request)
        finally:
            log_context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


# C0 control characters and DEL. No form field, link or filter of ours carries one in a query
# string; PostgreSQL refuses NUL in text outright (a 500 wherever a parameter reached a query).
_QUERY_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_NUL = re.compile(r"\x00")


def _has_control_character(params, pattern) -> bool:
    return any(
        pattern.search(key) or any(pattern.search(value) for value in values)
        for key, values in params.lists()
    )


class ControlCharacterMiddleware:
    """Answer 400, once for every page, to parameters no person types: a control character in
    a query string, or NUL in the path (a token or slug a view looks up) or anywhere in a posted
    form (tabs and line breaks are ordinary in a textarea, but no keyboard types NUL and
    PostgreSQL cannot store it).

    Posted forms are only read where CSRF already parsed them (placed after CsrfViewMiddleware):
    a csrf-exempt webhook keeps its raw body unread for its signature check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        refused = "\x00" in request.path_info or _has_control_character(
            request.GET, _QUERY_CONTROL_CHARACTERS
        )
        if (
            not refused
            and request.method == "POST"
            and not getattr(view_func, "csrf_exempt", False)
        ):
            refused = _has_control_character(request.POST, _NUL)
        if not refused:
            return None
        reason = _("The address or the form held a control character, which no field accepts.")
        if getattr(view_func, "answers_json", False):
            # The REST API (api.v1.urls): its clients read JSON, errors included.
            return JsonResponse({"detail": reason}, status=400)
        return render(request, "errors/400.html", {"reason": reason}, status=400)
