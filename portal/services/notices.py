"""The portal's own messages to a customer (sign-in links and codes, invitations, verification
codes, checklist reminders), through the comms outbox in the customer's brand: the brand of the
job the message is about, else that of their most recent job (leads.selectors.brands)."""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import translation

from crm.kit.languages import contact_language
from crm.models import Contact, Tenant, User
from leads.models import Lead
from leads.selectors.brands import contact_brand
from messaging.models import OutboundMessage, Purpose
from messaging.services.outbox import message_schedule
from portal.models import ChallengeChannel


def portal_message_schedule(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: str,
    source: str,
    template: str,
    context: dict,
    idempotency_key: str,
    to_address: str = "",
    actor: User | None = None,
    lead: Lead | None = None,
    now: dt.datetime,
) -> OutboundMessage:
    """One of the portal's own messages (templates/portal/messages/<template>_subject.txt,
    _email.txt, _sms.txt) through the outbox, in the brand of `lead` (the job it is about), else
    of the contact's most recent job. With `to_address` it goes to that address (one the customer
    has just given or proved), else to their primary one."""
    brand = contact_brand(tenant=tenant, contact=contact, lead=lead)
    context = {
        **context,
        "business": brand.name if brand else tenant.name,
        "first_name": contact.first_name or contact.display_name,
    }
    is_email = channel == ChallengeChannel.EMAIL
    # In the customer's language (crm.kit.languages): a sign-in link asked for from a Dutch
    # browser still goes out in the language the contact reads.
    with translation.override(contact_language(contact, tenant)):
        subject = (
            render_to_string(f"portal/messages/{template}_subject.txt", context).strip()
            if is_email
            else ""
        )
        body_text = render_to_string(
            f"portal/messages/{template}_{'email' if is_email else 'sms'}.txt", context
        ).strip()
    extra: dict[str, object] = {"answer_sender": True} if to_address else {}
    if is_email and brand and brand.reply_to_email:
        extra["reply_to"] = brand.reply_to_email
    return message_schedule(
        tenant=tenant,
        channel=channel,
        source=source,
        purpose=Purpose.TRANSACTIONAL,
        idempotency_key=idempotency_key,
        contact=contact,
        brand=brand,
        subject=subject,
        body_text=body_text,
        to_address=to_address,
        context=extra,
        created_by=actor,
        now=now,
    )
