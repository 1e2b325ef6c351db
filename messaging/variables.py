"""The values a message template may use, read from the contact, lead and brand it is about.

Only plain values leave this module (strings, numbers, datetimes, lists of strings): a template
can never reach a model object, so rendering cannot run a query.
"""

import contextlib
import zoneinfo

from django.utils import timezone, translation

from crm.kit.formatting import money
from crm.kit.languages import contact_language
from crm.models import Brand, Contact, Tenant
from leads.models import Lead, Quote, QuoteStatus, Stage
from leads.quote_links import quote_public_url
from leads.selectors.brands import contact_brand
from messaging.links import portal_url, unsubscribe_url
from messaging.services.policy import profile_get, zone_for


def contact_zone(tenant: Tenant, contact: Contact | None) -> zoneinfo.ZoneInfo:
    """Where the contact is: their own time zone when known, else the business's."""
    profile = profile_get(tenant=tenant, contact_id=contact.pk) if contact is not None else None
    return zone_for(tenant, profile)


@contextlib.contextmanager
def as_the_contact_reads(tenant: Tenant, contact: Contact | None):
    """Read the variables and render the message inside this: dates, times, numbers and money come
    out as the contact writes them ("maandag 2 maart", "€ 18.000,50"), in their time zone."""
    language = contact_language(contact, tenant) if contact is not None else None
    with timezone.override(contact_zone(tenant, contact)):
        if language is None:
            yield
            return
        with translation.override(language):
            yield


def next_stage_for_customer(lead: Lead) -> Stage | None:
    if lead.stage is None:
        return None
    return (
        Stage.objects.filter(
            tenant=lead.tenant_id,
            pipeline_id=lead.pipeline_id,
            position__gt=lead.stage.position,
            is_archived=False,
            is_lost=False,
            show_in_portal=True,
        )
        .order_by("position", "id")
        .first()
    )


def _open_quote(lead: Lead) -> Quote | None:
    return (
        Quote.objects.filter(
            tenant=lead.tenant_id,
            lead=lead,
            status__in=(QuoteStatus.SENT, QuoteStatus.VIEWED),
        )
        .order_by("-sent_at", "-id")
        .first()
    )


def message_variables(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: str,
    lead: Lead | None = None,
    brand: Brand | None = None,
    extra: dict | None = None,
) -> dict:
    brand = brand or contact_brand(tenant=tenant, contact=contact, lead=lead)
    values = {
        "customer_name": contact.display_name,
        "first_name": contact.first_name or contact.display_name,
        "portal_link": portal_url(),
        "unsubscribe_link": unsubscribe_url(
            tenant_id=tenant.pk, contact_id=contact.pk, channel=channel
        ),
        "sender_name": brand.sender_name if brand else tenant.name,
        "brand_name": brand.name if brand else tenant.name,
        "brand_phone": brand.call_number.as_national if brand and brand.call_number else "",
        "brand_email": (brand.reply_to_email or brand.sender_email) if brand else "",
        "brand_website": brand.website if brand else "",
    }
    if lead is not None:
        owner = lead.owner.user if lead.owner_id else None
        next_stage = next_stage_for_customer(lead)
        language = contact_language(contact, tenant)
        values |= {
            "order_number": lead.reference,
            "job_title": lead.title,
            "stage_label": lead.stage.customer_label_in(language) if lead.stage else "",
            "next_step": next_stage.customer_label_in(language) if next_stage else "",
            "appointment_at": lead.appointment_at,
            "owner_name": owner.full_name if owner else "",
            "owner_phone": owner.phone.as_national if owner and owner.phone else "",
            "lost_reason": str(lead.get_lost_reason_display()) if lead.lost_reason else "",
        }
        quote = _open_quote(lead)
        if quote is not None:
            values |= {
                "quote_link": quote_public_url(quote),
                "quote_reference": quote.reference,
                "quote_total": money(quote.total, tenant.currency, country=tenant.country),
            }
    values |= extra or {}
    return values
