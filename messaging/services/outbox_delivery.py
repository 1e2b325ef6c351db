"""A provider's report on a sent message (its webhooks, the sandbox's own reports, a bounce mailed
back to an inbox): delivered, opened, clicked, bounced or failed, late or out of order."""

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.kit.stored_text import (
    MSGID,
    stored_english,
)
from crm.models import Tenant
from messaging.models import (
    MessageStatus,
    OutboundMessage,
)
from messaging.services.outbox import decision_append, on_timeline
from messaging.services.outbox_send import mark_address_bad, tell_sender

DELIVERY_ORDER: dict[str, int] = {
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
            mark_address_bad(message, at)
        on_timeline(
            message,
            f"message.{event}",
            gettext_noop("%(message)s %(event)s: %(detail)s"),
            event=str(event),
            detail=str(detail)[:300],
        )
        tell_sender(message, gettext_noop("Message %(event)s: %(message)s"), event=str(event))
    else:
        raise ValueError(f"Unknown delivery event {event!r}")
    message.save(update_fields=changed)
    return message
