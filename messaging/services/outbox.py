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
"""

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import publish
from crm.kit.claims import claim_due_rows
from crm.kit.formatting import local_date
from crm.kit.links import lead_page
from crm.kit.stored_text import (
    MSGID,
    ngettext_noop,
    stored_columns,
    stored_english,
    stored_label,
    stored_message,
    stored_plural,
    stored_split,
)
from crm.models import Contact, NotificationLevel, Tenant, User
from crm.selectors.contacts import contact_reach_address
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from leads.models import Lead
from leads.selectors.brands import contact_brand
from messaging import redaction, rendering, sandbox
from messaging.events import EmailBounced
from messaging.models import (
    BULK_SOURCES,
    QUEUED_LEASE,
    ContactCommsProfile,
    MessageChannel,
    MessageSource,
    MessageStatus,
    OutboundMessage,
    Outcome,
    Provider,
    ProviderMessageRoute,
    Purpose,
    TemplateVariant,
)
from messaging.schedulers import scheduler_of
from messaging.services import policy, providers
from messaging.variables import as_the_contact_reads, message_variables

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
)
# A provider's Retry-After is honoured when it asks for longer than our own backoff, up to this.
RETRY_AFTER_AT_MOST = dt.timedelta(hours=6)
CLAIM_BATCH = 500


# --- Addresses and wording -----------------------------------------------------------------------


def _user_address(user: User, channel: str) -> str:
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
    message: OutboundMessage, decision: str, reason: str | Mapping, at: dt.datetime, **extra: str
) -> None:
    """Log a decision. `reason` is free text (a provider's error), or a stored message
    (crm.kit.stored_text) kept in English and shown in the reader's language."""
    entry = {"at": at.isoformat(), "decision": decision, **extra}
    if isinstance(reason, Mapping):
        entry["reason"], entry["reason_params"] = stored_columns(reason)
    else:
        entry["reason"] = reason
    message.decisions = [*message.decisions, entry]


def _described(message: OutboundMessage) -> dict:
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


def _on_timeline(message: OutboundMessage, kind: str, summary: str, **params):
    """`summary` a msgid whose %(message)s is the message described."""
    """The message's decisions are for the team; the customer's own history of what was sent to
    them is the outbox itself (the portal reads it)."""
    if message.contact_id is None:
        return
    timeline_record(
        tenant=message.tenant,
        kind=kind,
        summary=summary,
        params={"message": _described(message), **params},
        contact=message.contact,
        lead=message.lead,
        detail={"message": message.pk, "channel": message.channel},
    )


def _apply_verdict(message: OutboundMessage, verdict: policy.Verdict, now: dt.datetime) -> None:
    """Write the verdict onto the (locked or new) row and the timeline; the caller saves."""
    if verdict.outcome in (Outcome.SUPPRESS, Outcome.BLOCK):
        message.status = MessageStatus.SUPPRESSED
        decision_append(message, verdict.outcome, verdict.reason, now)
        kind = "message.suppressed" if verdict.outcome == Outcome.SUPPRESS else "message.blocked"
        _on_timeline(
            message,
            kind,
            gettext_noop("%(message)s not sent. %(reason)s"),
            reason=verdict.reason,
        )
    elif verdict.outcome == Outcome.DEFER:
        message.status = MessageStatus.SCHEDULED
        message.send_after = verdict.send_at
        decision_append(message, "deferred", verdict.reason, now)
        _on_timeline(
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
    if not to_address and contact is not None:
        to_address = contact_reach_address(contact=contact, channel=channel)
    elif not to_address:
        to_address = _user_address(recipient_user, channel)
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
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # Scheduled at the same moment by another worker: theirs is the one.
        return OutboundMessage.objects.get(tenant=tenant, idempotency_key=idempotency_key)
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
        _apply_verdict(message, verdict, now)
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


# --- Claiming and sending --------------------------------------------------------------------------


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


def _stale_reason(message: OutboundMessage) -> dict | None:
    """Why a scheduled message should no longer go, as what scheduled it says (a trigger changed
    after it was scheduled)."""
    scheduler = scheduler_of(message)
    return scheduler.stale_reason(message) if scheduler is not None else None


def _render(message: OutboundMessage) -> None:
    """Fill subject and bodies from the template's current wording (raises MissingVariables)."""
    tenant, contact = message.tenant, message.contact
    scheduler = scheduler_of(message)
    template = scheduler.template(message) if scheduler is not None else None
    if template is not None:
        message.template = template
    message.variant = variant_for(
        tenant=tenant,
        template_id=message.template_id,
        channel=message.channel,
        language=contact.language,
        brand_id=message.brand_id,
    )
    if message.variant is None:
        raise rendering.MissingVariables([f"{message.get_channel_display()} wording"])
    with as_the_contact_reads(tenant, contact):
        variables = message_variables(
            tenant=tenant,
            contact=contact,
            channel=message.channel,
            lead=message.lead,
            brand=message.brand,
            extra=message.context.get("variables"),
        )
        rendered = rendering.render(
            subject=message.variant.subject if message.channel == MessageChannel.EMAIL else "",
            text=message.variant.body_text,
            html=message.variant.body_html if message.channel == MessageChannel.EMAIL else "",
            variables=variables,
            make_html=message.channel == MessageChannel.EMAIL,
        )
    if not (message.context.get("keep_subject") and message.subject):
        # (A reply in a ticket keeps its "Re: … [#T-1042]", so the thread stays one thread.)
        message.subject = rendered.subject[:300]
    message.body_text = rendered.text
    message.body_html = rendered.html
    if message.purpose == Purpose.MARKETING:
        # One-click unsubscribe in the mail client (List-Unsubscribe) for marketing only: a click
        # there must not stop a customer's appointment reminders.
        message.context = {**message.context, "unsubscribe_url": variables["unsubscribe_link"]}
    if message.channel == MessageChannel.WHATSAPP and message.variant.whatsapp_content_sid:
        message.context["whatsapp_content_sid"] = message.variant.whatsapp_content_sid


def _tell_sender(message: OutboundMessage, title: str, **params) -> None:
    """`title` a msgid whose %(message)s is the message described; `params` its other values."""
    recipient = message.created_by or (
        message.lead.owner.user if message.lead and message.lead.owner_id else None
    )
    if recipient is None:
        return
    url = reverse("comms-settings:message", kwargs={"message_pk": message.pk})
    if message.lead_id:
        url = lead_page(message.lead_id)
    notification_create(
        tenant=message.tenant,
        recipient=recipient,
        title=title,
        title_params={"message": _described(message), **params},
        body=message.last_error,
        url=url,
        level=NotificationLevel.WARNING,
        kind="message_failed",
    )


def _fail(message: OutboundMessage, reason: str, now: dt.datetime) -> None:
    message.status = MessageStatus.FAILED
    message.failed_at = now
    message.last_error = reason[:500]
    decision_append(message, "failed", reason, now)
    _on_timeline(
        message, "message.failed", gettext_noop("%(message)s failed: %(reason)s"), reason=reason
    )
    _tell_sender(message, gettext_noop("Message not sent: %(message)s"))


def _retry_or_fail(message: OutboundMessage, error: providers.ProviderError, now: dt.datetime):
    message.attempts += 1
    message.last_error = str(error)[:500]
    if error.bad_address:
        _mark_address_bad(message, now)
    if error.transient and message.attempts < MAX_ATTEMPTS:
        delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS)) - 1]
        if error.retry_after:
            delay = max(delay, min(error.retry_after, RETRY_AFTER_AT_MOST))
        message.status = MessageStatus.SCHEDULED
        message.send_after = now + delay
        decision_append(
            message,
            "retry",
            stored_message(
                gettext_noop("Attempt %(attempt)s failed (%(error)s); retrying"),
                attempt=message.attempts,
                error=str(error),
            ),
            now,
        )
    else:
        attempts = f" after {message.attempts} attempts" if message.attempts > 1 else ""
        _fail(message, f"{error}{attempts}", now)


def _mark_address_bad(message: OutboundMessage, now: dt.datetime) -> None:
    if message.contact_id is None or message.channel != MessageChannel.EMAIL:
        return
    ContactCommsProfile.objects.update_or_create(
        tenant=message.tenant,
        contact_id=message.contact_id,
        defaults={"email_bounced_at": now, "bounced_email": message.to_address},
    )
    publish(EmailBounced(tenant=message.tenant, message=message))


def message_send(*, tenant: Tenant, message_id: int, now: dt.datetime | None = None) -> str:
    """Send one queued message. Returns what happened: sent, deferred, suppressed, cancelled,
    retry, failed, or skipped (another worker has it, or it is no longer queued)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contact", "lead__stage", "lead__owner__user", "template")
            .filter(tenant=tenant, pk=message_id, status=MessageStatus.QUEUED)
            .first()
        )
        if message is None:
            return "skipped"
        message.tenant = tenant  # the one the task holds: the policy reads its zone
        try:
            with transaction.atomic():
                outcome = _send_locked(message, now)
                message.save()
        except Exception as error:
            # A bug or bad data must not jam the row (queued, reclaimed, crashing again every
            # lease): it fails visibly, with the reason, and its sender is told.
            logger.exception("Sending outbox message %s failed", message_id)
            message.refresh_from_db()
            _fail(message, f"Could not be sent: {type(error).__name__}: {error}", now)
            message.save()
            outcome = "failed"
    return outcome


def _send_locked(message: OutboundMessage, now: dt.datetime) -> str:
    stale = _stale_reason(message)
    if stale:
        message.status = MessageStatus.CANCELLED
        decision_append(
            message,
            "cancelled",
            stored_message(gettext_noop("Not sent: %(reason)s"), reason=stale),
            now,
        )
        return "cancelled"
    if message.contact_id is not None and not message.context.get("answer_sender"):
        # The address as it is now: staff may have fixed a bounced one since it was scheduled.
        # (A ticket reply goes back to the address the customer wrote from.)
        message.to_address = contact_reach_address(contact=message.contact, channel=message.channel)
    if message.template_id is not None and not message.context.get("prerendered"):
        try:
            _render(message)
        except rendering.MissingVariables as error:
            _fail(message, str(error), now)
            return "failed"
    verdict = policy.decide(message=message, at=now, now=now)
    if not verdict.may_send_now:
        _apply_verdict(message, verdict, now)
        return "deferred" if verdict.outcome == Outcome.DEFER else "suppressed"
    try:
        sent = providers.send(message)
    except providers.ProviderError as error:
        _retry_or_fail(message, error, now)
        return "failed" if message.status == MessageStatus.FAILED else "retry"
    message.status = MessageStatus.SENT
    message.sent_at = now
    message.attempts += 1
    message.provider = sent.provider
    message.provider_message_id = sent.provider_message_id
    decision_append(
        message,
        "sent",
        stored_message(
            gettext_noop("Sent to %(address)s via %(provider)s"),
            address=message.to_address,
            provider=stored_label(Provider(sent.provider).label),
        ),
        now,
    )
    # The sandbox reports delivery like a provider's webhook does, so it is routed the same way.
    # One statement: a route already there (a send retried after its commit was lost) stands.
    ProviderMessageRoute.objects.bulk_create(
        [
            ProviderMessageRoute(
                provider=sent.provider,
                provider_message_id=sent.provider_message_id,
                tenant_id=message.tenant_id,
                message_id=message.pk,
            )
        ],
        ignore_conflicts=True,
    )
    if sent.provider == Provider.SANDBOX:
        _sandbox_reports_schedule(message)
    else:
        # Gone to the customer: a sign-in link or code is theirs alone (messaging/redaction.py).
        redaction.message_secrets_hide(message)
    if message.lead_id and message.contact_id and not _is_reminder_for_silence(message):
        Lead.objects.filter(tenant=message.tenant, pk=message.lead_id).filter(
            Q(last_outbound_at__isnull=True) | Q(last_outbound_at__lt=now)
        ).update(last_outbound_at=now)
    _on_timeline(
        message,
        "message.sent",
        gettext_noop("%(message)s sent to %(address)s"),
        address=message.to_address,
    )
    return "sent"


def _sandbox_reports_schedule(message: OutboundMessage) -> None:
    """The sandbox's delivery reports (messaging/sandbox.py), sent once this send commits, each a
    few seconds later as a provider's webhook would come, through the webhooks' own path."""
    if not settings.COMMS_SANDBOX_REPORTS:
        return
    from messaging.queued_tasks import sandbox_report

    for report in sandbox.sandbox_reports_for(
        channel=message.channel,
        to_address=message.to_address,
        bounce_every=settings.COMMS_SANDBOX_BOUNCE_EVERY,
    ):
        transaction.on_commit(
            partial(
                sandbox_report.apply_async,
                kwargs={
                    "channel": message.channel,
                    "provider_message_id": message.provider_message_id,
                    "to_address": message.to_address,
                    "kind": report.kind,
                },
                countdown=report.after_seconds,
            )
        )


def _is_reminder_for_silence(message: OutboundMessage) -> bool:
    """A "no reply yet" reminder does not restart the wait it is about: the 72-hour and 14-day
    steps still count from the message the customer has not answered."""
    scheduler = scheduler_of(message)
    return scheduler is not None and scheduler.reminds_of_silence(message)


# --- Delivery events (provider webhooks) -----------------------------------------------------------

DELIVERY_ORDER = {
    MessageStatus.SENT: 0,
    MessageStatus.DELIVERED: 1,
    MessageStatus.OPENED: 2,
    MessageStatus.CLICKED: 3,
}


class DeliveryEvent:
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"  # hard: the address is bad
    FAILED = "failed"  # the provider gave up (undelivered SMS, rejected email)


@transaction.atomic
def message_record_delivery(
    *,
    tenant: Tenant,
    message_id: int,
    event: str,
    at: dt.datetime | None = None,
    detail: str | Mapping = "",
    channel: str | None = None,
) -> OutboundMessage | None:
    """A provider's report on a sent message (`channel`: only a message sent on it); None when
    the tenant has no such message. Events may arrive late or out of order: a message never goes
    back from clicked to delivered, and a replayed event changes nothing."""
    at = at or timezone.now()
    failure = event in (DeliveryEvent.BOUNCED, DeliveryEvent.FAILED)
    messages = OutboundMessage.objects.select_for_update(of=("self",)).filter(
        tenant=tenant, pk=message_id
    )
    if channel is not None:
        messages = messages.filter(channel=channel)
    if failure:
        # A failure goes on the contact's timeline and to the sender: read them with the row.
        messages = messages.select_related("contact", "lead__owner__user", "template")
    message = messages.first()
    if message is None:
        return None
    message.tenant = tenant
    if event in (DeliveryEvent.DELIVERED, DeliveryEvent.OPENED, DeliveryEvent.CLICKED):
        field = f"{event}_at"
        if getattr(message, field) is not None:
            return message
        setattr(message, field, at)
        changed = [field, "status", "decisions"]
        status = MessageStatus(event)
        # Forward only, and never over a bounce or failure a later open cannot undo.
        if (
            message.status in DELIVERY_ORDER
            and DELIVERY_ORDER[message.status] < DELIVERY_ORDER[status]
        ):
            message.status = status
        # The decision's name says what happened; the provider's detail, if any, is the reason.
        decision_append(message, event, detail, at)
    elif failure:
        if message.status in (MessageStatus.BOUNCED, MessageStatus.FAILED):
            return message
        changed = ["status", "failed_at", "last_error", "decisions"]
        message.status = (
            MessageStatus.BOUNCED if event == DeliveryEvent.BOUNCED else MessageStatus.FAILED
        )
        message.failed_at = at
        if isinstance(detail, Mapping):
            detail = stored_english(detail[MSGID], detail)
        message.last_error = (detail or event)[:500]
        decision_append(message, event, detail or event, at)
        if event == DeliveryEvent.BOUNCED:
            _mark_address_bad(message, at)
        _on_timeline(
            message,
            f"message.{event}",
            gettext_noop("%(message)s %(event)s: %(detail)s"),
            event=str(event),
            detail=str(detail)[:300],
        )
        _tell_sender(message, gettext_noop("Message %(event)s: %(message)s"), event=str(event))
    else:
        raise ValueError(f"Unknown delivery event {event!r}")
    message.save(update_fields=changed)
    return message
