"""Reads for the outbox pages (/settings/outbox/): the list of every message and one message with
its decision log and what was (or would have been) sent."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.kit.formatting import local_date
from crm.kit.stored_text import stored_render
from crm.models import Contact, Tenant
from crm.pagination import KeysetPage, keyset_page
from messaging.models import MessageStatus, OutboundMessage, Outcome, Provider, SandboxDelivery

MESSAGES_PER_PAGE = 50
# The list shows a subject or the start of a text, never the HTML: leave that in the database.
LIST_DEFERRED = ("body_html", "context")


def outbox_list(
    *,
    tenant: Tenant,
    status: str = "",
    channel: str = "",
    source: str = "",
    search: str = "",
    after: str | None = None,
) -> KeysetPage:
    """Newest messages first, a page at a time, in a fixed number of queries."""
    messages = OutboundMessage.objects.filter(tenant=tenant)
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if source:
        messages = messages.filter(source=source)
    if search:
        term = search.strip()
        contacts = Contact.objects.filter(tenant=tenant).filter(
            Q(first_name__istartswith=term)
            | Q(last_name__istartswith=term)
            | Q(company_name__istartswith=term)
        )
        messages = messages.filter(contact_id__in=contacts.values("pk"))
    messages = messages.select_related("contact", "recipient_user", "template").defer(
        *LIST_DEFERRED
    )
    return keyset_page(
        messages, order=("-created_at", "-id"), after=after, per_page=MESSAGES_PER_PAGE
    )


def message_get(*, tenant: Tenant, message_id: int) -> OutboundMessage:
    messages = OutboundMessage.objects.filter(tenant=tenant).select_related(
        "contact",
        "recipient_user",
        "lead",
        "brand",
        "template",
        "variant",
        "created_by",
    )
    return get_object_or_404(messages, pk=message_id)


def message_sandbox_delivery(*, tenant: Tenant, message: OutboundMessage) -> SandboxDelivery | None:
    """What the sandbox recorded instead of sending, for a message it "sent"."""
    if message.provider != Provider.SANDBOX:
        return None
    return (
        SandboxDelivery.objects.filter(tenant=tenant, message=message)
        .order_by("-delivered_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class Decision:
    at: dt.datetime
    decision: str
    reason: str

    @property
    def label(self) -> str:
        return str(DECISION_LABELS.get(self.decision, self.decision.capitalize()))


# The decisions the outbox logs (messaging.services.outbox.decision_append), as staff read them.
DECISION_LABELS = {
    "scheduled": _("Scheduled"),
    "deferred": _("Deferred"),
    "suppress": _("Suppressed"),
    "block": _("Blocked"),
    "cancelled": _("Cancelled"),
    "retry": _("Retrying"),
    "retried": _("Retried"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "opened": _("Opened"),
    "clicked": _("Clicked"),
    "bounced": _("Bounced"),
    "failed": _("Failed"),
}


def decision_reason(entry: dict) -> str:
    """A decision's words for the reader: a time it names is in the current time zone (the
    user's, else the business's), never UTC."""
    send_at = entry.get("send_at")
    if entry.get("decision") == "scheduled" and send_at:
        local = timezone.localtime(dt.datetime.fromisoformat(send_at))
        return _("Scheduled for %(when)s") % {
            "when": local_date(local, "weekday_month_day_time_zone")
        }
    return stored_render(entry.get("reason", ""), entry.get("reason_params"))


def latest_decision_reason(message: OutboundMessage) -> str:
    return decision_reason(message.decisions[-1]) if message.decisions else ""


def message_decisions(message: OutboundMessage) -> list[Decision]:
    """The message's decision log, oldest first, with real datetimes for display."""
    return [
        Decision(dt.datetime.fromisoformat(entry["at"]), entry["decision"], decision_reason(entry))
        for entry in message.decisions
    ]


@dataclass(frozen=True)
class DeliveryState:
    """Where a message really is, for the team: `key` names its badge's style, `reason` says why
    it has not gone (yet) or why it failed ("" once it went)."""

    key: str
    label: str | Promise
    reason: str


def _last_decision(message: OutboundMessage) -> dict:
    return message.decisions[-1] if message.decisions else {}


def delivery_state(message: OutboundMessage, now: dt.datetime) -> DeliveryState:
    """A blocked message (consent, STOP, WhatsApp's 24-hour window, no address) and one held
    back by quiet hours read as such, not as "Not sent (policy)" or "Scheduled"."""
    last = _last_decision(message)
    reason = decision_reason(last)
    status = message.status
    if status == MessageStatus.SUPPRESSED and last.get("decision") == Outcome.BLOCK:
        return DeliveryState("blocked", _("Blocked, not sent"), reason)
    if status == MessageStatus.SCHEDULED and message.send_after > now:
        if last.get("decision") == "deferred":
            return DeliveryState("deferred", _("Held back"), reason)
        return DeliveryState(status, message.get_status_display(), reason)
    if status in (MessageStatus.FAILED, MessageStatus.BOUNCED):
        return DeliveryState(status, message.get_status_display(), message.last_error or reason)
    if status in (MessageStatus.SUPPRESSED, MessageStatus.CANCELLED):
        return DeliveryState(status, message.get_status_display(), reason)
    return DeliveryState(status, message.get_status_display(), "")
