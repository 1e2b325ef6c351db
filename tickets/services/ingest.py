"""Inbound messages, from the webhook to a threaded, assigned ticket, losing nothing on the way.

1. Store (in the webhook's request): the raw event goes into InboundEvent under its tenant, keyed
   by the provider's id so a replay is a no-op, and a task is enqueued on commit. Nothing else
   happens in the request, so the provider gets its 2xx at once. An address no tenant has is kept
   in UnroutedInbound (still a 2xx: a 4xx would make the ESP drop or bounce the mail).
2. Process (in a worker): the event is locked (SKIP LOCKED: a second worker moves on), read,
   matched to a contact, threaded into a ticket and marked processed in one transaction. A failure
   rolls all of it back and leaves the event to be retried with backoff.
3. Sweep (beat): events stored but not processed (the broker was down, a worker was killed) are
   enqueued again.
"""

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import CustomerWrote, publish
from crm.kit.conflicts import conflicts_retried, is_conflict
from crm.kit.languages import in_english
from crm.kit.stored_text import stored_label
from crm.models import AddressSource, Contact, NotificationLevel, Tenant
from crm.phones import e164
from crm.selectors.contacts import contact_match
from crm.services.contacts import contact_find_or_create
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from crm.tenancy import tenant_context
from messaging.models import MessageChannel as OutboxChannel
from messaging.models import OutboundMessage
from messaging.services.keywords import is_keyword_text
from messaging.services.outbox import DeliveryEvent, message_record_delivery
from tickets import priority
from tickets.models import (
    Direction,
    EventProvider,
    EventStatus,
    InboundEvent,
    InboundRoute,
    Inbox,
    InboxSettings,
    MessageChannel,
    Priority,
    SlaEvent,
    SlaEventKind,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
    UnroutedInbound,
)
from tickets.normalise import NormalisedEmail, normalise_email, read_envelope
from tickets.routing import email_route_for, our_message_id, reply_token_in
from tickets.selectors.addresses import twilio_account_for
from tickets.services import sla
from tickets.services.assignment import ticket_assign_automatically
from tickets.services.configuration import inbox_settings_get
from tickets.services.threading import Thread, thread_for
from tickets.twilio_media import FetchedMedia, is_twilio_media_url, media_fetch

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 160
# An address among the recipients of a post that could not be read.
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# How long a freshly stored event waits for its own task before the sweep sends another.
SWEEP_GRACE = dt.timedelta(minutes=1)
MAX_ATTEMPTS = 8
RETRY_DELAYS = (1, 5, 15, 60, 180, 360, 720)  # minutes


# --- 1. Store ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    event_id: int | None  # None: unrouted
    created: bool
    tenant_id: int | None = None


def _enqueue(tenant_id: int, event_id: int) -> None:
    """After commit, hand the event to a worker. A broker outage must not fail the webhook: the
    event is stored, and the sweep picks it up once the broker is back."""
    from tickets.queued_tasks import process_inbound_event

    def send():
        try:
            # One try: the webhook must answer the provider in time (Twilio waits 15 s) even when
            # Redis hangs, and Celery's publish retries would each wait for the socket timeout.
            process_inbound_event.apply_async((tenant_id, event_id), retry=False)
        except Exception:
            logger.warning("inbound event %s left for the sweep: broker unreachable", event_id)

    transaction.on_commit(send)


def _store(
    *,
    tenant_id: int,
    event_key: str,
    inbox_address_id: int | None,
    enqueue: bool = True,
    **fields,
) -> Stored:
    tenant = Tenant.objects.get(pk=tenant_id)
    now = timezone.now()
    with tenant_context(tenant):
        # The provider's own id of an event already stored marks a replay even when the post
        # differs (an ESP that re-serialises what it parsed); the content key is the
        # constraint that holds under concurrent retries.
        provider_id = fields.get("provider_message_id", "")
        replayed = (
            InboundEvent.objects.filter(
                tenant=tenant, provider=fields["provider"], provider_message_id=provider_id
            )
            .values_list("pk", flat=True)
            .first()
            if provider_id
            else None
        )
        if replayed is not None:
            return Stored(replayed, False, tenant.pk)
        event, created = InboundEvent.objects.get_or_create(
            tenant=tenant,
            event_key=event_key[:300],
            defaults={
                "inbox_address_id": inbox_address_id,
                "received_at": now,
                "next_attempt_at": now + SWEEP_GRACE,
                **fields,
            },
        )
        if created and enqueue and event.status == EventStatus.PENDING:
            _enqueue(tenant.pk, event.pk)
    return Stored(event.pk, created, tenant.pk)


def _unrouted_keep(*, content_key: str, **fields) -> Stored:
    """Kept for the platform's operators, once per post however often the provider retries."""
    UnroutedInbound.objects.get_or_create(content_key=content_key[:300], defaults=fields)
    return Stored(None, True)


def _storable(payload: dict) -> dict:
    """A provider's form as JSON PostgreSQL takes: a NUL character, which a form may carry and
    jsonb refuses (a 5xx, and the provider retrying for days), is dropped."""
    return {
        str(name).replace("\x00", ""): str(value).replace("\x00", "")
        for name, value in payload.items()
    }


def _channel_of(to: str) -> str:
    return MessageChannel.WHATSAPP if to.lower().startswith("whatsapp:") else MessageChannel.SMS


@transaction.atomic
def twilio_inbound_store(*, route: InboundRoute, payload: dict) -> Stored:
    """An SMS or WhatsApp message Twilio posted (its signature already checked by the view)."""
    payload = _storable(payload)
    message_sid = payload.get("MessageSid") or payload.get("SmsSid") or ""
    return _store(
        tenant_id=route.tenant_id,
        event_key=f"twilio:{message_sid}",
        inbox_address_id=route.inbox_address_id,
        provider=EventProvider.TWILIO,
        channel=_channel_of(payload.get("To", "")),
        provider_message_id=message_sid,
        recipient=payload.get("To", "")[:254],
        payload=payload,
    )


@transaction.atomic
def twilio_unrouted_store(*, payload: dict) -> Stored:
    """A text for a number no tenant has (signed with the platform's token): kept for the
    platform's operators, as unrouted email is, instead of answered and forgotten."""
    payload = _storable(payload)
    logger.warning("inbound text for no known number: %s", payload.get("To", "")[:40])
    message_sid = payload.get("MessageSid") or payload.get("SmsSid") or ""
    return _unrouted_keep(
        content_key=f"twilio:{message_sid}",
        provider=EventProvider.TWILIO,
        channel=_channel_of(payload.get("To", "")),
        recipients=payload.get("To", "")[:1000],
        sender=payload.get("From", "")[:254],
        payload=payload,
    )


def content_key(content: bytes) -> str:
    """An email's replay key: the hash of what was received, stable across an ESP's retries. Not
    the Message-ID, which mailers and forwarding tools reuse for different messages."""
    return f"sha256:{hashlib.sha256(content).hexdigest()}"


def _headers_only(raw: bytes) -> bytes:
    """The header block of a message too large to keep (what threads it and names its sender)."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    head = raw[:end] if end >= 0 else raw[: settings.INBOUND_EMAIL_HEAD_BYTES]
    return head[: settings.INBOUND_EMAIL_HEAD_BYTES] + b"\r\n\r\n"


def _reply_token(recipients: list[str], tenant_id: int | None):
    """The first validly signed reply token among the recipients (of `tenant_id`, if given), and
    the address that carried it."""
    for address in recipients:
        token = reply_token_in([address])
        if token is not None and tenant_id in (None, token.tenant_id):
            return token, address
    return None, ""


@transaction.atomic
def email_inbound_store(
    *,
    provider: str,
    raw: bytes,
    envelope_recipients=(),
    esp_message_id: str = "",
    content_digest: str = "",
    provider_post: bytes = b"",
    post_content_type: str = "",
    too_large_bytes: int | None = None,
    stripped_text: str = "",
    tenant: Tenant | None = None,
    inbox: Inbox | None = None,
    enqueue: bool = True,
    history: bool = False,
) -> Stored:
    """A raw RFC 822 message from an ESP's inbound webhook or an imported file.

    The tenant comes from a signed reply token among the recipients, else from the first
    recipient that is an inbox address. An import names its `tenant` (only that tenant's
    addresses and tokens count) and may put every message in one `inbox`; it processes the
    events itself (`enqueue=False`). `history`: mail from the past (an imported mailbox), threaded
    at the time it was delivered then, starting no SLA clock and telling nobody.

    A replay is the ESP's own `esp_message_id` again, or the same content: `content_digest`
    when the ESP posted parsed fields (our serialisation of them is not stable), else the raw
    bytes. `provider_post` is the post itself when it carried no raw message, for staff to
    download. A message over INBOUND_EMAIL_MAX_MESSAGE_BYTES keeps only its headers (a message
    shown as too large), as does one the webhook could not read in full (`too_large_bytes`).
    """
    raw = bytes(raw)
    key = content_key(content_digest.encode() if content_digest else raw)
    if too_large_bytes is None and len(raw) > settings.INBOUND_EMAIL_MAX_MESSAGE_BYTES:
        too_large_bytes = len(raw)
        raw, provider_post = _headers_only(raw), b""
    envelope = read_envelope(raw)
    recipients = list(
        dict.fromkeys(a.lower() for a in (*envelope_recipients, *envelope.recipients) if a)
    )
    only_tenant_id = inbox.tenant_id if inbox is not None else (tenant.pk if tenant else None)
    token, token_address = _reply_token(recipients, only_tenant_id)
    route = email_route_for(recipients, tenant_id=only_tenant_id)
    if inbox is None and token is None and route is None:
        logger.warning("inbound email for no known address: %s", ", ".join(recipients)[:200])
        return _unrouted_keep(
            content_key=key,
            provider=provider,
            channel=MessageChannel.EMAIL,
            recipients=", ".join(recipients)[:1000],
            sender=envelope.sender[:254],
            payload={
                "esp_message_id": esp_message_id,
                "message_id": envelope.message_id,
                **({"too_large_bytes": too_large_bytes} if too_large_bytes else {}),
            },
            raw=provider_post or raw,
        )
    if inbox is not None:
        tenant_id = inbox.tenant_id
    else:
        tenant_id = token.tenant_id if token else route.tenant_id
    routed = route is not None and route.tenant_id == tenant_id and inbox is None
    payload = {"stripped_text": stripped_text} if stripped_text else {}
    if inbox is not None:
        payload["inbox"] = inbox.pk
    if history:
        payload["history"] = True
    # The token's address is the recipient the threader reads the token from, wherever it was.
    recipient = token_address or (route.address if routed else "") or next(iter(recipients), "")
    return _store(
        tenant_id=tenant_id,
        event_key=key,
        inbox_address_id=route.inbox_address_id if routed else None,
        enqueue=enqueue,
        provider=provider,
        channel=MessageChannel.EMAIL,
        provider_message_id=esp_message_id[:300],
        recipient=recipient[:254],
        payload=payload,
        raw=raw,
        provider_post=provider_post,
        post_content_type=post_content_type[:200],
        too_large_bytes=too_large_bytes,
    )


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
    token, token_address = _reply_token(addresses, None)
    route = email_route_for(addresses)
    if token is None and route is None:
        return _unrouted_keep(
            content_key=key,
            provider=provider,
            channel=MessageChannel.EMAIL,
            recipients="(unreadable post)",
            payload={"error": reason[:500], "content_type": content_type[:200]},
            raw=post,
        )
    routed = route is not None and (token is None or token.tenant_id == route.tenant_id)
    return _store(
        tenant_id=token.tenant_id if token else route.tenant_id,
        event_key=key,
        inbox_address_id=route.inbox_address_id if routed else None,
        provider=provider,
        channel=MessageChannel.EMAIL,
        recipient=(token_address or route.address)[:254],
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


def portal_message_store(*, tenant: Tenant, contact: Contact, body: str, key: str) -> Stored:
    """A message a customer wrote in the portal: the same path as any inbound message."""
    return _store(
        tenant_id=tenant.pk,
        event_key=f"portal:{key}",
        inbox_address_id=None,
        provider=EventProvider.PORTAL,
        channel=MessageChannel.PORTAL,
        payload={"contact": contact.pk, "body": body},
    )


# --- 2. Process ----------------------------------------------------------------------------------


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


def _one_sender_at_a_time(tenant: Tenant, addresses) -> None:
    """Two messages from one new sender threaded at once (a WhatsApp with three photos arrives
    as three webhooks) would each find no contact and make one: the second waits here, until the
    first has committed its contact, and then finds it."""
    with connection.cursor() as cursor:
        for address in sorted(set(addresses)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"inbound-sender:{tenant.pk}:{address}"],
            )


def _find_contact(tenant: Tenant, *, inbox: Inbox | None, emails=(), phones=(), name: str = ""):
    _one_sender_at_a_time(tenant, [*emails, *phones])
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


def _known_sender(tenant: Tenant, email: NormalisedEmail) -> bool:
    return bool(email.from_address) and (
        contact_match(tenant=tenant, emails=[email.from_address]) is not None
    )


def _read_email(
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
    channel = _channel_of(payload.get("To", ""))
    number = payload.get("To", "").removeprefix("whatsapp:")
    auth = twilio_account_for(tenant_id=tenant.pk, channel=channel, number=number) or (
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
    )
    attachments, links = [], []
    for index in range(count):
        url = payload.get(f"MediaUrl{index}", "")
        content_type = payload.get(f"MediaContentType{index}", "")
        if not url.startswith("https://"):
            continue
        if settings.COMMS_SANDBOX or not is_twilio_media_url(url):
            links.append({"url": url, "content_type": content_type})
            continue
        fetched = media_fetch(url=url, content_type=content_type, number=index + 1, auth=auth)
        (attachments if isinstance(fetched, FetchedMedia) else links).append(fetched)
    return tuple(attachments), links


def _read_twilio(tenant: Tenant, event: InboundEvent, inbox: Inbox | None) -> Incoming:
    payload = event.payload
    sender = payload.get("From", "").removeprefix("whatsapp:")
    try:
        number = e164(sender)
    except Exception:
        number = None
    contact = _find_contact(
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


def _read_portal(tenant: Tenant, event: InboundEvent) -> Incoming:
    contact = Contact.objects.get(tenant=tenant, pk=event.payload["contact"])
    return Incoming(
        channel=MessageChannel.PORTAL,
        contact=contact,
        sender="",
        recipient="",
        body_text=event.payload.get("body", ""),
    )


def _snippet(text: str) -> str:
    return " ".join(text.split())[:SNIPPET_CHARS]


def _storage_name(filename: str) -> str:
    """A name the file storage accepts. One made only of emoji or punctuation has none of its own
    ("😍" raised, failing the message on every retry); the attachment keeps its name for display."""
    try:
        return get_valid_filename(filename)
    except SuspiciousFileOperation:
        return "attachment"


def _save_attachments(message: TicketMessage, attachments) -> None:
    for item in attachments:
        attachment = TicketAttachment(
            tenant_id=message.tenant_id,
            message=message,
            token=secrets.token_hex(16),
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            is_inline=bool(item.content_id),
        )
        if isinstance(item, FetchedMedia):
            with item.file:  # a temporary file: gone once stored
                attachment.file.save(_storage_name(item.filename), item.file, save=False)
        else:
            attachment.file.save(
                _storage_name(item.filename), ContentFile(item.content), save=False
            )
        attachment.save()


def _owes_no_answer(message: TicketMessage) -> bool:
    """An out-of-office, or a STOP, START or HELP text the system itself answers
    (messaging/services/keywords.py): nobody on the team owes a reply, so it reopens nothing, starts no
    response clock, raises no priority and alerts nobody. It still shows in the thread."""
    return message.is_auto_reply or is_keyword_text(channel=message.channel, body=message.body_text)


def _tell_the_rest_of_the_app(tenant: Tenant, ticket: Ticket, message: TicketMessage, incoming):
    """One event; config/events.py lists who hears it, in order."""
    publish(
        CustomerWrote(
            tenant=tenant,
            contact=incoming.contact,
            ticket_contact=ticket.contact,
            channel=message.channel,
            body=message.body_text,
            from_address=message.from_address,
            received_at=message.sent_at,
            awaits_answer=not _owes_no_answer(message),
            ticket_id=ticket.pk,
            ticket_reference=ticket.reference,
            message_id=message.pk,
        )
    )


def _boost(tenant: Tenant, ticket: Ticket, message: TicketMessage, inbox_settings) -> str:
    """Raise the ticket's priority for an angry or alarming message; returns why ("" if not)."""
    # The contact's language says whether VADER (English) may score it: tickets.priority.
    language = ticket.contact.language
    message.sentiment = priority.sentiment_of(message.shown_text, language)
    reason = priority.boost_reason(
        text=f"{message.subject}\n{message.shown_text}",
        sentiment=message.sentiment,
        settings=inbox_settings,
        language=language,
    )
    if not reason:
        return ""
    new = priority.raised(ticket.priority)
    if new == ticket.priority:
        return ""
    ticket.priority = new
    ticket.priority_reason = reason[:300]
    sla.sla_reprioritised(tenant=tenant, ticket=ticket)
    SlaEvent.objects.create(
        tenant=tenant,
        ticket=ticket,
        kind=SlaEventKind.PRIORITY_BOOSTED,
        occurred_at=message.sent_at,
        due_at=ticket.sla_due_at,
        detail=f"Raised to {in_english(ticket.get_priority_display())}: {reason}"[:300],
    )
    return reason


def _alert_boost(tenant: Tenant, ticket: Ticket, reason: str) -> None:
    """Tell the assignee (a new ticket's, once assigned), else the inbox's team lead."""
    recipient = ticket.assignee or ticket.inbox.team_lead
    if recipient is None:
        return
    notification_create(
        tenant=tenant,
        recipient=recipient.user,
        title=gettext_noop("%(reference)s raised to %(priority)s"),
        title_params={
            "reference": ticket.reference,
            "priority": stored_label(Priority(ticket.priority).label),
        },
        body=f"{ticket.contact.display_name}: {reason}",
        url=reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}),
        level=NotificationLevel.WARNING,
        kind="ticket_priority",
    )


def _is_history(event: InboundEvent) -> bool:
    return event.channel == MessageChannel.EMAIL and bool((event.payload or {}).get("history"))


def _arrival(event: InboundEvent, claimed, now: dt.datetime) -> dt.datetime:
    """Where the message goes in time: when we received it. Imported history was received long
    ago, by another server: its newest Received: header says when, else its Date (never later
    than now). The sender's Date alone, old or wrong or in the future, orders nothing else.
    `claimed`: the email or incoming message with the times it claims."""
    if not _is_history(event):
        return event.received_at
    at = claimed.received_at or claimed.sent_at
    return min(at, now) if at else event.received_at


def _apply_to_ticket(
    tenant: Tenant,
    thread: Thread,
    incoming: Incoming,
    event: InboundEvent,
    sent_at: dt.datetime,
    inbox_settings: InboxSettings | None = None,
):
    """Add the message to its ticket. History (an import) and automatic mail are recorded and
    change nothing else: no reopening, no SLA clock, no priority boost, nobody told."""
    ticket = thread.ticket
    inbox_settings = inbox_settings or inbox_settings_get(tenant=tenant)
    now = timezone.now()
    history = _is_history(event)
    message = TicketMessage(
        tenant=tenant,
        ticket=ticket,
        direction=Direction.INBOUND,
        channel=incoming.channel,
        sent_at=sent_at,
        dated_at=incoming.sent_at,
        from_address=incoming.sender[:254],
        to_address=incoming.recipient[:254],
        subject=incoming.subject,
        body_text=incoming.body_text,
        reply_text=incoming.reply_text if incoming.reply_text != incoming.body_text else "",
        body_html=incoming.body_html,
        message_id=incoming.message_id,
        in_reply_to=incoming.in_reply_to,
        is_auto_reply=incoming.is_auto_reply,
        is_delivery_report=incoming.is_delivery_report,
        enclosed=list(incoming.enclosed),
        media=incoming.media or [],
        too_large_bytes=incoming.too_large_bytes,
        inbound_event=event,
    )
    owes_no_answer = _owes_no_answer(message)
    quiet = history or owes_no_answer
    boosted = "" if quiet else _boost(tenant, ticket, message, inbox_settings)
    message.save()
    _save_attachments(message, incoming.attachments)

    # An auto-reply or a STOP does not bring a ticket back to the top of anyone's list.
    latest = sent_at >= ticket.last_message_at and not owes_no_answer
    if latest or thread.is_new:
        ticket.last_message_at = sent_at
        ticket.last_message_snippet = _snippet(message.shown_text or message.subject)
        ticket.last_message_channel = message.channel
        ticket.last_message_direction = Direction.INBOUND
    if not owes_no_answer and sent_at >= (ticket.last_customer_message_at or sent_at):
        ticket.last_customer_message_at = sent_at
    if history and thread.is_new:
        # Mail from the past, as it stands: nothing is owed on it until the customer writes again.
        ticket.status = TicketStatus.RESOLVED
        ticket.resolved_at = sent_at
    if not quiet:
        if ticket.status != TicketStatus.OPEN:
            timeline_record(
                tenant=tenant,
                kind="ticket.reopened",
                summary=gettext_noop("%(reference)s reopened: the customer wrote"),
                params={"reference": ticket.reference},
                contact=ticket.contact,
                lead=ticket.lead,
                detail={"ticket": ticket.pk},
            )
            ticket.status = TicketStatus.OPEN
            ticket.resolved_at = None
        sla.sla_customer_wrote(tenant=tenant, ticket=ticket, at=sent_at)
    ticket.save()

    timeline_record(
        tenant=tenant,
        kind="ticket.message_received",
        summary=gettext_noop("%(reference)s: %(channel)s a delivery report — %(snippet)s")
        if message.is_delivery_report
        else gettext_noop("%(reference)s: %(channel)s from the customer — %(snippet)s"),
        params={
            "reference": ticket.reference,
            "channel": stored_label(MessageChannel(message.channel).label),
            "snippet": _snippet(message.shown_text or message.subject)[:120],
        },
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk, "message": message.pk, "channel": message.channel},
        occurred_at=sent_at,
    )
    if thread.is_new and not history:
        ticket_assign_automatically(tenant=tenant, ticket=ticket, now=now)
    elif ticket.assignee_id and not quiet:
        notification_create(
            tenant=tenant,
            recipient=ticket.assignee.user,
            title=gettext_noop("%(name)s replied on %(reference)s"),
            title_params={"name": ticket.contact.display_name, "reference": ticket.reference},
            body=_snippet(message.shown_text),
            url=reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}),
            kind="customer_replied",
        )
    if boosted:
        _alert_boost(tenant, ticket, boosted)
    if not history:
        _tell_the_rest_of_the_app(tenant, ticket, message, incoming)
    return message


def _inbox_of(tenant: Tenant, event: InboundEvent) -> Inbox | None:
    if event.inbox_address_id:
        return Inbox.objects.filter(tenant=tenant, addresses__pk=event.inbox_address_id).first()
    # An import may name the inbox (email_inbound_store); a Twilio payload is the provider's form.
    forced = event.payload.get("inbox") if event.channel == MessageChannel.EMAIL else None
    return Inbox.objects.filter(tenant=tenant, pk=forced).first() if forced else None


def _reported_outbound(tenant: Tenant, report) -> OutboundMessage | None:
    """The email of ours a delivery report is about: its Message-ID is our own (the tenant's), and
    the message was sent. Anyone can mail a report to an inbox, so the caller also checks that it
    names the recipient before it changes the outbox row."""
    ours = our_message_id(report.original_message_id) if report.original_message_id else None
    if ours is None or ours.tenant_id != tenant.pk:
        return None
    return (
        OutboundMessage.objects.filter(
            tenant=tenant,
            pk=ours.outbound_id,
            channel=OutboxChannel.EMAIL,
            sent_at__isnull=False,
        )
        .select_related("ticket_message")
        .first()
    )


def _apply_delivery_report(
    tenant: Tenant, event: InboundEvent, email: NormalisedEmail, at: dt.datetime
) -> TicketMessage | None:
    """A bounce or delay notice (RFC 3464, or a mailer daemon's own words) is no customer writing:
    it updates the outbox row it reports on and joins that message's thread quietly. One about no
    email of ours is kept as its event only (no contact is made for a mailer daemon)."""
    report = email.delivery_report
    outbound = _reported_outbound(tenant, report)
    if outbound is None:
        logger.info("delivery report %s matches no email of ours", event.pk)
        return None
    if report.is_failure and outbound.to_address.strip().lower() in report.recipients:
        message_record_delivery(
            tenant=tenant,
            message_id=outbound.pk,
            event=DeliveryEvent.BOUNCED if report.is_permanent else DeliveryEvent.FAILED,
            at=at,
            detail=f"Bounce report {report.status}: {report.diagnostic or report.action}"[:500],
        )
    ticket_message = getattr(outbound, "ticket_message", None)
    if ticket_message is None:
        return None
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("inbox", "contact", "lead", "assignee__user")
        .get(tenant=tenant, pk=ticket_message.ticket_id)
    )
    incoming = _read_email(event, email, ticket.contact, is_delivery_report=True)
    return _apply_to_ticket(tenant, Thread(ticket, False, "delivery report"), incoming, event, at)


def _process(tenant: Tenant, event: InboundEvent) -> TicketMessage | None:
    inbox = _inbox_of(tenant, event)
    now = timezone.now()
    if event.channel == MessageChannel.EMAIL:
        email = normalise_email(
            bytes(event.raw), max_attachment_bytes=settings.TICKET_MAX_ATTACHMENT_BYTES
        )
        if email.delivery_report is not None:
            return _apply_delivery_report(tenant, event, email, _arrival(event, email, now))
        if email.is_auto_reply and not _known_sender(tenant, email):
            # An out-of-office or notification from nobody we know is no customer writing.
            logger.info("automatic email %s from no known contact: kept as its event", event.pk)
            return None
        contact = _find_contact(
            tenant,
            inbox=inbox,
            emails=[email.from_address] if email.from_address else [],
            name=email.from_name,
        )
        incoming = _read_email(event, email, contact)
    elif event.channel == MessageChannel.PORTAL:
        incoming = _read_portal(tenant, event)
    else:
        incoming = _read_twilio(tenant, event, inbox)
    token = reply_token_in([event.recipient]) if event.channel == MessageChannel.EMAIL else None
    arrival = _arrival(event, incoming, now)
    inbox_settings = inbox_settings_get(tenant=tenant)  # read once: threading and boosts use it
    thread = thread_for(
        tenant=tenant,
        incoming=incoming,
        inbox=inbox,
        reply_ticket_id=token.ticket_id if token and token.tenant_id == tenant.pk else None,
        received_at=arrival,
        history=_is_history(event),
        settings=inbox_settings,
    )
    return _apply_to_ticket(tenant, thread, incoming, event, arrival, inbox_settings)


def _retry_later(event: InboundEvent, error: Exception, now: dt.datetime) -> None:
    event.attempts += 1
    event.last_error = f"{type(error).__name__}: {error}"[:1000]
    if event.attempts >= MAX_ATTEMPTS:
        event.status = EventStatus.DEAD
    else:
        event.status = EventStatus.FAILED
        delay = RETRY_DELAYS[min(event.attempts - 1, len(RETRY_DELAYS) - 1)]
        event.next_attempt_at = now + dt.timedelta(minutes=delay)


def inbound_event_process(*, tenant: Tenant, event_id: int) -> str:
    """Thread one stored event. Safe to run twice, or on two workers at once. A deadlock or
    serialization failure with another writer is tried again at once (crm.kit.conflicts), not
    minutes later: only the last try's conflict counts as a failed attempt. The task's tenant
    context encloses it and holds no row lock: each try is a savepoint."""
    now = timezone.now()
    return conflicts_retried(
        lambda final: _event_process(tenant, event_id, now, final), in_savepoint=True
    )


def _event_process(tenant: Tenant, event_id: int, now: dt.datetime, final: bool) -> str:
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(
                tenant=tenant, pk=event_id, status__in=(EventStatus.PENDING, EventStatus.FAILED)
            )
            .first()
        )
        if event is None:
            return "skipped"
        try:
            with transaction.atomic():
                message = _process(tenant, event)
                # The foreign keys' checks (deferred to commit) run now, inside the try: one
                # that meets another writer's lock is retried here, not at the task's commit.
                # Then deferred again, as Django declares them, for what the transaction does next.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        except Exception as error:
            if not final and is_conflict(error):
                raise  # the whole transaction rolls back and runs again
            logger.exception("inbound event %s could not be processed", event.pk)
            _retry_later(event, error, now)
            event.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return event.status
        event.status = EventStatus.PROCESSED
        event.processed_at = now
        event.attempts += 1
        event.last_error = ""
        event.save(update_fields=["status", "processed_at", "attempts", "last_error"])
        return f"ticket {message.ticket_id}" if message is not None else "no ticket"


# --- 3. Sweep ------------------------------------------------------------------------------------


def inbound_events_due(*, tenant: Tenant, now: dt.datetime | None = None, limit: int = 500):
    """Ids of events stored but not processed whose turn has come (first try or a retry)."""
    now = now or timezone.now()
    return list(
        InboundEvent.objects.filter(
            tenant=tenant,
            status__in=(EventStatus.PENDING, EventStatus.FAILED),
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def inbound_event_requeue(*, tenant: Tenant, event: InboundEvent) -> None:
    """A person asks for another try at an event that failed or gave up."""
    if event.status not in (EventStatus.FAILED, EventStatus.DEAD):
        raise ValidationError(_("Only a failed event can be tried again."))
    event.status = EventStatus.FAILED
    event.next_attempt_at = timezone.now()
    event.attempts = 0
    event.save(update_fields=["status", "next_attempt_at", "attempts"])
    _enqueue(tenant.pk, event.pk)
