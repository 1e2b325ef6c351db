"""Reads of contacts: the list, matching by address, one contact and its timeline."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from crm.kit.search import contacts_matching
from crm.models import Contact, ContactEmail, ContactPhone, PropertyContact, Tenant, TimelineEvent
from crm.pagination import KeysetPage, keyset_page
from crm.phones import e164

CONTACTS_PER_PAGE = 50


def contact_list(*, tenant: Tenant, search: str = "", after: str | None = None) -> KeysetPage:
    """Newest contacts first, a page at a time, in a fixed number of queries; `search` is the
    search box (crm.kit.search: name, company, email or phone, every word as a prefix)."""
    contacts = Contact.objects.filter(tenant=tenant)
    found = contacts_matching(search)
    if found is not None:
        contacts = contacts.filter(found)
    contacts = contacts.prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.filter(tenant=tenant)),
        Prefetch("phones", queryset=ContactPhone.objects.filter(tenant=tenant)),
    )
    return keyset_page(
        contacts, order=("-created_at", "-id"), after=after, per_page=CONTACTS_PER_PAGE
    )


def contact_match(*, tenant: Tenant, emails=(), phones=()) -> Contact | None:
    """The existing contact with one of these addresses or E.164 numbers (oldest first), if any."""
    emails = [email.strip().lower() for email in emails if email]
    phones = [e164(number) for number in phones if number]
    if not emails and not phones:
        return None
    by_address = Q(pk__in=[])
    if emails:
        by_address |= Q(
            pk__in=ContactEmail.objects.filter(tenant=tenant, email__in=emails).values("contact_id")
        )
    if phones:
        by_address |= Q(
            pk__in=ContactPhone.objects.filter(tenant=tenant, number__in=phones).values(
                "contact_id"
            )
        )
    return Contact.objects.filter(tenant=tenant).filter(by_address).order_by("created_at").first()


def contact_get(*, tenant: Tenant, contact_id: int) -> Contact:
    contacts = Contact.objects.filter(tenant=tenant).prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.filter(tenant=tenant)),
        Prefetch("phones", queryset=ContactPhone.objects.filter(tenant=tenant)),
        Prefetch(
            "property_links",
            queryset=PropertyContact.objects.filter(tenant=tenant).select_related("property"),
        ),
    )
    return get_object_or_404(contacts.select_related("brand"), pk=contact_id)


def contact_timeline(*, tenant: Tenant, contact: Contact, limit: int = 50) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(tenant=tenant, contact=contact)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )
