"""What messaging does when the rest of the app publishes an event (config/events.py
subscribes these, in order). Each runs inside the publisher's transaction and writes rows only,
or queues a task for once it commits."""

from django.utils.translation import gettext_noop

from crm.events import ConsentRecorded, ContactErased, CustomerWrote, NotificationsCreated
from crm.kit.stored_text import stored_label, stored_message
from crm.models import Channel, ConsentStatus
from crm.services.timeline import timeline_record
from crm.tenancy.tasks import enqueue_on_commit
from leads.events import QuoteAccepted, QuoteSent
from leads.models import LeadEvent
from messaging.models import (
    MessageChannel,
    MessageSource,
    MessageTemplate,
    OutboundMessage,
    Purpose,
)
from messaging.services import contact_comms
from messaging.services.keywords import sms_keyword_handle
from messaging.services.outbox import message_schedule, messages_cancel_pending
from messaging.services.policy import ANSWERS_TO_THE_CUSTOMER
from messaging.tasks import schedule_staff_copies

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
    """The members' email and SMS copies, by a task of the messages queue once this commits."""
    enqueue_on_commit(schedule_staff_copies, event.tenant.pk, list(event.notification_ids))


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
            summary=gettext_noop("%(reference)s: the customer texted %(keyword)s"),
            params={"reference": event.ticket_reference, "keyword": keyword},
            contact=event.contact,
            detail={"ticket": event.ticket_id, "keyword": keyword},
        )


# --- Cancelled when the reason goes ----------------------------------------------------------------
# A message scheduled for a reason that has gone is cancelled at once, with the reason in words, so
# staff never see it as "Scheduled" (the send-time checks stay as the last guard). What a trigger
# scheduled "while in the stage" is automation's to cancel (automation.handlers).


def quote_follow_ups_cancel(event: QuoteAccepted) -> None:
    """The quote is accepted: the reminders the quote-sent stage scheduled to chase it go
    nowhere (whether or not the lead moves on, and whatever "only while in the stage" says)."""
    quote = event.quote
    messages_cancel_pending(
        tenant=event.tenant,
        messages=OutboundMessage.objects.filter(
            tenant=event.tenant,
            lead=quote.lead,
            source=MessageSource.TRIGGER,
            trigger_stage__moves_on=LeadEvent.QUOTE_SENT,
        ),
        reason=stored_message(gettext_noop("quote %(quote)s was accepted"), quote=quote.reference),
    )


def unsubscribed_messages_cancel(event: ConsentRecorded) -> None:
    """Consent withdrawn on a channel (a STOP text, the portal, staff) cancels what was scheduled
    for the contact on it; "job messages only" cancels the marketing ones. The answer to the STOP
    itself still goes."""
    if event.status == ConsentStatus.WITHDRAWN:
        what = gettext_noop("%(channel)s consent withdrawn (%(source)s)")
        messages = OutboundMessage.objects.filter(tenant=event.tenant)
    elif event.status == ConsentStatus.NO_MARKETING:
        what = gettext_noop("%(channel)s marketing consent withdrawn (%(source)s)")
        messages = OutboundMessage.objects.filter(tenant=event.tenant, purpose=Purpose.MARKETING)
    else:
        return
    messages_cancel_pending(
        tenant=event.tenant,
        messages=messages.filter(contact=event.contact, channel=event.channel).exclude(
            source__in=ANSWERS_TO_THE_CUSTOMER
        ),
        reason=stored_message(
            what, channel=stored_label(Channel(event.channel).label), source=event.source
        ),
    )


def erased_contact_messages_cancel(event: ContactErased) -> None:
    messages_cancel_pending(
        tenant=event.tenant,
        messages=OutboundMessage.objects.filter(tenant=event.tenant, contact=event.contact),
        reason=stored_message(gettext_noop("the contact was erased")),
    )
