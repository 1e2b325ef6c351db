"""Delivery reports from the providers, applied to the outbox rows they are about.

Email: anymail turns every ESP's tracking webhook (Mailgun, SendGrid, Postmark, Amazon SES …) into
one `tracking` signal, received here. SMS and WhatsApp: Twilio's status callback
(tickets.views.webhooks) calls `twilio_status_record`. Both find the row through
ProviderMessageRoute (the provider's id → tenant and message), open that tenant's context and hand
the event to outbox_delivery.message_record_delivery, which ignores replays and never moves a message back.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason, tracking
from django.conf import settings
from django.db.models import Subquery
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_message
from crm.models import Channel, ConsentStatus, ContactConsent, Tenant
from crm.services.consent import consent_record
from crm.tenancy import tenant_context
from messaging.models import MessageChannel, OutboundMessage, Provider, ProviderMessageRoute
from messaging.services import outbox_delivery
from messaging.services.outbox_delivery import DeliveryEvent
from messaging.services.providers import twilio_credentials

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    tenant: Tenant
    message_id: int


def route_find(*, provider: str, provider_message_id: str) -> Target | None:
    """The tenant and message a provider's id was recorded for when the message went out."""
    # One statement: the route holds ids only (no foreign key to join), so its two columns are
    # read as subqueries of the tenant's row (each an index lookup on the unique pair).
    routes = ProviderMessageRoute.objects.filter(
        provider=provider, provider_message_id=provider_message_id
    )
    tenant = (
        Tenant.objects.filter(pk=Subquery(routes.values("tenant_id")[:1]))
        .annotate(routed_message_id=Subquery(routes.values("message_id")[:1]))
        .first()
    )
    return Target(tenant, tenant.routed_message_id) if tenant else None


# --- Twilio (SMS and WhatsApp) ---------------------------------------------------------------------

TWILIO_EVENTS = {
    "delivered": DeliveryEvent.DELIVERED,
    "read": DeliveryEvent.OPENED,  # WhatsApp's blue ticks
    "undelivered": DeliveryEvent.FAILED,
    "failed": DeliveryEvent.FAILED,
}
# Error codes that say the number itself cannot receive messages, not that this attempt failed.
TWILIO_BAD_NUMBER_ERRORS = {
    "30003": "the handset is unreachable",
    "30005": "the number is unknown or no longer exists",
    "30006": "a landline, or a carrier that cannot take texts",
}


def twilio_status_auth_token(*, message_sid: str) -> str:
    """The auth token Twilio signs a status callback with: that of the account the message was
    sent from, found through the message's own tenant. Not the `From` number's, which the caller
    chooses: a tenant with its own Twilio account could then sign reports about another tenant's
    messages. An unknown message is checked with the platform's token."""
    if "\x00" in message_sid:  # PostgreSQL refuses it in a query; no sid of ours has one
        return settings.TWILIO_AUTH_TOKEN
    target = route_find(provider=Provider.TWILIO, provider_message_id=message_sid)
    if target is None:
        return settings.TWILIO_AUTH_TOKEN
    with tenant_context(target.tenant):
        message = OutboundMessage.objects.filter(tenant=target.tenant, pk=target.message_id).first()
        if message is None:
            return settings.TWILIO_AUTH_TOKEN
        return twilio_credentials(message)[1]


def _twilio_detail(status: str, error_code: str) -> str | dict:
    """What the outbox log says: a stored message (read in the reader's language) for what went
    well, the provider's own words for a failure."""
    if status == "delivered":
        return stored_message(gettext_noop("Delivered (%(provider)s)"), provider="Twilio")
    if status == "read":
        return stored_message(gettext_noop("Read on WhatsApp"))
    detail = f"{status.capitalize()} (Twilio error {error_code or 'not given'})"
    if error_code in TWILIO_BAD_NUMBER_ERRORS:
        detail += f": bad number, {TWILIO_BAD_NUMBER_ERRORS[error_code]}"
    return detail


def twilio_status_record(
    *,
    message_sid: str,
    status: str,
    error_code: str = "",
    at: dt.datetime | None = None,
    provider: str = Provider.TWILIO,
) -> str:
    """Apply one Twilio status callback. Returns "recorded", "ignored" (a step on the way:
    queued, sending, sent …) or "unknown" (no message of ours has this sid). `provider` is
    Twilio's, or the sandbox's when it plays Twilio in `make dev` (messaging/sandbox.py)."""
    event = TWILIO_EVENTS.get(status)
    if event is None:
        return "ignored"
    target = route_find(provider=provider, provider_message_id=message_sid)
    if target is None:
        logger.warning("Twilio status %r for an unknown message %s", status, message_sid)
        return "unknown"
    with tenant_context(target.tenant):
        outbox_delivery.message_record_delivery(
            tenant=target.tenant,
            message_id=target.message_id,
            event=event,
            at=at,
            detail=_twilio_detail(status, error_code),
        )
    return "recorded"


# --- Email (anymail) -------------------------------------------------------------------------------

CONSENT_WITHDRAWALS = {
    EventType.COMPLAINED: "spam complaint",
    EventType.UNSUBSCRIBED: "unsubscribed at the email provider",
}


def _soft_bounce(event: AnymailTrackingEvent, esp_name: str) -> bool:
    """Whether a bounce says the address may work another day. Anymail reports hard and soft
    bounces alike as "bounced" for these ESPs; Mailgun's temporary ones arrive as "deferred"."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if esp_name == "Amazon SES":
        return raw.get("bounce", {}).get("bounceType") != "Permanent"
    if esp_name == "Postmark":
        return raw.get("Type") != "HardBounce"
    if esp_name == "SendGrid":
        return raw.get("type") == "blocked"
    return False


def _email_delivery(event: AnymailTrackingEvent, esp_name: str) -> tuple[str, str | dict] | None:
    """The outbox event and its detail for an ESP's report; None for the steps on the way
    (queued, sent, deferred) and anything unknown."""
    kind = event.event_type
    if kind == EventType.DELIVERED:
        return DeliveryEvent.DELIVERED, stored_message(
            gettext_noop("Delivered (%(provider)s)"), provider=esp_name
        )
    if kind == EventType.OPENED:
        return DeliveryEvent.OPENED, stored_message(gettext_noop("Opened"))
    if kind == EventType.CLICKED:
        if event.click_url:
            return DeliveryEvent.CLICKED, stored_message(
                gettext_noop("Clicked %(url)s"), url=event.click_url[:300]
            )
        return DeliveryEvent.CLICKED, stored_message(gettext_noop("Clicked a link"))
    reason = event.description or event.mta_response or event.reject_reason or "no reason given"
    if kind == EventType.BOUNCED:
        if _soft_bounce(event, esp_name):
            return DeliveryEvent.FAILED, f"Soft bounce ({esp_name}): {reason}"
        return DeliveryEvent.BOUNCED, f"Bounced ({esp_name}): {reason}"
    if kind == EventType.REJECTED:
        # The ESP refused to send because the address bounced before or is invalid: the same
        # fact as a hard bounce, so the address is marked bad too.
        if event.reject_reason in (RejectReason.BOUNCED, RejectReason.INVALID):
            return DeliveryEvent.BOUNCED, f"Rejected by {esp_name}: {reason}"
        return DeliveryEvent.FAILED, f"Rejected by {esp_name}: {reason}"
    if kind == EventType.FAILED:
        return DeliveryEvent.FAILED, f"{esp_name} could not send it: {reason}"
    return None


def _metadata_target(event: AnymailTrackingEvent) -> Target | None:
    try:
        tenant_id = int(event.metadata["tenant"])
        message_id = int(event.metadata["message"])
    except (KeyError, TypeError, ValueError):
        return None
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return Target(tenant, message_id) if tenant else None


def _same_recipient(message: OutboundMessage, event: AnymailTrackingEvent) -> bool:
    return bool(event.recipient) and event.recipient.casefold() == message.to_address.casefold()


def _withdraw_email_consent(tenant: Tenant, message: OutboundMessage, source: str) -> None:
    if message.contact_id is None:
        return  # a staff member's copy of a notification: no consent to record
    current = (
        ContactConsent.objects.filter(
            tenant=tenant, contact_id=message.contact_id, channel=Channel.EMAIL
        )
        .values_list("status", flat=True)
        .first()
    )
    if current == ConsentStatus.WITHDRAWN:
        return  # a replayed complaint (or a second one) has nothing new to record
    consent_record(
        tenant=tenant,
        contact=message.contact,
        channel=Channel.EMAIL,
        status=ConsentStatus.WITHDRAWN,
        source=source,
    )


def email_event_record(
    *, event: AnymailTrackingEvent, esp_name: str, provider: str = Provider.EMAIL
) -> str:
    """Apply one ESP tracking event. Returns "recorded", "ignored" or "unknown". `provider` is the
    ESP's, or the sandbox's when it plays one in `make dev` (messaging/sandbox.py)."""
    withdrawal = CONSENT_WITHDRAWALS.get(event.event_type)
    delivery = None if withdrawal else _email_delivery(event, esp_name)
    if withdrawal is None and delivery is None:
        return "ignored"
    # The route, written when the ESP accepted the message, is the way in. The metadata we put on
    # every email is the fallback for a message whose route is missing (a worker killed between
    # the ESP's answer and our commit). Webhooks are authenticated, so the metadata did come back
    # from our ESP; but one ESP account may serve two deployments (staging and production), whose
    # ids overlap, so a message found that way must also have gone to the event's recipient.
    target = route_find(provider=provider, provider_message_id=str(event.message_id or ""))
    trusted = target is not None
    target = target or _metadata_target(event)
    if target is None:
        logger.warning(
            "%s %s event for an unknown message %s", esp_name, event.event_type, event.message_id
        )
        return "unknown"
    with tenant_context(target.tenant):
        # A routed delivery report goes straight to the locked update, which finds the email or
        # nothing; the others read the message first: its recipient or its contact decides.
        if withdrawal or not trusted:
            message = (
                OutboundMessage.objects.filter(
                    tenant=target.tenant, pk=target.message_id, channel=MessageChannel.EMAIL
                )
                .select_related("contact")
                .first()
            )
            if message is None or not (trusted or _same_recipient(message, event)):
                return _unknown(event, esp_name)
            if withdrawal:
                _withdraw_email_consent(target.tenant, message, withdrawal)
                return "recorded"
        event_name, detail = delivery
        recorded = outbox_delivery.message_record_delivery(
            tenant=target.tenant,
            message_id=target.message_id,
            event=event_name,
            at=event.timestamp or timezone.now(),
            detail=detail,
            channel=MessageChannel.EMAIL,
        )
        if recorded is None:
            return _unknown(event, esp_name)
    return "recorded"


def _unknown(event: AnymailTrackingEvent, esp_name: str) -> str:
    logger.warning(
        "%s %s event matches no message of ours (%s)", esp_name, event.event_type, event.message_id
    )
    return "unknown"


@receiver(tracking, dispatch_uid="comms-email-tracking")
def on_email_tracking(sender, *, event, esp_name, **kwargs):
    if not settings.ANYMAIL.get("WEBHOOK_SECRET") and not settings.DEBUG:
        # Without the shared secret anymail lets anyone post (it only warns): forged bounces and
        # complaints would block addresses and withdraw consent. Production refuses to start
        # without it when an ESP is set; here the event is dropped, loudly.
        logger.error("Ignored a %s tracking event: ANYMAIL_WEBHOOK_SECRET is not set", esp_name)
        return
    email_event_record(event=event, esp_name=esp_name)
