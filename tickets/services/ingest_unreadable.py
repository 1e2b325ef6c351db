"""ESP posts that could not be read the usual way: one that failed to parse is kept for the tenant
it was addressed to (or the platform's operators), one too large to read is threaded from the
headers found in the part that was read."""

import json
import re

from django.db import transaction

from tickets.models import EventStatus, MessageChannel
from tickets.routing import email_route_for
from tickets.services.ingest import (
    Stored,
    content_key,
    email_inbound_store,
    event_store,
    reply_token_find,
    unrouted_keep,
)

_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


@transaction.atomic
def email_unreadable_store(*, provider: str, post: bytes, content_type: str, reason: str) -> Stored:
    """An authenticated ESP post that could not be read: shown once (a retry is the same post)
    in the Inbound log of the tenant it was addressed to, with the reason and the post to
    download; kept for the platform's operators when no address in it is one of ours."""
    post = bytes(post)
    key = content_key(post)
    # The recipients only: the sender's address may be another tenant's inbox.
    headers = _headers_in_post(post)
    recipients = " ".join(headers.get(name, "") for name in ("X-Original-To", "To", "Cc"))
    addresses = [a.lower() for a in _ADDRESS.findall(recipients)]
    token, token_address = reply_token_find(addresses, None)
    route = email_route_for(addresses)
    owner = token or route
    if owner is None:
        return unrouted_keep(
            content_key=key,
            provider=provider,
            channel=MessageChannel.EMAIL,
            recipients="(unreadable post)",
            payload={"error": reason[:500], "content_type": content_type[:200]},
            raw=post,
        )
    routed = route is not None and (token is None or token.tenant_id == route.tenant_id)
    return event_store(
        tenant_id=owner.tenant_id,
        event_key=key,
        inbox_address_id=route.inbox_address_id if routed and route else None,
        provider=provider,
        channel=MessageChannel.EMAIL,
        recipient=(token_address or (route.address if route else ""))[:254],
        provider_post=post,
        post_content_type=content_type[:200],
        status=EventStatus.UNREADABLE,
        last_error=reason[:1000],
    )


# Where a post's headers are, in the part of it that was read: Postmark's JSON fields and its
# Headers list, Mailgun's and SendGrid's form fields, and the header lines of a raw message.
_JSON_STRING = r'"((?:[^"\\]|\\.)*)"'
_POST_HEADER_PATTERNS = (
    (re.compile(r'"(From|To|Cc|Subject|Date|OriginalRecipient)"\s*:\s*' + _JSON_STRING), True),
    (re.compile(r'"(From)Full"\s*:\s*\{\s*"Email"\s*:\s*' + _JSON_STRING), True),
    (
        re.compile(
            r'"Name"\s*:\s*"(Message-ID|In-Reply-To|References)"\s*,\s*"Value"\s*:\s*'
            + _JSON_STRING,
            re.IGNORECASE,
        ),
        True,
    ),
    (
        re.compile(
            r'name="(from|to|cc|recipient|subject|date|Message-Id|In-Reply-To|References)"'
            r"\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)",
            re.IGNORECASE,
        ),
        False,
    ),
    (
        re.compile(
            r"^(From|To|Cc|Subject|Date|Message-ID|In-Reply-To|References|Delivered-To):[ \t]*"
            r"(.*(?:\r?\n[ \t].*)*)",
            re.IGNORECASE | re.MULTILINE,
        ),
        False,
    ),
)
_HEADER_NAMES = {
    "originalrecipient": "X-Original-To",
    "recipient": "X-Original-To",
    "message-id": "Message-ID",
    "in-reply-to": "In-Reply-To",
}


def _headers_in_post(head: bytes) -> dict[str, str]:
    """The headers of a message found in (the start of) an ESP's post that could not be read
    the usual way; the first value of each wins."""
    text = head.decode("utf-8", "replace")
    found: dict[str, str] = {}
    for pattern, is_json in _POST_HEADER_PATTERNS:
        for match in pattern.finditer(text):
            name = _HEADER_NAMES.get(match[1].lower(), match[1].title())
            value = match[2]
            if is_json:
                try:
                    value = json.loads(f'"{value}"')
                except ValueError:
                    continue
            value = " ".join(value.split())
            if value:
                found.setdefault(name, value[:2000])
    return found


def email_too_large_store(*, provider: str, head: bytes, size: int) -> Stored:
    """An authenticated ESP post too large to read: the message is threaded from the headers
    in the part that was read, and shown to staff as too large (a retry is the same post)."""
    headers = _headers_in_post(head)
    return email_inbound_store(
        provider=provider,
        raw="".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode() + b"\r\n",
        content_digest=f"{content_key(head)}:{size}",
        too_large_bytes=size,
    )
