"""The demo customer's Messages and Updates pages (called by seed_demo once the inbox and the
comms templates exist).

Casey Morgan asked about Thursday's visit from the portal three days ago and Rosa answered from
the inbox: the question goes the way every portal message goes (stored as an inbound event and
threaded), the answer through the agents' reply service and the outbox. Their update history has
the re-roof's status updates and the porch quote's email. In the sandbox (`make dev`, the tests)
each message is sent at its past moment, so it reads "sent" with that date; elsewhere the worker
sends what is due. Idempotent: a second run finds the conversation and does nothing.
"""

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from automation.selectors.updates import update_template_get
from crm.kit.languages import contact_language
from crm.models import Contact, Membership, Tenant
from crm.selectors.brands import sending_brand
from leads.models import Lead, Quote
from leads.quote_links import quote_public_url
from messaging.models import MessageChannel, MessageSource, MessageStatus, OutboundMessage
from messaging.services.outbox import message_schedule
from messaging.services.outbox_send import message_send
from portal.demo import DEMO_CUSTOMER_EMAIL, DEMO_TENANT, OWNER_EMAIL
from tickets.models import InboundEvent, Ticket, TicketStatus
from tickets.services import ingest, replies
from tickets.services.assignment import ticket_assign

QUESTION_KEY = "demo-casey-gate"
QUESTION = (
    "Hi! Will the crew need the side gate open on Thursday? Our dog is usually in the backyard, "
    "so we'd like to know when to keep him inside."
)
ANSWER = (
    "Hi Casey, yes please: the crew arrives around 7:30 on Thursday and needs the side gate open "
    "until about 4 pm. Keeping your dog inside that day is safest, as old shingles come down "
    "along the fence. Thank you!\n\nRosa"
)
FIRST_UPDATE = (
    "Hello Casey,\n\nHere is where your full roof replacement stands: it is scheduled. The "
    "materials are ordered and the permit is approved; we will confirm the start date a few "
    "days before the crew arrives.\n\nNext step: work in progress.\n\nFlorida First Roofing"
)
SECOND_UPDATE = (
    "Hello Casey,\n\nWork on your full roof replacement has started: the crew has taken off "
    "the old shingles and is laying the new underlayment. We expect the new roof on within "
    "the week, weather permitting.\n\nNext step: final inspection.\n\nFlorida First Roofing"
)


def seed_portal_messages(tenant: Tenant) -> None:
    if tenant.slug != DEMO_TENANT:
        return
    contact = Contact.objects.filter(tenant=tenant, emails__email=DEMO_CUSTOMER_EMAIL).first()
    if contact is None:
        return
    key = f"{contact.pk}:{QUESTION_KEY}"
    if InboundEvent.objects.filter(tenant=tenant, event_key=f"portal:{key}").exists():
        return
    rep = Membership.objects.select_related("user").get(tenant=tenant, user__email=OWNER_EMAIL)
    today = timezone.localdate(timezone=tenant.zone)

    def local(days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
        day = today - dt.timedelta(days=days_ago)
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tenant.zone)

    _conversation(tenant, contact, rep, key, asked=local(3, 9, 20), answered=local(3, 10, 5))
    leads = Lead.objects.filter(tenant=tenant, contact=contact).select_related("brand")
    reroof = leads.filter(title="Full roof replacement").first()
    leak = leads.filter(title="Leak over the porch").first()
    if reroof is not None:
        _update(tenant, contact, reroof, FIRST_UPDATE, "it is scheduled", at=local(13, 10))
        _update(tenant, contact, reroof, SECOND_UPDATE, "work has started", at=local(2, 15))
    if leak is not None:
        _quote_email(tenant, contact, leak, at=local(1, 11))


def _conversation(tenant, contact, rep, key: str, *, asked, answered) -> None:
    stored = ingest.portal_message_store(tenant=tenant, contact=contact, body=QUESTION, key=key)
    InboundEvent.objects.filter(tenant=tenant, pk=stored.event_id).update(received_at=asked)
    ingest.inbound_event_process(tenant=tenant, event_id=stored.event_id)
    ticket = Ticket.objects.get(tenant=tenant, messages__inbound_event_id=stored.event_id)
    if ticket.assignee_id != rep.pk:
        ticket_assign(
            tenant=tenant, actor=None, ticket=ticket, assignee=rep, reason="demo", notify=False
        )
    reply = replies.ticket_reply(
        tenant=tenant,
        actor=rep.user,
        ticket=ticket,
        channel=contact.preferred_channel
        if contact.preferred_channel in replies.REPLY_CHANNELS
        else MessageChannel.EMAIL,
        body=ANSWER,
        nonce="demo-portal-answer",
        status_after=TicketStatus.RESOLVED,
        now=answered,
    )
    _send_at(tenant, reply.outbound, answered)


def _update(tenant, contact, lead, text: str, news: str, *, at: dt.datetime) -> None:
    message = message_schedule(
        tenant=tenant,
        channel=MessageChannel.EMAIL,
        source=MessageSource.UPDATE,
        idempotency_key=f"demo-update:{lead.pk}:{at.date().isoformat()}",
        contact=contact,
        lead=lead,
        brand=lead.brand,
        template=update_template_get(tenant=tenant),
        subject=f"Your {lead.title.lower()}: {news}",
        body_text=text,
        now=at,
    )
    _send_at(tenant, message, at)


def _quote_email(tenant, contact, lead, *, at: dt.datetime) -> None:
    quote = Quote.objects.filter(tenant=tenant, lead=lead).select_related("lead__contact").first()
    if quote is None:
        return
    brand = sending_brand(tenant=tenant, brand=lead.brand)
    context = {
        "quote": quote,
        "lead": quote.lead,
        "brand": brand,
        "tenant": tenant,
        "link": quote_public_url(quote),
    }
    with translation.override(contact_language(contact, tenant)):
        subject = render_to_string("leads/quotes/email_subject.txt", context).strip()
        body_text = render_to_string("leads/quotes/email_body.txt", context)
    message = message_schedule(
        tenant=tenant,
        channel=MessageChannel.EMAIL,
        source=MessageSource.QUOTE,
        idempotency_key=f"demo-quote:{quote.pk}",
        contact=contact,
        lead=lead,
        brand=brand,
        subject=subject,
        body_text=body_text,
        now=at,
    )
    _send_at(tenant, message, at)


def _send_at(tenant: Tenant, message: OutboundMessage | None, at: dt.datetime) -> None:
    """Send it as the worker would have at `at` (sandbox only: a real provider would deliver
    it now, so elsewhere the worker sends it when it runs)."""
    if message is None or not settings.COMMS_SANDBOX:
        return
    queued = OutboundMessage.objects.filter(
        tenant=tenant, pk=message.pk, status=MessageStatus.SCHEDULED
    ).update(status=MessageStatus.QUEUED, queued_at=at)
    if queued:
        message_send(tenant=tenant, message_id=message.pk, now=at)
