"""Anymail's webhook URLs, each answering 404 when its ESP is not configured here.

anymail mounts a webhook for every ESP it knows and reads that ESP's credentials when a request
arrives, so a POST to an ESP we don't use would raise ImproperlyConfigured: a 500 for anyone
probing the URL. The wrapper turns that into a plain 404 and a warning in the log; a configured
ESP's webhook runs unchanged (its own signature or basic-auth check included).
"""

import functools
import logging

from anymail import urls as anymail_urls
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseNotFound
from django.urls import URLPattern

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


urlpatterns = [
    URLPattern(
        pattern.pattern,
        _refuse_when_not_configured(pattern.callback),
        pattern.default_args,
        pattern.name,
    )
    for pattern in anymail_urls.urlpatterns
]
app_name = anymail_urls.app_name
