"""Error pages in the app's own layout; the 500 and 503 pages render without the database."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


# How long a client (a browser, a provider's webhook retry, a load balancer) should wait before
# trying again while the database is unreachable: a restart or a failover takes seconds.
DATABASE_RETRY_AFTER_SECONDS = 5


def server_error(request):
    """Our 500 page; while the database cannot be reached (a restart, a failover, connections
    exhausted), a 503 with Retry-After instead, so clients and providers know to come back."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
