"""Signed links in customer messages: one-click unsubscribe, no login.

The token names the tenant, contact and channel and is signed with the site's secret; it does not
expire (an unsubscribe link in a year-old email must still work) and only ever withdraws consent.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from crm.kit.links import Link
from crm.kit.signed_tokens import signed_token_read

UNSUBSCRIBE_SALT = "comms.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    tenant_id: int
    contact_id: int
    channel: str


def unsubscribe_token(*, tenant_id: int, contact_id: int, channel: str) -> str:
    return signing.dumps({"t": tenant_id, "c": contact_id, "ch": channel}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, tenant_id: int, contact_id: int, channel: str) -> str:
    token = unsubscribe_token(tenant_id=tenant_id, contact_id=contact_id, channel=channel)
    path = reverse("comms-public:unsubscribe", kwargs={"token": token})
    return settings.THREADLINE_SITE_URL.rstrip("/") + path


def unsubscribe_target(token: str) -> UnsubscribeTarget | None:
    """The decoded token, or None if it was not signed by us or is malformed."""
    return signed_token_read(
        token,
        salt=UNSUBSCRIBE_SALT,
        read=lambda data: UnsubscribeTarget(int(data["t"]), int(data["c"]), str(data["ch"])),
    )


# The portal's home page, provided by the portal app (which sits above messaging).
CUSTOMER_PORTAL = Link("the customer portal's home page")


def portal_url() -> str:
    """The customer portal's address; empty while no portal app is installed, so templates that
    guard it with {% if portal_link %} leave the sentence out rather than link to nothing."""
    path = CUSTOMER_PORTAL.path()
    return settings.THREADLINE_SITE_URL.rstrip("/") + path if path else ""
