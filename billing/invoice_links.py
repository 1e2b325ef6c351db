"""Signed, expiring links to one invoice for its customer (no account: the link names the tenant
and the invoice, and opens that invoice only). Rotating the invoice's public token revokes them."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

from billing.models import Invoice

INVOICE_LINK_SALT = "billing.invoice-link"
INVOICE_LINK_MAX_AGE = dt.timedelta(days=120)


def invoice_public_token(invoice: Invoice) -> str:
    return signing.dumps(
        {"t": invoice.tenant_id, "i": invoice.pk, "k": invoice.public_token},
        salt=INVOICE_LINK_SALT,
    )


def invoice_public_url(invoice: Invoice) -> str:
    path = reverse("billing-public:invoice", kwargs={"token": invoice_public_token(invoice)})
    return settings.THREADLINE_SITE_URL.rstrip("/") + path
