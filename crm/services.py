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
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from crm import signals
from crm.models import (
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
            lambda: signals.notifications_created.send(
                sender=Notification, tenant=tenant, notification_ids=ids
            )
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
) -> Contact:
    """A new contact with its addresses; phones must already be valid (forms parse them to E.164)."""
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
    for position, email in enumerate(dict.fromkeys(e.strip().lower() for e in emails if e)):
        ContactEmail.objects.create(
            tenant=tenant, contact=contact, email=email, is_primary=position == 0
        )
    for position, number in enumerate(phones):
        ContactPhone.objects.create(
            tenant=tenant, contact=contact, number=number, is_primary=position == 0
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


@transaction.atomic
def contact_find_or_create(
    *,
    tenant: Tenant,
    actor: User | None,
    emails: Iterable[str] = (),
    phones: Iterable = (),
    source: str,
    **details,
) -> ContactMatch:
    """The contact with one of these email addresses or E.164 numbers, else a new one.

    A match learns the addresses it did not have yet, so the next message finds it either way.
    """
    from crm.selectors import contact_match

    emails = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    phones = list({e164(number): number for number in phones if number}.values())
    contact = contact_match(tenant=tenant, emails=emails, phones=phones)
    if contact is None:
        contact = contact_create(
            tenant=tenant, actor=actor, emails=emails, phones=phones, source=source, **details
        )
        return ContactMatch(contact, created=True)
    known_emails = set(contact.emails.values_list("email", flat=True))
    known_phones = {e164(n) for n in contact.phones.values_list("number", flat=True)}
    for email in emails:
        if email not in known_emails:
            ContactEmail.objects.create(tenant=tenant, contact=contact, email=email)
    for number in phones:
        if e164(number) not in known_phones:
            ContactPhone.objects.create(tenant=tenant, contact=contact, number=number)
    return ContactMatch(contact, created=False)


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
    signals.consent_recorded.send(
        sender=ContactConsent,
        tenant=tenant,
        contact=contact,
        channel=channel,
        status=status,
        source=source,
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
