"""What agents add to a ticket's conversation: a reply on a channel, a note, a logged call. Every
write is one transaction and lands on the timeline.

Replies go through the comms outbox (delivery policy, retries, status tracking); the thread shows
the outbox row's status. Email replies carry our Message-ID, the ticket's signed reply address and
its [#T-…] tag, so the customer's answer comes back to this ticket.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.links import Link
from crm.kit.stored_text import stored_label
from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from messaging.models import MessageChannel as OutboxChannel
from messaging.models import MessageSource, MessageStatus, MessageTemplate
from messaging.services.outbox import message_schedule
from messaging.services.providers import message_id_header
from tickets.models import (
    Direction,
    InboxAddress,
    MessageChannel,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.routing import reply_address
from tickets.selectors.addresses import inbox_address_for
from tickets.services import sla
from tickets.services.changes import ticket_status_apply
from tickets.services.threading import subject_tag

SNIPPET_CHARS = 160
REPLY_CHANNELS = (MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.WHATSAPP)


def _snippet(text: str) -> str:
    return " ".join(text.split())[:SNIPPET_CHARS]


def _touch(ticket: Ticket, message: TicketMessage) -> None:
    if message.sent_at < ticket.last_message_at:
        return  # logged after the fact: the list shows the latest message
    ticket.last_message_at = message.sent_at
    ticket.last_message_snippet = _snippet(message.shown_text or message.subject)
    ticket.last_message_channel = message.channel
    ticket.last_message_direction = message.direction


def _last_inbound(ticket: Ticket, channel: str) -> TicketMessage | None:
    return (
        TicketMessage.objects.filter(
            tenant_id=ticket.tenant_id, ticket=ticket, direction=Direction.INBOUND, channel=channel
        )
        .order_by("-sent_at", "-id")
        .first()
    )


def _answers_the_portal(ticket: Ticket) -> bool:
    """The customer last wrote from the portal: the answer shows there (the portal shows every
    reply of the thread) and the message that carries it says where to read and answer it."""
    last = (
        TicketMessage.objects.filter(
            tenant_id=ticket.tenant_id, ticket=ticket, direction=Direction.INBOUND
        )
        .order_by("-sent_at", "-id")
        .values_list("channel", flat=True)
        .first()
    )
    return last == MessageChannel.PORTAL


# Where the customer reads and answers the thread: the portal's page (the portal sits above).
PORTAL_MESSAGES = Link("the customer portal's messages page")


def portal_reply_footer() -> str:
    url = settings.THREADLINE_SITE_URL.rstrip("/") + PORTAL_MESSAGES.path()
    return f"Read this and answer in your customer portal: {url}"


def _reply_subject(ticket: Ticket) -> str:
    subject = ticket.subject or f"Your message to {ticket.inbox.name}"
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} {subject_tag(ticket.number)}"


def _answered(tenant: Tenant, ticket: Ticket, message: TicketMessage, status: str) -> None:
    """Our answer stops the SLA clock; the ticket then waits on the customer unless the agent
    chose another status."""
    sla.sla_answered(tenant=tenant, ticket=ticket, at=message.sent_at)
    _touch(ticket, message)
    ticket_status_apply(tenant, ticket, status, message.sent_at)
    ticket.save()


@transaction.atomic
def ticket_reply(
    *,
    tenant: Tenant,
    actor: User,
    ticket: Ticket,
    channel: str,
    body: str,
    nonce: str,
    template: MessageTemplate | None = None,
    status_after: str = TicketStatus.WAITING,
    now: dt.datetime | None = None,
) -> TicketMessage:
    """Answer the customer on `channel` with free text or a template. `nonce` comes from the
    form, so a double submit sends once. When the customer last wrote from the portal, the answer
    shows there as well, and the text sent on `channel` ends with the link to it."""
    now = now or timezone.now()
    if channel not in REPLY_CHANNELS:
        raise ValidationError(_("Reply by email, SMS or WhatsApp."))
    if not body.strip() and template is None:
        raise ValidationError(_("Write a reply or choose a template."))
    key = f"ticket-reply:{ticket.pk}:{nonce}"
    existing = TicketMessage.objects.filter(
        tenant=tenant, ticket=ticket, outbound__idempotency_key=key
    ).first()
    if existing is not None:
        return existing

    # Back to the address the customer last wrote from on this channel, from the inbox's own.
    last = _last_inbound(ticket, channel)
    from_address = inbox_address_for(tenant=tenant, inbox_id=ticket.inbox_id, channel=channel)
    subject, context = _reply_headers(tenant, ticket, channel, last)
    sender = _reply_sender(ticket, channel, from_address)
    sent_text = body.strip()
    if sent_text and _answers_the_portal(ticket):
        # (A template's wording is its own: {{ portal_link }} is there for it.)
        sent_text = f"{sent_text}\n\n{portal_reply_footer()}"
    outbound = message_schedule(
        tenant=tenant,
        channel=OutboxChannel(channel),
        source=MessageSource.MANUAL,
        idempotency_key=key,
        contact=ticket.contact,
        lead=ticket.lead,
        brand=ticket.inbox.brand,
        template=template,
        subject=subject,
        body_text=sent_text,
        context=context,
        created_by=actor,
        now=now,
        to_address=last.from_address if last and last.from_address else "",
        from_address=sender,
    )
    message = TicketMessage.objects.create(
        tenant=tenant,
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=channel,
        author=actor,
        sent_at=now,
        from_address=outbound.from_address[:254],
        to_address=outbound.to_address[:254],
        subject=subject,
        body_text=_shown_text(body, template),
        message_id=message_id_header(outbound).strip("<>"),
        outbound=outbound,
    )
    if outbound.status == MessageStatus.SUPPRESSED:
        # Blocked at once (STOP, consent, WhatsApp's 24-hour window, no address): the customer
        # got nothing, so the clock keeps running and the ticket keeps its status; the thread
        # shows the reply as blocked, with why.
        _touch(ticket, message)
        ticket.save()
    else:
        _answered(tenant, ticket, message, status_after)
    _reply_record(tenant=tenant, actor=actor, ticket=ticket, message=message)
    return message


def _shown_text(body: str, template: MessageTemplate | None) -> str:
    """The reply as the thread shows it: its text, else the template it sent."""
    if body.strip():
        return body.strip()
    assert template is not None  # noqa: S101  # a text or a template (ticket_reply checks)
    return f"(template “{template.name}”)"


def _reply_headers(
    tenant: Tenant, ticket: Ticket, channel: str, last: TicketMessage | None
) -> tuple[str, dict]:
    """The reply's subject and the rendering context that answers the customer's last message:
    to the address they wrote from, and by email in the same thread (subject, Reply-To,
    In-Reply-To, References)."""
    context: dict[str, object] = {"answer_sender": True} if last and last.from_address else {}
    subject = ""
    if channel == MessageChannel.EMAIL:
        subject = _reply_subject(ticket)
        context["reply_to"] = reply_address(tenant.pk, ticket.pk)
        context["keep_subject"] = True
        if last and last.message_id:
            context["in_reply_to"] = last.message_id
            context["references"] = [last.message_id]
    return subject, context


def _reply_sender(ticket: Ticket, channel: str, from_address: InboxAddress | None) -> str:
    """The inbox's own address on `channel`; by email with the brand's sender name."""
    if from_address is not None and channel == MessageChannel.EMAIL and ticket.inbox.brand:
        return f"{ticket.inbox.brand.sender_name} <{from_address.address}>"
    return from_address.address if from_address else ""


def _reply_record(*, tenant: Tenant, actor: User, ticket: Ticket, message: TicketMessage) -> None:
    timeline_record(
        tenant=tenant,
        kind="ticket.replied",
        summary=gettext_noop("%(reference)s: %(channel)s reply — %(snippet)s"),
        params={
            "reference": ticket.reference,
            "channel": stored_label(MessageChannel(message.channel).label),
            "snippet": _snippet(message.body_text)[:120],
        },
        actor=actor,
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk, "message": message.pk, "outbound": message.outbound_id},
    )


@transaction.atomic
def ticket_add_note(*, tenant: Tenant, actor: User, ticket: Ticket, body: str) -> TicketMessage:
    """An internal note: the team sees it in the thread; the customer never does."""
    if not body.strip():
        raise ValidationError(_("A note needs some text."))
    return TicketMessage.objects.create(
        tenant=tenant,
        ticket=ticket,
        direction=Direction.INTERNAL,
        channel=MessageChannel.NOTE,
        author=actor,
        body_text=body.strip(),
    )


@transaction.atomic
def ticket_log_call(
    *,
    tenant: Tenant,
    actor: User,
    ticket: Ticket,
    summary: str,
    inbound: bool = False,
    at: dt.datetime | None = None,
) -> TicketMessage:
    """A phone call is a message of the thread; a call we made (or took) answers the customer."""
    if not summary.strip():
        raise ValidationError(_("Say what the call was about."))
    at = at or timezone.now()
    message = TicketMessage.objects.create(
        tenant=tenant,
        ticket=ticket,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        channel=MessageChannel.PHONE,
        author=actor,
        sent_at=at,
        body_text=summary.strip(),
    )
    _answered(tenant, ticket, message, ticket.status)
    timeline_record(
        tenant=tenant,
        kind="ticket.call_logged",
        summary=gettext_noop("%(reference)s: call — %(snippet)s"),
        params={"reference": ticket.reference, "snippet": _snippet(summary)[:120]},
        actor=actor,
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk, "message": message.pk},
        occurred_at=at,
    )
    return message
