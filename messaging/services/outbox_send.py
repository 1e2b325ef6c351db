"""Sending one claimed outbox row, exactly once (messaging/services/outbox.py says how): rendered
from its template's current wording, the delivery policy asked again, the provider called, and a
failure retried with backoff or told to whoever sent it."""

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.events import publish
from crm.kit.links import lead_page
from crm.kit.stored_text import (
    stored_label,
    stored_message,
)
from crm.models import NotificationLevel, Tenant
from crm.selectors.contacts import contact_reach_address
from crm.services.notifications import notification_create
from leads.models import Lead
from messaging import redaction, rendering, sandbox
from messaging.events import EmailBounced
from messaging.models import (
    ContactCommsProfile,
    MessageChannel,
    MessageStatus,
    OutboundMessage,
    Outcome,
    Provider,
    ProviderMessageRoute,
    Purpose,
)
from messaging.schedulers import scheduler_of
from messaging.services import policy, providers
from messaging.services.outbox import (
    decision_append,
    described,
    on_timeline,
    variant_for,
    verdict_apply,
)
from messaging.variables import as_the_contact_reads, message_variables

logger = logging.getLogger(__name__)

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
    if contact is None or message.template_id is None:
        # A template is worded for a contact; a message to staff is written out when scheduled.
        raise rendering.MissingVariables(["contact"])
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


def tell_sender(message: OutboundMessage, title: str, **params) -> None:
    """`title` a msgid whose %(message)s is the message described; `params` its other values."""
    recipient = message.created_by or (
        message.lead.owner.user if message.lead and message.lead.owner else None
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
        title_params={"message": described(message), **params},
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
    on_timeline(
        message, "message.failed", gettext_noop("%(message)s failed: %(reason)s"), reason=reason
    )
    tell_sender(message, gettext_noop("Message not sent: %(message)s"))


def _retry_or_fail(message: OutboundMessage, error: providers.ProviderError, now: dt.datetime):
    message.attempts += 1
    message.last_error = str(error)[:500]
    if error.bad_address:
        mark_address_bad(message, now)
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


def mark_address_bad(message: OutboundMessage, now: dt.datetime) -> None:
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
    if message.contact is not None and not message.context.get("answer_sender"):
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
        verdict_apply(message, verdict, now)
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
    on_timeline(
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
