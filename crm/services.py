"""Every write of the core domain. Each function is one transaction and takes the tenant explicitly."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from crm.events import ConsentRecorded, NotificationsCreated, publish
from crm.models import (
    AddressSource,
    AddressVerification,
    Brand,
    Channel,
    ConsentStatus,
    Contact,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    Membership,
    Notification,
    NotificationLevel,
    PhoneKind,
    Property,
    PropertyContact,
    PropertyRole,
    Role,
    Tenant,
    TimelineEvent,
    TimeOff,
    User,
    VerifiableAddress,
)
from crm.phones import e164

# --- Timeline -----------------------------------------------------------------------------------


def timeline_record(
    *,
    tenant: Tenant,
    kind: str,
    summary: str,
    actor: User | None = None,
    contact: Contact | None = None,
    property: Property | None = None,
    lead=None,
    detail: dict | None = None,
    customer_visible: bool = False,
    occurred_at=None,
) -> TimelineEvent:
    """Record that something happened to a contact, property or lead (later: ticket)."""
    # A lead's events are its contact's too: the contact page shows the whole story.
    contact_id = contact.pk if contact else (lead.contact_id if lead else None)
    return TimelineEvent.objects.create(
        tenant=tenant,
        kind=kind,
        summary=summary[:300],
        actor=actor,
        contact_id=contact_id,
        property=property,
        lead=lead,
        detail=detail or {},
        customer_visible=customer_visible,
        occurred_at=occurred_at or timezone.now(),
    )


# --- Notifications ------------------------------------------------------------------------------


def notification_create(
    *,
    tenant: Tenant,
    recipient: User,
    title: str,
    body: str = "",
    url: str = "",
    level: str = NotificationLevel.INFO,
    kind: str = "",
) -> Notification:
    notification = Notification.objects.create(
        tenant=tenant,
        recipient=recipient,
        kind=kind,
        title=title[:200],
        body=body[:1000],
        url=url,
        level=level,
    )
    _announce_notifications(tenant, [notification])
    return notification


@transaction.atomic
def notifications_notify_roles(
    *,
    tenant: Tenant,
    roles: Iterable[str],
    title: str,
    body: str = "",
    url: str = "",
    level: str = NotificationLevel.INFO,
    kind: str = "",
) -> list[Notification]:
    """Tell every active member with one of `roles` (e.g. all managers) about something."""
    recipients = User.objects.filter(
        memberships__tenant=tenant, memberships__role__in=list(roles), memberships__is_active=True
    )
    notifications = Notification.objects.bulk_create(
        Notification(
            tenant=tenant,
            recipient=user,
            kind=kind,
            title=title[:200],
            body=body[:1000],
            url=url,
            level=level,
        )
        for user in recipients
    )
    _announce_notifications(tenant, notifications)
    return notifications


def _announce_notifications(tenant: Tenant, notifications: list[Notification]) -> None:
    ids = [notification.pk for notification in notifications if notification.kind]
    if ids:
        transaction.on_commit(
            lambda: publish(NotificationsCreated(tenant=tenant, notification_ids=ids))
        )


def notification_mark_read(*, tenant: Tenant, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.get(tenant=tenant, recipient=user, pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, tenant: Tenant, user: User) -> int:
    return Notification.objects.filter(tenant=tenant, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- A member's own account ----------------------------------------------------------------------


def user_phone_update(*, user: User, phone) -> User:
    """The member's mobile number: where the notifications they chose to get by SMS go."""
    user.phone = phone or ""
    user.save(update_fields=["phone"])
    return user


# --- Tenant and brands --------------------------------------------------------------------------


TENANT_PROFILE_FIELDS = ("name", "time_zone", "currency", "country", "home_state", "business_hours")


@transaction.atomic
def tenant_update_profile(*, tenant: Tenant, actor: User, **changes) -> Tenant:
    unknown = set(changes) - set(TENANT_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(tenant, field, value)
    tenant.full_clean(exclude=["slug"])
    tenant.save(update_fields=list(changes))
    return tenant


BRAND_FIELDS = (
    "name",
    "slug",
    "sender_name",
    "sender_email",
    "reply_to_email",
    "sms_number",
    "website",
    "is_default",
    "is_archived",
)


@transaction.atomic
def brand_save(*, tenant: Tenant, actor: User, brand: Brand | None = None, **values) -> Brand:
    """Create a brand (brand=None) or change one. One brand at most is the default."""
    unknown = set(values) - set(BRAND_FIELDS)
    if unknown:
        raise ValueError(f"Not brand fields: {', '.join(sorted(unknown))}")
    brand = brand or Brand(tenant=tenant)
    for field, value in values.items():
        setattr(brand, field, value)
    if brand.is_default:
        brand.is_archived = False
        Brand.objects.filter(tenant=tenant, is_default=True).exclude(pk=brand.pk).update(
            is_default=False
        )
    brand.full_clean(exclude=["tenant"])
    brand.save()
    return brand


# --- Team ---------------------------------------------------------------------------------------


class LastAdminError(ValidationError):
    pass


def _ensure_an_admin_remains(*, tenant: Tenant, membership: Membership, role: str, active: bool):
    if role == Role.ADMIN and active:
        return
    # Read the stored admins, not `membership`: a ModelForm has already written the new role onto
    # it. Locking them makes two admins stepping down at once wait for each other.
    active_admins = set(
        Membership.objects.select_for_update()
        .filter(tenant=tenant, role=Role.ADMIN, is_active=True)
        .values_list("pk", flat=True)
    )
    if active_admins == {membership.pk}:
        raise LastAdminError("Every team needs an active admin: make someone else admin first.")


@dataclass(frozen=True)
class MemberInvitation:
    membership: Membership
    invitation_sent: bool


@transaction.atomic
def member_invite(
    *, tenant: Tenant, actor: User, email: str, full_name: str, role: str, request=None
) -> MemberInvitation:
    """Add a person to the team. Whoever has no password yet gets an email with a link to choose
    one; inviting them again sends a fresh link (the last one may have expired)."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
    needs_password = not user.has_usable_password()
    membership, created = Membership.objects.get_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    if not created and membership.is_active and not needs_password:
        raise ValidationError(f"{email} is already on the team.")
    if not created and not membership.is_active:
        membership.is_active = True
        membership.role = role
        membership.save(update_fields=["is_active", "role"])
    if needs_password:
        transaction.on_commit(lambda: _send_set_password_email(user, tenant, request))
    return MemberInvitation(membership=membership, invitation_sent=needs_password)


def _send_set_password_email(user: User, tenant: Tenant, request) -> None:
    # Not PasswordResetForm.save(): it skips users without a usable password, i.e. every invitee.
    if request is not None:
        protocol, domain = request.scheme, request.get_host()
    else:
        site = urlsplit(settings.THREADLINE_SITE_URL)
        protocol, domain = site.scheme, site.netloc
    context = {
        "user": user,
        "email": user.email,
        "tenant": tenant,
        "protocol": protocol,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    PasswordResetForm().send_mail(
        subject_template_name="registration/invitation_subject.txt",
        email_template_name="registration/invitation_email.txt",
        context=context,
        from_email=None,
        to_email=user.email,
    )


MEMBERSHIP_FIELDS = (
    "role",
    "is_active",
    "title",
    "expertise",
    "territories",
    "weekly_availability",
    "capacity",
)


@transaction.atomic
def membership_update(
    *, tenant: Tenant, actor: User, membership: Membership, **changes
) -> Membership:
    unknown = set(changes) - set(MEMBERSHIP_FIELDS)
    if unknown:
        raise ValueError(f"Not membership fields: {', '.join(sorted(unknown))}")
    _ensure_an_admin_remains(
        tenant=tenant,
        membership=membership,
        role=changes.get("role", membership.role),
        active=changes.get("is_active", membership.is_active),
    )
    for field, value in changes.items():
        setattr(membership, field, value)
    membership.full_clean(exclude=["tenant", "user"])
    membership.save(update_fields=list(changes))
    return membership


# --- Contacts and properties --------------------------------------------------------------------


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
    language: str = "en",
    brand: Brand | None = None,
    needs_review: bool = False,
    source: str = "staff",
    address_source: str = AddressSource.STAFF,
) -> Contact:
    """A new contact with its addresses; phones must already be valid (forms parse them to E.164).

    The addresses are verified when staff typed them (`address_source` STAFF); from any other
    source they wait for staff to confirm them or the customer to prove them."""
    contact = Contact(
        tenant=tenant,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        company_name=company_name.strip(),
        preferred_channel=preferred_channel,
        language=language,
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
        summary=f"Contact created ({source})",
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
        summary="Marked VIP" if is_vip else "No longer VIP",
        actor=actor,
        contact=contact,
    )
    return contact


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
    """The contact with one of these email addresses or E.164 numbers, else a new one.

    A match learns the addresses it did not have yet, so the next message finds it either way;
    but they are added unverified, whoever typed them: that someone knows a customer's email
    proves nothing about the phone number they gave with it, and a verified address would open
    the customer's portal. The team is told (timeline, and the managers' bell unless
    `notify_team` is off, as for an import that reports on its own).
    """
    from crm.selectors import contact_match

    emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    phones = list({e164(number): number for number in phones if number}.values())
    contact = contact_match(tenant=tenant, emails=emails, phones=phones)
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
        return ContactMatch(contact, created=True)
    known_emails = set(contact.emails.values_list("email", flat=True))
    known_phones = {e164(n) for n in contact.phones.values_list("number", flat=True)}
    added = []
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
    return ContactMatch(
        contact, created=False, unverified_added=tuple(address_text(a) for a in added)
    )


def address_text(address: VerifiableAddress) -> str:
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
    added: list[VerifiableAddress],
    notify_team: bool,
) -> None:
    texts = [address_text(address) for address in added]
    listed = ", ".join(texts)
    origin = AddressSource(added[0].source).label
    timeline_record(
        tenant=tenant,
        kind="contact.address_unverified",
        summary=_(
            "Unverified address added from %(origin)s: %(addresses)s. It cannot sign in to the "
            "portal until someone on the team confirms it."
        )
        % {"origin": origin, "addresses": listed},
        actor=actor,
        contact=contact,
        detail={"addresses": texts, "source": added[0].source},
    )
    if notify_team:
        notifications_notify_roles(
            tenant=tenant,
            roles=(Role.ADMIN, Role.MANAGER),
            title=_("Check a new address of %(contact)s") % {"contact": contact.display_name},
            body=_(
                "%(origin)s gave %(addresses)s for an existing customer. Confirm it if it is "
                "theirs, or reject it."
            )
            % {"origin": origin, "addresses": listed},
            url=reverse("contacts:detail", kwargs={"contact_pk": contact.pk}),
            level=NotificationLevel.WARNING,
        )


ADDRESS_MODELS = {"email": ContactEmail, "phone": ContactPhone}


def _contact_address(tenant: Tenant, contact: Contact, kind: str, address_id: int):
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
) -> VerifiableAddress:
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
        summary=_("Confirmed %(address)s as the contact's own (it came from %(origin)s)")
        % {"address": address_text(address), "origin": address.get_source_display()},
        actor=actor,
        contact=contact,
        detail={"kind": kind, "address": address_text(address), "source": address.source},
    )
    return address


@transaction.atomic
def contact_address_reject(
    *, tenant: Tenant, actor: User, contact: Contact, kind: str, address_id: int
) -> VerifiableAddress:
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
        summary=_("Rejected %(address)s: not the contact's (it came from %(origin)s)")
        % {"address": address_text(address), "origin": address.get_source_display()},
        actor=actor,
        contact=contact,
        detail={"kind": kind, "address": address_text(address), "source": address.source},
    )
    return address


@transaction.atomic
def consent_record(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: str,
    status: str,
    source: str,
    actor: User | None = None,
) -> ContactConsent:
    consent, _ = ContactConsent.objects.update_or_create(
        tenant=tenant,
        contact=contact,
        channel=channel,
        defaults={"status": status, "source": source, "recorded_at": timezone.now()},
    )
    verb = {
        ConsentStatus.GRANTED: "given",
        ConsentStatus.NO_MARKETING: "limited to job messages",
    }.get(status, "withdrawn")
    timeline_record(
        tenant=tenant,
        kind="contact.consent",
        summary=f"{Channel(channel).label} consent {verb} ({source})",
        actor=actor,
        contact=contact,
        detail={"channel": channel, "status": status, "source": source},
    )
    if status == ConsentStatus.WITHDRAWN and contact.preferred_channel == channel:
        _preferred_channel_move_off(tenant=tenant, contact=contact, withdrawn=channel)
    publish(
        ConsentRecorded(
            tenant=tenant, contact=contact, channel=channel, status=status, source=source
        )
    )
    return consent


# After a withdrawal, where a contact is reached first instead: an inbox, then a call (a STOP to
# texts is no invitation to WhatsApp), then the other phone channel.
PREFERRED_CHANNEL_FALLBACKS = (Channel.EMAIL, Channel.PHONE, Channel.WHATSAPP, Channel.SMS)


def _preferred_channel_move_off(*, tenant: Tenant, contact: Contact, withdrawn: str) -> None:
    """A preferred channel the customer has withdrawn from (a STOP text, a staff note) would
    leave their portal preferences refusing every save for a choice they never made, and the
    inbox offering a channel that may not be used. Moved to the first reachable channel whose
    consent stands; left as it is when there is none."""
    refused = set(
        ContactConsent.objects.filter(
            tenant=tenant, contact=contact, status=ConsentStatus.WITHDRAWN
        ).values_list("channel", flat=True)
    )
    phones = set(
        ContactPhone.objects.filter(tenant=tenant, contact=contact).values_list("kind", flat=True)
    )
    has_mobile = bool(phones - {PhoneKind.LANDLINE})
    reachable = {
        Channel.EMAIL: ContactEmail.objects.filter(tenant=tenant, contact=contact).exists(),
        Channel.PHONE: bool(phones),
        Channel.WHATSAPP: has_mobile,
        Channel.SMS: has_mobile,
    }
    instead = next(
        (
            channel
            for channel in PREFERRED_CHANNEL_FALLBACKS
            if channel != withdrawn and channel not in refused and reachable[channel]
        ),
        None,
    )
    if instead is None:
        return
    Contact.objects.filter(tenant=tenant, pk=contact.pk).update(
        preferred_channel=instead, updated_at=timezone.now()
    )
    contact.preferred_channel = instead
    timeline_record(
        tenant=tenant,
        kind="contact.preferred_channel",
        summary=(
            f"Preferred channel {Channel(withdrawn).label} → {Channel(instead).label}: "
            f"{Channel(withdrawn).label} consent was withdrawn"
        ),
        contact=contact,
        detail={"from": withdrawn, "to": instead},
    )


@transaction.atomic
def property_create(
    *,
    tenant: Tenant,
    actor: User | None,
    contacts: Iterable[tuple[Contact, str]] = (),
    **address,
) -> Property:
    place = Property(tenant=tenant, **address)
    place.full_clean(exclude=["tenant"])
    place.save()
    for contact, role in contacts:
        property_link_contact(tenant=tenant, actor=actor, place=place, contact=contact, role=role)
    return place


def property_link_contact(
    *,
    tenant: Tenant,
    actor: User | None,
    place: Property,
    contact: Contact,
    role: str = PropertyRole.OWNER,
) -> PropertyContact:
    link, created = PropertyContact.objects.get_or_create(
        tenant=tenant, property=place, contact=contact, defaults={"role": role}
    )
    if created:
        timeline_record(
            tenant=tenant,
            kind="property.linked",
            summary=f"{PropertyRole(role).label} of {place.one_line_address}",
            actor=actor,
            contact=contact,
            property=place,
        )
    return link


# --- Time off -----------------------------------------------------------------------------------


@transaction.atomic
def time_off_add(
    *,
    tenant: Tenant,
    actor: User,
    membership: Membership,
    starts_on: dt.date,
    ends_on: dt.date,
    note: str = "",
) -> TimeOff:
    """Days the member is away: lead assignment passes them over on those days."""
    if membership.tenant_id != tenant.pk:
        raise ValidationError("Unknown team member.")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The last day off cannot be before the first."})
    time_off = TimeOff(
        tenant=tenant,
        membership=membership,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip(),
    )
    time_off.full_clean(exclude=["tenant", "membership"])
    time_off.save()
    return time_off


@transaction.atomic
def time_off_remove(*, tenant: Tenant, actor: User, time_off: TimeOff) -> None:
    TimeOff.objects.filter(tenant=tenant, pk=time_off.pk).delete()
