"""Staff sign-in protection, besides django-axes.

Axes locks an account (the email, whatever its case) after AXES_FAILURE_LIMIT wrong passwords
from any address (AXES_LOCKOUT_PARAMETERS is the username alone). Guessing spread over many
accounts from one address is limited here, per client address, and so are password reset
requests: per email (no mail-bombing a colleague) and per client. Each limit counts whether or
not the email belongs to anyone, and a refusal reads the same either way, so it reveals nothing.
"""

import datetime as dt
import hashlib
import ipaddress

from axes.helpers import get_client_ip_address
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, get_user, load_backend
from django.contrib.auth.backends import ModelBackend
from django.utils.crypto import constant_time_compare

from crm.ratelimit import hits, over_limit

WINDOW = dt.timedelta(minutes=15)
FAILED_SIGN_INS_PER_CLIENT = 20
RESETS_PER_EMAIL = 5
RESETS_PER_CLIENT = 20


def lockout_username(request, credentials: dict | None) -> str:
    """The name django-axes counts failed sign-ins under: the email, lowercased.

    Both login forms post the email as ``username`` (USERNAME_FIELD is ``email``, which axes would
    otherwise look for, finding nothing and never locking anyone out).
    """
    credentials = credentials or {}
    raw = credentials.get("username") or credentials.get("email") or ""
    if not raw and request is not None:
        raw = request.POST.get("username", "")
    return raw.strip().lower()


def client_address(request) -> str | None:
    """The client's address, for every per-client limit (AXES_CLIENT_IP_CALLABLE: axes and
    everything that asks it through `get_client_ip_address`).

    Behind THREADLINE_PROXY_COUNT proxies that each append the address they saw to
    X-Forwarded-For, the client is that many hops from the right: the entries left of it are the
    client's own to write, so they are never read. With no proxies, or a request that did not
    come through them all, it is REMOTE_ADDR. (django-axes would read the header through
    django-ipware, an extra that is not installed: without this it counted every client as the
    balancer.)"""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.THREADLINE_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def client_ip(request) -> str:
    return get_client_ip_address(request) or "unknown"


def client_key(kind: str, ip: str) -> str:
    return f"staff:{kind}:client:{ip}"


def email_key(kind: str, email: str) -> str:
    # The cache holds a digest, not the address.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"staff:{kind}:email:{digest}"


def sign_in_refused_for_client(request) -> bool:
    """Too many wrong passwords from this address lately, whichever emails they were for."""
    key = client_key("sign-in-failed", client_ip(request))
    return hits(key) >= FAILED_SIGN_INS_PER_CLIENT


def sign_in_failed(request) -> None:
    over_limit(client_key("sign-in-failed", client_ip(request)), FAILED_SIGN_INS_PER_CLIENT, WINDOW)


def password_reset_refused(request, email: str) -> bool:
    per_email = over_limit(email_key("reset", email), RESETS_PER_EMAIL, WINDOW)
    per_client = over_limit(client_key("reset", client_ip(request)), RESETS_PER_CLIENT, WINDOW)
    return per_email or per_client


def lockout_clear(user) -> None:
    """A locked account whose owner just proved their email (a password reset) signs in at once:
    anyone may lock an account by guessing at it, only its owner may unlock it this way."""
    reset(username=user.email.strip().lower())


def session_user(request, user_read=None):
    """The session's signed-in user, as django.contrib.auth.get_user gives it, without reading the
    user again when `user_read` is the session's user row, read already (the tenant middleware
    reads it with the active membership).

    Only Django's plain case is taken here: a model backend's session whose auth hash matches the
    user's with the current secret, for a user who may sign in. Any other session (no hash, a
    rotated secret's, a changed password, another backend) goes to Django's own get_user, which
    reads the row itself and ends or renews the session as it decides."""
    backend_path = request.session.get(BACKEND_SESSION_KEY)
    if user_read is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return get_user(request)
    backend = load_backend(backend_path)
    session_hash = request.session.get(HASH_SESSION_KEY)
    if (
        isinstance(backend, ModelBackend)
        and backend.user_can_authenticate(user_read)
        and session_hash
        and constant_time_compare(session_hash, user_read.get_session_auth_hash())
    ):
        return user_read
    return get_user(request)
