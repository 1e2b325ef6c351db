"""Reads for the inbox's settings pages: inboxes with their counts and agents, addresses, and
the inbound log. Tenant first, always."""

import email.parser
import email.policy
import email.utils

from django.db.models import BinaryField, Count, F, Func, IntegerField, OuterRef, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from crm.models import Tenant
from crm.pagination import KeysetPage, keyset_page
from tickets.models import (
    ACTIVE_STATUSES,
    EventStatus,
    InboundEvent,
    Inbox,
    InboxAddress,
    InboxAgent,
    Ticket,
)
from tickets.selectors.inbox import Original, inbound_original

INBOUND_PER_PAGE = 50
# The From header sits near the top of a message: reading this much spares loading whole emails
# (attachments and all) to fill one column of the log.
RAW_HEAD_BYTES = 8192
RETRYABLE = (EventStatus.FAILED, EventStatus.DEAD)


def _count(queryset, column: str) -> Coalesce:
    """A correlated COUNT(*) for each row of the outer query, 0 when there is none."""
    counted = queryset.values(column).annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def inboxes_with_counts(tenant: Tenant) -> list[Inbox]:
    """Every inbox with its address and open-ticket counts and its agents, in 2 queries."""
    inboxes = (
        Inbox.objects.filter(tenant=tenant)
        .select_related("brand", "team_lead__user")
        .annotate(
            address_count=_count(
                InboxAddress.objects.filter(tenant=tenant, inbox=OuterRef("pk")), "inbox"
            ),
            open_tickets=_count(
                Ticket.objects.filter(
                    tenant=tenant, inbox=OuterRef("pk"), status__in=ACTIVE_STATUSES
                ),
                "inbox",
            ),
        )
        .order_by("-is_active", "name")
    )
    rows: list[Inbox] = list(inboxes)
    agents = (
        InboxAgent.objects.filter(tenant=tenant, inbox__in=rows)
        .select_related("membership__user")
        .order_by("membership__user__full_name", "pk")
    )
    by_inbox: dict[int, list[InboxAgent]] = {}
    for agent in agents:
        by_inbox.setdefault(agent.inbox_id, []).append(agent)
    for inbox in rows:
        inbox.agent_list = by_inbox.get(inbox.pk, [])  # type: ignore[attr-defined]  # for the page
    return rows


def inbox_get(tenant: Tenant, inbox_id: int) -> Inbox:
    return get_object_or_404(
        Inbox.objects.filter(tenant=tenant).select_related("brand", "team_lead__user"),
        pk=inbox_id,
    )


def inbox_agents(tenant: Tenant, inbox: Inbox) -> list[InboxAgent]:
    """The inbox's agents with their open tickets across all inboxes (what the capacity caps)."""
    return list(
        InboxAgent.objects.filter(tenant=tenant, inbox=inbox)
        .select_related("membership__user")
        .annotate(
            open_tickets=_count(
                Ticket.objects.filter(
                    tenant=tenant,
                    assignee=OuterRef("membership"),
                    status__in=ACTIVE_STATUSES,
                ),
                "assignee",
            )
        )
        .order_by("membership__user__full_name", "pk")
    )


def inbox_address_get(tenant: Tenant, address_id: int) -> InboxAddress:
    return get_object_or_404(
        InboxAddress.objects.filter(tenant=tenant).select_related("inbox"), pk=address_id
    )


def inbound_events_page(tenant: Tenant, *, status: str, after: str | None) -> KeysetPage:
    """The tenant's inbound events, newest first, with what the log shows of each: one query."""
    events = (
        InboundEvent.objects.filter(tenant=tenant)
        .defer("raw", "payload", "provider_post")
        .annotate(
            payload_sender=KeyTextTransform("From", "payload"),
            raw_head=Func(
                F("raw"),
                Value(1),
                Value(RAW_HEAD_BYTES),
                function="substr",
                output_field=BinaryField(),
            ),
            ticket_pk=F("message__ticket_id"),
            ticket_number=F("message__ticket__number"),
        )
    )
    if status:
        events = events.filter(status=status)
    page = keyset_page(
        events, order=("-received_at", "-id"), after=after, per_page=INBOUND_PER_PAGE
    )
    for event in page.items:
        event.sender = _sender_of(event.payload_sender, event.raw_head)
        event.can_retry = event.status in RETRYABLE
    return page


def _sender_of(payload_sender: str | None, raw_head: bytes | memoryview | None) -> str:
    """The sender an SMS or WhatsApp payload names, else the From of the raw mail's head."""
    if payload_sender:
        return payload_sender.removeprefix("whatsapp:")
    if not raw_head:
        return ""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
            bytes(raw_head)
        )
        return email.utils.parseaddr(str(headers.get("From", "")))[1]
    except Exception:  # a malformed header: the column stays empty, the event is still listed
        return ""


def inbound_event_original_get(tenant: Tenant, *, event_id: int) -> Original:
    return inbound_original(
        get_object_or_404(InboundEvent.objects.filter(tenant=tenant), pk=event_id)
    )
