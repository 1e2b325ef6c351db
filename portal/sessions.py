"""The portal's own session: a server-side session under a cookie of its own, sent only to /portal/.

It is not the staff session (`request.session`): a customer's sign-in never makes a User
authenticated, and a staff sign-in never puts a customer in the portal. Signing in rotates the
session key (a key planted before sign-in is worthless after it); signing out deletes the row, so a
copied cookie stops working too. The store is Django's session engine, so the `clear-expired-sessions`
beat task removes old portal sessions with the staff ones.
"""

import datetime as dt
import functools
import time
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

COOKIE_NAME = "threadline_portal"
COOKIE_PATH = "/portal/"
# A customer comes back now and then, mostly on a phone: two weeks, then a fresh link or code.
SIGNED_IN_AGE = dt.timedelta(days=14)
# Before sign-in the session holds only the pending code and where to go next.
PENDING_AGE = dt.timedelta(minutes=30)


def cookie_name() -> str:
    # Over HTTPS the browser keeps a __Secure- cookie from being set by a plain-HTTP page.
    return f"__Secure-{COOKIE_NAME}" if settings.SESSION_COOKIE_SECURE else COOKIE_NAME


def _store(session_key: str | None) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def uses_portal_session(view):
    """Give the view `request.portal_session`, and save it (or drop its cookie) after the view."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.portal_session = _store(request.COOKIES.get(cookie_name()))
        response = view(request, *args, **kwargs)
        return _persist(request, response)

    return wrapper


def _persist(request, response):
    session = request.portal_session
    name = cookie_name()
    if session.is_empty():
        if name in request.COOKIES:
            response.delete_cookie(name, path=COOKIE_PATH, samesite="Lax")
        return response
    if session.modified and response.status_code < 500:
        session.save()
        max_age = session.get_expiry_age()
        response.set_cookie(
            name,
            session.session_key,
            max_age=max_age,
            expires=http_date(time.time() + max_age),
            path=COOKIE_PATH,
            secure=settings.SESSION_COOKIE_SECURE or None,
            httponly=True,
            samesite="Lax",
        )
    patch_vary_headers(response, ("Cookie",))
    return response


def session_rotate(session: SessionBase, *, age: dt.timedelta) -> None:
    """Forget everything the session held and give it a new key (against session fixation)."""
    session.flush()
    session.set_expiry(int(age.total_seconds()))
