"""What staff change about how one contact hears from the business: consent a customer gave or
withdrew in person, their time zone and update rhythm, and a bounce cleared once the address
is fixed. Each change lands on the contact's timeline."""

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from crm.events import publish
from crm.kit.stored_text import stored_message
from crm.models import Channel, ConsentStatus, Contact, ContactConsent, Tenant, User
from crm.services.consent import consent_record
from crm.services.timeline import timeline_record
from messaging.events import ContactUpdateFrequencyChanged
from messaging.models import ContactCommsProfile, UpdateFrequency

STAFF_SOURCE_PREFIX = "staff: "
# ContactConsent.source holds 64 characters, the prefix included.
_SOURCE_MAX_LENGTH = ContactConsent._meta.get_field("source").max_length
assert _SOURCE_MAX_LENGTH is not None  # noqa: S101  # a CharField
CONSENT_NOTE_MAX = _SOURCE_MAX_LENGTH - len(STAFF_SOURCE_PREFIX)


def _belongs(contact: Contact, tenant: Tenant) -> None:
    if contact.tenant_id != tenant.pk:
        raise ValueError("The contact belongs to another tenant.")


@transaction.atomic
def contact_consent_record_by_staff(
    *, tenant: Tenant, actor: User, contact: Contact, channel: str, status: str, note: str
) -> ContactConsent:
    """A customer told a member of staff they agree (or no longer agree) to hear from us on a
    channel; `note` says how ("told us on the phone") and becomes the consent's source."""
    _belongs(contact, tenant)
    note = " ".join(note.split())
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = "Pick a channel."
    if status not in ConsentStatus.values:
        errors["status"] = "Say whether consent was given or withdrawn."
    if not note:
        errors["note"] = "Say how the customer told you, e.g. “told us on the phone”."
    elif len(note) > CONSENT_NOTE_MAX:
        errors["note"] = f"Keep the note to {CONSENT_NOTE_MAX} characters."
    if errors:
        raise ValidationError(errors)
    return consent_record(
        tenant=tenant,
        contact=contact,
        channel=channel,
        status=status,
        source=f"{STAFF_SOURCE_PREFIX}{note}",
        actor=actor,
    )


def _zone_label(time_zone: str) -> str:
    return time_zone or "the business's"


@transaction.atomic
def contact_comms_profile_update(
    *, tenant: Tenant, actor: User, contact: Contact, time_zone: str, update_frequency: str
) -> ContactCommsProfile:
    """The contact's own time zone (empty: the business's), read for sending hours and dates in
    messages, and how often they want job updates. A new rhythm re-plans their next update."""
    _belongs(contact, tenant)
    errors = {}
    if time_zone and time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = "Pick a time zone from the list."
    if update_frequency not in UpdateFrequency.values:
        errors["update_frequency"] = "Pick how often the contact hears about their jobs."
    if errors:
        raise ValidationError(errors)
    profile, _ = ContactCommsProfile.objects.select_for_update().get_or_create(
        tenant=tenant, contact=contact
    )
    changes = []
    if profile.time_zone != time_zone:
        changes.append(f"time zone {_zone_label(profile.time_zone)} → {_zone_label(time_zone)}")
    frequency_changed = profile.update_frequency != update_frequency
    if frequency_changed:
        old, new = (
            UpdateFrequency(value).label for value in (profile.update_frequency, update_frequency)
        )
        changes.append(f"updates “{old}” → “{new}”")
    if not changes:
        return profile
    profile.time_zone = time_zone
    profile.update_frequency = update_frequency
    profile.save(update_fields=["time_zone", "update_frequency"])
    timeline_record(
        tenant=tenant,
        kind="contact.comms_profile",
        # The changes read in English, as written.
        summary=gettext_noop("Messaging preferences changed: %(changes)s"),
        params={"changes": "; ".join(changes)},
        actor=actor,
        contact=contact,
        detail={"time_zone": time_zone, "update_frequency": update_frequency},
    )
    if frequency_changed:
        publish(ContactUpdateFrequencyChanged(tenant=tenant, contact=contact))
    return profile


@transaction.atomic
def contact_bounce_clear(*, tenant: Tenant, actor: User, contact: Contact) -> ContactCommsProfile:
    """Staff checked the address that bounced (or fixed it): email may go to it again."""
    _belongs(contact, tenant)
    profile = (
        ContactCommsProfile.objects.select_for_update()
        .filter(tenant=tenant, contact=contact, email_bounced_at__isnull=False)
        .first()
    )
    if profile is None:
        raise ValidationError(gettext("No bounced email address to clear."))
    address = profile.bounced_email
    profile.email_bounced_at = None
    profile.bounced_email = ""
    profile.save(update_fields=["email_bounced_at", "bounced_email"])
    timeline_record(
        tenant=tenant,
        kind="contact.bounce_cleared",
        summary=gettext_noop("Bounce cleared for %(address)s: email may go to it again"),
        params={
            "address": address or stored_message(gettext_noop("the email address")),
        },
        actor=actor,
        contact=contact,
        detail={"email": address},
    )
    return profile


def whatsapp_window_open(*, tenant: Tenant, contact: Contact, received_at: dt.datetime) -> None:
    """The contact wrote on WhatsApp at `received_at`: the 24-hour session window opens."""
    profile, _ = ContactCommsProfile.objects.get_or_create(tenant=tenant, contact=contact)
    profile.last_whatsapp_inbound_at = received_at
    profile.save(update_fields=["last_whatsapp_inbound_at"])
