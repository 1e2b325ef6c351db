"""Reads of contacts: the list, matching by address, one contact and its timeline."""

from types import SimpleNamespace

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from crm.kit.languages import contact_language
from crm.kit.search import contacts_matching, first_contacts_matching
from crm.models import (
    Contact,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    PropertyContact,
    Tenant,
    TimelineEvent,
)
from crm.pagination import KeysetPage, keyset_page
from crm.phones import e164
from crm.privacy import contact_foreign_keys, rows_pointing_at

CONTACTS_PER_PAGE = 50


def contact_list(
    *,
    tenant: Tenant,
    search: str = "",
    after: str | None = None,
    per_page: int = CONTACTS_PER_PAGE,
) -> KeysetPage:
    """Newest contacts first, a page at a time, in a fixed number of queries; `search` is the
    search box (crm.kit.search: name, company, email or phone, every word as a prefix)."""
    contacts = Contact.objects.filter(tenant=tenant)
    # The first page (and one more row: is there a next page?) is read in the database in the
    # list's order, which keeps a common word fast; later pages filter by every match.
    found = (
        contacts_matching(search) if after else first_contacts_matching(search, most=per_page + 1)
    )
    if found is not None:
        contacts = contacts.filter(found)
    contacts = contacts.prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.filter(tenant=tenant)),
        Prefetch("phones", queryset=ContactPhone.objects.filter(tenant=tenant)),
    )
    return keyset_page(contacts, order=("-created_at", "-id"), after=after, per_page=per_page)


def contact_match(*, tenant: Tenant, emails=(), phones=()) -> Contact | None:
    """The existing contact with one of these addresses or E.164 numbers (oldest first), if any."""
    emails = [email.strip().lower() for email in emails if email]
    phones = [e164(number) for number in phones if number]
    if not emails and not phones:
        return None
    holders = _holding(tenant, emails=emails, phones=phones)
    return Contact.objects.filter(tenant=tenant, pk__in=holders).order_by("created_at").first()


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


def contact_reading_language(*, tenant: Tenant, contact_id: int | None) -> str:
    """The language a contact reads pages and system messages in (crm.kit.languages); the
    team's when the contact is unknown or gone."""
    code = (
        Contact.objects.filter(tenant=tenant, pk=contact_id)
        .values_list("language", flat=True)
        .first()
        if contact_id
        else None
    )
    return contact_language(SimpleNamespace(language=code), tenant)


def contact_timeline(*, tenant: Tenant, contact: Contact, limit: int = 50) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(tenant=tenant, contact=contact)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


# What people call the core's rows (the other apps' models are named by their verbose names).
MERGE_LABELS = {
    ContactEmail: (_("email address"), _("email addresses")),
    ContactPhone: (_("phone number"), _("phone numbers")),
    ContactConsent: (_("consent record"), _("consent records")),
    PropertyContact: (_("property"), _("properties")),
}


def merge_counts(*, tenant: Tenant, contact: Contact) -> dict[str, int]:
    """How many rows of each kind point at the contact (what merging it into another moves),
    as "3 leads": every foreign key to a contact of every app, found by walking the models
    (crm.privacy.contact_foreign_keys)."""
    counts: dict[type, int] = {}
    for model, model_field in contact_foreign_keys():
        count = rows_pointing_at(model, tenant, **{model_field.name: contact}).count()
        if count:
            counts[model] = counts.get(model, 0) + count
    named = {}
    for model, count in counts.items():
        one, many = MERGE_LABELS.get(
            model, (model._meta.verbose_name, model._meta.verbose_name_plural)
        )
        named[str(one if count == 1 else many)] = count
    return named


def duplicate_candidates(*, tenant: Tenant, contact: Contact, limit: int = 10) -> list[Contact]:
    """Other contacts that look like the same person: a shared email or phone, or the same
    first and last name."""
    emails = list(contact.emails.values_list("email", flat=True))
    phones = list(contact.phones.values_list("number", flat=True))
    named = None
    if contact.first_name and contact.last_name:
        # Through the contact search's index (a SECURITY DEFINER function: for the app role no
        # index serves first_name ILIKE …), then the same names exactly.
        same_name = Q(first_name__iexact=contact.first_name, last_name__iexact=contact.last_name)
        found = contacts_matching(f"{contact.first_name} {contact.last_name}")
        named = Contact.objects.filter(tenant=tenant).filter(
            same_name if found is None else found & same_name
        )
    candidates = Contact.objects.filter(
        tenant=tenant, pk__in=_holding(tenant, emails=emails, phones=phones, named=named)
    )
    return list(
        _with_addresses(tenant, candidates)
        .exclude(pk=contact.pk)
        .order_by("last_name", "first_name", "id")[:limit]
    )


def contacts_with_addresses(*, tenant: Tenant, emails=(), phones=()) -> list[Contact]:
    """Every contact with one of these addresses or E.164 numbers, oldest first, with their
    addresses: whom a new lead typed with them might be."""
    emails = [email.strip().lower() for email in emails if email]
    phones = [e164(number) for number in phones if number]
    if not emails and not phones:
        return []
    contacts = Contact.objects.filter(
        tenant=tenant, pk__in=_holding(tenant, emails=emails, phones=phones)
    )
    return list(_with_addresses(tenant, contacts).order_by("created_at", "id"))


def _holding(tenant: Tenant, *, emails=(), phones=(), named=None) -> QuerySet:
    """The ids of the contacts with one of these (lower-case) addresses or E.164 numbers, and of
    the `named` contacts, as one UNION: each part reads its index. Written as `pk IN (emails) OR
    pk IN (phones)`, PostgreSQL checks every contact of the tenant against both lists instead.

    Addresses are stored lower-case (a check constraint holds it) and compared as stored, through
    the (tenant, email) index: under row-level security PostgreSQL uses no index for
    `lower(email) IN (…)` (lower is not leakproof) and read every address of the tenant, 125 ms
    and three processes at a million contacts for each inbound email."""
    ids = []
    if emails:
        ids.append(
            ContactEmail.objects.filter(tenant=tenant, email__in=emails).values("contact_id")
        )
    if phones:
        ids.append(
            ContactPhone.objects.filter(tenant=tenant, number__in=phones).values("contact_id")
        )
    if named is not None:
        ids.append(named.values("id"))
    if not ids:
        return Contact.objects.none().values("id")
    ids = [part.order_by() for part in ids]  # the models' default order means nothing in a union
    return ids[0].union(*ids[1:]) if len(ids) > 1 else ids[0]


def _with_addresses(tenant: Tenant, contacts):
    return contacts.prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.filter(tenant=tenant)),
        Prefetch("phones", queryset=ContactPhone.objects.filter(tenant=tenant)),
    )
