"""The header search: contacts, leads and tickets matching one search box, a few of each.

Each kind is found the way its own list finds it (crm.kit.search), so the "see all" link of a
group opens that list with the same search and the same matches."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from crm.kit.search import first_contacts_matching
from crm.models import Contact, ContactEmail, ContactPhone, Membership, Tenant
from leads.models import Lead
from leads.selectors.search import leads_matching
from tickets.selectors.inbox import is_manager, visible_tickets
from tickets.selectors.search import first_tickets_matching, tickets_matching

PER_KIND = 8
MOST_TEXT = 200


@dataclass
class SearchResults:
    text: str
    contacts: list[Contact] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    tickets: list = field(default_factory=list)
    more_contacts: bool = False
    more_leads: bool = False
    more_tickets: bool = False

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.leads or self.tickets)


def _first(rows, most: int) -> tuple[list, bool]:
    rows = list(rows[: most + 1])
    return rows[:most], len(rows) > most


def search_everything(
    *, tenant: Tenant, membership: Membership, text: str, most: int = PER_KIND
) -> SearchResults:
    """The newest `most` contacts, leads and tickets (those the member may see) matching the
    text, and whether each kind has more; nothing for an empty search."""
    text = text.strip()[:MOST_TEXT]
    results = SearchResults(text=text)
    # One more than shown: whether there are more.
    found_contacts = first_contacts_matching(text, most=most + 1)
    if found_contacts is None:
        return results
    contacts = (
        Contact.objects.filter(tenant=tenant)
        .filter(found_contacts)
        .prefetch_related(
            Prefetch("emails", queryset=ContactEmail.objects.filter(tenant=tenant)),
            Prefetch("phones", queryset=ContactPhone.objects.filter(tenant=tenant)),
        )
        .order_by("-created_at", "-id")
    )
    results.contacts, results.more_contacts = _first(contacts, most)
    leads = leads_matching(Lead.objects.filter(tenant=tenant), text).select_related(
        "contact", "stage", "owner__user"
    )
    results.leads, results.more_leads = _first(leads.order_by("-created_at", "-id"), most)
    # A manager sees every ticket: the database reads only the newest matches. A rep's are
    # filtered by what they may see, so every match is read.
    found_tickets = (
        first_tickets_matching(text, most=most + 1)
        if is_manager(membership)
        else tickets_matching(text)
    )
    tickets = (
        visible_tickets(tenant=tenant, membership=membership)
        .filter(found_tickets)
        .select_related("contact")
        .order_by("-last_message_at", "-id")
    )
    results.tickets, results.more_tickets = _first(tickets, most)
    return results
