"""Writes of the team: inviting members, their role and details, their time off."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from crm.events import MembershipChanged, publish
from crm.kit.languages import staff_language
from crm.models import UI_LANGUAGES, Membership, Role, Tenant, TimeOff, User


def user_phone_update(*, user: User, phone) -> User:
    """The member's mobile number: where the notifications they chose to get by SMS go."""
    user.phone = phone or ""
    user.save(update_fields=["phone"])
    return user


@transaction.atomic
def member_preferences_save(
    *,
    tenant: Tenant,
    membership: Membership,
    time_zone: str,
    digest_enabled: bool,
    digest_hour: int | None,
    language: str = "",
) -> Membership:
    """A member's own settings: their time zone and language (empty: the team's), whether they
    get the daily digest and at which hour of their day (None: the team's hour)."""
    if membership.tenant_id != tenant.pk:
        raise ValueError("The membership belongs to another tenant.")
    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": _("Not a time zone: %(zone)s") % {"zone": time_zone}})
    if digest_hour is not None and not 0 <= digest_hour <= 23:
        raise ValidationError({"digest_hour": _("Choose an hour from 0 to 23.")})
    if language and language not in dict(UI_LANGUAGES):
        raise ValidationError(
            {"language": _("Not a language of Threadline: %(code)s") % {"code": language}}
        )
    user = membership.user
    user.time_zone = time_zone
    user.language = language
    user.save(update_fields=["time_zone", "language"])
    membership.digest_enabled = digest_enabled
    membership.digest_hour = digest_hour
    membership.save(update_fields=["digest_enabled", "digest_hour"])
    return membership


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
        raise ValidationError(_("%(email)s is already on the team.") % {"email": email})
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
    # In the invitee's language (their own, else the team's), not the inviting admin's.
    with translation.override(staff_language(user, tenant)):
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
    if {"role", "is_active"} & set(changes):
        publish(MembershipChanged(tenant=tenant, membership=membership, actor=actor))
    return membership


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
        raise ValidationError(_("Unknown team member."))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day off cannot be before the first.")})
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
