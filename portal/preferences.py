"""A portal customer's own preferences: preferred channel, language, how often they hear about
their jobs, and per channel whether job messages and offers may come (recorded as consent through
crm.services.consent_record, source "customer portal", with its time).

A customer may be several contacts of the tenant (every contact with the address they signed in
with: the same person entered twice, or a household sharing one address). What they choose here
is theirs, so a save applies it to every one of those contacts; each contact's timeline records
the changes made to it. The form opens with the first (oldest) contact's values.
"""

from dataclasses import dataclass

from django import forms
from django.db import transaction

from automation.services.updates import contact_update_rhythm
from crm.models import (
    Channel,
    ConsentStatus,
    Contact,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    Language,
    PhoneKind,
    Tenant,
)
from crm.services import consent_record, timeline_record
from messaging.models import ContactCommsProfile, MessageChannel, TemplateVariant, UpdateFrequency
from portal.auth import PortalCustomer

CONSENT_SOURCE = "customer portal"
CONSENT_CHANNELS = tuple(MessageChannel.values)  # email, sms, whatsapp: where consent applies


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


def tenant_languages(*, tenant: Tenant, current: str) -> list[tuple[str, str]]:
    """The languages the tenant has written templates in (and the contact's current one)."""
    codes = set(
        TemplateVariant.objects.filter(tenant=tenant, template__is_archived=False)
        .values_list("language", flat=True)
        .distinct()
    ) | {current}
    return [(code, label) for code, label in Language.choices if code in codes]


def reachable_channels(customer: PortalCustomer) -> list[tuple[str, str]]:
    """The channels some contact of theirs has an address for (a preference for SMS with no
    mobile number would silently mean nothing)."""
    ids = customer.contact_ids
    has_email = ContactEmail.objects.filter(tenant=customer.tenant, contact_id__in=ids).exists()
    kinds = set(
        ContactPhone.objects.filter(tenant=customer.tenant, contact_id__in=ids).values_list(
            "kind", flat=True
        )
    )
    has_mobile = bool(kinds - {PhoneKind.LANDLINE})
    allowed = {
        Channel.EMAIL: has_email,
        Channel.SMS: has_mobile,
        Channel.WHATSAPP: has_mobile,
        Channel.PHONE: bool(kinds),
    }
    return [(value, label) for value, label in Channel.choices if allowed[value]]


class PreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(label="How should we reach you first?")
    language = forms.ChoiceField(label="Language of our messages")
    update_frequency = forms.ChoiceField(
        choices=UpdateFrequency.choices, label="How often do you want an update on your jobs?"
    )

    def __init__(self, *args, channels, languages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_channel"].choices = channels
        self.fields["language"].choices = languages
        labels = dict(Channel.choices)
        for channel in CONSENT_CHANNELS:
            self.fields[f"{channel}_updates"] = forms.BooleanField(
                required=False, label=f"Messages about my jobs by {labels[channel]}"
            )
            self.fields[f"{channel}_marketing"] = forms.BooleanField(
                required=False, label=f"Offers and news by {labels[channel]}"
            )

    def channel_rows(self):
        """(label, job-messages field, offers field) per channel, for the template."""
        labels = dict(Channel.choices)
        return [
            (labels[channel], self[f"{channel}_updates"], self[f"{channel}_marketing"])
            for channel in CONSENT_CHANNELS
        ]

    def clean(self):
        data = super().clean()
        for channel in CONSENT_CHANNELS:
            if data.get(f"{channel}_marketing") and not data.get(f"{channel}_updates"):
                self.add_error(
                    f"{channel}_marketing",
                    f"Offers by {Channel(channel).label} need messages by "
                    f"{Channel(channel).label} switched on too.",
                )
        preferred = data.get("preferred_channel")
        if preferred in CONSENT_CHANNELS and not data.get(f"{preferred}_updates"):
            self.add_error(
                "preferred_channel",
                f"You switched off messages by {Channel(preferred).label}: pick another way to "
                "reach you first, or switch them back on.",
            )
        return data

    def channel_choices(self) -> list[ChannelChoice]:
        data = self.cleaned_data
        return [
            ChannelChoice(channel, data[f"{channel}_updates"], data[f"{channel}_marketing"])
            for channel in CONSENT_CHANNELS
        ]


@dataclass(frozen=True)
class PreferencesPage:
    form: PreferencesForm
    contact_count: int
    consents: dict[str, ContactConsent]  # the first contact's, by channel


def preferences_initial(customer: PortalCustomer) -> tuple[dict, dict[str, ContactConsent]]:
    contact = customer.contacts[0]
    profile = ContactCommsProfile.objects.filter(tenant=customer.tenant, contact=contact).first()
    consents = {
        consent.channel: consent
        for consent in ContactConsent.objects.filter(tenant=customer.tenant, contact=contact)
    }
    initial = {
        "preferred_channel": contact.preferred_channel,
        "language": contact.language,
        "update_frequency": profile.update_frequency if profile else UpdateFrequency.DEFAULT,
    }
    for channel in CONSENT_CHANNELS:
        status = consents[channel].status if channel in consents else None
        initial[f"{channel}_updates"] = status != ConsentStatus.WITHDRAWN
        initial[f"{channel}_marketing"] = status == ConsentStatus.GRANTED
    return initial, consents


def preferences_form(customer: PortalCustomer, data=None) -> PreferencesPage:
    initial, consents = preferences_initial(customer)
    form = PreferencesForm(
        data,
        initial=initial,
        channels=reachable_channels(customer),
        languages=tenant_languages(tenant=customer.tenant, current=initial["language"]),
    )
    return PreferencesPage(form=form, contact_count=len(customer.contacts), consents=consents)


def _label(choices, value) -> str:
    return dict(choices).get(value, value)


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
        profile = profiles.get(contact.pk)
        old_frequency = profile.update_frequency if profile else UpdateFrequency.DEFAULT
        frequency_changed = old_frequency != update_frequency
        if frequency_changed:
            if profile is None:
                profile = ContactCommsProfile(tenant=tenant, contact=contact)
            profile.update_frequency = update_frequency
            profile.save()
            changes.append(
                f"updates “{UpdateFrequency(old_frequency).label}” → "
                f"“{UpdateFrequency(update_frequency).label}”"
            )
        if changes:
            timeline_record(
                tenant=tenant,
                kind="contact.portal_preferences",
                summary=f"Preferences changed in the customer portal: {'; '.join(changes)}",
                contact=contact,
                detail={
                    "preferred_channel": preferred_channel,
                    "language": language,
                    "update_frequency": update_frequency,
                },
            )
            made += len(changes)
        if frequency_changed:
            contact_update_rhythm(tenant=tenant, contact=contact)
        for choice in channels:
            current = consents.get((contact.pk, choice.channel))
            wanted = wanted_status(
                updates=choice.updates, marketing=choice.marketing, current=current
            )
            if wanted != current:
                consent_record(
                    tenant=tenant,
                    contact=contact,
                    channel=choice.channel,
                    status=wanted,
                    source=CONSENT_SOURCE,
                )
                made += 1
    return made
