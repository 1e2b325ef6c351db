"""Signed links to a quote's public page (no account: the link names the tenant and the quote)."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

from leads.models import Quote

QUOTE_LINK_SALT = "leads.quote-link"
QUOTE_LINK_MAX_AGE = dt.timedelta(days=180)


def quote_public_token(quote: Quote) -> str:
    return signing.dumps(
        {"t": quote.tenant_id, "q": quote.pk, "k": quote.public_token}, salt=QUOTE_LINK_SALT
    )


def quote_public_url(quote: Quote) -> str:
    path = reverse("public:quote", kwargs={"token": quote_public_token(quote)})
    return settings.THREADLINE_SITE_URL.rstrip("/") + path
