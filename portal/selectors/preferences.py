"""What the portal's preferences page opens with: the first (oldest) contact's values, the channels
the customer can be reached on and the languages the tenant writes in."""

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
from messaging.models import ContactCommsProfile, MessageChannel, TemplateVariant, UpdateFrequency
from portal.auth import PortalCustomer

CONSENT_CHANNELS = tuple(MessageChannel.values)  # email, sms, whatsapp: where consent applies


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
    allowed: dict[str, bool] = {
        Channel.EMAIL: has_email,
        Channel.SMS: has_mobile,
        Channel.WHATSAPP: has_mobile,
        Channel.PHONE: bool(kinds),
    }
    return [(value, gettext(label)) for value, label in Channel.choices if allowed[value]]


def preferences_initial(customer: PortalCustomer) -> tuple[dict, dict[str, ContactConsent]]:
    contact = customer.contacts[0]
    profile = ContactCommsProfile.objects.filter(tenant=customer.tenant, contact=contact).first()
    consents = {
        consent.channel: consent
        for consent in ContactConsent.objects.filter(tenant=customer.tenant, contact=contact)
    }
    initial: dict[str, object] = {
        "preferred_channel": contact.preferred_channel,
        "language": contact.language,
        "update_frequency": profile.update_frequency if profile else UpdateFrequency.DEFAULT,
    }
    for channel in CONSENT_CHANNELS:
        status = consents[channel].status if channel in consents else None
        initial[f"{channel}_updates"] = status != ConsentStatus.WITHDRAWN
        initial[f"{channel}_marketing"] = status == ConsentStatus.GRANTED
    return initial, consents
