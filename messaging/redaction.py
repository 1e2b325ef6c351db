"""Portal sign-in secrets are for the customer, not for the staff reading the outbox.

A sign-in link (or an invitation's, /portal/sign-in/<tenant id>.<secret>/) opens the customer's
portal for whoever holds it, so once a real provider has sent the message the stored text keeps
"[sign-in link hidden]" in its place, and a sign-in text its "[sign-in code hidden]"; until then
(and if it failed) the staff outbox shows it hidden too. The timeline never shows either.

The sandbox of `make dev` records messages instead of sending them, and its outbox is where a
person reads the link to sign in: there nothing is hidden from the outbox pages.
"""

import re

from django.conf import settings

from messaging.models import MessageSource, OutboundMessage

LINK_HIDDEN = "[sign-in link hidden]"
CODE_HIDDEN = "[sign-in code hidden]"
# portal.tokens: "<tenant id>.<secret>", the secret url-safe base64.
_SIGN_IN_LINK = re.compile(r"(?:https?://[^\s\"'<>]*)?/portal/sign-in/\d+\.[A-Za-z0-9_-]+/?")
_CODE = re.compile(r"\b\d{6}\b")


def secrets_hidden(text: str, *, source: str) -> str:
    text = _SIGN_IN_LINK.sub(LINK_HIDDEN, text)
    if source == MessageSource.PORTAL_SIGN_IN:
        text = _CODE.sub(CODE_HIDDEN, text)
    return text


def message_secrets_hide(message: OutboundMessage) -> None:
    """Replace the secrets in the message's subject and bodies (the caller saves, or only shows)."""
    deferred = message.get_deferred_fields()  # (the outbox list leaves the HTML unread)
    for field in ("subject", "body_text", "body_html"):
        if field not in deferred:
            setattr(message, field, secrets_hidden(getattr(message, field), source=message.source))


def hidden_from_staff(message: OutboundMessage) -> OutboundMessage:
    """The message as the staff outbox pages show it: with a real provider, without secrets."""
    if not settings.COMMS_SANDBOX:
        message_secrets_hide(message)
    return message
