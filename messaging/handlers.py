"""What messaging does when the rest of the app publishes an event (config/events.py
subscribes these, in order). Each runs inside the publisher's transaction and writes rows only."""

from crm.events import CustomerWrote, NotificationsCreated
from crm.services.timeline import timeline_record
from leads.events import QuoteSent
from messaging.models import MessageChannel, MessageSource, MessageTemplate
from messaging.services import contact_comms, staff_notifications
from messaging.services.keywords import sms_keyword_handle
from messaging.services.outbox import message_schedule

# The template key the quote email stands for (see quote_email_schedule).
QUOTE_SENT_TEMPLATE = "quote-sent"


def quote_email_schedule(event: QuoteSent) -> None:
    """The quote's email through the outbox. It counts as the tenant's "quote-sent" message, so a
    trigger on the Quote sent stage does not email the same customer the same news again (the
    duplicate rule); its SMS still goes."""
    brand = event.brand
    message_schedule(
        tenant=event.tenant,
        channel=MessageChannel.EMAIL,
        source=MessageSource.QUOTE,
        idempotency_key=event.idempotency_key,
        contact=event.quote.lead.contact,
        lead=event.quote.lead,
        brand=brand,
        template=MessageTemplate.objects.filter(
            tenant=event.tenant, key=QUOTE_SENT_TEMPLATE
        ).first(),
        subject=event.subject,
        body_text=event.body_text,
        context={"reply_to": brand.reply_to_email} if brand and brand.reply_to_email else {},
        created_by=event.actor,
    )


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
