"""The writes of the portal's "Getting started" checklist (portal.selectors.onboarding reads it).

A customer may be several contacts (every contact with the address they signed in with): the
details step edits the first (the one greeted) and a confirmation is recorded on all of them.
Reminders for unfinished checklists go through the comms outbox (source "onboarding"), so the
delivery policy applies consent and quiet hours: the first three days after the invitation (or
the first sign-in), then weekly, three at most.
"""

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from crm.kit.stored_text import stored_label
from crm.models import (
    AddressSource,
    AddressVerification,
    Channel,
    Contact,
    ContactEmail,
    ContactPhone,
    PhoneKind,
    Property,
    PropertyRole,
    Tenant,
    User,
)
from crm.services.contacts import address_mark_verified
from crm.services.properties import property_create
from crm.services.timeline import timeline_record
from documents.models import DocumentKind
from leads.models import Lead
from messaging.models import MessageSource
from portal import throttle, tokens
from portal.auth import PortalCustomer
from portal.models import ChallengeChannel, DocumentRequest, JobInsurance, Onboarding, PortalAccess
from portal.selectors.jobs import portal_jobs
from portal.selectors.onboarding import (
    ADDRESS_FIELDS,
    REQUESTABLE_KINDS,
    OnboardingProgress,
    PendingAddress,
    onboarding_progress,
    onboarding_progress_for_contact,
)
from portal.services.notices import portal_message_schedule

CODE_LIFETIME = dt.timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5
CODE_SALT_PREFIX = "onboarding"
# Reminders: the first this long after the invitation (or first sign-in), then every REPEAT.
FIRST_REMINDER_AFTER = dt.timedelta(days=3)
REMINDER_REPEAT = dt.timedelta(days=7)
MAX_REMINDERS = 3
REMINDER_BATCH = 200


def _ensure_rows(tenant: Tenant, contacts: Iterable[Contact]) -> list[Onboarding]:
    """Each contact's PortalAccess and Onboarding row (made on first use), locked."""
    rows = []
    for contact in contacts:
        access, _ = PortalAccess.objects.get_or_create(tenant=tenant, contact=contact)
        Onboarding.objects.get_or_create(tenant=tenant, access=access)
        rows.append(
            Onboarding.objects.select_for_update()
            .select_related("access")
            .get(tenant=tenant, access=access)
        )
    return rows


def _mark(rows: list[Onboarding], **values) -> None:
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=list(values))


@transaction.atomic
def onboarding_details_save(
    *,
    customer: PortalCustomer,
    first_name: str,
    last_name: str,
    email: str,
    phone,
    preferred_channel: str,
    now: dt.datetime | None = None,
) -> list[str]:
    """Save the details step: names, a new primary email or mobile (the old one stays, so the
    address they signed in with keeps working), the preferred channel (for every contact they
    are). Marks the step confirmed; returns what changed, in words."""
    now = now or timezone.now()
    tenant = customer.tenant
    if preferred_channel not in Channel.values:
        raise ValidationError(_("Choose how we should reach you."))
    rows = _ensure_rows(tenant, customer.contacts)
    contact = Contact.objects.select_for_update().get(tenant=tenant, pk=customer.contacts[0].pk)
    changes = []
    first_name, last_name = first_name.strip(), last_name.strip()
    if (first_name, last_name) != (contact.first_name, contact.last_name):
        contact.first_name, contact.last_name = first_name, last_name
        contact.full_clean(exclude=["tenant"])
        contact.save(update_fields=["first_name", "last_name", "updated_at"])
        changes.append(f"name “{contact.display_name}”")
    if email and _make_primary_email(tenant, contact, email.strip().lower()):
        changes.append(f"email {email.strip().lower()}")
    if phone and _make_primary_mobile(tenant, contact, phone):
        changes.append(f"mobile {phone.as_international}")
    for each in Contact.objects.filter(tenant=tenant, pk__in=customer.contact_ids).exclude(
        preferred_channel=preferred_channel
    ):
        each.preferred_channel = preferred_channel
        each.save(update_fields=["preferred_channel", "updated_at"])
        if each.pk == contact.pk:
            changes.append(f"preferred channel {Channel(preferred_channel).label}")
    timeline_record(
        tenant=tenant,
        kind="portal.details_confirmed",
        # The changes read in English, as written.
        summary=gettext_noop("Contact details confirmed in the customer portal: %(changes)s")
        if changes
        else gettext_noop("Contact details confirmed in the customer portal"),
        params={"changes": "; ".join(changes)} if changes else {},
        contact=contact,
        occurred_at=now,
    )
    _mark(rows, details_confirmed_at=now)
    return changes


def _make_primary_email(tenant: Tenant, contact: Contact, email: str) -> bool:
    addresses = list(ContactEmail.objects.filter(tenant=tenant, contact=contact))
    current = next((a for a in addresses if a.is_primary), addresses[0] if addresses else None)
    if current is not None and current.email == email:
        return False
    ContactEmail.objects.filter(tenant=tenant, contact=contact, is_primary=True).update(
        is_primary=False
    )
    existing = next((a for a in addresses if a.email == email), None)
    if existing is not None:
        existing.is_primary = True
        existing.save(update_fields=["is_primary"])
    else:
        # The customer's own word, proved by the code of step 2 (verification_code_check).
        ContactEmail.objects.create(
            tenant=tenant,
            contact=contact,
            email=email,
            is_primary=True,
            source=AddressSource.PORTAL,
        )
    return True


def _make_primary_mobile(tenant: Tenant, contact: Contact, number) -> bool:
    phones = list(ContactPhone.objects.filter(tenant=tenant, contact=contact))
    mobiles = [p for p in phones if p.kind != PhoneKind.LANDLINE]
    current = next((p for p in mobiles if p.is_primary), mobiles[0] if mobiles else None)
    if current is not None and current.number == number:
        return False
    ContactPhone.objects.filter(tenant=tenant, contact=contact, is_primary=True).update(
        is_primary=False
    )
    existing = next((p for p in phones if p.number == number), None)
    if existing is not None:
        existing.is_primary = True
        existing.kind = PhoneKind.MOBILE
        existing.save(update_fields=["is_primary", "kind"])
    else:
        ContactPhone.objects.create(
            tenant=tenant,
            contact=contact,
            number=number,
            kind=PhoneKind.MOBILE,
            is_primary=True,
            source=AddressSource.PORTAL,
        )
    return True


def _address_row(tenant: Tenant, contact: Contact, channel: str, value: str):
    if channel == ChallengeChannel.EMAIL:
        return ContactEmail.objects.filter(tenant=tenant, contact=contact, email=value).first()
    return ContactPhone.objects.filter(tenant=tenant, contact=contact, number=value).first()


def _customer_ref(customer: PortalCustomer) -> str:
    # The contact whose checklist (and pending code) it is.
    return throttle.customer_ref(customer.tenant.pk, customer.contacts[0].pk)


def _code_nonce(row: Onboarding) -> str:
    return f"{CODE_SALT_PREFIX}:{row.pk}"


@transaction.atomic
def verification_code_send(
    *, customer: PortalCustomer, channel: str, client_ip: str, now: dt.datetime | None = None
) -> PendingAddress:
    """Send a six-digit code to the customer's unverified email or mobile, through the outbox at
    once (the customer is waiting for it, as for a sign-in code). Returns where it went.

    Refused (ValidationError, code "throttled") a minute after a code to the same address, and
    past the hourly sends per customer, per address and per client (portal.throttle)."""
    now = now or timezone.now()
    tenant = customer.tenant
    rows = _ensure_rows(tenant, customer.contacts[:1])
    row = rows[0]
    progress = onboarding_progress(customer=customer)
    address = next((a for a in progress.facts.addresses if a.channel == channel), None)
    if address is None:
        raise ValidationError(_("Add this address in your contact details first."))
    if address.verified:
        raise ValidationError(_("%(address)s is already verified.") % {"address": address.display})
    refusal = throttle.verification_send_refusal(
        customer=_customer_ref(customer), address=address.value, client_ip=client_ip
    )
    if refusal == throttle.WAIT:
        raise ValidationError(
            _("We sent you a code a moment ago: check for it, or ask again in a minute."),
            code="throttled",
        )
    if refusal == throttle.LIMITED:
        raise ValidationError(
            _("We have sent too many codes for now. Please try again in an hour."),
            code="throttled",
        )
    code = tokens.new_code()
    row.code_channel = channel
    row.code_address = address.value
    row.code_hash = tokens.code_hash(code, _code_nonce(row))
    row.code_expires_at = now + CODE_LIFETIME
    row.code_failed_attempts = 0
    row.save(
        update_fields=[
            "code_channel",
            "code_address",
            "code_hash",
            "code_expires_at",
            "code_failed_attempts",
        ]
    )
    portal_message_schedule(
        tenant=tenant,
        contact=customer.contacts[0],
        channel=channel,
        # Sent at once whatever the hour: the customer asked for it and waits on the page.
        source=MessageSource.PORTAL_SIGN_IN,
        template="verify",
        context={"code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
        idempotency_key=f"portal-verify:{row.pk}:{secrets.token_hex(8)}",
        to_address=address.value,
        now=now,
    )
    return address


@transaction.atomic
def verification_code_check(
    *, customer: PortalCustomer, code: str, client_ip: str, now: dt.datetime | None = None
) -> PendingAddress | None:
    """The address the code proves, or None (wrong, expired, or too many wrong tries of this
    code). Past the hourly tries per customer, per address and per client, whatever the codes,
    refused (ValidationError, code "throttled")."""
    now = now or timezone.now()
    tenant = customer.tenant
    row = _ensure_rows(tenant, customer.contacts[:1])[0]
    if (
        not row.code_hash
        or row.code_expires_at is None
        or row.code_expires_at <= now
        or row.code_failed_attempts >= MAX_CODE_ATTEMPTS
    ):
        return None
    if throttle.verification_try_refused(
        customer=_customer_ref(customer), address=row.code_address, client_ip=client_ip
    ):
        raise ValidationError(
            _("Too many codes tried. Please wait an hour, then ask for a new code."),
            code="throttled",
        )
    if not secrets.compare_digest(row.code_hash, tokens.code_hash(code.strip(), _code_nonce(row))):
        row.code_failed_attempts += 1
        row.save(update_fields=["code_failed_attempts"])
        return None
    channel, value = row.code_channel, row.code_address
    row.code_channel = row.code_address = row.code_hash = ""
    row.code_expires_at = None
    row.save()
    holder = _address_row(tenant, customer.contacts[0], channel, value)
    if holder is None:
        return None  # staff rejected or removed it while the code was on its way
    if not holder.is_verified:
        address_mark_verified(
            tenant=tenant, address=holder, how=AddressVerification.PORTAL_CODE, now=now
        )
    address = PendingAddress(channel, value, value, True)
    timeline_record(
        tenant=tenant,
        kind="portal.address_verified",
        summary=gettext_noop("Verified email %(address)s in the customer portal")
        if channel == ChallengeChannel.EMAIL
        else gettext_noop("Verified mobile %(address)s in the customer portal"),
        params={"address": value},
        contact=customer.contacts[0],
        occurred_at=now,
    )
    return address


@transaction.atomic
def onboarding_properties_save(
    *,
    customer: PortalCustomer,
    addresses: dict[int, dict[str, str]],
    new_address: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Save the address fields of the customer's properties (`addresses` by property id, only
    theirs) and, for a customer without one, their first property. Confirms the step."""
    now = now or timezone.now()
    tenant = customer.tenant
    rows = _ensure_rows(tenant, customer.contacts)
    places = Property.objects.select_for_update().filter(
        tenant=tenant, pk__in=[pk for pk in addresses if pk in customer.property_ids]
    )
    for place in places:
        values = addresses[place.pk]
        changed = [name for name in ADDRESS_FIELDS if getattr(place, name) != values[name]]
        if not changed:
            continue
        for name in changed:
            setattr(place, name, values[name])
        place.full_clean(exclude=["tenant"])
        place.save(update_fields=changed)
        timeline_record(
            tenant=tenant,
            kind="property.updated",
            summary=gettext_noop("Address updated in the customer portal: %(address)s"),
            params={"address": place.one_line_address},
            contact=customer.contacts[0],
            property=place,
            occurred_at=now,
        )
    if new_address and not customer.property_ids:
        property_create(
            tenant=tenant,
            actor=None,
            contacts=[(customer.contacts[0], PropertyRole.OWNER)],
            **new_address,
        )
    _mark(rows, properties_confirmed_at=now)


@dataclass(frozen=True)
class InsuranceAnswer:
    lead: Lead
    is_claim: bool
    carrier: str
    claim_number: str


@transaction.atomic
def onboarding_insurance_save(
    *, customer: PortalCustomer, answers: list[InsuranceAnswer], now: dt.datetime | None = None
) -> int:
    """Record the customer's insurance answer per job (the jobs must be theirs); each change is on
    the job's timeline. Returns the number of jobs whose answer changed."""
    now = now or timezone.now()
    tenant = customer.tenant
    access = _ensure_rows(tenant, customer.contacts[:1])[0].access
    theirs = set(
        portal_jobs(customer)
        .filter(pk__in=[answer.lead.pk for answer in answers])
        .values_list("pk", flat=True)
    )
    existing = {
        row.lead_id: row
        for row in JobInsurance.objects.select_for_update().filter(
            tenant=tenant, lead_id__in=theirs
        )
    }
    changed = 0
    for answer in answers:
        if answer.lead.pk not in theirs:
            raise ValueError("Insurance answers are for the customer's own jobs.")
        carrier = answer.carrier.strip() if answer.is_claim else ""
        claim_number = answer.claim_number.strip() if answer.is_claim else ""
        row = existing.get(answer.lead.pk)
        if row is not None and (row.is_claim, row.carrier, row.claim_number) == (
            answer.is_claim,
            carrier,
            claim_number,
        ):
            continue
        if row is None:
            row = JobInsurance(tenant=tenant, lead=answer.lead)
        row.access = access
        row.is_claim, row.carrier, row.claim_number = answer.is_claim, carrier, claim_number
        row.updated_at = now
        row.save()
        changed += 1
        timeline_record(
            tenant=tenant,
            kind="portal.insurance",
            summary=gettext_noop("Insurance from the customer: %(carrier)s, claim %(claim)s")
            if answer.is_claim
            else gettext_noop("The customer says this job is not an insurance claim"),
            params={"carrier": carrier, "claim": claim_number} if answer.is_claim else {},
            contact=answer.lead.contact,
            lead=answer.lead,
            occurred_at=now,
        )
    return changed


@transaction.atomic
def document_request_create(
    *,
    tenant: Tenant,
    actor: User,
    contact: Contact,
    kind: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> DocumentRequest:
    """Staff ask the contact for a kind of document: it becomes a step of their checklist (and
    of its reminders) until they upload one of that kind."""
    now = now or timezone.now()
    if kind not in REQUESTABLE_KINDS:
        raise ValidationError(gettext("Choose a kind of document the customer can upload."))
    row = _ensure_rows(tenant, [contact])[0]
    request, _ = DocumentRequest.objects.update_or_create(
        tenant=tenant,
        access=row.access,
        kind=kind,
        defaults={"note": note.strip()[:200], "requested_by": actor, "requested_at": now},
    )
    row.completed_at = None  # a new request opens the checklist again
    row.save(update_fields=["completed_at"])
    label = stored_label(DocumentKind(kind).label, lower=True)
    timeline_record(
        tenant=tenant,
        kind="portal.document_requested",
        summary=gettext_noop("Asked for %(kind)s in the customer portal: %(note)s")
        if request.note
        else gettext_noop("Asked for %(kind)s in the customer portal"),
        params={"kind": label, "note": request.note},
        actor=actor,
        contact=contact,
        occurred_at=now,
    )
    return request


def _reminder_channel(progress: OnboardingProgress) -> str | None:
    facts = progress.facts
    has: dict[str, bool] = {
        ChallengeChannel.EMAIL: facts.email is not None,
        ChallengeChannel.SMS: facts.mobile is not None,
    }
    preferred = facts.contact.preferred_channel
    if has.get(preferred):
        return preferred
    return next((channel for channel, present in has.items() if present), None)


def onboarding_reminders_send(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Remind customers with an unfinished checklist: FIRST_REMINDER_AFTER the invitation (or
    their first sign-in), then every REMINDER_REPEAT, MAX_REMINDERS at most. A checklist found
    complete is marked so and left alone. Each reminder is an outbox row with its own idempotency
    key, so a sweep run twice (or by two workers) sends it once. Returns the reminders scheduled."""
    now = now or timezone.now()
    first_due = now - FIRST_REMINDER_AFTER
    # A customer who never opened the checklist has no row yet: theirs is made when first due.
    started = Q(invited_at__lte=first_due) | Q(first_signed_in_at__lte=first_due)
    without_row = PortalAccess.objects.filter(started, tenant=tenant).exclude(
        pk__in=Onboarding.objects.filter(tenant=tenant).values("access_id")
    )
    Onboarding.objects.bulk_create(
        [Onboarding(tenant=tenant, access=access) for access in without_row.only("pk")],
        batch_size=1000,
        ignore_conflicts=True,
    )
    due = (
        Onboarding.objects.filter(
            tenant=tenant, completed_at__isnull=True, reminders_sent__lt=MAX_REMINDERS
        )
        .filter(
            Q(last_reminder_at__isnull=True)
            & (Q(access__invited_at__lte=first_due) | Q(access__first_signed_in_at__lte=first_due))
            | Q(last_reminder_at__lte=now - REMINDER_REPEAT)
        )
        .select_related("access__contact__brand")
        .order_by("pk")[:REMINDER_BATCH]
    )
    scheduled = 0
    for row in due:
        with transaction.atomic():
            scheduled += _remind(tenant, row, now)
    return scheduled


def _remind(tenant: Tenant, due: Onboarding, now: dt.datetime) -> int:
    row = (
        Onboarding.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("access__contact__brand")
        .filter(tenant=tenant, pk=due.pk)
        .first()
    )
    if row is None or row.completed_at is not None or row.reminders_sent >= MAX_REMINDERS:
        return 0
    contact = row.access.contact
    progress = onboarding_progress_for_contact(tenant=tenant, contact=contact)
    if progress.is_complete:
        row.completed_at = now
        row.save(update_fields=["completed_at"])
        return 0
    channel = _reminder_channel(progress)
    row.reminders_sent += 1
    row.last_reminder_at = now
    row.save(update_fields=["reminders_sent", "last_reminder_at"])
    if channel is None:
        return 0
    portal_message_schedule(
        tenant=tenant,
        contact=contact,
        channel=channel,
        source=MessageSource.ONBOARDING,
        template="onboarding",
        context={
            "done": progress.done_count,
            "total": progress.total,
            "steps": [step.title for step in progress.open_steps],
            "link": settings.THREADLINE_SITE_URL.rstrip("/") + reverse("portal:onboarding"),
        },
        idempotency_key=f"portal-onboarding:{row.pk}:{row.reminders_sent}",
        now=now,
    )
    return 1
