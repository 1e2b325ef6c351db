"""Threading a read inbound message into its ticket: the message and its attachments stored, the
ticket brought up to date (reopened, its SLA clock, its priority), the people told, the rest of
the app told (one CustomerWrote). A delivery report joins the thread of the email it reports on."""

import datetime as dt
import logging
import secrets

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_noop

from crm.events import CustomerWrote, publish
from crm.kit.stored_text import stored_label, stored_message
from crm.models import Membership, NotificationLevel, Tenant
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from messaging.models import MessageChannel as OutboxChannel
from messaging.models import OutboundMessage
from messaging.services.keywords import is_keyword_text
from messaging.services.outbox_delivery import DeliveryEvent, message_record_delivery
from tickets import priority
from tickets.models import (
    Direction,
    InboundEvent,
    InboxSettings,
    MessageChannel,
    Priority,
    SlaEvent,
    SlaEventKind,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
)
from tickets.normalise import NormalisedEmail
from tickets.routing import our_message_id
from tickets.services import sla
from tickets.services.assignment import ticket_assign_automatically
from tickets.services.configuration import inbox_settings_get
from tickets.services.ingest_read import Incoming, read_email
from tickets.services.threading import Thread
from tickets.twilio_media import FetchedMedia

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 160


def _snippet(text: str) -> str:
    return " ".join(text.split())[:SNIPPET_CHARS]


def _storage_name(filename: str) -> str:
    """A name the file storage accepts. One made only of emoji or punctuation has none of its own
    ("😍" raised, failing the message on every retry); the attachment keeps its name for display."""
    try:
        return get_valid_filename(filename)
    except SuspiciousFileOperation:
        return "attachment"


def _save_attachments(message: TicketMessage, attachments) -> None:
    for item in attachments:
        attachment = TicketAttachment(
            tenant_id=message.tenant_id,
            message=message,
            token=secrets.token_hex(16),
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            is_inline=bool(item.content_id),
        )
        if isinstance(item, FetchedMedia):
            with item.file:  # a temporary file: gone once stored
                attachment.file.save(_storage_name(item.filename), item.file, save=False)
        else:
            attachment.file.save(
                _storage_name(item.filename), ContentFile(item.content), save=False
            )
        attachment.save()


def _owes_no_answer(message: TicketMessage) -> bool:
    """An out-of-office, or a STOP, START or HELP text the system itself answers
    (messaging/services/keywords.py): nobody on the team owes a reply, so it reopens nothing, starts no
    response clock, raises no priority and alerts nobody. It still shows in the thread."""
    return message.is_auto_reply or is_keyword_text(channel=message.channel, body=message.body_text)


def _tell_the_rest_of_the_app(tenant: Tenant, ticket: Ticket, message: TicketMessage, incoming):
    """One event; config/events.py lists who hears it, in order."""
    publish(
        CustomerWrote(
            tenant=tenant,
            contact=incoming.contact,
            ticket_contact=ticket.contact,
            channel=message.channel,
            body=message.body_text,
            from_address=message.from_address,
            received_at=message.sent_at,
            awaits_answer=not _owes_no_answer(message),
            ticket_id=ticket.pk,
            ticket_reference=ticket.reference,
            message_id=message.pk,
        )
    )


def _boost(tenant: Tenant, ticket: Ticket, message: TicketMessage, inbox_settings) -> str:
    """Raise the ticket's priority for an angry or alarming message; returns why ("" if not)."""
    # The contact's language says whether VADER (English) may score it: tickets.priority.
    language = ticket.contact.language
    message.sentiment = priority.sentiment_of(message.shown_text, language)
    reason = priority.boost_reason_message(
        text=f"{message.subject}\n{message.shown_text}",
        sentiment=message.sentiment,
        settings=inbox_settings,
        language=language,
    )
    if reason is None:
        return ""
    new = priority.raised(ticket.priority)
    if new == ticket.priority:
        return ""
    ticket.priority = new
    for column, value in priority.priority_reason_columns(reason).items():
        setattr(ticket, column, value)
    sla.sla_reprioritised(tenant=tenant, ticket=ticket)
    SlaEvent.objects.create(
        tenant=tenant,
        ticket=ticket,
        kind=SlaEventKind.PRIORITY_BOOSTED,
        occurred_at=message.sent_at,
        due_at=ticket.sla_due_at,
        **sla.sla_event_detail(
            stored_message(
                gettext_noop("Raised to %(priority)s: %(reason)s"),
                priority=stored_label(Priority(new).label),
                reason=reason,
            )
        ),
    )
    return ticket.priority_reason


def _alert_boost(tenant: Tenant, ticket: Ticket, reason: str) -> None:
    """Tell the assignee (a new ticket's, once assigned), else the inbox's team lead."""
    recipient = ticket.assignee or ticket.inbox.team_lead
    if recipient is None:
        return
    notification_create(
        tenant=tenant,
        recipient=recipient.user,
        title=gettext_noop("%(reference)s raised to %(priority)s"),
        title_params={
            "reference": ticket.reference,
            "priority": stored_label(Priority(ticket.priority).label),
        },
        body=f"{ticket.contact.display_name}: {reason}",
        url=reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}),
        level=NotificationLevel.WARNING,
        kind="ticket_priority",
    )


def is_history(event: InboundEvent) -> bool:
    return event.channel == MessageChannel.EMAIL and bool((event.payload or {}).get("history"))


def arrival_time(event: InboundEvent, claimed, now: dt.datetime) -> dt.datetime:
    """Where the message goes in time: when we received it. Imported history was received long
    ago, by another server: its newest Received: header says when, else its Date (never later
    than now). The sender's Date alone, old or wrong or in the future, orders nothing else.
    `claimed`: the email or incoming message with the times it claims."""
    if not is_history(event):
        return event.received_at
    at = claimed.received_at or claimed.sent_at
    return min(at, now) if at else event.received_at


def _message_of(
    tenant: Tenant, ticket: Ticket, incoming: Incoming, event: InboundEvent, sent_at: dt.datetime
) -> TicketMessage:
    return TicketMessage(
        tenant=tenant,
        ticket=ticket,
        direction=Direction.INBOUND,
        channel=incoming.channel,
        sent_at=sent_at,
        dated_at=incoming.sent_at,
        from_address=incoming.sender[:254],
        to_address=incoming.recipient[:254],
        subject=incoming.subject,
        body_text=incoming.body_text,
        reply_text=incoming.reply_text if incoming.reply_text != incoming.body_text else "",
        body_html=incoming.body_html,
        message_id=incoming.message_id,
        in_reply_to=incoming.in_reply_to,
        is_auto_reply=incoming.is_auto_reply,
        is_delivery_report=incoming.is_delivery_report,
        enclosed=list(incoming.enclosed),
        media=incoming.media or [],
        too_large_bytes=incoming.too_large_bytes,
        inbound_event=event,
    )


def _ticket_catch_up(
    tenant: Tenant,
    thread: Thread,
    message: TicketMessage,
    *,
    history: bool,
    owes_no_answer: bool,
) -> None:
    """The ticket's latest message, its customer's last word, and its status: a customer who
    writes reopens it and starts its SLA clock; mail from the past leaves it resolved."""
    ticket, sent_at = thread.ticket, message.sent_at
    # An auto-reply or a STOP does not bring a ticket back to the top of anyone's list.
    latest = sent_at >= ticket.last_message_at and not owes_no_answer
    if latest or thread.is_new:
        ticket.last_message_at = sent_at
        ticket.last_message_snippet = _snippet(message.shown_text or message.subject)
        ticket.last_message_channel = message.channel
        ticket.last_message_direction = Direction.INBOUND
    if not owes_no_answer and sent_at >= (ticket.last_customer_message_at or sent_at):
        ticket.last_customer_message_at = sent_at
    if history and thread.is_new:
        # Mail from the past, as it stands: nothing is owed on it until the customer writes again.
        ticket.status = TicketStatus.RESOLVED
        ticket.resolved_at = sent_at
    if not (history or owes_no_answer):
        if ticket.status != TicketStatus.OPEN:
            timeline_record(
                tenant=tenant,
                kind="ticket.reopened",
                summary=gettext_noop("%(reference)s reopened: the customer wrote"),
                params={"reference": ticket.reference},
                contact=ticket.contact,
                lead=ticket.lead,
                detail={"ticket": ticket.pk},
            )
            ticket.status = TicketStatus.OPEN
            ticket.resolved_at = None
        sla.sla_customer_wrote(tenant=tenant, ticket=ticket, at=sent_at)
    ticket.save()


def _message_received_record(tenant: Tenant, ticket: Ticket, message: TicketMessage) -> None:
    timeline_record(
        tenant=tenant,
        kind="ticket.message_received",
        summary=gettext_noop("%(reference)s: %(channel)s a delivery report — %(snippet)s")
        if message.is_delivery_report
        else gettext_noop("%(reference)s: %(channel)s from the customer — %(snippet)s"),
        params={
            "reference": ticket.reference,
            "channel": stored_label(MessageChannel(message.channel).label),
            "snippet": _snippet(message.shown_text or message.subject)[:120],
        },
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk, "message": message.pk, "channel": message.channel},
        occurred_at=message.sent_at,
    )


def _assignee_tell(
    tenant: Tenant, assignee: Membership, ticket: Ticket, message: TicketMessage
) -> None:
    notification_create(
        tenant=tenant,
        recipient=assignee.user,
        title=gettext_noop("%(name)s replied on %(reference)s"),
        title_params={"name": ticket.contact.display_name, "reference": ticket.reference},
        body=_snippet(message.shown_text),
        url=reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}),
        kind="customer_replied",
    )


def apply_to_ticket(
    tenant: Tenant,
    thread: Thread,
    incoming: Incoming,
    event: InboundEvent,
    sent_at: dt.datetime,
    inbox_settings: InboxSettings | None = None,
) -> TicketMessage:
    """Add the message to its ticket. History (an import) and automatic mail are recorded and
    change nothing else: no reopening, no SLA clock, no priority boost, nobody told."""
    ticket = thread.ticket
    inbox_settings = inbox_settings or inbox_settings_get(tenant=tenant)
    now = timezone.now()
    history = is_history(event)
    message = _message_of(tenant, ticket, incoming, event, sent_at)
    owes_no_answer = _owes_no_answer(message)
    quiet = history or owes_no_answer
    boosted = "" if quiet else _boost(tenant, ticket, message, inbox_settings)
    message.save()
    _save_attachments(message, incoming.attachments)
    _ticket_catch_up(tenant, thread, message, history=history, owes_no_answer=owes_no_answer)
    _message_received_record(tenant, ticket, message)
    if thread.is_new and not history:
        ticket_assign_automatically(tenant=tenant, ticket=ticket, now=now)
    elif ticket.assignee and not quiet:
        _assignee_tell(tenant, ticket.assignee, ticket, message)
    if boosted:
        _alert_boost(tenant, ticket, boosted)
    if not history:
        _tell_the_rest_of_the_app(tenant, ticket, message, incoming)
    return message


def _reported_outbound(tenant: Tenant, report) -> OutboundMessage | None:
    """The email of ours a delivery report is about: its Message-ID is our own (the tenant's), and
    the message was sent. Anyone can mail a report to an inbox, so the caller also checks that it
    names the recipient before it changes the outbox row."""
    ours = our_message_id(report.original_message_id) if report.original_message_id else None
    if ours is None or ours.tenant_id != tenant.pk:
        return None
    return (
        OutboundMessage.objects.filter(
            tenant=tenant,
            pk=ours.outbound_id,
            channel=OutboxChannel.EMAIL,
            sent_at__isnull=False,
        )
        .select_related("ticket_message")
        .first()
    )


def apply_delivery_report(
    tenant: Tenant, event: InboundEvent, email: NormalisedEmail, at: dt.datetime
) -> TicketMessage | None:
    """A bounce or delay notice (RFC 3464, or a mailer daemon's own words) is no customer writing:
    it updates the outbox row it reports on and joins that message's thread quietly. One about no
    email of ours is kept as its event only (no contact is made for a mailer daemon)."""
    report = email.delivery_report
    outbound = _reported_outbound(tenant, report) if report is not None else None
    if report is None or outbound is None:
        logger.info("delivery report %s matches no email of ours", event.pk)
        return None
    if report.is_failure and outbound.to_address.strip().lower() in report.recipients:
        message_record_delivery(
            tenant=tenant,
            message_id=outbound.pk,
            event=DeliveryEvent.BOUNCED if report.is_permanent else DeliveryEvent.FAILED,
            at=at,
            detail=f"Bounce report {report.status}: {report.diagnostic or report.action}"[:500],
        )
    ticket_message = getattr(outbound, "ticket_message", None)
    if ticket_message is None:
        return None
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("inbox", "contact", "lead", "assignee__user")
        .get(tenant=tenant, pk=ticket_message.ticket_id)
    )
    incoming = read_email(event, email, ticket.contact, is_delivery_report=True)
    return apply_to_ticket(tenant, Thread(ticket, False, "delivery report"), incoming, event, at)
