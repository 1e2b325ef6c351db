"""Which tenant, inbox and ticket an inbound message is for, from what it was addressed to.

- An inbox address (hello@firstroofing.test, +13055550100) is found through InboundRoute, a
  platform-wide table with no row-level security, before any tenant context exists.
- A reply token (reply+TOKEN@THREADLINE_MAIL_DOMAIN, the Reply-To of every ticket email) names the
  tenant and the ticket, signed so that nobody can write into a ticket by guessing its number.
- Our own Message-IDs (<outbox-TENANT-ID@domain>, messaging.services.providers) name the tenant too.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tickets.models import InboundRoute, InboxChannel

REPLY_LOCAL_PART = "reply"
TOKEN_DIGEST_CHARS = 12
# Lower case only: some mail servers lower-case the local part on the way.
_REPLY_TOKEN = re.compile(
    r"^reply\+(?P<tenant>\d+)-(?P<ticket>\d+)-(?P<digest>[0-9a-f]+)@(?P<domain>.+)$"
)
_OUR_MESSAGE_ID = re.compile(r"^<?outbox-(?P<tenant>\d+)-(?P<message>\d+)@(?P<domain>[^>]+)>?$")


def _digest(tenant_id: int, ticket_id: int) -> str:
    key = hashlib.sha256(f"reply-token:{settings.SECRET_KEY}".encode()).digest()
    mac = hmac.new(key, f"{tenant_id}-{ticket_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:TOKEN_DIGEST_CHARS]


def reply_address(tenant_id: int, ticket_id: int) -> str:
    domain = settings.THREADLINE_MAIL_DOMAIN
    return f"{REPLY_LOCAL_PART}+{tenant_id}-{ticket_id}-{_digest(tenant_id, ticket_id)}@{domain}"


@dataclass(frozen=True)
class ReplyToken:
    tenant_id: int
    ticket_id: int


def reply_token_in(addresses) -> ReplyToken | None:
    """The first validly signed reply token among `addresses` (lower-cased already)."""
    for address in addresses:
        match = _REPLY_TOKEN.match(address.strip().lower())
        if match is None or match["domain"] != settings.THREADLINE_MAIL_DOMAIN.lower():
            continue
        tenant_id, ticket_id = int(match["tenant"]), int(match["ticket"])
        if hmac.compare_digest(match["digest"], _digest(tenant_id, ticket_id)):
            return ReplyToken(tenant_id, ticket_id)
    return None


@dataclass(frozen=True)
class OurMessageId:
    tenant_id: int
    outbound_id: int


def our_message_id(message_id: str) -> OurMessageId | None:
    match = _OUR_MESSAGE_ID.match(message_id.strip())
    if match is None or match["domain"].lower() != settings.THREADLINE_MAIL_DOMAIN.lower():
        return None
    return OurMessageId(int(match["tenant"]), int(match["message"]))


def normalise_address(channel: str, address: str, *, region: str = "US") -> str:
    """Email addresses lower-cased; phone numbers in E.164, a number without + read as `region`'s.
    Raises ValueError for anything that is not a valid address or number."""
    address = address.strip()
    if channel == InboxChannel.EMAIL:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValueError(f"Not an email address: {address!r}") from error
        return address.lower()
    if address.lower().startswith("whatsapp:"):
        address = address[len("whatsapp:") :]
    try:
        number = phonenumbers.parse(address, region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"Not a phone number: {address!r}") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"Not a valid phone number: {address!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mail_domain(address: str) -> str:
    """The domain of a normalised email address."""
    return address.rpartition("@")[2]


def is_shared_mail_domain(domain: str) -> bool:
    return domain in settings.THREADLINE_SHARED_MAIL_DOMAINS


def route_for(channel: str, address: str) -> InboundRoute | None:
    try:
        address = normalise_address(channel, address)
    except ValueError:
        return None
    return InboundRoute.objects.filter(channel=channel, address=address, is_receiving=True).first()


def email_route_for(addresses, *, tenant_id: int | None = None) -> InboundRoute | None:
    """The route of the first recipient that is one of our inbox addresses (of `tenant_id`'s
    inboxes only, if given)."""
    candidates = [a.strip().lower() for a in addresses if a]
    if not candidates:
        return None
    routes = InboundRoute.objects.filter(
        channel=InboxChannel.EMAIL, address__in=candidates, is_receiving=True
    )
    if tenant_id is not None:
        routes = routes.filter(tenant_id=tenant_id)
    routes = {route.address: route for route in routes}
    return next((routes[a] for a in candidates if a in routes), None)
