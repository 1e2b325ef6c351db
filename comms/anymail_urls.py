"""Anymail's webhook URLs, hardened in two ways.

- A webhook of an ESP that is not configured here answers 404. anymail mounts a webhook for every
  ESP it knows and reads that ESP's credentials when a request arrives, so a POST to one we don't
  use would raise ImproperlyConfigured: a 500 for anyone probing the URL.
- An inbound post that passed the ESP's authentication but that anymail cannot parse (seen:
  Postmark JSON with an empty From address, a line break in the Subject, an empty attachment) is
  kept raw as an UnroutedInbound for the platform's operators and answered 200. A 500 would make
  the ESP retry the same unparseable post until it gave up, and the customer's message would be
  lost with it.
A configured ESP's well-formed webhook runs unchanged, its signature or basic-auth check included.
"""

import functools
import logging

from anymail import urls as anymail_urls
from anymail.signals import inbound
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.http import HttpResponseNotFound
from django.urls import URLPattern

from tickets.models import EventProvider, InboxChannel, UnroutedInbound

logger = logging.getLogger(__name__)


def _refuse_when_not_configured(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImproperlyConfigured as error:
            logger.warning("anymail webhook %s is not configured: %s", request.path, error)
            return HttpResponseNotFound("This webhook is not configured.")

    return wrapped


def _provider(esp_name: str) -> str:
    name = esp_name.lower().replace(" ", "_")
    return name if name in EventProvider.values else EventProvider.EMAIL_OTHER


def _parse_or_keep_raw(self, request):
    """anymail's parse_events; a post it cannot parse is kept raw and yields no event."""
    try:
        return super(type(self), self).parse_events(request)
    except (DatabaseError, ImproperlyConfigured):
        raise
    except Exception as error:
        logger.exception("anymail could not parse an inbound %s post; kept raw", self.esp_name)
        UnroutedInbound.objects.create(
            provider=_provider(self.esp_name),
            channel=InboxChannel.EMAIL,
            recipients="(unparseable post)",
            payload={
                "esp": self.esp_name,
                "error": f"{type(error).__name__}: {error}"[:500],
                "content_type": request.content_type,
            },
            raw=request.body,
        )
        return []


def _view(pattern: URLPattern):
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and view_class.signal is inbound:
        guarded = type(
            f"KeepUnparseable{view_class.__name__}",
            (view_class,),
            {"parse_events": _parse_or_keep_raw},
        )
        callback = guarded.as_view(**callback.view_initkwargs)
    return _refuse_when_not_configured(callback)


urlpatterns = [
    URLPattern(pattern.pattern, _view(pattern), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
]
app_name = anymail_urls.app_name
