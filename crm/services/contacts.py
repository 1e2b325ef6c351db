"""Writes of contacts and their addresses (properties: crm.services.properties). Each function is
one transaction and takes the tenant explicitly."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import ContactChanged, publish
from crm.kit.links import contact_page
from crm.kit.stored_text import stored_label
from crm.models import (
    AddressSource,
    AddressVerification,
    Brand,
    Channel,
    Contact,
    ContactEmail,
    ContactPhone,
    NotificationLevel,
    Role,
    Tenant,
    User,
    VerifiableAddress,
)
from crm.phones import e164
from crm.services.notifications import notifications_notify_roles
from crm.services.timeline import timeline_record

# A contact's address of either kind.
ContactAddress = ContactEmail | ContactPhone


@transaction.atomic
def contact_create(
    *,
    tenant: Tenant,
    actor: User | None,
    first_name: str = "",
    last_name: str = "",
    company_name: str = "",
    emails: Iterable[str] = (),
    phones: Iterable = (),
    preferred_channel: str = Channel.EMAIL,
    language: str | None = None,
    brand: Brand | None = None,
    needs_review: bool = False,
    source: str = "staff",
    address_source: str = AddressSource.STAFF,
) -> Contact:
    """A new contact with its addresses; phones must already be valid (forms parse them to E.164).

    The addresses are verified when staff typed them (`address_source` STAFF); from any other
    source they wait for staff to confirm them or the customer to prove them.

    Without a `language` the contact speaks their brand's, else the team's: an inbound message
    or an intake without one was written to a business that speaks it, not in English by
    default (a web form's own language comes as `language`, leads.services.capture)."""
    contact = Contact(
        tenant=tenant,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        company_name=company_name.strip(),
        preferred_channel=preferred_channel,
        language=language or (brand.language if brand else "") or tenant.language,
        brand=brand,
        needs_review=needs_review,
    )
    contact.full_clean(exclude=["tenant"])
    contact.save()
    arrival = _address_arrival(address_source, actor)
    for position, email in enumerate(dict.fromkeys(e.strip().lower() for e in emails if e)):
        ContactEmail.objects.create(
            tenant=tenant, contact=contact, email=email, is_primary=position == 0, **arrival
        )
    for position, number in enumerate(phones):
        ContactPhone.objects.create(
            tenant=tenant, contact=contact, number=number, is_primary=position == 0, **arrival
        )
    timeline_record(
        tenant=tenant,
        kind="contact.created",
        summary=gettext_noop("Contact created (%(source)s)"),
        params={"source": source},
        actor=actor,
        contact=contact,
    )
    return contact


@transaction.atomic
def contact_set_vip(*, tenant: Tenant, actor: User, contact: Contact, is_vip: bool) -> Contact:
    """Mark a contact VIP (their new tickets start a priority higher) or not."""
    if contact.is_vip == is_vip:
        return contact
    contact.is_vip = is_vip
    contact.save(update_fields=["is_vip", "updated_at"])
    timeline_record(
        tenant=tenant,
        kind="contact.vip",
        summary=gettext_noop("Marked VIP") if is_vip else gettext_noop("No longer VIP"),
        params={},
        actor=actor,
        contact=contact,
    )
    return contact


@dataclass(frozen=True)
class AddressEdit:
    """One row of the contact form's emails or phones: an address it has (`address_id`) kept,
    changed or removed, or a new one (`address_id` None). A phone's value is parsed already
    (forms read it in the tenant's country, crm.forms.ContactEditForm)."""

    address_id: int | None
    value: object  # an email, or a PhoneNumber
    is_primary: bool = False
    kind: str = ""  # a phone's PhoneKind
    remove: bool = False


CONTACT_DETAILS = ("first_name", "last_name", "company_name", "preferred_channel", "language")


@transaction.atomic
def contact_update(
    *,
    tenant: Tenant,
    actor: User,
    contact: Contact,
    emails: Iterable[AddressEdit] | None = None,
    phones: Iterable[AddressEdit] | None = None,
    **details,
) -> list[str]:
    """Staff change a contact's name, preferences, email addresses and phone numbers.

    A new address is staff-typed and counts as verified by them, as on a new contact. A changed
    address is a different address: it loses the old one's verification (staff confirm it with
    the Confirm button once they know it is the customer's), so a portal sign-in proved for the
    old address never opens the portal to the new one. Returns what changed, as the timeline
    says it."""
    unknown = set(details) - set(CONTACT_DETAILS)
    if unknown:
        raise TypeError(f"Not a contact detail: {', '.join(sorted(unknown))}")
    contact = Contact.objects.select_for_update(no_key=True).get(tenant=tenant, pk=contact.pk)
    changes = []
    for name, value in details.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(contact, name) != value:
            field = Contact._meta.get_field(name)
            label = field.verbose_name if isinstance(field, Field) else name
            changes.append(
                _("%(field)s: “%(old)s” → “%(new)s”")
                % {
                    "field": label.capitalize(),
                    "old": getattr(contact, name),
                    "new": value,
                }
            )
            setattr(contact, name, value)
    if details:
        contact.full_clean(exclude=["tenant", "brand"])
        contact.save()
    if emails is not None:
        changes += _addresses_update(tenant, actor, contact, ContactEmail, list(emails))
    if phones is not None:
        changes += _addresses_update(tenant, actor, contact, ContactPhone, list(phones))
    if changes:
        timeline_record(
            tenant=tenant,
            kind="contact.updated",
            # The changes read in the writer's language (the list is returned as it is).
            summary=gettext_noop("Details changed: %(changes)s"),
            params={"changes": "; ".join(changes)[:300]},
            actor=actor,
            contact=contact,
            detail={"changes": changes},
        )
        publish(ContactChanged(tenant=tenant, contact=contact, actor=actor))
    return changes


def _address_key(model, value) -> str:
    return e164(value) if model is ContactPhone else str(value).strip().lower()


def _addresses_update(tenant, actor, contact, model, edits: list[AddressEdit]) -> list[str]:
    is_phone = model is ContactPhone
    what = _("phone") if is_phone else _("email")
    field = "number" if is_phone else "email"
    current = {
        a.pk: a for a in model.objects.select_for_update().filter(tenant=tenant, contact=contact)
    }
    kept = [edit for edit in edits if not edit.remove and edit.value]
    keys = [_address_key(model, edit.value) for edit in kept]
    if len(keys) != len(set(keys)):
        raise ValidationError(_("The same %(what)s is listed twice.") % {"what": what})
    changes = []
    # Removals first, then changes, then new rows: a number moved from one row to another
    # never meets itself in the unique constraint.
    for edit in edits:
        if edit.address_id is not None and edit.address_id not in current:
            raise ValidationError(_("That address is no longer on this contact."))
        if edit.address_id is not None and (edit.remove or not edit.value):
            address = current.pop(edit.address_id)
            address.delete()
            changes.append(
                _("%(what)s %(address)s removed") % {"what": what, "address": address_text(address)}
            )
    rows = []
    for edit in kept:
        if edit.address_id is None:
            continue
        address = current[edit.address_id]
        if _address_key(model, getattr(address, field)) != _address_key(model, edit.value):
            old = address_text(address)
            setattr(address, field, edit.value)
            address.source = AddressSource.STAFF
            address.verified_at, address.verified_how, address.verified_by = None, "", None
            address.save()
            changes.append(
                _("%(what)s %(old)s changed to %(new)s (unverified until confirmed)")
                % {"what": what, "old": old, "new": address_text(address)}
            )
        if is_phone and edit.kind and edit.kind != address.kind:
            address.kind = edit.kind
            address.save(update_fields=["kind"])
        rows.append((edit, address))
    for edit in kept:
        if edit.address_id is not None:
            continue
        extra = {"kind": edit.kind} if is_phone and edit.kind else {}
        address = model.objects.create(
            tenant=tenant,
            contact=contact,
            **{field: edit.value},
            **extra,
            **_address_arrival(AddressSource.STAFF, actor),
        )
        changes.append(
            _("%(what)s %(address)s added") % {"what": what, "address": address_text(address)}
        )
        rows.append((edit, address))
    _primary_settle(model, tenant, contact, rows)
    return changes


def _primary_settle(model, tenant, contact, rows) -> None:
    """One primary address per kind: the one ticked, else the one that was, else the first."""
    chosen = next((address for edit, address in rows if edit.is_primary), None)
    addresses = list(model.objects.filter(tenant=tenant, contact=contact).order_by("id"))
    if chosen is None:
        chosen = next((a for a in addresses if a.is_primary), addresses[0] if addresses else None)
    for address in addresses:
        should = chosen is not None and address.pk == chosen.pk
        if address.is_primary != should:
            address.is_primary = should
            address.save(update_fields=["is_primary"])


@dataclass(frozen=True)
class ContactMatch:
    contact: Contact
    created: bool
    unverified_added: tuple[str, ...] = ()  # addresses a matched contact got, waiting for staff


@transaction.atomic
def contact_find_or_create(
    *,
    tenant: Tenant,
    actor: User | None,
    emails: Iterable[str] = (),
    phones: Iterable = (),
    source: str,
    address_source: str,
    notify_team: bool = True,
    **details,
) -> ContactMatch:
    """The contact a sender of these email addresses or E.164 numbers is, else a new one
    (crm.selectors.contacts.sender_match: a verified address first; an unverified one draws a
    message only onto a contact with nothing verified, never when a customer typed it in the
    portal). A new contact made although others hold one of its addresses is put to staff as
    a merge (timeline and, unless `notify_team` is off, the managers' bell).

    A match learns the addresses it did not have yet, so the next message finds it either way;
    but they are added unverified, whoever typed them: that someone knows a customer's email
    proves nothing about the phone number they gave with it, and a verified address would open
    the customer's portal. The team is told (timeline, and the managers' bell unless
    `notify_team` is off, as for an import that reports on its own).
    """
    from crm.selectors.contacts import sender_match

    emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    phones = list({e164(number): number for number in phones if number}.values())
    found = sender_match(tenant=tenant, emails=emails, phones=phones)
    contact = found.contact
    if contact is None:
        contact = contact_create(
            tenant=tenant,
            actor=actor,
            emails=emails,
            phones=phones,
            source=source,
            address_source=address_source,
            **details,
        )
        if found.passed_over:
            _offer_merge(tenant, actor, contact, found.passed_over, notify_team)
        return ContactMatch(contact, created=True)
    added = _addresses_learn(tenant, actor, contact, emails, phones, address_source, notify_team)
    return ContactMatch(contact, created=False, unverified_added=added)


@transaction.atomic
def contact_addresses_learn(
    *,
    tenant: Tenant,
    actor: User | None,
    contact: Contact,
    emails: Iterable[str] = (),
    phones: Iterable = (),
    address_source: str,
    notify_team: bool = True,
) -> tuple[str, ...]:
    """Add to a contact the addresses it does not have yet, unverified whoever typed them (see
    contact_find_or_create), telling the team. Used when staff say a new lead is this contact's
    although it was typed with other addresses too."""
    emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    phones = list({e164(number): number for number in phones if number}.values())
    return _addresses_learn(tenant, actor, contact, emails, phones, address_source, notify_team)


def _addresses_learn(tenant, actor, contact, emails, phones, address_source, notify_team):
    # Compared as the unique constraint compares them: an address typed in capitals is known.
    # Each kind is read only when there is one to learn (a text brings a number, no email).
    known_emails = (
        {email.lower() for email in contact.emails.values_list("email", flat=True)}
        if emails
        else set()
    )
    known_phones = (
        {e164(n) for n in contact.phones.values_list("number", flat=True)} if phones else set()
    )
    added: list[ContactAddress] = []
    for email in emails:
        if email not in known_emails:
            added.append(
                ContactEmail.objects.create(
                    tenant=tenant, contact=contact, email=email, source=address_source
                )
            )
    for number in phones:
        if e164(number) not in known_phones:
            added.append(
                ContactPhone.objects.create(
                    tenant=tenant, contact=contact, number=number, source=address_source
                )
            )
    if added:
        _tell_team_about_unverified(tenant, actor, contact, added, notify_team)
    return tuple(address_text(a) for a in added)


def _offer_merge(tenant, actor, contact, others: tuple[int, ...], notify_team: bool) -> None:
    """A new contact shares an address with others that did not get its message (none proved
    theirs): staff decide whether they are one person, on the merge page that lists them."""
    names = ", ".join(
        other.display_name
        for other in Contact.objects.filter(tenant=tenant, pk__in=others[:3]).order_by("pk")
    )
    timeline_record(
        tenant=tenant,
        kind="contact.merge_offered",
        summary=gettext_noop(
            "Made a new contact: one of its addresses is also on %(contacts)s, not verified "
            "there. Merge them if they are the same person."
        ),
        params={"contacts": names},
        actor=actor,
        contact=contact,
        detail={"contacts": list(others)},
    )
    if notify_team:
        notifications_notify_roles(
            tenant=tenant,
            roles=(Role.ADMIN, Role.MANAGER),
            title=gettext_noop("Is %(contact)s someone you know?"),
            title_params={"contact": contact.display_name},
            body=gettext_noop(
                "One of their addresses is also on %(contacts)s, not verified there, so a new "
                "contact was made. Merge them if they are the same person."
            ),
            body_params={"contacts": names},
            url=reverse("contacts:merge", kwargs={"contact_pk": contact.pk}),
            level=NotificationLevel.WARNING,
        )


def address_text(address: ContactAddress) -> str:
    """An address as people read it: the email, or the number in international format."""
    if isinstance(address, ContactPhone):
        return address.number.as_international
    return address.email


def _address_arrival(source: str, actor: User | None) -> dict:
    """A new address's verification state: staff vouch for what they type; any other source
    is someone's unproved claim."""
    if source == AddressSource.STAFF:
        return {
            "source": source,
            "verified_at": timezone.now(),
            "verified_how": AddressVerification.STAFF,
            "verified_by": actor,
        }
    return {"source": source}


def _tell_team_about_unverified(
    tenant: Tenant,
    actor: User | None,
    contact: Contact,
    added: list[ContactAddress],
    notify_team: bool,
) -> None:
    texts = [address_text(address) for address in added]
    listed = ", ".join(texts)
    origin = AddressSource(added[0].source).label
    timeline_record(
        tenant=tenant,
        kind="contact.address_unverified",
        summary=gettext_noop(
            "Unverified address added from %(origin)s: %(addresses)s. It cannot sign in to the "
            "portal until someone on the team confirms it."
        ),
        params={"origin": stored_label(origin), "addresses": listed},
        actor=actor,
        contact=contact,
        detail={"addresses": texts, "source": added[0].source},
    )
    if notify_team:
        notifications_notify_roles(
            tenant=tenant,
            roles=(Role.ADMIN, Role.MANAGER),
            title=gettext_noop("Check a new address of %(contact)s"),
            title_params={"contact": contact.display_name},
            body=gettext_noop(
                "%(origin)s gave %(addresses)s for an existing customer. Confirm it if it is "
                "theirs, or reject it."
            ),
            body_params={"origin": stored_label(origin), "addresses": listed},
            url=contact_page(contact.pk),
            level=NotificationLevel.WARNING,
        )


ADDRESS_MODELS: dict[str, type[ContactEmail] | type[ContactPhone]] = {
    "email": ContactEmail,
    "phone": ContactPhone,
}


def _contact_address(
    tenant: Tenant, contact: Contact, kind: str, address_id: int
) -> ContactAddress:
    model = ADDRESS_MODELS.get(kind)
    address = (
        model.objects.select_for_update()
        .filter(tenant=tenant, contact=contact, pk=address_id)
        .first()
        if model
        else None
    )
    if address is None:
        raise ValidationError(_("That address is no longer on this contact."))
    return address


def address_mark_verified(
    *,
    tenant: Tenant,
    address: VerifiableAddress,
    how: str,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Record that the address is proved the contact's own (by staff or by the customer)."""
    address.verified_at = now or timezone.now()
    address.verified_how = how
    address.verified_by = actor
    address.save(update_fields=["verified_at", "verified_how", "verified_by"])


@transaction.atomic
def contact_address_confirm(
    *, tenant: Tenant, actor: User, contact: Contact, kind: str, address_id: int
) -> ContactAddress:
    """Staff confirm an unverified address is the contact's: from now on it signs in to the
    portal."""
    address = _contact_address(tenant, contact, kind, address_id)
    if address.is_verified:
        return address
    address_mark_verified(
        tenant=tenant, address=address, how=AddressVerification.STAFF, actor=actor
    )
    timeline_record(
        tenant=tenant,
        kind="contact.address_confirmed",
        summary=gettext_noop(
            "Confirmed %(address)s as the contact's own (it came from %(origin)s)"
        ),
        params={
            "address": address_text(address),
            "origin": stored_label(AddressSource(address.source).label),
        },
        actor=actor,
        contact=contact,
        detail={"kind": kind, "address": address_text(address), "source": address.source},
    )
    return address


@transaction.atomic
def contact_address_reject(
    *, tenant: Tenant, actor: User, contact: Contact, kind: str, address_id: int
) -> ContactAddress:
    """Staff reject an unverified address: it is taken off the contact (the audit trail keeps
    the row, the timeline says who rejected it and where it came from)."""
    address = _contact_address(tenant, contact, kind, address_id)
    if address.is_verified:
        raise ValidationError(_("That address is verified: only an unverified one is rejected."))
    was_primary = address.is_primary
    address.delete()
    if was_primary:
        successor = type(address).objects.filter(tenant=tenant, contact=contact).first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    timeline_record(
        tenant=tenant,
        kind="contact.address_rejected",
        summary=gettext_noop("Rejected %(address)s: not the contact's (it came from %(origin)s)"),
        params={
            "address": address_text(address),
            "origin": stored_label(AddressSource(address.source).label),
        },
        actor=actor,
        contact=contact,
        detail={"kind": kind, "address": address_text(address), "source": address.source},
    )
    return address
