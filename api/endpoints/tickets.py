"""Tickets and their messages (read); a reply goes out through the outbox, as from the inbox;
assign and change status through the inbox sidebar's services."""

import datetime as dt
import uuid
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.lookups import named_in_body
from api.schemas import MAX_LIMIT, READ_ERRORS, WRITE_ERRORS, Body, BodyInt
from crm.selectors.members import membership_get
from tickets.models import Direction, MessageChannel, Priority, TicketStatus
from tickets.selectors.inbox import (
    InboxQuery,
    sla_clock,
    thread_message_get,
    ticket_list_of_team,
    ticket_of_team,
    ticket_thread,
)
from tickets.services.assignment import ticket_assign
from tickets.services.changes import ticket_change
from tickets.services.replies import REPLY_CHANNELS, ticket_reply

router = Router()


class SlaOut(Schema):
    colour: str = Field(description="green, orange, red, paused, or empty: no answer owed")
    label: str
    due_at: dt.datetime | None


class TicketOut(Schema):
    id: int
    reference: str
    subject: str
    status: TicketStatus
    priority: Priority
    contact_id: int
    lead_id: int | None
    assignee_id: int | None
    inbox_id: int
    created_at: dt.datetime
    last_message_at: dt.datetime
    last_message_snippet: str
    sla: SlaOut


def ticket_out(ticket, clock) -> dict:
    return {
        **{name: getattr(ticket, name) for name in TicketOut.model_fields if name != "sla"},
        "sla": clock,
    }


class TicketPage(Schema):
    results: list[TicketOut]
    next_cursor: str | None


class MessageOut(Schema):
    id: int
    direction: Direction
    channel: MessageChannel
    sent_at: dt.datetime
    from_address: str
    to_address: str
    subject: str
    text: str
    unverified_sender: bool = Field(
        description="Written from an address nobody has confirmed as the contact's."
    )
    delivery: str | None = Field(
        description="An outbound message's delivery state (queued, sent, delivered, failed …)."
    )


def message_out(thread_message) -> dict:
    message = thread_message.message
    delivery = thread_message.delivery
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "sent_at": message.sent_at,
        "from_address": message.from_address,
        "to_address": message.to_address,
        "subject": message.subject,
        "text": thread_message.text,
        "unverified_sender": thread_message.unverified_sender,
        "delivery": delivery.key if delivery else None,
    }


class TicketListParams(Schema):
    view: Literal["all", "unassigned", "breached"] = "all"
    status: Literal["active", "all", *TicketStatus.values] = "active"  # type: ignore[valid-type]
    priority: Priority | None = None
    q: str = Field("", max_length=200)
    cursor: str | None = None
    limit: int = Query(50, ge=1, le=MAX_LIMIT)


@router.get("", response={200: TicketPage, **READ_ERRORS}, summary="List tickets")
def ticket_index(request, params: Query[TicketListParams]):
    """Newest activity first."""
    keyset, rows = ticket_list_of_team(
        tenant=request.tenant,
        query=InboxQuery(
            view=params.view,
            status=params.status,
            priority=params.priority or "",
            search=params.q,
        ),
        after=params.cursor,
        per_page=params.limit,
    )
    return {
        "results": [ticket_out(row.ticket, row.clock) for row in rows],
        "next_cursor": keyset.next_cursor,
    }


@router.get("{ticket_id}", response={200: TicketOut, **READ_ERRORS}, summary="Get a ticket")
def ticket_detail(request, ticket_id: int):
    ticket = ticket_of_team(tenant=request.tenant, ticket_id=ticket_id)
    return ticket_out(ticket, sla_clock(ticket, timezone.now()))


@router.get(
    "{ticket_id}/messages", response={200: list[MessageOut], **READ_ERRORS}, summary="Messages"
)
def ticket_messages(request, ticket_id: int):
    """Every message of the thread, every channel, oldest first."""
    ticket = ticket_of_team(tenant=request.tenant, ticket_id=ticket_id)
    return [message_out(message) for message in ticket_thread(tenant=request.tenant, ticket=ticket)]


class ReplyIn(Body):
    channel: Literal[*REPLY_CHANNELS] = MessageChannel.EMAIL  # type: ignore[valid-type]
    body: str = Field(min_length=1, max_length=20000)
    status_after: TicketStatus = TicketStatus.WAITING


@router.post("{ticket_id}/replies", response={201: MessageOut, **WRITE_ERRORS}, summary="Reply")
def ticket_reply_new(request, ticket_id: int, payload: ReplyIn):
    """Queued in the outbox, which respects quiet hours, caps and consent and sends it. Send an
    Idempotency-Key: a repeated request with it sends once."""
    tenant = request.tenant
    ticket = ticket_of_team(tenant=tenant, ticket_id=ticket_id)
    message = ticket_reply(
        tenant=tenant,
        actor=request.actor,
        ticket=ticket,
        channel=payload.channel,
        body=payload.body,
        nonce=uuid.uuid4().hex,
        status_after=payload.status_after,
    )
    return Status(
        201, message_out(thread_message_get(tenant=tenant, ticket=ticket, message_id=message.pk))
    )


class TicketAssignment(Body):
    assignee_id: BodyInt | None = Field(description="An active team member's id; null: unassigned.")


class TicketStatusChange(Body):
    status: TicketStatus = Field(
        description="waiting pauses the SLA clock, open resumes it, resolved and closed settle it."
    )


def _ticket_answer(tenant, ticket_id: int) -> dict:
    ticket = ticket_of_team(tenant=tenant, ticket_id=ticket_id)
    return ticket_out(ticket, sla_clock(ticket, timezone.now()))


@router.post(
    "{ticket_id}/assignee", response={200: TicketOut, **WRITE_ERRORS}, summary="Assign a ticket"
)
def ticket_assignee(request, ticket_id: int, payload: TicketAssignment):
    """As the inbox sidebar's Assignee: the new assignee is told, the timeline records it."""
    tenant = request.tenant
    ticket = ticket_of_team(tenant=tenant, ticket_id=ticket_id)
    assignee_id = payload.assignee_id
    assignee = (
        named_in_body(
            lambda: membership_get(tenant=tenant, membership_id=assignee_id),
            "assignee_id",
        )
        if assignee_id
        else None
    )
    ticket_assign(tenant=tenant, actor=request.actor, ticket=ticket, assignee=assignee)
    return _ticket_answer(tenant, ticket_id)


@router.post(
    "{ticket_id}/status", response={200: TicketOut, **WRITE_ERRORS}, summary="Change status"
)
def ticket_status(request, ticket_id: int, payload: TicketStatusChange):
    """As the inbox sidebar's Status, with the SLA clock moved along."""
    tenant = request.tenant
    ticket = ticket_of_team(tenant=tenant, ticket_id=ticket_id)
    ticket_change(tenant=tenant, actor=request.actor, ticket=ticket, status=payload.status)
    return _ticket_answer(tenant, ticket_id)
