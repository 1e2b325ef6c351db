"""What messaging does when the rest of the app publishes an event (config/events.py
subscribes these, in order). Each runs inside the publisher's transaction and writes rows only."""

from crm.events import CustomerWrote, NotificationsCreated
from crm.services import timeline_record
from messaging.models import MessageChannel
from messaging.services import contact_comms, staff_notifications
from messaging.services.keywords import sms_keyword_handle


def staff_copies_schedule(event: NotificationsCreated) -> None:
    staff_notifications.copies_schedule(
        tenant=event.tenant, notification_ids=event.notification_ids
    )


def whatsapp_window_open(event: CustomerWrote) -> None:
    """A customer's WhatsApp opens the 24-hour window in which we may answer freely."""
    if event.channel != MessageChannel.WHATSAPP:
        return
    contact_comms.whatsapp_window_open(
        tenant=event.tenant, contact=event.contact, received_at=event.received_at
    )


def keyword_text_act_on(event: CustomerWrote) -> None:
    """A STOP, START or HELP text changes consent or gets its answer."""
    if event.channel not in (MessageChannel.SMS, MessageChannel.WHATSAPP):
        return
    keyword = sms_keyword_handle(
        tenant=event.tenant,
        contact=event.contact,
        channel=event.channel,
        body=event.body,
        from_number=event.from_address,
    )
    if keyword:
        timeline_record(
            tenant=event.tenant,
            kind="ticket.keyword",
            summary=f"{event.ticket_reference}: the customer texted {keyword}",
            contact=event.contact,
            detail={"ticket": event.ticket_id, "keyword": keyword},
        )
