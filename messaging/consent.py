"""Consent changes that come from the customer: the unsubscribe link and SMS keywords.

Both are recorded with their source on the contact's consent (crm.ContactConsent, audited) and
timeline; pending messages the change now forbids are stopped when they come due (the policy is
re-checked at send time).
"""

from django.db import transaction

from crm.models import Channel, ConsentStatus, Contact, Tenant
from crm.services.consent import consent_record
from messaging.links import UnsubscribeTarget


@transaction.atomic
def unsubscribe(*, tenant: Tenant, target: UnsubscribeTarget) -> Contact | None:
    """Stop marketing on the link's channel; messages about the customer's own jobs still go (a
    click on a survey's link must not cancel tomorrow's appointment reminder). None if the contact
    no longer exists."""
    contact = Contact.objects.filter(tenant=tenant, pk=target.contact_id).first()
    if contact is None or target.channel not in Channel.values:
        return None
    consent_record(
        tenant=tenant,
        contact=contact,
        channel=target.channel,
        status=ConsentStatus.NO_MARKETING,
        source="unsubscribe link",
    )
    return contact
