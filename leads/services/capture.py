"""Lead capture through the web form a tenant embeds on its own site: the form's settings, and
the submissions that become leads.

Submissions turn outside input into leads through `lead_create_with_contact` and
`contact_find_or_create`, so a person already known by email or E.164 phone is matched, never
created twice. Every problem is reported back per field, and nothing a person sent is lost."""

import datetime as dt
import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from crm.models import (
    AddressSource,
    Brand,
    Channel,
    ConsentStatus,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    PropertyType,
    Tenant,
    User,
)
from crm.ratelimit import over_limit
from crm.services.consent import consent_record
from leads.capture_links import SUBMISSION_MAX_AGE
from leads.models import Lead, LeadCaptureForm, LeadSource, LeadType, Pipeline, new_form_key
from leads.selectors.capture import intake_language
from leads.services.leads import lead_create_with_contact

logger = logging.getLogger(__name__)


WEB_FORM_SOURCE = "web form"
CAPTURE_FORM_FIELDS = (
    "name",
    "pipeline",
    "source",
    "brand",
    "heading",
    "thank_you_message",
    "ask_for_address",
    "language",
    "is_active",
)


@transaction.atomic
def capture_form_save(
    *, tenant: Tenant, actor: User, capture_form: LeadCaptureForm | None = None, **values
) -> LeadCaptureForm:
    """Create a lead form (capture_form=None) or change one."""
    unknown = set(values) - set(CAPTURE_FORM_FIELDS)
    if unknown:
        raise ValueError(f"Not lead form fields: {', '.join(sorted(unknown))}")
    related = (values.get("pipeline"), values.get("source"), values.get("brand"))
    if any(choice is not None and choice.tenant_id != tenant.pk for choice in related):
        raise ValidationError(_("Pick a pipeline, source and brand of this team."))
    capture_form = capture_form or LeadCaptureForm(tenant=tenant)
    for name, value in values.items():
        setattr(capture_form, name, value)
    capture_form.full_clean(exclude=["tenant"])
    capture_form.save()
    return capture_form


@transaction.atomic
def capture_form_rotate_key(
    *, tenant: Tenant, actor: User, capture_form: LeadCaptureForm
) -> LeadCaptureForm:
    """A new key: the old link, and every page that embeds it, stops working at once."""
    capture_form.key = new_form_key()
    LeadCaptureForm.objects.filter(tenant=tenant, pk=capture_form.pk).update(key=capture_form.key)
    logger.info("Lead form %s got a new key from user %s", capture_form.pk, actor.pk)
    return capture_form


CLIENT_LIMIT = (5, dt.timedelta(minutes=10))  # submissions per client address and tenant
FORM_LIMIT = (200, dt.timedelta(hours=1))  # submissions per form, whoever sends them


def capture_rate_limited(*, capture_form: LeadCaptureForm, client_ip: str) -> bool:
    """Count a submission; True when this client, or this form as a whole, sent too many."""
    per_client = over_limit(
        f"leads:capture:client:{capture_form.tenant_id}:{client_ip}", *CLIENT_LIMIT
    )
    per_form = over_limit(f"leads:capture:form:{capture_form.pk}", *FORM_LIMIT)
    return per_client or per_form


def _submission_key(token: str) -> str:
    return f"leads:capture:used:{token.rsplit(':', 1)[-1]}"


@transaction.atomic
def capture_submission_create(
    *,
    tenant: Tenant,
    capture_form: LeadCaptureForm,
    token: str,
    name: str,
    email: str = "",
    phone: PhoneNumber | None = None,
    message: str = "",
    sms_consent: bool = False,
    marketing_consent: bool = False,
    address: dict | None = None,
) -> Lead | None:
    """The lead a web-form submission asks for, for the contact its email or phone matches (or a
    new one). None when this showing of the form already made its lead: a double click, a reload
    or a replayed post is answered again, not repeated."""
    if not cache.add(_submission_key(token), 1, timeout=int(SUBMISSION_MAX_AGE.total_seconds())):
        return None
    try:
        lead = lead_intake(
            tenant=tenant,
            pipeline=capture_form.pipeline,
            source=capture_form.source,
            brand=capture_form.brand,
            language=capture_form.language,
            name=name,
            email=email,
            phone=phone,
            message=message,
            address=address,
            address_source=AddressSource.WEB_FORM,
            source_label=WEB_FORM_SOURCE,
        )
    except ValidationError:
        cache.delete(_submission_key(token))  # nothing was made: the person may send it again
        raise
    if phone and (sms_consent or marketing_consent) and _speaks_for(tenant, lead.contact, phone):
        _web_form_sms_consent(tenant, lead.contact, marketing=marketing_consent)
    return lead


def lead_intake(
    *,
    tenant: Tenant,
    pipeline: Pipeline,
    source: LeadSource | None,
    brand: Brand | None,
    name: str,
    email: str = "",
    phone: PhoneNumber | None = None,
    message: str = "",
    address: dict | None = None,
    address_source: str,
    source_label: str,
    language: str = "",
) -> Lead:
    """A lead that someone outside sent in (the web form; a lead source through the REST API),
    for the contact its email or phone matches, or a new one. A new contact speaks `language`
    (the form's, or the one the API was given), else the brand's that answers the lead (`brand`,
    else the default brand), else the team's; a matched contact keeps theirs.

    The email and phone are a stranger's claim (`address_source` is never STAFF): they arrive
    unverified, and a match with a known contact adds nothing that opens the portal, so whoever
    types a customer's email gets no way into that customer's portal
    (crm.services.contacts.contact_find_or_create)."""
    if address_source == AddressSource.STAFF:
        raise ValueError("Intake is from outside: its addresses are never staff-typed.")
    first_name, _, last_name = name.strip().partition(" ")
    place = None
    if address:
        commercial = pipeline.lead_type == LeadType.COMMERCIAL
        place = {
            **address,
            "country": tenant.country,
            "property_type": PropertyType.COMMERCIAL if commercial else PropertyType.RESIDENTIAL,
        }
    return lead_create_with_contact(
        tenant=tenant,
        actor=None,
        contact=None,
        contact_details={
            "first_name": first_name,
            "last_name": last_name.strip(),
            "company_name": "",
            "emails": [email] if email else [],
            "phones": [phone] if phone else [],
            "brand": brand,
            "language": intake_language(tenant=tenant, brand=brand, language=language),
        },
        new_address=place,
        source_label=source_label,
        address_source=address_source,
        pipeline=pipeline,
        source=source,
        brand=brand,
        note=message,
    )


def _speaks_for(tenant: Tenant, contact, phone: PhoneNumber) -> bool:
    """Whether the tick boxes may set the contact's text consent: for a new lead, yes; for a
    customer with proved addresses, only when the number typed is one of theirs (the boxes of a
    stranger who typed a customer's email beside their own number speak for no one)."""
    phones = ContactPhone.objects.filter(tenant=tenant, contact=contact)
    proved = phones.filter(verified_at__isnull=False)
    if proved.filter(number=phone).exists():
        return True
    return not (
        proved.exists()
        or ContactEmail.objects.filter(
            tenant=tenant, contact=contact, verified_at__isnull=False
        ).exists()
    )


def _web_form_sms_consent(tenant: Tenant, contact, *, marketing: bool) -> None:
    """The form's tick boxes: "text me about my request" is consent to texts about that job
    only; marketing texts need the separate box. A form only ever widens consent: it never
    lifts a STOP (anyone can type a customer's email; only their phone can text START), and an
    unticked marketing box withdraws nothing given before."""
    current = (
        ContactConsent.objects.filter(tenant=tenant, contact=contact, channel=Channel.SMS)
        .values_list("status", flat=True)
        .first()
    )
    if current == ConsentStatus.WITHDRAWN:
        return
    if marketing:
        status, source = ConsentStatus.GRANTED, f"{WEB_FORM_SOURCE}: marketing texts ticked"
    else:
        status, source = ConsentStatus.NO_MARKETING, f"{WEB_FORM_SOURCE}: texts about the request"
    if current == status or current == ConsentStatus.GRANTED:
        return
    consent_record(
        tenant=tenant, contact=contact, channel=Channel.SMS, status=status, source=source
    )
