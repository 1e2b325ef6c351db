"""What the create form starts from and offers: the ticket, lead or template a "New follow-up" link
names, the contacts its picker shows, and the leads and tickets it may link."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from crm.kit.search import first_contacts_matching
from crm.models import Contact, Membership, Tenant
from followups.models import FollowUpTemplate
from followups.selectors.lists import follow_up_templates
from leads.models import Lead, LeadStatus
from tickets.models import Ticket
from tickets.selectors.inbox import visible_tickets


def ticket_to_follow_up(*, tenant: Tenant, membership: Membership, ticket_id: int) -> Ticket:
    """A ticket the member may see, with its contact, lead and assignee."""
    tickets = visible_tickets(tenant=tenant, membership=membership)
    return get_object_or_404(tickets.select_related("contact", "lead", "assignee"), pk=ticket_id)


def lead_to_follow_up(*, tenant: Tenant, lead_id: int) -> Lead:
    leads = Lead.objects.filter(tenant=tenant).select_related("contact", "owner")
    return get_object_or_404(leads, pk=lead_id)


def template_to_follow_up(*, tenant: Tenant, template_id: int) -> FollowUpTemplate:
    return get_object_or_404(follow_up_templates(tenant=tenant), pk=template_id)


def contacts_matching(*, tenant: Tenant, text: str, most: int = 12) -> list[Contact]:
    """Contacts for the create form's picker: the search box of every list (crm.kit.search:
    name, company, email or phone, every word as a prefix)."""
    found = first_contacts_matching(text, most=most, by_name=True)
    if found is None:
        return []
    return list(
        Contact.objects.filter(tenant=tenant)
        .filter(found)
        .order_by("first_name", "last_name", "pk")[:most]
    )


def contact_candidates(*, tenant: Tenant, text: str, chosen_id: int | None) -> list[Contact]:
    """The picker's contacts, and the one already chosen (a posted form) when they lack it."""
    candidates = contacts_matching(tenant=tenant, text=text)
    if chosen_id and chosen_id not in {contact.pk for contact in candidates}:
        candidates += list(Contact.objects.filter(tenant=tenant, pk=chosen_id))
    return candidates


def leads_to_link(*, tenant: Tenant, contact: Contact | None, lead: Lead | None) -> QuerySet[Lead]:
    """The contact's open leads (and the one the form started from), newest first."""
    leads = Lead.objects.filter(tenant=tenant, contact=contact).filter(
        Q(status=LeadStatus.OPEN) | Q(pk=lead.pk if lead else None)
    )
    return leads.order_by("-created_at") if contact else leads.none()


def tickets_to_link(
    *, tenant: Tenant, membership: Membership, contact: Contact | None
) -> QuerySet[Ticket]:
    """The contact's tickets the member may see, newest first."""
    tickets = visible_tickets(tenant=tenant, membership=membership).filter(contact=contact)
    return tickets.order_by("-created_at") if contact else tickets.none()
