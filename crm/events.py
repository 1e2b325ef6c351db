"""How a lower app tells the higher ones that something happened: it publishes a named event.

An event is a small frozen dataclass defined next to the code that publishes it (the core's are
below, a lead's in leads/events.py, …), carrying the rows the subscribers need. `publish` calls
the subscribers of the event's type one after the other, synchronously, inside the publisher's
transaction: what they write commits or rolls back with the change itself, and an exception in one
propagates to the publisher (the ones after it do not run). Subscribers write rows only; anything
that calls out waits for the commit.

Every subscriber is listed in one table, in the order it runs: config/events.py, at the top of the
layer stack (it names every app), found through the THREADLINE_EVENT_SUBSCRIBERS setting so the
core never imports the apps above it.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from crm.models import Contact, Membership, Tenant

Subscribers = Mapping[type, Sequence[Callable[[Any], None]]]


def subscribers() -> Subscribers:
    """The table of event type → subscribers, in order."""
    return import_string(settings.THREADLINE_EVENT_SUBSCRIBERS)


def publish(event: object) -> None:
    for subscriber in subscribers().get(type(event), ()):
        subscriber(event)


@dataclass(frozen=True)
class ContactErased:
    """A contact's personal data was erased (crm.services.erasure.contact_anonymise): nothing
    scheduled for them may go any more."""

    tenant: Tenant
    contact: Contact


@dataclass(frozen=True)
class MembershipChanged:
    """A member's role or standing changed (made a rep, taken off the team, …): what they hold
    through their former rights (the API keys they created) is reviewed."""

    tenant: Tenant
    membership: Membership
    actor: Any = None


@dataclass(frozen=True)
class NotificationsCreated:
    """In-app notifications of a kind were created (published after their transaction commits):
    recipients who asked for email/SMS copies of that kind get them."""

    tenant: Tenant
    notification_ids: list[int]


@dataclass(frozen=True)
class ContactChanged:
    """Staff changed a contact's name or addresses, or merged another contact into it: what
    other apps derived from them (a lead's search words) is out of date."""

    tenant: Tenant
    contact: Contact
    actor: Any = None


@dataclass(frozen=True)
class ConsentRecorded:
    """A contact's consent on a channel was recorded (an unsubscribe link, STOP, a complaint, a
    staff edit)."""

    tenant: Tenant
    contact: Contact
    channel: str
    status: str
    source: str


@dataclass(frozen=True)
class CustomerWrote:
    """A customer's message (email, text, portal) was stored in a ticket. Defined in the core,
    carrying the core's rows only, because apps below the inbox react to it too (the WhatsApp
    reply window, STOP texts, the lead's last reply).

    `contact` wrote; `ticket_contact` owns the thread it went into (the same, unless a reply token
    let someone else answer in a customer's thread). `awaits_answer` is False for an
    out-of-office and for a STOP, START or HELP text the system answers itself. `message_id` is
    the stored TicketMessage's (one event per message: outbound webhooks key on it)."""

    tenant: Tenant
    contact: Contact
    ticket_contact: Contact
    channel: str
    body: str
    from_address: str
    received_at: dt.datetime
    awaits_answer: bool
    ticket_id: int
    ticket_reference: str
    message_id: int | None = None
