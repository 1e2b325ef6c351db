"""What the portal's preferences page opens with: the first (oldest) contact's values, the channels
the customer can be reached on and the languages the tenant writes in."""

from dataclasses import dataclass

from django.utils.translation import gettext

from crm.models import (
    UI_LANGUAGES,
    Channel,
    ConsentStatus,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    Language,
    PhoneKind,
    Tenant,
)
from messaging.models import ContactCommsProfile, TemplateVariant, UpdateFrequency
from portal.auth import PortalCustomer
from portal.forms.preferences import PreferencesForm
from portal.services.preferences import CONSENT_CHANNELS


def tenant_languages(*, tenant: Tenant, current: str) -> list[tuple[str, str]]:
    """The languages the portal speaks, those the tenant has written templates in, and the
    contact's current one."""
    codes = (
        {code for code, _label in UI_LANGUAGES}
        | set(
            TemplateVariant.objects.filter(tenant=tenant, template__is_archived=False)
            .values_list("language", flat=True)
            .distinct()
        )
        | {current}
    )
    return [(code, gettext(label)) for code, label in Language.choices if code in codes]


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
    return [(value, gettext(label)) for value, label in Channel.choices if allowed[value]]


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
