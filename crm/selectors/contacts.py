"""Reads of contacts: the list, matching by address, one contact and its timeline."""

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db.models import (
    CharField,
    Exists,
    F,
    Func,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.kit.languages import contact_language
from crm.kit.search import contacts_matching, first_contacts_matching, fold
from crm.models import (
    AddressSource,
    Channel,
    Contact,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    PhoneKind,
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


@dataclass(frozen=True)
class AddressHold:
    """A contact's hold on an address that a message, form or intake came from: what decides
    whether it may go to that contact (`sender_contact`)."""

    address: str  # lower-case email, or E.164
    contact: Contact
    is_verified: bool
    source: str  # AddressSource
    contact_has_verified: bool  # any verified address on the contact, this one or another


# A sender writing from the address is the strongest unverified word there is (a form or an
# import is what someone typed): among several unverified holders it picks the one made from
# an earlier message of theirs, so a second message finds the contact the first one made.
FROM_OWN_MESSAGE = (AddressSource.INBOUND_EMAIL, AddressSource.INBOUND_SMS)


def may_draw_unverified(hold: AddressHold) -> bool:
    """Whether an unverified hold may take someone's inbound message.

    Not on a contact with anything verified: that contact is a proved person (they sign in to
    the portal, quotes reach them) and an unverified address on it is only a claim that they own
    it too, made by whoever typed it (a form with the customer's email beside a stranger's
    phone). Never when typed into the portal's "Your details": a customer's word about their
    own contact must not move anyone else's messages. A contact with nothing verified is nobody
    proved (no portal, no verified address to send a stranger's job to): a repeat inquirer
    who never verified still finds their contact."""
    return (
        not hold.is_verified
        and hold.source != AddressSource.PORTAL
        and not hold.contact_has_verified
    )


def sender_contact(holds: Iterable[AddressHold]) -> Contact | None:
    """The contact a sender of these addresses is, by their holds; None: a new contact.

    The oldest contact on which one of the addresses is verified; else the one contact whose
    unverified hold may draw the message (may_draw_unverified); among several, the one made
    from the sender's own earlier message. Anything else (several holders, none of them
    proved) is no one's: a new contact is made and staff are offered the merge."""
    holds = list(holds)
    verified = [hold.contact for hold in holds if hold.is_verified]
    if verified:
        return min(verified, key=lambda contact: (contact.created_at, contact.pk))
    drawing = {hold.contact.pk: hold.contact for hold in holds if may_draw_unverified(hold)}
    if len(drawing) > 1:
        drawing = {
            hold.contact.pk: hold.contact
            for hold in holds
            if hold.contact.pk in drawing and hold.source in FROM_OWN_MESSAGE
        }
    return next(iter(drawing.values())) if len(drawing) == 1 else None


def address_holds(*, tenant: Tenant, emails=(), phones=()) -> list[AddressHold]:
    """Every contact's hold on these (lower-case) addresses or E.164 numbers, with the contact,
    one query per kind, each through its (tenant, address) index."""
    proved = Q(verified_at__isnull=False)
    has_verified = Exists(
        ContactEmail.objects.filter(proved, tenant=tenant, contact=OuterRef("contact_id"))
    ) | Exists(ContactPhone.objects.filter(proved, tenant=tenant, contact=OuterRef("contact_id")))
    # Numbers as plain text: the field would parse each one again, and they are E.164 already.
    numbers = [Value(str(number), output_field=CharField()) for number in phones]
    holds = []
    for model, field, values in (
        (ContactEmail, "email", emails),
        (ContactPhone, "number", numbers),
    ):
        if not values:
            continue
        rows = (
            model.objects.filter(tenant=tenant, **{f"{field}__in": list(values)})
            .select_related("contact")
            .annotate(has_verified=has_verified)
            .order_by()
        )
        holds += [
            AddressHold(
                address=row.number.as_e164 if isinstance(row, ContactPhone) else row.email,
                contact=row.contact,
                is_verified=row.is_verified,
                source=row.source,
                contact_has_verified=row.has_verified,
            )
            for row in rows
        ]
    return holds


@dataclass(frozen=True)
class SenderMatch:
    contact: Contact | None  # None: make a new contact
    passed_over: tuple[int, ...]  # contacts holding an address that did not get the message


def sender_match(*, tenant: Tenant, emails=(), phones=()) -> SenderMatch:
    """Whom a message, form or intake from these addresses is from (sender_contact), and
    which other contacts hold one of them: staff are offered to merge those."""
    emails = [email.strip().lower() for email in emails if email]
    phones = [e164(number) for number in phones if number]
    if not emails and not phones:
        return SenderMatch(None, ())
    holds = address_holds(tenant=tenant, emails=emails, phones=phones)
    contact = sender_contact(holds)
    chosen = contact.pk if contact else None
    passed_over = tuple(sorted({hold.contact.pk for hold in holds} - {chosen}))
    return SenderMatch(contact, passed_over)


def contact_match(*, tenant: Tenant, emails=(), phones=()) -> Contact | None:
    """The existing contact a sender of these addresses or E.164 numbers is (sender_match)."""
    return sender_match(tenant=tenant, emails=emails, phones=phones).contact


def contact_reach_address(*, contact: Contact, channel: str) -> str:
    """Where the contact's messages on `channel` (email, else a text) go: their primary address,
    among the verified ones once they have any. A customer's job news (a quote, an update) must
    not reach an unverified address that someone else gave with their email, or that they typed
    for someone else in the portal (crm.services.contacts.contact_find_or_create); a new lead,
    with nothing verified yet, is reached where they wrote from."""
    emails, phones = contact.emails.all(), contact.phones.exclude(kind=PhoneKind.LANDLINE)
    proved = Q(verified_at__isnull=False)
    if emails.filter(proved).exists() or phones.filter(proved).exists():
        emails, phones = emails.filter(proved), phones.filter(proved)
    if channel == Channel.EMAIL:
        email = emails.order_by("-is_primary", "id").values_list("email", flat=True).first()
        return email or ""
    phone = phones.order_by("-is_primary", "id").values_list("number", flat=True).first()
    return str(phone) if phone else ""


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
MERGE_LABELS: dict[type[Model], tuple[Promise, Promise]] = {
    ContactEmail: (_("email address"), _("email addresses")),
    ContactPhone: (_("phone number"), _("phone numbers")),
    ContactConsent: (_("consent record"), _("consent records")),
    PropertyContact: (_("property"), _("properties")),
}


def merge_counts(*, tenant: Tenant, contact: Contact) -> dict[str, int]:
    """How many rows of each kind point at the contact (what merging it into another moves),
    as "3 leads": every foreign key to a contact of every app, found by walking the models
    (crm.privacy.contact_foreign_keys)."""
    counts: dict[type[Model], int] = {}
    for model, model_field in contact_foreign_keys():
        count = rows_pointing_at(model, tenant, **{model_field.name: contact}).count()
        if count:
            counts[model] = counts.get(model, 0) + count
    named = {}
    for model, count in counts.items():
        one, many = MERGE_LABELS.get(model) or (
            model._meta.verbose_name,
            model._meta.verbose_name_plural,
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
        # index serves first_name ILIKE …), then the same names as the search box reads them:
        # "Jose Pena" is "José Peña".
        same_name = Q(first_folded=fold(contact.first_name), last_folded=fold(contact.last_name))
        found = contacts_matching(f"{contact.first_name} {contact.last_name}")
        named = (
            Contact.objects.filter(tenant=tenant)
            .alias(first_folded=_folded("first_name"), last_folded=_folded("last_name"))
            .filter(same_name if found is None else found & same_name)
        )
    candidates = Contact.objects.filter(
        tenant=tenant, pk__in=_holding(tenant, emails=emails, phones=phones, named=named)
    )
    return list(
        _with_addresses(tenant, candidates)
        .exclude(pk=contact.pk)
        .order_by("last_name", "first_name", "id")[:limit]
    )


def _folded(field: str) -> Func:
    """The column as crm.kit.search.fold reads it, in SQL (the same threadline_fold)."""
    return Func(F(field), function="threadline_fold", output_field=CharField())


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
    ids: list[QuerySet[Any, Any]] = []  # each part one column of contact ids
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
