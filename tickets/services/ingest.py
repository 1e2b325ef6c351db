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

Reading an event is ingest_read.py, threading it into its ticket ingest_apply.py, and the posts an
ESP sent that could not be read the usual way ingest_unreadable.py.
"""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.kit.conflicts import conflicts_retried, is_conflict
from crm.models import Contact, Tenant
from crm.tenancy import tenant_context
from tickets.models import (
    EventProvider,
    EventStatus,
    InboundEvent,
    InboundRoute,
    Inbox,
    MessageChannel,
    TicketMessage,
    UnroutedInbound,
)
from tickets.normalise import normalise_email, read_envelope
from tickets.routing import ReplyToken, email_route_for, reply_token_in
from tickets.services.configuration import inbox_settings_get
from tickets.services.ingest_apply import (
    apply_delivery_report,
    apply_to_ticket,
    arrival_time,
    is_history,
)
from tickets.services.ingest_read import (
    channel_of,
    find_contact,
    known_sender,
    read_email,
    read_portal,
    read_twilio,
)
from tickets.services.threading import thread_for

logger = logging.getLogger(__name__)

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


def event_store(
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


def unrouted_keep(*, content_key: str, **fields) -> Stored:
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


@transaction.atomic
def twilio_inbound_store(*, route: InboundRoute, payload: dict) -> Stored:
    """An SMS or WhatsApp message Twilio posted (its signature already checked by the view)."""
    payload = _storable(payload)
    message_sid = payload.get("MessageSid") or payload.get("SmsSid") or ""
    return event_store(
        tenant_id=route.tenant_id,
        event_key=f"twilio:{message_sid}",
        inbox_address_id=route.inbox_address_id,
        provider=EventProvider.TWILIO,
        channel=channel_of(payload.get("To", "")),
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
    return unrouted_keep(
        content_key=f"twilio:{message_sid}",
        provider=EventProvider.TWILIO,
        channel=channel_of(payload.get("To", "")),
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


def reply_token_find(recipients: list[str], tenant_id: int | None) -> tuple[ReplyToken | None, str]:
    """The first validly signed reply token among the recipients (of `tenant_id`, if given), and
    the address that carried it."""
    for address in recipients:
        token = reply_token_in([address])
        if token is not None and tenant_id in (None, token.tenant_id):
            return token, address
    return None, ""


def _unrouted_email_payload(
    esp_message_id: str, message_id: str, too_large_bytes: int | None
) -> dict[str, object]:
    """What the platform's operators see of an email addressed to nobody we know."""
    payload: dict[str, object] = {"esp_message_id": esp_message_id, "message_id": message_id}
    if too_large_bytes:
        payload["too_large_bytes"] = too_large_bytes
    return payload


def _email_payload(*, stripped_text: str, inbox: Inbox | None, history: bool) -> dict[str, object]:
    """What processing needs beyond the raw message: the ESP's own reply text, the inbox an
    import names, and whether the message is history."""
    payload: dict[str, object] = {"stripped_text": stripped_text} if stripped_text else {}
    if inbox is not None:
        payload["inbox"] = inbox.pk
    if history:
        payload["history"] = True
    return payload


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
    token, token_address = reply_token_find(recipients, only_tenant_id)
    route = email_route_for(recipients, tenant_id=only_tenant_id)
    owner = inbox or token or route
    if owner is None:
        logger.warning("inbound email for no known address: %s", ", ".join(recipients)[:200])
        return unrouted_keep(
            content_key=key,
            provider=provider,
            channel=MessageChannel.EMAIL,
            recipients=", ".join(recipients)[:1000],
            sender=envelope.sender[:254],
            payload=_unrouted_email_payload(esp_message_id, envelope.message_id, too_large_bytes),
            raw=provider_post or raw,
        )
    tenant_id = owner.tenant_id
    routed = route if route is not None and route.tenant_id == tenant_id and inbox is None else None
    payload = _email_payload(stripped_text=stripped_text, inbox=inbox, history=history)
    # The token's address is the recipient the threader reads the token from, wherever it was.
    recipient = token_address or (routed.address if routed else "") or next(iter(recipients), "")
    return event_store(
        tenant_id=tenant_id,
        event_key=key,
        inbox_address_id=routed.inbox_address_id if routed else None,
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


def portal_message_store(*, tenant: Tenant, contact: Contact, body: str, key: str) -> Stored:
    """A message a customer wrote in the portal: the same path as any inbound message."""
    return event_store(
        tenant_id=tenant.pk,
        event_key=f"portal:{key}",
        inbox_address_id=None,
        provider=EventProvider.PORTAL,
        channel=MessageChannel.PORTAL,
        payload={"contact": contact.pk, "body": body},
    )


# --- 2. Process ----------------------------------------------------------------------------------


def _inbox_of(tenant: Tenant, event: InboundEvent) -> Inbox | None:
    if event.inbox_address_id:
        return Inbox.objects.filter(tenant=tenant, addresses__pk=event.inbox_address_id).first()
    # An import may name the inbox (email_inbound_store); a Twilio payload is the provider's form.
    forced = event.payload.get("inbox") if event.channel == MessageChannel.EMAIL else None
    return Inbox.objects.filter(tenant=tenant, pk=forced).first() if forced else None


def _process(tenant: Tenant, event: InboundEvent) -> TicketMessage | None:
    inbox = _inbox_of(tenant, event)
    now = timezone.now()
    if event.channel == MessageChannel.EMAIL:
        email = normalise_email(
            bytes(event.raw), max_attachment_bytes=settings.TICKET_MAX_ATTACHMENT_BYTES
        )
        if email.delivery_report is not None:
            return apply_delivery_report(tenant, event, email, arrival_time(event, email, now))
        if email.is_auto_reply and not known_sender(tenant, email):
            # An out-of-office or notification from nobody we know is no customer writing.
            logger.info("automatic email %s from no known contact: kept as its event", event.pk)
            return None
        contact = find_contact(
            tenant,
            inbox=inbox,
            emails=[email.from_address] if email.from_address else [],
            name=email.from_name,
        )
        incoming = read_email(event, email, contact)
    elif event.channel == MessageChannel.PORTAL:
        incoming = read_portal(tenant, event)
    else:
        incoming = read_twilio(tenant, event, inbox)
    token = reply_token_in([event.recipient]) if event.channel == MessageChannel.EMAIL else None
    arrival = arrival_time(event, incoming, now)
    inbox_settings = inbox_settings_get(tenant=tenant)  # read once: threading and boosts use it
    thread = thread_for(
        tenant=tenant,
        incoming=incoming,
        inbox=inbox,
        reply_ticket_id=token.ticket_id if token and token.tenant_id == tenant.pk else None,
        received_at=arrival,
        history=is_history(event),
        settings=inbox_settings,
    )
    return apply_to_ticket(tenant, thread, incoming, event, arrival, inbox_settings)


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
