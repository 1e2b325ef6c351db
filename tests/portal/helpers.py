"""Portal test helpers: open a customer's portal session, read what the outbox sent them."""

import re
from urllib.parse import urlsplit

from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache

from crm.tenancy import tenant_context
from messaging.models import OutboundMessage
from messaging.services import outbox, outbox_send
from portal import throttle
from portal.addresses import SignInAddress
from portal.auth import PortalSignIn, session_sign_in
from portal.models import ChallengeChannel
from portal.sessions import SIGNED_IN_AGE, cookie_name, session_rotate

LINK = re.compile(r"https?://\S+(/portal/sign-in/[^/\s]+/)")
CODE = re.compile(r"\b(\d{6})\b")


def portal_sign_in(client, tenant, *contacts) -> None:
    """Give the client a portal session for these contacts of `tenant`, as a redeemed email link
    would (the first contact's primary email is the proven address)."""
    with tenant_context(tenant):
        email = contacts[0].emails.order_by("-is_primary", "id").first().email
    store = SessionStore()
    session_rotate(store, age=SIGNED_IN_AGE)
    session_sign_in(
        store,
        PortalSignIn(
            tenant, tuple(c.pk for c in contacts), SignInAddress(ChallengeChannel.EMAIL, email)
        ),
    )
    store.save()
    client.cookies[cookie_name()] = store.session_key


def sent_messages(tenant, **filters) -> list[OutboundMessage]:
    with tenant_context(tenant):
        return list(OutboundMessage.objects.filter(tenant=tenant, **filters).order_by("pk"))


def deliver(tenant) -> None:
    """What a worker does a few seconds later: claim the due messages and send them."""
    with tenant_context(tenant):
        for message_id in outbox.outbox_claim_due(tenant=tenant):
            outbox_send.message_send(tenant=tenant, message_id=message_id)


def link_path(message: OutboundMessage) -> str:
    return LINK.search(message.body_text).group(1)


def code_in(message: OutboundMessage) -> str:
    return CODE.search(message.body_text).group(1)


def reset_throttles(*addresses: str, client_ip: str = "127.0.0.1") -> None:
    for kind in ("sign-in", "code", "link", "verify-send", "verify-try"):
        cache.delete(throttle.client_key(kind, client_ip))
    # Counters per customer, per address or of other clients: this process's, whichever.
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{cache.key_prefix}:*:portal:*"):
        client.delete(key)
    for value in addresses:
        channel = ChallengeChannel.EMAIL if "@" in value else ChallengeChannel.SMS
        for kind in ("sign-in", "code"):
            cache.delete(throttle.address_key(SignInAddress(channel, value), kind))


def path_of(url: str) -> str:
    return urlsplit(url).path
