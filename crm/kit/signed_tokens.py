"""Links that carry their own credential (unsubscribe, quote, lead form): a token we signed names
the tenant, and the public view behind it runs as that tenant. Anything else fails closed."""

import functools
from collections.abc import Callable
from typing import Protocol, TypeVar

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from crm.models import Tenant
from crm.tenancy import tenant_context

T = TypeVar("T")


class NamesTenant(Protocol):
    tenant_id: int


def signed_token_read(
    token: str, *, salt: str, read: Callable[[dict], T], max_age=None
) -> T | None:
    """`read(payload)` of a token we signed with `salt` (and, with `max_age`, recently); None for
    a token we did not sign, an expired one, or a payload `read` cannot make sense of."""
    try:
        return read(signing.loads(token, salt=salt, max_age=max_age))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def tenant_from_token(
    read_token: Callable[[str], NamesTenant | None],
    *,
    refuse: Callable[[HttpRequest], HttpResponse],
):
    """A public view reached by a token: `read_token(token)` checks it and says what it names
    (with a `tenant_id`). The view runs as `view(request, tenant, link)` inside that tenant's
    context and time zone; a token that does not read, or whose tenant is gone, gets
    `refuse(request)`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, token: str, *args, **kwargs):
            link = read_token(token)
            tenant = Tenant.objects.filter(pk=link.tenant_id).first() if link else None
            if tenant is None:
                return refuse(request)
            with tenant_context(tenant), timezone.override(tenant.zone):
                return view(request, tenant, link, *args, **kwargs)

        return wrapper

    return decorator
