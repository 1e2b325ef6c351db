"""The portal's sign-in: links and codes, their redemption, invitations, the purge.

A customer's address may belong to contacts of several tenants. Each tenant sends its own link
(or code) from its own brand through its own outbox, and a link signs in to that tenant only: the
outbox rows, the timeline and the session stay inside one tenant, and no message tells a customer
which other businesses know them. Within a tenant, signing in opens every contact with the address.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.models import Contact, PhoneKind, Tenant, User
from crm.phones import e164
from crm.services.timeline import timeline_record
from crm.tenancy import tenant_context
from leads.models import Lead
from messaging.models import MessageSource, MessageStatus, OutboundMessage
from messaging.selectors.outbox import latest_decision_reason
from portal import tokens
from portal.addresses import SignInAddress
from portal.auth import PortalSignIn
from portal.models import ChallengeChannel, ChallengePurpose, PortalAccess, SignInChallenge
from portal.selectors.customers import contacts_with_address, tenants_knowing_address
from portal.services.notices import portal_message_schedule

SIGN_IN_MINUTES = 15
SIGN_IN_LIFETIME = dt.timedelta(minutes=SIGN_IN_MINUTES)
# An invitation waits in an inbox for days; past this, the customer asks for a fresh link.
INVITATION_LIFETIME = dt.timedelta(days=7)
MAX_CODE_ATTEMPTS = 5
# Expired challenges are kept a day (the staff timeline already tells the story), then deleted.
EXPIRED_KEPT = dt.timedelta(days=1)


@dataclass(frozen=True)
class PendingCode:
    """A code sent by SMS, which the browser session that asked for it may now enter."""

    tenant_id: int
    challenge_id: int


def link_url(token: tokens.LinkToken) -> str:
    path = reverse("portal:link", kwargs={"token": str(token)})
    return settings.THREADLINE_SITE_URL.rstrip("/") + path


def _schedule(
    *,
    tenant: Tenant,
    challenge: SignInChallenge,
    contact: Contact,
    source: str,
    template: str,
    context: dict,
    actor: User | None = None,
    lead: Lead | None = None,
    now: dt.datetime,
) -> OutboundMessage:
    return portal_message_schedule(
        tenant=tenant,
        contact=contact,
        channel=challenge.channel,
        source=source,
        template=template,
        context=context,
        idempotency_key=f"portal-{challenge.purpose}:{challenge.pk}",
        # To the address they proved, not the contact's primary one.
        to_address=challenge.address,
        actor=actor,
        lead=lead,
        now=now,
    )


# --- Asking for a link or a code -------------------------------------------------------------------


def sign_in_request(
    *, address: SignInAddress, browser_nonce: str, now: dt.datetime | None = None
) -> list[PendingCode]:
    """Send a sign-in link (email) or code (SMS) from every tenant with a contact at `address`.

    Returns the codes sent, for the browser session to check an entered code against. Whether the
    address was known shows in nothing the customer sees: the caller answers the same page.
    """
    now = now or timezone.now()
    pending = []
    for tenant in tenants_knowing_address(address=address):
        with tenant_context(tenant):
            challenge = _sign_in_send(tenant, address, browser_nonce, now)
        if challenge is not None and not address.is_email:
            pending.append(PendingCode(tenant.pk, challenge.pk))
    return pending


def _sign_in_send(
    tenant: Tenant, address: SignInAddress, browser_nonce: str, now: dt.datetime
) -> SignInChallenge | None:
    contacts = contacts_with_address(tenant=tenant, address=address)
    if not contacts:
        return None
    if address.is_email:
        token = tokens.new_link_token(tenant.pk)
        secret_hash, context = tokens.link_hash(token), {"link": link_url(token)}
    else:
        code = tokens.new_code()
        secret_hash, context = tokens.code_hash(code, browser_nonce), {"code": code}
    challenge = SignInChallenge.objects.create(
        tenant=tenant,
        channel=address.channel,
        purpose=ChallengePurpose.SIGN_IN,
        address=address.value,
        secret_hash=secret_hash,
        contact=contacts[0],
        created_at=now,
        expires_at=now + SIGN_IN_LIFETIME,
    )
    _schedule(
        tenant=tenant,
        challenge=challenge,
        contact=contacts[0],
        # The customer is waiting for it: it goes at once, whatever the hour or their marketing
        # consent, as the answer to a STOP/HELP text does.
        source=MessageSource.PORTAL_SIGN_IN,
        template="sign_in",
        context={**context, "minutes": SIGN_IN_MINUTES},
        now=now,
    )
    return challenge


# --- Redeeming it ------------------------------------------------------------------------------


def sign_in_link_challenge(
    *, tenant: Tenant, token: tokens.LinkToken, now: dt.datetime | None = None
) -> SignInChallenge | None:
    """The link's challenge if it can still sign in (opening the link's page consumes nothing:
    mail scanners open links too)."""
    now = now or timezone.now()
    return (
        SignInChallenge.objects.filter(
            tenant=tenant,
            secret_hash=tokens.link_hash(token),
            used_at__isnull=True,
            expires_at__gt=now,
        )
        .select_related("contact")
        .first()
    )


@transaction.atomic
def sign_in_link_redeem(
    *, tenant: Tenant, token: tokens.LinkToken, now: dt.datetime | None = None
) -> PortalSignIn | None:
    """Use the link once: who it signs in, or None if it is unknown, used or expired."""
    now = now or timezone.now()
    challenge = (
        SignInChallenge.objects.select_for_update()
        .filter(
            tenant=tenant,
            secret_hash=tokens.link_hash(token),
            used_at__isnull=True,
            expires_at__gt=now,
        )
        .first()
    )
    if challenge is None:
        return None
    return _complete_sign_in(tenant, challenge, now)


def sign_in_code_redeem(
    *,
    pending: list[PendingCode],
    browser_nonce: str,
    code: str,
    now: dt.datetime | None = None,
) -> PortalSignIn | None:
    """Check an entered code against the codes sent to this browser session; each code refuses
    after MAX_CODE_ATTEMPTS wrong tries."""
    now = now or timezone.now()
    entered = tokens.code_hash(code.strip(), browser_nonce)
    for ref in pending:
        tenant = Tenant.objects.filter(pk=ref.tenant_id).first()
        if tenant is None:
            continue
        with tenant_context(tenant):
            signed_in = _code_try(tenant, ref.challenge_id, entered, now)
        if signed_in is not None:
            return signed_in
    return None


def _code_try(
    tenant: Tenant, challenge_id: int, entered_hash: str, now: dt.datetime
) -> PortalSignIn | None:
    challenge = (
        SignInChallenge.objects.select_for_update()
        .filter(
            tenant=tenant,
            pk=challenge_id,
            used_at__isnull=True,
            expires_at__gt=now,
            failed_attempts__lt=MAX_CODE_ATTEMPTS,
        )
        .first()
    )
    if challenge is None:
        return None
    if not secrets.compare_digest(challenge.secret_hash, entered_hash):
        challenge.failed_attempts += 1
        challenge.save(update_fields=["failed_attempts"])
        return None
    return _complete_sign_in(tenant, challenge, now)


def _complete_sign_in(
    tenant: Tenant, challenge: SignInChallenge, now: dt.datetime
) -> PortalSignIn | None:
    challenge.used_at = now
    challenge.save(update_fields=["used_at"])
    address = SignInAddress(challenge.channel, challenge.address)
    # Whoever holds the address now: staff may have corrected it since the message went.
    contacts = contacts_with_address(tenant=tenant, address=address)
    for contact in contacts:
        access, _ = PortalAccess.objects.get_or_create(tenant=tenant, contact=contact)
        if access.first_signed_in_at is None:
            access.first_signed_in_at = now
            timeline_record(
                tenant=tenant,
                kind="portal.first_sign_in",
                summary=gettext_noop(
                    "Signed in to the customer portal for the first time (%(address)s)"
                ),
                params={"address": address.display},
                contact=contact,
                occurred_at=now,
            )
        access.last_signed_in_at = now
        if address.is_email:
            access.email = address.value
        else:
            access.phone = address.value
        access.save()
    if not contacts:
        return None
    return PortalSignIn(tenant, tuple(contact.pk for contact in contacts), address)


# --- Invitations (staff) -----------------------------------------------------------------------


def invitation_address(contact: Contact) -> SignInAddress | None:
    """Where an invitation goes: the contact's primary verified email, else their first verified
    mobile number. An unverified address might be a stranger's, and the link would sign them in."""
    email = next((e for e in contact.emails.all() if e.is_verified), None)
    if email is not None:
        return SignInAddress(ChallengeChannel.EMAIL, email.email.lower())
    phone = next(
        (p for p in contact.phones.all() if p.kind != PhoneKind.LANDLINE and p.is_verified), None
    )
    if phone is not None:
        return SignInAddress(ChallengeChannel.SMS, e164(phone.number))
    return None


@transaction.atomic
def portal_invite(
    *,
    tenant: Tenant,
    actor: User,
    contact: Contact,
    lead: Lead | None = None,
    now: dt.datetime | None = None,
) -> SignInAddress:
    """Send the contact a link into the portal (valid a week, once) and record who invited them.
    It comes from the brand of `lead` (the job the invitation is about), else of the contact's
    most recent job. Returns where it went."""
    now = now or timezone.now()
    address = invitation_address(contact)
    if address is None:
        raise ValidationError(
            _(
                "Add an email address or a mobile number, or confirm an unverified one, first: "
                "the invitation goes to a verified address."
            )
        )
    token = tokens.new_link_token(tenant.pk)
    challenge = SignInChallenge.objects.create(
        tenant=tenant,
        channel=address.channel,
        purpose=ChallengePurpose.INVITATION,
        address=address.value,
        secret_hash=tokens.link_hash(token),
        contact=contact,
        created_by=actor,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    message = _schedule(
        tenant=tenant,
        challenge=challenge,
        contact=contact,
        source=MessageSource.MANUAL,
        template="invitation",
        context={
            "link": link_url(token),
            "days": INVITATION_LIFETIME.days,
            "sign_in_url": settings.THREADLINE_SITE_URL.rstrip("/") + reverse("portal:sign-in"),
        },
        actor=actor,
        lead=lead,
        now=now,
    )
    if message.status == MessageStatus.SUPPRESSED:
        # Blocked by the delivery policy (an opt-out, a bounced address): nothing is recorded,
        # and the person who clicked learns why at once.
        raise ValidationError(
            _("Not sent. %(reason)s") % {"reason": latest_decision_reason(message)}
        )
    PortalAccess.objects.update_or_create(
        tenant=tenant, contact=contact, defaults={"invited_at": now, "invited_by": actor}
    )
    timeline_record(
        tenant=tenant,
        kind="portal.invited",
        summary=gettext_noop("Invited to the customer portal (%(address)s)"),
        params={"address": address.display},
        actor=actor,
        contact=contact,
        occurred_at=now,
    )
    return address


# --- Housekeeping ------------------------------------------------------------------------------


def sign_in_challenges_purge(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Delete links and codes that expired more than a day ago (a beat sweep)."""
    now = now or timezone.now()
    deleted, _ = SignInChallenge.objects.filter(
        tenant=tenant, expires_at__lt=now - EXPIRED_KEPT
    ).delete()
    return deleted
