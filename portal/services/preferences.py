"""A portal customer's own preferences: preferred channel, language, how often they hear about
their jobs, and per channel whether job messages and offers may come (recorded as consent through
crm.services.consent_record, source "customer portal", with its time).

A customer may be several contacts of the tenant (every contact with the address they signed in
with: the same person entered twice, or a household sharing one address). What they choose here
is theirs, so a save applies it to every one of those contacts; each contact's timeline records
the changes made to it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from automation.services.updates import contact_update_rhythm
from crm.kit.stored_text import stored_label
from crm.models import (
    UI_LANGUAGES,
    Channel,
    ConsentStatus,
    Contact,
    ContactConsent,
    Language,
    Tenant,
)
from crm.services.consent import consent_record
from crm.services.timeline import timeline_record
from messaging.models import ContactCommsProfile, UpdateFrequency
from portal.auth import PortalCustomer

CONSENT_SOURCE = "customer portal"


@dataclass(frozen=True)
class ChannelChoice:
    """One channel's two ticks: job messages at all, and offers (marketing) too."""

    channel: str
    updates: bool
    marketing: bool


def wanted_status(*, updates: bool, marketing: bool, current: str | None) -> str | None:
    """The consent a channel's ticks ask for; None: leave it as it is (nothing recorded yet and
    nothing asked beyond what the default allows: job messages, no offers)."""
    if not updates:
        return ConsentStatus.WITHDRAWN
    if marketing:
        return ConsentStatus.GRANTED
    if current in (ConsentStatus.GRANTED, ConsentStatus.WITHDRAWN):
        return ConsentStatus.NO_MARKETING
    return current


def _label(choices, value) -> str:
    # For the staff's timeline, which is written in English whatever language the customer reads.
    with translation.override(settings.LANGUAGE_CODE):
        return str(dict(choices).get(value, value))


@transaction.atomic
def portal_language_set(*, customer: PortalCustomer, language: str) -> int:
    """The portal's language switcher: the customer's pages and the business's messages speak
    `language` from now on, for each of their contacts; the number of contacts changed."""
    if language not in dict(UI_LANGUAGES):
        raise ValueError("Not a language of the portal.")
    tenant = customer.tenant
    contacts = list(
        Contact.objects.select_for_update()
        .filter(tenant=tenant, pk__in=customer.contact_ids)
        .exclude(language=language)
        .order_by("created_at", "id")
    )
    for contact in contacts:
        before, after = (
            stored_label(dict(Language.choices).get(value, value))
            for value in (contact.language, language)
        )
        contact.language = language
        contact.save(update_fields=["language", "updated_at"])
        timeline_record(
            tenant=tenant,
            kind="contact.portal_preferences",
            summary=gettext_noop("Language changed in the customer portal: %(before)s → %(after)s"),
            params={"before": before, "after": after},
            contact=contact,
            detail={"language": language},
        )
    return len(contacts)


def _contact_change(contact: Contact, *, preferred_channel: str, language: str) -> list[str]:
    """Set the contact's preferred channel and language (saved when either changed); the
    changes, in English for the staff's timeline."""
    changes = []
    if contact.preferred_channel != preferred_channel:
        changes.append(
            f"preferred channel {_label(Channel.choices, contact.preferred_channel)} → "
            f"{_label(Channel.choices, preferred_channel)}"
        )
        contact.preferred_channel = preferred_channel
    if contact.language != language:
        changes.append(
            f"language {_label(Language.choices, contact.language)} → "
            f"{_label(Language.choices, language)}"
        )
        contact.language = language
    if changes:
        contact.save(update_fields=["preferred_channel", "language", "updated_at"])
    return changes


def _frequency_change(
    tenant: Tenant,
    contact: Contact,
    profile: ContactCommsProfile | None,
    update_frequency: str,
) -> str | None:
    """Set how often the contact hears about their jobs (the profile made if they have none);
    the change in English, None when it is the same."""
    old_frequency = profile.update_frequency if profile else UpdateFrequency.DEFAULT
    if old_frequency == update_frequency:
        return None
    if profile is None:
        profile = ContactCommsProfile(tenant=tenant, contact=contact)
    profile.update_frequency = update_frequency
    profile.save()
    return (
        f"updates “{UpdateFrequency(old_frequency).label}” → "
        f"“{UpdateFrequency(update_frequency).label}”"
    )


def _consents_apply(
    tenant: Tenant,
    contact: Contact,
    channels: list[ChannelChoice],
    consents: dict[tuple[int, str], str],
) -> int:
    """Record the consent each channel's ticks ask for where it differs; how many were."""
    recorded = 0
    for choice in channels:
        current = consents.get((contact.pk, choice.channel))
        wanted = wanted_status(updates=choice.updates, marketing=choice.marketing, current=current)
        if wanted is not None and wanted != current:  # None only when nothing is recorded
            consent_record(
                tenant=tenant,
                contact=contact,
                channel=choice.channel,
                status=wanted,
                source=CONSENT_SOURCE,
            )
            recorded += 1
    return recorded


@transaction.atomic
def portal_preferences_update(
    *,
    customer: PortalCustomer,
    preferred_channel: str,
    language: str,
    update_frequency: str,
    channels: list[ChannelChoice],
) -> int:
    """Apply the customer's choices to each of their contacts; the number of changes made."""
    tenant = customer.tenant
    if update_frequency not in UpdateFrequency.values:
        raise ValueError("Unknown update frequency.")
    contacts = list(
        Contact.objects.select_for_update()
        .filter(tenant=tenant, pk__in=customer.contact_ids)
        .order_by("created_at", "id")
    )
    profiles = {
        profile.contact_id: profile
        for profile in ContactCommsProfile.objects.select_for_update().filter(
            tenant=tenant, contact__in=contacts
        )
    }
    consents = {
        (consent.contact_id, consent.channel): consent.status
        for consent in ContactConsent.objects.filter(tenant=tenant, contact__in=contacts)
    }
    made = 0
    for contact in contacts:
        changes = _contact_change(contact, preferred_channel=preferred_channel, language=language)
        frequency_change = _frequency_change(
            tenant, contact, profiles.get(contact.pk), update_frequency
        )
        if frequency_change:
            changes.append(frequency_change)
        if changes:
            timeline_record(
                tenant=tenant,
                kind="contact.portal_preferences",
                # The changes read in English, as written.
                summary=gettext_noop("Preferences changed in the customer portal: %(changes)s"),
                params={"changes": "; ".join(changes)},
                contact=contact,
                detail={
                    "preferred_channel": preferred_channel,
                    "language": language,
                    "update_frequency": update_frequency,
                },
            )
            made += len(changes)
        if frequency_change:
            contact_update_rhythm(tenant=tenant, contact=contact)
        made += _consents_apply(tenant, contact, channels, consents)
    return made
