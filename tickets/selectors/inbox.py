"""Reads of the agent's inbox pages: the ticket list, one thread and its sidebar.

Who sees which tickets: managers and admins see every ticket of the tenant. A rep sees the tickets
assigned to them, the unassigned ones (the shared queue anyone may pick up), the tickets of the
inboxes they answer or lead (a colleague's customer may write while the colleague is off), and the
tickets linked to leads they own. A rep acts on every ticket they see (reply, note, call, status,
priority) but hands tickets only to themselves or back to the queue, and only their own or
unassigned ones; managers reassign anything.
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.kit.formatting import short_clock
from crm.kit.statements import RowsFor, kept
from crm.kit.together import read_together
from crm.models import Contact, ContactEmail, ContactPhone, Membership, PhoneKind, Role, Tenant
from crm.pagination import KeysetPage, keyset_page
from leads.models import Lead, Pipeline
from messaging.models import PENDING_STATUSES, MessageStatus, MessageTemplate
from messaging.selectors.outbox import DeliveryState, delivery_state
from messaging.selectors.templates import templates_with_variants
from tickets.models import (
    ACTIVE_STATUSES,
    Direction,
    InboundEvent,
    InboxAddress,
    InboxAgent,
    InboxChannel,
    MessageChannel,
    Priority,
    SlaEvent,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
)
from tickets.selectors.search import tickets_matching
from tickets.selectors.sla import sla_colour

TICKETS_PER_PAGE = 50
# The Ticket indexes order by newest activity; the id breaks ties so pages never overlap.
LIST_ORDER = ("-last_message_at", "-id")

VIEW_MINE = "mine"
VIEW_UNASSIGNED = "unassigned"
VIEW_ALL = "all"
VIEW_BREACHED = "breached"
VIEWS = (VIEW_MINE, VIEW_UNASSIGNED, VIEW_ALL, VIEW_BREACHED)

# Past due and still owed an answer (the ticket_breached index): an answer clears the breach, and
# while a ticket waits on the customer nothing is owed. The inbox's "SLA breached" view and the
# dashboard's breached tickets (and its team SLA figure) read this one definition.
BREACHED_NOW = Q(
    sla_breached_at__isnull=False, sla_due_at__isnull=False, status__in=ACTIVE_STATUSES
)

STATUS_ACTIVE = "active"
STATUS_ANY = "any"
STATUS_FILTERS = (STATUS_ACTIVE, *TicketStatus.values, STATUS_ANY)

# A delivery receipt (delivered, opened) usually follows "sent" within minutes: the thread keeps
# asking for that long, then stops.
POLL_SENT_FOR = dt.timedelta(minutes=10)


def is_manager(membership: Membership) -> bool:
    return membership.role in (Role.ADMIN, Role.MANAGER)


def _reachable_by_rep(tenant: Tenant, membership: Membership) -> Q:
    answered = InboxAgent.objects.filter(tenant=tenant, membership=membership).values("inbox_id")
    return (
        Q(assignee=membership)
        | Q(assignee__isnull=True)
        | Q(inbox_id__in=answered)
        | Q(inbox__team_lead=membership)
        # A join, looked up for each ticket the list walks, rather than `lead_id IN (their
        # leads)`, which PostgreSQL hashes whole first: a busy rep's 130,000 leads, every page.
        | Q(lead__owner=membership)
    )


def visible_tickets(*, tenant: Tenant, membership: Membership) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(tenant=tenant)
    if is_manager(membership):
        return tickets
    return tickets.filter(_reachable_by_rep(tenant, membership))


def may_reassign(membership: Membership, ticket: Ticket, assignee: Membership | None) -> bool:
    """Managers hand any ticket to anyone; a rep takes their own or unassigned tickets, or puts
    them back in the queue."""
    if is_manager(membership):
        return True
    return ticket.assignee_id in (None, membership.pk) and assignee in (None, membership)


# --- The list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaClock:
    colour: str  # green / orange / red / paused / "" (no clock)
    label: str
    due_at: dt.datetime | None


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    clock: SlaClock


def sla_clock(ticket: Ticket, now: dt.datetime) -> SlaClock:
    """The clock as a row or the sidebar shows it: its colour and the time left or overdue."""
    colour = sla_colour(ticket, now)
    if colour == "paused":
        left = ticket.sla_paused_minutes_left or 0
        return SlaClock(
            colour,
            _("Paused · %(time)s left") % {"time": short_clock(dt.timedelta(minutes=left))},
            None,
        )
    if not colour:
        return SlaClock("", _("No answer owed"), None)
    due = ticket.sla_due_at
    assert due is not None  # noqa: S101  # a running clock has its due time (sla_colour)
    if colour == "red":
        return SlaClock(colour, _("%(time)s overdue") % {"time": short_clock(now - due)}, due)
    return SlaClock(colour, _("%(time)s left") % {"time": short_clock(due - now)}, due)


@dataclass(frozen=True)
class InboxQuery:
    view: str
    status: str
    priority: str
    search: str = ""


def _filtered(
    tickets: QuerySet[Ticket], membership: Membership | None, query: InboxQuery
) -> QuerySet[Ticket]:
    if query.view == VIEW_MINE:
        tickets = tickets.filter(assignee=membership)
    elif query.view == VIEW_UNASSIGNED:
        tickets = tickets.filter(assignee__isnull=True)
    elif query.view == VIEW_BREACHED:
        tickets = tickets.filter(BREACHED_NOW)
    if query.status == STATUS_ACTIVE:
        tickets = tickets.filter(status__in=ACTIVE_STATUSES)
    elif query.status in TicketStatus.values:
        tickets = tickets.filter(status=query.status)
    if query.priority in Priority.values:
        tickets = tickets.filter(priority=query.priority)
    found = tickets_matching(query.search, message_text=True) if query.search else None
    if found is not None:
        tickets = tickets.filter(found)
    return tickets


def ticket_list(
    *,
    tenant: Tenant,
    membership: Membership,
    query: InboxQuery,
    after: str | None,
    now: dt.datetime | None = None,
    per_page: int = TICKETS_PER_PAGE,
) -> tuple[KeysetPage, list[TicketRow]]:
    """One page of the member's view, newest activity first: one query whatever its length."""
    now = now or timezone.now()
    if query.view == VIEW_MINE:
        # The member's own tickets are theirs to see: no need to ask who else's they reach.
        tickets = Ticket.objects.filter(tenant=tenant)
    else:
        tickets = visible_tickets(tenant=tenant, membership=membership)
    return _page(_filtered(tickets, membership, query), after, now, per_page)


def _page(tickets, after, now, per_page) -> tuple[KeysetPage, list[TicketRow]]:
    page = keyset_page(
        tickets.select_related("contact", "assignee__user"),
        order=LIST_ORDER,
        after=after,
        per_page=per_page,
    )
    return page, [TicketRow(ticket, sla_clock(ticket, now)) for ticket in page.items]


def ticket_list_of_team(
    *,
    tenant: Tenant,
    query: InboxQuery,
    after: str | None,
    now: dt.datetime | None = None,
    per_page: int = TICKETS_PER_PAGE,
) -> tuple[KeysetPage, list[TicketRow]]:
    """A page of every ticket of the team, as a manager's "all" view lists them: for the REST
    API, whose key speaks for the team rather than for one member ("mine" means nothing there)."""
    if query.view == VIEW_MINE:
        raise ValueError("A team's list has no member: no 'mine' view.")
    tickets = _filtered(Ticket.objects.filter(tenant=tenant), None, query)
    return _page(tickets, after, now or timezone.now(), per_page)


def assignable_members(*, tenant: Tenant, membership: Membership) -> list[Membership]:
    """Whom the member may give tickets to: the team for managers, themselves for a rep."""
    if not is_manager(membership):
        return [membership]
    return list(_team_members(tenant).select_related("user"))


def _team_members(tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant, is_active=True).order_by(
        "user__full_name", "pk"
    )


# --- One thread ---------------------------------------------------------------------------------


def ticket_for_member(*, tenant: Tenant, membership: Membership, ticket_id: int) -> Ticket:
    """The ticket if the member may see it (else 404: another rep's ticket is not theirs to
    know about), with what the page header and sidebar read."""
    tickets = visible_tickets(tenant=tenant, membership=membership).select_related(
        "inbox__brand", "contact", "lead__stage", "assignee__user"
    )
    return get_object_or_404(tickets, pk=ticket_id)


def ticket_of_team(*, tenant: Tenant, ticket_id: int) -> Ticket:
    """Any ticket of the team (the REST API's key speaks for the team), as the thread reads it."""
    tickets = Ticket.objects.filter(tenant=tenant).select_related(
        "inbox__brand", "contact", "lead__stage", "assignee__user"
    )
    return get_object_or_404(tickets, pk=ticket_id)


def message_polls(message: TicketMessage, now: dt.datetime) -> bool:
    """Whether the thread should ask again for this message's delivery status."""
    outbound = message.outbound
    if outbound is None:
        return False
    if outbound.status in PENDING_STATUSES:
        return True
    sent_at = outbound.sent_at or message.sent_at
    return outbound.status == MessageStatus.SENT and now - sent_at < POLL_SENT_FOR


@dataclass(frozen=True)
class EnclosedMessage:
    sender: str
    subject: str
    sent_at: dt.datetime | None
    text: str


@dataclass(frozen=True)
class ThreadMessage:
    message: TicketMessage
    text: str
    history: str  # the quoted history folded behind "…"; "" when there is none
    polls: bool
    delivery: DeliveryState | None  # where an outbound message really is, and why
    enclosed: list[EnclosedMessage]  # forwarded as attachments, or a digest's messages
    # The sender's Date when it is far from when we received it (an old or wrong clock).
    claimed_date: dt.datetime | None
    # Written from an address that came from an unauthenticated source and nobody confirmed
    # (crm.services.contacts.contact_find_or_create): perhaps not the customer at all.
    unverified_sender: bool = False


# A Date header this far from the time we received the message is shown beside it.
CLAIMED_DATE_SHOWN_AFTER = dt.timedelta(hours=1)


def _enclosed(message: TicketMessage) -> list[EnclosedMessage]:
    items = []
    for item in message.enclosed or []:
        try:
            sent_at = dt.datetime.fromisoformat(item.get("sent_at") or "")
        except (TypeError, ValueError):
            sent_at = None
        name, address = item.get("from_name", ""), item.get("from_address", "")
        sender = f"{name} <{address}>" if name and address else name or address
        items.append(
            EnclosedMessage(sender, item.get("subject", ""), sent_at, item.get("text", ""))
        )
    return items


def _claimed_date(message: TicketMessage) -> dt.datetime | None:
    dated = message.dated_at
    if dated is None or abs(dated - message.sent_at) < CLAIMED_DATE_SHOWN_AFTER:
        return None
    return dated


@dataclass(frozen=True)
class ContactReach:
    """What the thread page needs of the ticket's contact's addresses, read in one statement."""

    unverified: frozenset[str]  # addresses nobody verified as theirs, as messages name them
    has_email: bool
    has_mobile: bool  # a number that is not a landline: texts reach it
    inbox_has_whatsapp: bool  # the ticket's inbox has an active WhatsApp number


def _reach_query(tenant: Tenant, contact_id: int, inbox_id: int) -> QuerySet:
    emails = ContactEmail.objects.filter(tenant=tenant, contact_id=OuterRef("pk"))
    phones = ContactPhone.objects.filter(tenant=tenant, contact_id=OuterRef("pk"))
    whatsapp = InboxAddress.objects.filter(
        tenant=tenant, inbox_id=inbox_id, channel=InboxChannel.WHATSAPP, is_active=True
    )
    return (
        Contact.objects.filter(tenant=tenant, pk=contact_id)
        .values(
            unverified_emails=ArraySubquery(
                emails.filter(verified_at__isnull=True).values("email")
            ),
            unverified_phones=ArraySubquery(
                phones.filter(verified_at__isnull=True).values("number")
            ),
            has_email=Exists(emails),
            has_mobile=Exists(phones.exclude(kind=PhoneKind.LANDLINE)),
            inbox_has_whatsapp=Exists(whatsapp),
        )
        .order_by("pk")[:1]
    )


def contact_reach(*, tenant: Tenant, ticket: Ticket) -> ContactReach:
    # Compiled once per tenant (crm.kit.statements): the thread page spent more CPU building
    # this statement than running it.
    statement = kept(
        ("contact_reach", tenant.pk),
        lambda: RowsFor(lambda contact_id, inbox_id: _reach_query(tenant, contact_id, inbox_id), 2),
    )
    row = next(iter(statement.rows(ticket.contact_id, ticket.inbox_id)), None)
    if row is None:
        return ContactReach(frozenset(), False, False, False)
    return ContactReach(
        frozenset(
            [
                *(email.lower() for email in row["unverified_emails"]),
                *(str(number) for number in row["unverified_phones"]),
            ]
        ),
        row["has_email"],
        row["has_mobile"],
        row["inbox_has_whatsapp"],
    )


def _thread_message(
    message: TicketMessage, now: dt.datetime, unverified: frozenset[str] = frozenset()
) -> ThreadMessage:
    outbound = message.outbound
    text = message.shown_text
    # A template reply holds its wording on the outbox row once it is rendered.
    if outbound is not None and outbound.template_id and outbound.body_text:
        text = outbound.body_text
    history = message.body_text if message.has_folded_history else ""
    delivery = delivery_state(outbound, now) if outbound is not None else None
    return ThreadMessage(
        message,
        text,
        history,
        message_polls(message, now),
        delivery,
        _enclosed(message),
        _claimed_date(message),
        message.direction == Direction.INBOUND and message.from_address.lower() in unverified,
    )


def _messages(tenant: Tenant) -> QuerySet[TicketMessage]:
    return TicketMessage.objects.filter(tenant=tenant).select_related("outbound", "author")


def ticket_thread(
    *,
    tenant: Tenant,
    ticket: Ticket,
    now: dt.datetime | None = None,
    reach: ContactReach | None = None,
) -> list[ThreadMessage]:
    """Every message of every channel in time order, with its attachments, each inbound one
    marked when its sender's address is not verified as the contact's (`reach`, read here if
    not given): three queries."""
    now = now or timezone.now()
    unverified = (reach or contact_reach(tenant=tenant, ticket=ticket)).unverified
    messages = (
        _messages(tenant)
        .filter(ticket=ticket)
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=TicketAttachment.objects.filter(tenant=tenant).order_by("pk"),
            )
        )
        .order_by("sent_at", "id")
    )
    return [_thread_message(message, now, unverified) for message in messages]


def thread_message_get(*, tenant: Tenant, ticket: Ticket, message_id: int) -> ThreadMessage:
    message = get_object_or_404(_messages(tenant).filter(ticket=ticket), pk=message_id)
    unverified = contact_reach(tenant=tenant, ticket=ticket).unverified
    return _thread_message(message, timezone.now(), unverified)


def attachment_get(*, tenant: Tenant, ticket: Ticket, attachment_id: int) -> TicketAttachment:
    return get_object_or_404(
        TicketAttachment.objects.filter(tenant=tenant, message__ticket=ticket), pk=attachment_id
    )


@dataclass(frozen=True)
class Original:
    """What a provider delivered, as staff download it."""

    content: bytes
    content_type: str
    filename: str


def inbound_original(event: InboundEvent) -> Original:
    """The raw RFC 822 message; else the provider's post as it came (parsed fields, or a post
    that could not be read); else the form a text arrived as."""
    if event.provider_post:
        is_json = event.post_content_type.lower().startswith("application/json")
        return Original(
            bytes(event.provider_post),
            "application/json" if is_json else "text/plain",
            f"inbound-{event.pk}-post.{'json' if is_json else 'txt'}",
        )
    if event.raw:
        return Original(bytes(event.raw), "message/rfc822", f"inbound-{event.pk}.eml")
    payload = json.dumps(event.payload, ensure_ascii=False, indent=2).encode()
    return Original(payload, "application/json", f"inbound-{event.pk}.json")


def message_original_get(*, tenant: Tenant, ticket: Ticket, message_id: int) -> Original:
    event = get_object_or_404(
        InboundEvent.objects.filter(tenant=tenant, message__ticket=ticket, message__pk=message_id)
    )
    return inbound_original(event)


@dataclass(frozen=True)
class ReplyOptions:
    channels: list[tuple[str, str | Promise]]  # (value, label) the contact can be reached on
    default_channel: str
    templates: list[MessageTemplate]


def reply_options(
    *,
    tenant: Tenant,
    ticket: Ticket,
    last_inbound_channel: str = "",
    reach: ContactReach | None = None,
) -> ReplyOptions:
    """The channels the contact has an address for (WhatsApp only where the inbox has a WhatsApp
    number), the templates with wording for at least one of them, and the channel to offer first:
    the one the customer last wrote on (`last_inbound_channel`, read from the thread), or their
    preferred channel when that was the portal. `reach` is read here if not given."""
    contact = ticket.contact
    reach = reach or contact_reach(tenant=tenant, ticket=ticket)
    reachable: dict[str, bool] = {
        InboxChannel.EMAIL: reach.has_email,
        InboxChannel.SMS: reach.has_mobile,
        InboxChannel.WHATSAPP: reach.has_mobile and reach.inbox_has_whatsapp,
    }
    channels: list[tuple[str, str | Promise]] = [
        (value, label) for value, label in InboxChannel.choices if reachable[value]
    ]
    values = [value for value, _ in channels]
    default = last_inbound_channel if last_inbound_channel in values else ""
    if last_inbound_channel == MessageChannel.PORTAL and contact.preferred_channel in values:
        # The portal shows the answer; it also goes the way the customer prefers.
        default = contact.preferred_channel
    default = default or (values[0] if values else "")
    templates = [
        template
        for template in templates_with_variants(tenant=tenant)
        if not template.is_archived
        and {variant.channel for variant in template.variants.all()} & set(values)
    ]
    return ReplyOptions(channels, default, templates)


@dataclass(frozen=True)
class Sidebar:
    sla_events: list[SlaEvent]
    contact_leads: list[Lead]
    pipelines: list[Pipeline]
    members: list[Membership]


def ticket_sidebar(*, tenant: Tenant, ticket: Ticket, membership: Membership) -> Sidebar:
    """The sidebar's four lists in one statement (crm.kit.together)."""
    querysets = {
        "sla_events": SlaEvent.objects.filter(tenant=tenant, ticket=ticket).order_by(
            "-occurred_at", "-id"
        ),
        "contact_leads": Lead.objects.filter(tenant=tenant, contact_id=ticket.contact_id).order_by(
            "-created_at", "-id"
        )[:50],
        "pipelines": Pipeline.objects.filter(tenant=tenant, is_archived=False),
    }
    if is_manager(membership):
        querysets["members"] = _team_members(tenant)
    lists = read_together(querysets, joined={"members": {"user": ["full_name", "email"]}})
    return Sidebar(
        sla_events=lists["sla_events"],
        contact_leads=lists["contact_leads"],
        pipelines=lists["pipelines"],
        members=lists.get("members", [membership]),
    )
