"""What agents do to a ticket: reply on a channel, note, log a call, change status and priority,
link a lead. Every write is one transaction and lands on the timeline.

Replies go through the comms outbox (delivery policy, retries, status tracking); the thread shows
the outbox row's status. Email replies carry our Message-ID, the ticket's signed reply address and
its [#T-…] tag, so the customer's answer comes back to this ticket.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm.models import Property, Tenant, User
from crm.services import timeline_record
from leads.models import Lead, Pipeline
from leads.services import lead_create
from messaging.models import MessageChannel as OutboxChannel
from messaging.models import MessageSource, MessageStatus, MessageTemplate
from messaging.services.outbox import message_schedule
from messaging.services.providers import message_id_header
from tickets import sla
from tickets.models import (
    Direction,
    MessageChannel,
    Priority,
    SlaEvent,
    SlaEventKind,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.routing import reply_address
from tickets.selectors import inbox_address_for
from tickets.threading import subject_tag

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


def portal_reply_footer() -> str:
    url = settings.THREADLINE_SITE_URL.rstrip("/") + reverse("portal:messages")
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
    _set_status(tenant, ticket, status, message.sent_at)
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
        raise ValidationError("Reply by email, SMS or WhatsApp.")
    if not body.strip() and template is None:
        raise ValidationError("Write a reply or choose a template.")
    key = f"ticket-reply:{ticket.pk}:{nonce}"
    existing = TicketMessage.objects.filter(
        tenant=tenant, ticket=ticket, outbound__idempotency_key=key
    ).first()
    if existing is not None:
        return existing

    # Back to the address the customer last wrote from on this channel, from the inbox's own.
    last = _last_inbound(ticket, channel)
    from_address = inbox_address_for(tenant=tenant, inbox_id=ticket.inbox_id, channel=channel)
    context = {"answer_sender": True} if last and last.from_address else {}
    subject = ""
    if channel == MessageChannel.EMAIL:
        subject = _reply_subject(ticket)
        context["reply_to"] = reply_address(tenant.pk, ticket.pk)
        context["keep_subject"] = True
        if last and last.message_id:
            context["in_reply_to"] = last.message_id
            context["references"] = [last.message_id]
    if from_address is not None and channel == MessageChannel.EMAIL and ticket.inbox.brand:
        sender = f"{ticket.inbox.brand.sender_name} <{from_address.address}>"
    else:
        sender = from_address.address if from_address else ""
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
        body_text=body.strip() or f"(template “{template.name}”)",
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
    timeline_record(
        tenant=tenant,
        kind="ticket.replied",
        summary=f"{ticket.reference}: {message.get_channel_display()} reply — "
        f"{_snippet(message.body_text)[:120]}",
        actor=actor,
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk, "message": message.pk, "outbound": outbound.pk},
    )
    return message


@transaction.atomic
def ticket_add_note(*, tenant: Tenant, actor: User, ticket: Ticket, body: str) -> TicketMessage:
    """An internal note: the team sees it in the thread; the customer never does."""
    if not body.strip():
        raise ValidationError("A note needs some text.")
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
        raise ValidationError("Say what the call was about.")
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
        summary=f"{ticket.reference}: call — {_snippet(summary)[:120]}",
        actor=actor,
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk, "message": message.pk},
        occurred_at=at,
    )
    return message


def _set_status(tenant: Tenant, ticket: Ticket, status: str, at: dt.datetime) -> bool:
    if status == ticket.status:
        return False
    if status not in TicketStatus.values:
        raise ValidationError(f"Unknown status {status!r}.")
    ticket.status = status
    if status == TicketStatus.WAITING:
        sla.sla_pause(tenant=tenant, ticket=ticket, at=at)
    elif status == TicketStatus.OPEN:
        sla.sla_resume(tenant=tenant, ticket=ticket, at=at)
        ticket.resolved_at = None
    else:
        sla.sla_settle(tenant=tenant, ticket=ticket, at=at)
        ticket.resolved_at = ticket.resolved_at or at
    return True


@transaction.atomic
def ticket_change(
    *,
    tenant: Tenant,
    actor: User,
    ticket: Ticket,
    status: str | None = None,
    priority: str | None = None,
) -> Ticket:
    """Change a ticket's status and/or priority by hand."""
    now = timezone.now()
    changes = []
    if status is not None and _set_status(tenant, ticket, status, now):
        changes.append(f"status {ticket.get_status_display().lower()}")
    if priority is not None and priority != ticket.priority:
        if priority not in Priority.values:
            raise ValidationError(f"Unknown priority {priority!r}.")
        ticket.priority = priority
        ticket.priority_reason = f"set by {actor.full_name}"
        sla.sla_reprioritised(tenant=tenant, ticket=ticket, at=now)
        SlaEvent.objects.create(
            tenant=tenant,
            ticket=ticket,
            kind=SlaEventKind.PRIORITY_CHANGED,
            occurred_at=now,
            due_at=ticket.sla_due_at,
            detail=f"Set to {ticket.get_priority_display()} by {actor.full_name}",
        )
        changes.append(f"priority {ticket.get_priority_display().lower()}")
    if not changes:
        return ticket
    ticket.save()
    timeline_record(
        tenant=tenant,
        kind="ticket.changed",
        summary=f"{ticket.reference}: {', '.join(changes)}",
        actor=actor,
        contact=ticket.contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk},
    )
    return ticket


@transaction.atomic
def tickets_bulk_change(
    *,
    tenant: Tenant,
    actor: User,
    ticket_ids: list[int],
    status: str | None = None,
    priority: str | None = None,
) -> int:
    tickets = Ticket.objects.select_for_update(of=("self",)).filter(
        tenant=tenant, pk__in=ticket_ids
    )
    changed = 0
    for ticket in tickets.select_related("contact", "lead", "inbox"):
        before = (ticket.status, ticket.priority)
        ticket_change(tenant=tenant, actor=actor, ticket=ticket, status=status, priority=priority)
        changed += before != (ticket.status, ticket.priority)
    return changed


@transaction.atomic
def ticket_link_lead(*, tenant: Tenant, actor: User, ticket: Ticket, lead: Lead | None) -> Ticket:
    """Link the ticket to one of its contact's leads (or unlink it)."""
    if lead is not None and (lead.tenant_id != tenant.pk or lead.contact_id != ticket.contact_id):
        raise ValidationError("Link a lead of this ticket's contact.")
    ticket.lead = lead
    ticket.save(update_fields=["lead", "updated_at"])
    timeline_record(
        tenant=tenant,
        kind="ticket.lead_linked",
        summary=f"{ticket.reference} linked to {lead.reference}"
        if lead
        else f"{ticket.reference} unlinked from its lead",
        actor=actor,
        contact=ticket.contact,
        lead=lead,
        detail={"ticket": ticket.pk},
    )
    return ticket


@transaction.atomic
def ticket_create_lead(
    *, tenant: Tenant, actor: User, ticket: Ticket, pipeline_id: int, title: str = ""
) -> Lead:
    """A new lead for the ticket's contact, started from the conversation and linked to it. The
    ticket's assignee owns it (else the assignment rules choose); the job is at the contact's
    most recent property, if they have one."""
    pipeline = Pipeline.objects.filter(tenant=tenant, pk=pipeline_id, is_archived=False).first()
    if pipeline is None:
        raise ValidationError("Choose one of this team's pipelines.")
    place = (
        Property.objects.filter(tenant=tenant, links__contact_id=ticket.contact_id)
        .order_by("-created_at", "-pk")
        .first()
    )
    lead = lead_create(
        tenant=tenant,
        actor=actor,
        contact=ticket.contact,
        pipeline=pipeline,
        place=place,
        owner=ticket.assignee,
        assign_automatically=ticket.assignee is None,
        title=(title.strip() or ticket.subject)[:200],
        brand=ticket.inbox.brand,
        created_via=f"ticket {ticket.reference}",
    )
    ticket_link_lead(tenant=tenant, actor=actor, ticket=ticket, lead=lead)
    return lead
