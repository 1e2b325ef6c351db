"""Which ticket an inbound message belongs to, in the order the issue sets:

1. a signed reply token in the recipient address (reply+TOKEN@…);
2. In-Reply-To / References against the Message-IDs we sent and received;
3. a subject tag like [#T-1042];
4. the contact's most recent open ticket with activity within the tenant's window, so an SMS and
   an email from the same person join one ticket;
5. a STOP, START or HELP text joins the contact's latest ticket whatever its status or age: the
   system answers it and it reopens nothing (tickets/services/ingest.py), so it opens no ticket
   of its own;
6. else a new ticket.

References to our own (sequential, guessable) outbox Message-IDs and subject tags only count when
the sender is the ticket's contact: nobody writes into another customer's thread by guessing.
A closed ticket stays closed: a message for it opens a new ticket that says so.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypeGuard

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.models import Contact, Tenant
from crm.services.timeline import timeline_record
from leads.models import Lead, LeadStatus
from messaging.models import OutboundMessage
from messaging.services.keywords import is_keyword_text
from tickets.models import (
    ACTIVE_STATUSES,
    Inbox,
    InboxSettings,
    Ticket,
    TicketCounter,
    TicketMessage,
    TicketStatus,
)
from tickets.priority import priority_reason_columns, starting_priority
from tickets.routing import our_message_id
from tickets.services.configuration import inbox_settings_get

SUBJECT_TAG = re.compile(r"\[#T-(\d{1,9})\]", re.IGNORECASE)
MAX_REFERENCES = 50


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    is_new: bool
    how: str


def subject_tag(number: int) -> str:
    return f"[#T-{number}]"


def _next_number(tenant: Tenant) -> int:
    counter, _ = TicketCounter.objects.select_for_update().get_or_create(tenant=tenant)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


def _locked(tenant: Tenant, **lookup) -> Ticket | None:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("inbox", "contact", "lead", "assignee__user")
        .filter(tenant=tenant, **lookup)
        .first()
    )


def _usable(ticket: Ticket | None, contact: Contact, *, same_contact: bool) -> TypeGuard[Ticket]:
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        return False
    return not same_contact or ticket.contact_id == contact.pk


def _by_references(tenant: Tenant, contact: Contact, message_ids: list[str]):
    """(ticket, lead the reference points at) for the newest referenced message we know."""
    lead = None
    for message_id in message_ids:
        ours = our_message_id(message_id)
        if ours is not None and ours.tenant_id == tenant.pk:
            outbound = (
                OutboundMessage.objects.filter(tenant=tenant, pk=ours.outbound_id)
                .select_related("ticket_message")
                .first()
            )
            if outbound is None or outbound.contact_id != contact.pk:
                continue
            ticket_message = getattr(outbound, "ticket_message", None)
            if ticket_message is not None:
                ticket = _locked(tenant, pk=ticket_message.ticket_id)
                if _usable(ticket, contact, same_contact=True):
                    return ticket, lead
            lead = lead or outbound.lead
            continue
        ticket_id = (
            TicketMessage.objects.filter(tenant=tenant, message_id=message_id)
            .order_by("-sent_at")
            .values_list("ticket_id", flat=True)
            .first()
        )
        if ticket_id is not None:
            ticket = _locked(tenant, pk=ticket_id)
            if _usable(ticket, contact, same_contact=False):
                return ticket, lead
    return None, lead


def _open_lead(tenant: Tenant, contact: Contact) -> Lead | None:
    leads = Lead.objects.filter(tenant=tenant, contact=contact)
    return (
        leads.filter(status=LeadStatus.OPEN).order_by("-created_at").first()
        or leads.filter(status=LeadStatus.WON).order_by("-won_at").first()
    )


def inbox_for_new_ticket(tenant: Tenant, contact: Contact, inbox: Inbox | None) -> Inbox:
    """The inbox the message came to; for one that came to no inbox (a reply token, the portal),
    the contact's last ticket's, else the inbox of their brand, else the first one."""
    if inbox is not None:
        return inbox
    last = Ticket.objects.filter(tenant=tenant, contact=contact).order_by("-created_at").first()
    if last is not None:
        return last.inbox
    inboxes = Inbox.objects.filter(tenant=tenant, is_active=True).order_by("pk")
    chosen = (contact.brand_id and inboxes.filter(brand_id=contact.brand_id).first()) or (
        inboxes.first()
    )
    if chosen is None:
        chosen, _ = Inbox.objects.get_or_create(tenant=tenant, name="General")
    return chosen


def ticket_open(
    *,
    tenant: Tenant,
    contact: Contact,
    inbox: Inbox,
    subject: str,
    lead: Lead | None = None,
    how: str = "",
    opened_at: dt.datetime | None = None,
    settings: InboxSettings | None = None,
) -> Ticket:
    """A new ticket (not yet assigned: the caller assigns once the first message is in), opened
    when its first message arrived. `settings`: the tenant's inbox settings, if the caller has
    them."""
    opened_at = opened_at or timezone.now()
    settings = settings or inbox_settings_get(tenant=tenant)
    priority, reason = starting_priority(
        tenant=tenant, inbox=inbox, contact=contact, settings=settings
    )
    ticket = Ticket.objects.create(
        tenant=tenant,
        number=_next_number(tenant),
        inbox=inbox,
        contact=contact,
        lead=lead or _open_lead(tenant, contact),
        subject=SUBJECT_TAG.sub("", subject).strip()[:300],
        priority=priority,
        **priority_reason_columns(reason),
        created_at=opened_at,
    )
    timeline_record(
        tenant=tenant,
        kind="ticket.opened",
        # `how` reads as the caller wrote it.
        summary=gettext_noop("Ticket %(reference)s opened in %(inbox)s (%(how)s)")
        if how
        else gettext_noop("Ticket %(reference)s opened in %(inbox)s"),
        params={"reference": ticket.reference, "inbox": inbox.name, "how": how},
        contact=contact,
        lead=ticket.lead,
        detail={"ticket": ticket.pk},
        occurred_at=opened_at,
    )
    return ticket


def _recent_ticket(
    tenant: Tenant,
    contact: Contact,
    received_at: dt.datetime,
    window: dt.timedelta,
    *,
    history: bool,
) -> Ticket | None:
    """The contact's ticket with a message within `window` of `received_at`, locked: an open
    one, or for mail from the past one open or resolved around its time."""
    recent = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("inbox", "contact", "lead", "assignee__user")
        .filter(tenant=tenant, contact=contact, last_message_at__gte=received_at - window)
    )
    if history:
        recent = recent.filter(
            status__in=(*ACTIVE_STATUSES, TicketStatus.RESOLVED),
            last_message_at__lte=received_at + window,
        )
    else:
        recent = recent.filter(status__in=ACTIVE_STATUSES)
    return recent.order_by("-last_message_at").first()


def _latest_ticket(tenant: Tenant, contact: Contact) -> Ticket | None:
    """The contact's latest ticket whatever its status or age, locked."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("inbox", "contact", "lead", "assignee__user")
        .filter(tenant=tenant, contact=contact)
        .order_by("-last_message_at", "-id")
        .first()
    )


def thread_for(
    *,
    tenant: Tenant,
    incoming,
    inbox: Inbox | None,
    reply_ticket_id: int | None,
    received_at: dt.datetime | None = None,
    history: bool = False,
    settings: InboxSettings | None = None,
):
    """The ticket for a message received at `received_at` (now, if not given). `history`: mail
    from the past (an import), which joins the ticket of its own time, resolved or not, never
    today's open one. `settings`: the tenant's inbox settings, if the caller has them."""
    received_at = received_at or timezone.now()
    contact = incoming.contact
    # One message of a contact threads at a time, so two arriving together find the same ticket.
    Contact.objects.select_for_update(no_key=True).filter(tenant=tenant, pk=contact.pk).first()
    closed = None

    if reply_ticket_id is not None:
        ticket = _locked(tenant, pk=reply_ticket_id)
        if _usable(ticket, contact, same_contact=False):
            return Thread(ticket, False, "reply address")
        closed = closed or ticket

    referenced = [incoming.in_reply_to, *reversed(incoming.references)]
    message_ids = list(dict.fromkeys(m for m in referenced if m))[:MAX_REFERENCES]
    ticket, referenced_lead = _by_references(tenant, contact, message_ids)
    if ticket is not None:
        return Thread(ticket, False, "references")

    tag = SUBJECT_TAG.search(incoming.subject or "")
    if tag:
        ticket = _locked(tenant, number=int(tag[1]))
        if _usable(ticket, contact, same_contact=True):
            return Thread(ticket, False, "subject tag")
        if ticket is not None and ticket.contact_id == contact.pk:
            closed = closed or ticket

    # The window counts back from when the message was received, not from its sender's Date.
    settings = settings or inbox_settings_get(tenant=tenant)
    window = dt.timedelta(days=settings.thread_window_days)
    recent = _recent_ticket(tenant, contact, received_at, window, history=history)
    if recent is not None:
        return Thread(recent, False, "recent ticket")

    if is_keyword_text(channel=incoming.channel, body=incoming.body_text):
        latest = _latest_ticket(tenant, contact)
        if latest is not None:
            return Thread(latest, False, "keyword")

    how = f"follow-up to closed {closed.reference}" if closed else ""
    subject = incoming.subject or ""
    ticket = ticket_open(
        tenant=tenant,
        contact=contact,
        inbox=inbox_for_new_ticket(tenant, contact, inbox),
        subject=subject,
        lead=referenced_lead,
        how=how,
        opened_at=received_at,
        settings=settings,
    )
    return Thread(ticket, True, how)
