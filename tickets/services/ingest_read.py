"""Reading a stored inbound event: the message it carries, whatever its channel, and the contact
who sent it (found, or made for a new sender), as the threader and the ticket need them."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from crm.models import AddressSource, Contact, Tenant
from crm.phones import e164
from crm.selectors.contacts import contact_match
from crm.services.contacts import contact_find_or_create
from tickets.models import InboundEvent, Inbox, MessageChannel
from tickets.normalise import NormalisedEmail
from tickets.selectors.addresses import twilio_account_for
from tickets.twilio_media import FetchedMedia, is_twilio_media_url, media_fetch


def channel_of(to: str) -> str:
    return MessageChannel.WHATSAPP if to.lower().startswith("whatsapp:") else MessageChannel.SMS


@dataclass
class Incoming:
    """One inbound message, whatever its channel, as the threader and the thread need it."""

    channel: str
    contact: Contact
    sender: str
    recipient: str
    subject: str = ""
    body_text: str = ""
    reply_text: str = ""
    body_html: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    sent_at: dt.datetime | None = None  # what the sender's Date header claims
    received_at: dt.datetime | None = None  # what the newest Received: header says
    is_auto_reply: bool = False
    is_delivery_report: bool = False
    attachments: tuple = ()
    media: list | None = None
    too_large_bytes: int | None = None
    enclosed: tuple = ()


def one_sender_at_a_time(tenant: Tenant, addresses) -> None:
    """Two messages from one new sender threaded at once (a WhatsApp with three photos arrives
    as three webhooks) would each find no contact and make one: the second waits here, until the
    first has committed its contact, and then finds it."""
    with connection.cursor() as cursor:
        for address in sorted(set(addresses)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"inbound-sender:{tenant.pk}:{address}"],
            )


def find_contact(tenant: Tenant, *, inbox: Inbox | None, emails=(), phones=(), name: str = ""):
    one_sender_at_a_time(tenant, [*emails, *phones])
    first, _, last = name.strip().partition(" ")
    fallback = next(iter(emails), None) or next(iter(phones), None) or "Unknown sender"
    match = contact_find_or_create(
        tenant=tenant,
        actor=None,
        emails=emails,
        phones=phones,
        source="inbound message",
        # A sender's address is whatever the message claims: a stranger until proved otherwise.
        address_source=AddressSource.INBOUND_EMAIL if emails else AddressSource.INBOUND_SMS,
        first_name=(first or str(fallback))[:100],
        last_name=last[:100],
        brand=inbox.brand if inbox else None,
        needs_review=True,
    )
    return match.contact


def known_sender(tenant: Tenant, email: NormalisedEmail) -> bool:
    return bool(email.from_address) and (
        contact_match(tenant=tenant, emails=[email.from_address]) is not None
    )


def read_email(
    event: InboundEvent, email: NormalisedEmail, contact: Contact, *, is_delivery_report=False
) -> Incoming:
    stripped = (event.payload or {}).get("stripped_text", "")
    dropped = [{"name": item.filename, "reason": item.reason} for item in email.dropped_attachments]
    return Incoming(
        channel=MessageChannel.EMAIL,
        contact=contact,
        sender=email.from_address,
        recipient=event.recipient,
        subject=email.subject,
        body_text=email.text,
        reply_text=stripped.strip() or email.reply_text,
        body_html=email.html,
        message_id=email.message_id,
        in_reply_to=email.in_reply_to,
        references=email.references,
        sent_at=email.sent_at,
        received_at=email.received_at,
        is_auto_reply=email.is_auto_reply,
        is_delivery_report=is_delivery_report,
        attachments=email.attachments,
        media=dropped,
        too_large_bytes=event.too_large_bytes,
        enclosed=tuple(
            {
                "from_name": item.from_name,
                "from_address": item.from_address,
                "subject": item.subject,
                "sent_at": item.sent_at.isoformat() if item.sent_at else "",
                "text": item.text,
            }
            for item in email.enclosed
        ),
    )


def _twilio_media(tenant: Tenant, event: InboundEvent, count: int):
    """The message's media: fetched into private storage (attachments), else kept as links to
    Twilio's copy (media), with why when a fetch did not keep one. In the sandbox, where no
    provider is called, every medium stays a link."""
    if not count:
        return (), []  # most texts: no account to read
    payload = event.payload
    channel = channel_of(payload.get("To", ""))
    number = payload.get("To", "").removeprefix("whatsapp:")
    auth = twilio_account_for(tenant_id=tenant.pk, channel=channel, number=number) or (
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
    )
    attachments: list[FetchedMedia] = []
    links: list[dict] = []
    for index in range(count):
        url = payload.get(f"MediaUrl{index}", "")
        content_type = payload.get(f"MediaContentType{index}", "")
        if not url.startswith("https://"):
            continue
        if settings.COMMS_SANDBOX or not is_twilio_media_url(url):
            links.append({"url": url, "content_type": content_type})
            continue
        fetched = media_fetch(url=url, content_type=content_type, number=index + 1, auth=auth)
        if isinstance(fetched, FetchedMedia):
            attachments.append(fetched)
        else:
            links.append(fetched)
    return tuple(attachments), links


def read_twilio(tenant: Tenant, event: InboundEvent, inbox: Inbox | None) -> Incoming:
    payload = event.payload
    sender = payload.get("From", "").removeprefix("whatsapp:")
    try:
        number = e164(sender)
    except Exception:
        number = None
    contact = find_contact(
        tenant, inbox=inbox, phones=[number] if number else [], name=payload.get("ProfileName", "")
    )
    try:
        media_count = min(max(int(payload.get("NumMedia") or 0), 0), 10)
    except ValueError:  # not a number: the text is threaded without its media
        media_count = 0
    attachments, media = _twilio_media(tenant, event, media_count)
    return Incoming(
        channel=event.channel,
        contact=contact,
        sender=number or sender,
        recipient=event.recipient.removeprefix("whatsapp:"),
        body_text=payload.get("Body", ""),
        attachments=attachments,
        media=media,
    )


def read_portal(tenant: Tenant, event: InboundEvent) -> Incoming:
    contact = Contact.objects.get(tenant=tenant, pk=event.payload["contact"])
    return Incoming(
        channel=MessageChannel.PORTAL,
        contact=contact,
        sender="",
        recipient="",
        body_text=event.payload.get("body", ""),
    )
