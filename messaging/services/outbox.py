"""The outbox: every outbound message is a row, scheduled with the delivery policy applied, claimed
when due, and sent exactly once.

How "exactly once" holds:
- scheduling is idempotent: the row's (tenant, idempotency_key) is unique, so a trigger that fires
  twice, or a task that runs twice, finds the row already there;
- the sweep claims due rows with FOR UPDATE SKIP LOCKED (two sweeps never claim the same row) and
  marks them queued; a queued row whose task was lost is claimed again after QUEUED_LEASE;
- sending locks the row (SKIP LOCKED: a second worker with the same row moves on), re-checks it is
  still queued, calls the provider and marks it sent in the same transaction. A worker killed
  mid-send rolls the transaction back and the row is claimed again. With the sandbox provider the
  recorded delivery is in that same transaction, so it is exactly once; with a real provider the
  one window left is a crash between the provider's answer and the commit (docs/operations/index.md).

Sending a claimed row is outbox_send.py; a provider's report on a sent message outbox_delivery.py.
"""

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.claims import claim_due_rows
from crm.kit.formatting import local_date
from crm.kit.stored_text import (
    ngettext_noop,
    stored_columns,
    stored_label,
    stored_message,
    stored_plural,
    stored_split,
)
from crm.models import Contact, Tenant, User
from crm.selectors.contacts import contact_reach_address
from crm.services.timeline import timeline_record
from leads.models import Lead
from leads.selectors.brands import contact_brand
from messaging import redaction
from messaging.models import (
    BULK_SOURCES,
    QUEUED_LEASE,
    MessageChannel,
    MessageSource,
    MessageStatus,
    OutboundAttachment,
    OutboundMessage,
    Outcome,
    Purpose,
    TemplateVariant,
)
from messaging.services import policy

logger = logging.getLogger(__name__)

CLAIM_BATCH = 500
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """A file to send with an email: its name, MIME type and bytes."""

    filename: str
    content_type: str
    content: bytes


# --- Addresses and wording -----------------------------------------------------------------------


def _user_address(user: User | None, channel: str) -> str:
    if user is None:
        return ""
    if channel == MessageChannel.EMAIL:
        return user.email
    return str(user.phone) if user.phone else ""


def _from_address(tenant: Tenant, brand, channel: str) -> str:
    if channel == MessageChannel.EMAIL:
        if brand is None:
            return ""
        return f"{brand.sender_name} <{brand.sender_email}>"
    return str(brand.sms_number) if brand is not None and brand.sms_number else ""


def variant_for(
    *, tenant: Tenant, template_id: int, channel: str, language: str, brand_id: int | None
) -> TemplateVariant | None:
    """The wording to use: this brand's in the contact's language first, then any brand's, then
    English, then whatever exists for the channel."""
    variants = list(
        TemplateVariant.objects.filter(tenant=tenant, template_id=template_id, channel=channel)
    )

    def rank(variant):
        return (
            variant.language != language,
            variant.brand_id != brand_id if brand_id else variant.brand_id is not None,
            variant.language != "en",
            variant.brand_id is not None,
            variant.pk,
        )

    return min(variants, key=rank, default=None)


# --- The decision log ------------------------------------------------------------------------------


def decision_append(
    message: OutboundMessage,
    decision: str,
    reason: str | Mapping | None,
    at: dt.datetime,
    **extra: str,
) -> None:
    """Log a decision. `reason` is free text (a provider's error), or a stored message
    (crm.kit.stored_text) kept in English and shown in the reader's language."""
    entry: dict[str, object] = {"at": at.isoformat(), "decision": decision, **extra}
    if isinstance(reason, Mapping):
        entry["reason"], entry["reason_params"] = stored_columns(reason)
    else:
        entry["reason"] = reason
    message.decisions = [*message.decisions, entry]


def described(message: OutboundMessage) -> dict:
    """The message as a timeline value: its channel (read in the reader's language) and name."""
    what = message.template.name if message.template_id and message.template else ""
    if not what:
        text = redaction.secrets_hidden(message.body_text, source=message.source)
        what = message.subject or text[:40]
    return stored_message(
        gettext_noop("%(channel)s “%(what)s”"),
        channel=stored_label(MessageChannel(message.channel).label),
        what=what,
    )


def on_timeline(message: OutboundMessage, kind: str, summary: str, **params):
    """`summary` a msgid whose %(message)s is the message described."""
    """The message's decisions are for the team; the customer's own history of what was sent to
    them is the outbox itself (the portal reads it)."""
    if message.contact_id is None:
        return
    timeline_record(
        tenant=message.tenant,
        kind=kind,
        summary=summary,
        params={"message": described(message), **params},
        contact=message.contact,
        lead=message.lead,
        detail={"message": message.pk, "channel": message.channel},
    )


def verdict_apply(message: OutboundMessage, verdict: policy.Verdict, now: dt.datetime) -> None:
    """Write the verdict onto the (locked or new) row and the timeline; the caller saves."""
    if verdict.outcome in (Outcome.SUPPRESS, Outcome.BLOCK):
        message.status = MessageStatus.SUPPRESSED
        decision_append(message, verdict.outcome, verdict.reason, now)
        kind = "message.suppressed" if verdict.outcome == Outcome.SUPPRESS else "message.blocked"
        on_timeline(
            message,
            kind,
            gettext_noop("%(message)s not sent. %(reason)s"),
            reason=verdict.reason,
        )
    elif verdict.outcome == Outcome.DEFER:
        message.status = MessageStatus.SCHEDULED
        message.send_after = verdict.send_at or message.send_after
        decision_append(message, "deferred", verdict.reason, now)
        on_timeline(
            message,
            "message.deferred",
            gettext_noop("%(message)s: %(reason)s"),
            reason=verdict.reason,
        )


# --- Scheduling ------------------------------------------------------------------------------------


@transaction.atomic
def message_schedule(
    *,
    tenant: Tenant,
    channel: str,
    source: str,
    idempotency_key: str,
    contact: Contact | None = None,
    recipient_user: User | None = None,
    lead: Lead | None = None,
    brand=None,
    template=None,
    trigger_step_id: int | None = None,
    trigger_stage=None,
    purpose: str | None = None,
    subject: str = "",
    body_text: str = "",
    body_html: str = "",
    context: dict | None = None,
    send_after: dt.datetime | None = None,
    created_by: User | None = None,
    now: dt.datetime | None = None,
    to_address: str = "",
    from_address: str = "",
    attachments: Sequence[Attachment] = (),
) -> OutboundMessage:
    """Put a message in the outbox (once per idempotency key) with the delivery policy applied.

    Either a template (rendered when the message is sent, so an edit before then counts) or the
    finished subject and bodies. Returns the row, new or the one already there for the key.
    `to_address` / `from_address` override the contact's primary address and the brand's sender
    (an inbox answers from its own address, to the one the customer wrote from).
    """
    now = now or timezone.now()
    existing = OutboundMessage.objects.filter(
        tenant=tenant, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return existing
    brand = brand or contact_brand(tenant=tenant, contact=contact, lead=lead)
    to_address = to_address or _to_address(contact, recipient_user, channel)
    message = OutboundMessage(
        tenant=tenant,
        idempotency_key=idempotency_key,
        channel=channel,
        source=source,
        purpose=template.purpose if template is not None else (purpose or Purpose.TRANSACTIONAL),
        send_after=send_after or now,
        contact=contact,
        recipient_user=recipient_user,
        lead=lead,
        brand=brand,
        template=template,
        trigger_step_id=trigger_step_id,
        trigger_stage=trigger_stage,
        to_address=to_address,
        from_address=from_address or _from_address(tenant, brand, channel),
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        # A template with finished text (a quote's email) counts as that template for the
        # duplicate rule but is sent as written.
        context={**(context or {}), "prerendered": True}
        if template and body_text
        else context or {},
        created_by=created_by,
    )
    if template is not None and contact is not None:
        message.variant = variant_for(
            tenant=tenant,
            template_id=template.pk,
            channel=channel,
            language=contact.language,
            brand_id=brand.pk if brand else None,
        )
    saved = _saved_once(message, now)
    if attachments and channel == MessageChannel.EMAIL:
        _attach(saved, attachments)
    return saved


def _attach(message: OutboundMessage, attachments: Sequence[Attachment]) -> None:
    """The email's files (once: a message scheduled again for its key keeps its first ones)."""
    if sum(len(attachment.content) for attachment in attachments) > MAX_ATTACHMENT_BYTES:
        raise ValueError("An email's attachments are limited to 10 MB together.")
    if OutboundAttachment.objects.filter(tenant_id=message.tenant_id, message=message).exists():
        return
    OutboundAttachment.objects.bulk_create(
        OutboundAttachment(
            tenant_id=message.tenant_id,
            message=message,
            filename=attachment.filename[:200],
            content_type=attachment.content_type,
            content=attachment.content,
        )
        for attachment in attachments
    )


def _to_address(contact: Contact | None, recipient_user: User | None, channel: str) -> str:
    """Where a message goes unless its caller says: the contact's address for the channel, else
    the staff member's own (a message has one or the other)."""
    if contact is not None:
        return contact_reach_address(contact=contact, channel=channel)
    return _user_address(recipient_user, channel)


def _saved_once(message: OutboundMessage, now: dt.datetime) -> OutboundMessage:
    """The new row saved with the policy's verdict, or the one another worker scheduled under
    the same key at the same moment."""
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Scheduled at the same moment by another worker: theirs is the one.
        return OutboundMessage.objects.get(
            tenant=message.tenant, idempotency_key=message.idempotency_key
        )
    _scheduling_decided(
        message, policy.decide(message=message, at=message.send_after, now=now), now
    )
    message.save(update_fields=["status", "send_after", "decisions"])
    return message


def _scheduling_decided(
    message: OutboundMessage, verdict: policy.Verdict, now: dt.datetime
) -> None:
    """The policy's verdict on a message being scheduled, onto the row; the caller saves."""
    if not verdict.may_send_now:
        verdict_apply(message, verdict, now)
    elif message.send_after <= now:
        decision_append(message, "scheduled", stored_message(gettext_noop("Scheduled now")), now)
    else:
        # Never raw UTC: the pages show `send_at` in the reader's own zone
        # (messaging.selectors.outbox.decision_reason); the words keep the business's.
        local = timezone.localtime(message.send_after, message.tenant.zone)
        reason = _("Scheduled for %(when)s") % {
            "when": local_date(local, "weekday_month_day_time_zone")
        }
        decision_append(message, "scheduled", reason, now, send_at=message.send_after.isoformat())


@dataclass(frozen=True)
class StaffMessage:
    """A finished message to a member of the team (a copy of their alert)."""

    recipient: User
    channel: str
    idempotency_key: str
    subject: str
    body_text: str


def staff_messages_schedule(
    *, tenant: Tenant, messages: list[StaffMessage], now: dt.datetime | None = None
) -> int:
    """`message_schedule` for many messages to the team at once, in a few statements whatever
    their number: a sweep's burst of alerts asks for hundreds of copies. One statement finds the
    keys already scheduled, the sender and the quiet hours are read once, and one insert writes
    the new rows with the policy's decision already on them. Returns how many were new.

    A key another worker scheduled at the same moment is skipped by the insert (its row stands,
    as in `message_schedule`), and still counted here."""
    now = now or timezone.now()
    scheduled = set(
        OutboundMessage.objects.filter(
            tenant=tenant, idempotency_key__in=[message.idempotency_key for message in messages]
        ).values_list("idempotency_key", flat=True)
    )
    brand = contact_brand(tenant=tenant, contact=None)
    config = policy.comms_settings_get(tenant=tenant)
    rows = []
    for staff_message in messages:
        if staff_message.idempotency_key in scheduled:
            continue
        scheduled.add(staff_message.idempotency_key)
        row = OutboundMessage(
            tenant=tenant,
            idempotency_key=staff_message.idempotency_key,
            channel=staff_message.channel,
            source=MessageSource.STAFF,
            purpose=Purpose.TRANSACTIONAL,
            send_after=now,
            recipient_user=staff_message.recipient,
            brand=brand,
            to_address=_user_address(staff_message.recipient, staff_message.channel),
            from_address=_from_address(tenant, brand, staff_message.channel),
            subject=staff_message.subject[:300],
            body_text=staff_message.body_text,
        )
        verdict = policy.decide(message=row, at=now, now=now, config=config)
        _scheduling_decided(row, verdict, now)
        rows.append(row)
    OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def message_cancel(
    *, tenant: Tenant, message: OutboundMessage, reason: Mapping, actor=None
) -> bool:
    """Cancel a message not yet sent, `reason` a stored message. Returns False if it had already
    gone (or been cancelled)."""
    now = timezone.now()
    locked = (
        OutboundMessage.objects.select_for_update()
        .filter(
            tenant=tenant, pk=message.pk, status__in=(MessageStatus.SCHEDULED, MessageStatus.QUEUED)
        )
        .first()
    )
    if locked is None:
        return False
    locked.status = MessageStatus.CANCELLED
    if actor:
        why = stored_message(
            gettext_noop("Cancelled by %(actor)s: %(reason)s"), actor=str(actor), reason=reason
        )
    else:
        why = stored_message(gettext_noop("Cancelled: %(reason)s"), reason=reason)
    decision_append(locked, "cancelled", why, now)
    locked.save(update_fields=["status", "decisions"])
    return True


@transaction.atomic
def messages_cancel_pending(
    *, tenant: Tenant, messages, reason: Mapping, now: dt.datetime | None = None
) -> int:
    """Cancel every message of `messages` (a queryset of the tenant's outbox) not yet sent,
    because the reason it was scheduled for has gone: a quote accepted, consent withdrawn, the
    contact erased, the lead moved on. Each row reads "Cancelled" with `reason` in its decision
    log, and the contact's timeline says it once (`reason` a stored message: each reader reads it
    in their language). Returns how many were cancelled.

    A row a worker is sending right now is waited for: once sent, it is no longer pending."""
    now = now or timezone.now()
    pending = list(
        messages.filter(tenant=tenant, status__in=(MessageStatus.SCHEDULED, MessageStatus.QUEUED))
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for message in pending:
        message.status = MessageStatus.CANCELLED
        decision_append(
            message,
            "cancelled",
            stored_message(gettext_noop("Cancelled: %(reason)s"), reason=reason),
            now,
        )
    OutboundMessage.objects.bulk_update(pending, ["status", "decisions"])
    by_contact: dict[tuple[int, int | None], list[OutboundMessage]] = {}
    for message in pending:
        if message.contact_id is not None:
            by_contact.setdefault((message.contact_id, message.lead_id), []).append(message)
    for rows in by_contact.values():
        summary, params = stored_split(
            stored_plural(
                *ngettext_noop(
                    "%(count)d scheduled message cancelled: %(reason)s",
                    "%(count)d scheduled messages cancelled: %(reason)s",
                ),
                len(rows),
                reason=reason,
            )
        )
        timeline_record(
            tenant=tenant,
            kind="message.cancelled",
            summary=summary,
            params=params,
            contact=rows[0].contact,
            lead=rows[0].lead,
            detail={"messages": [row.pk for row in rows]},
        )
    return len(pending)


# --- Claiming --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxClaim:
    """The rows one claim marked queued: those someone may be waiting on (a rep's reply, a sign-in
    code, a reminder; and rows whose lease ran out, which have waited longest), then the bulk ones
    (BULK_SOURCES), whose sends go behind."""

    first: list[int]
    bulk: list[int]

    @property
    def ids(self) -> list[int]:
        return [*self.first, *self.bulk]


_BULK_PLACEHOLDERS = ", ".join(["%s"] * len(BULK_SOURCES))
_NOT_BULK = (f"source NOT IN ({_BULK_PLACEHOLDERS})", BULK_SOURCES)
_BULK = (f"source IN ({_BULK_PLACEHOLDERS})", BULK_SOURCES)


def outbox_claim(
    *, tenant: Tenant, now: dt.datetime | None = None, limit: int = CLAIM_BATCH
) -> OutboxClaim:
    """Mark at most `limit` due rows queued, the ones someone may be waiting on before the bulk
    ones, and return their ids (the caller enqueues a send task for each).

    Also reclaims (up to `limit` more) rows queued longer than QUEUED_LEASE ago whose task never
    ran (a broker outage, a worker killed before it started). Rows another transaction holds are
    skipped, not waited for.
    """
    now = now or timezone.now()
    claim = partial(
        claim_due_rows,
        model=OutboundMessage,
        tenant_id=tenant.pk,
        queued=MessageStatus.QUEUED,
        now=now,
    )
    scheduled = partial(claim, status=MessageStatus.SCHEDULED, column="send_after", up_to=now)
    with transaction.atomic(), connection.cursor() as cursor:
        first = scheduled(cursor, limit=limit, condition=_NOT_BULK)
        bulk = (
            scheduled(cursor, limit=limit - len(first), condition=_BULK)
            if len(first) < limit
            else []
        )
        first += claim(
            cursor,
            status=MessageStatus.QUEUED,
            column="queued_at",
            up_to=now - QUEUED_LEASE,
            limit=limit,
        )
    return OutboxClaim(first=first, bulk=bulk)


def outbox_claim_due(
    *, tenant: Tenant, now: dt.datetime | None = None, limit: int = CLAIM_BATCH
) -> list[int]:
    """outbox_claim's ids in one list, the bulk ones last."""
    return outbox_claim(tenant=tenant, now=now, limit=limit).ids
