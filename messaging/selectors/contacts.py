"""Reads for the comms panel of a contact's page: consent per channel, the contact's own time
zone and update rhythm, a bounced address, and the latest messages with where each really is
(blocked, held back, failed, queued, sent) and why it has not gone.
A fixed number of queries whatever the contact's history."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.models import Channel, Contact, ContactConsent, Membership, Tenant
from leads.models import Lead, LeadStatus
from messaging.models import ContactCommsProfile, OutboundMessage
from messaging.redaction import secrets_hidden
from messaging.selectors.outbox import DeliveryState, delivery_state

RECENT_MESSAGES = 10


@dataclass(frozen=True)
class ConsentRow:
    channel: str
    label: str
    consent: ContactConsent | None


@dataclass(frozen=True)
class MessageRow:
    message: OutboundMessage
    what: str
    delivery: DeliveryState


@dataclass(frozen=True)
class ContactCommsPanel:
    contact: Contact
    consents: list[ConsentRow]
    profile: ContactCommsProfile | None
    messages: list[MessageRow]

    @property
    def bounced(self) -> bool:
        return self.profile is not None and self.profile.email_bounced_at is not None


def contact_get(*, tenant: Tenant, contact_id: int) -> Contact:
    return get_object_or_404(Contact.objects.filter(tenant=tenant), pk=contact_id)


def _message_row(message: OutboundMessage, now: dt.datetime) -> MessageRow:
    if message.template_id is not None and message.template is not None:
        what = message.template.name
    else:
        # (Never a sign-in link or code: messaging/redaction.py.)
        what = message.subject or secrets_hidden(message.body_text, source=message.source)[:80]
    return MessageRow(message=message, what=what, delivery=delivery_state(message, now))


def contact_comms_panel(*, tenant: Tenant, contact: Contact) -> ContactCommsPanel:
    now = timezone.now()
    consents = {
        consent.channel: consent
        for consent in ContactConsent.objects.filter(tenant=tenant, contact=contact)
    }
    messages = (
        OutboundMessage.objects.filter(tenant=tenant, contact=contact)
        .select_related("template")
        .defer("body_html", "context")
        .order_by("-created_at", "-id")[:RECENT_MESSAGES]
    )
    return ContactCommsPanel(
        contact=contact,
        consents=[
            ConsentRow(channel=channel.value, label=channel.label, consent=consents.get(channel))
            for channel in Channel
        ],
        profile=ContactCommsProfile.objects.filter(tenant=tenant, contact=contact).first(),
        messages=[_message_row(message, now) for message in messages],
    )


def may_change_contact_comms(*, tenant: Tenant, membership: Membership, contact: Contact) -> bool:
    """Managers and admins; a rep who works an open lead of the contact (theirs or unassigned,
    as leads.permissions.may_act_on allows). Recording a withdrawal needs none of this: anyone
    the customer tells "stop" must be able to write it down."""
    if membership.is_manager_or_admin:
        return True
    return Lead.objects.filter(
        Q(owner=membership) | Q(owner__isnull=True),
        tenant=tenant,
        contact=contact,
        status=LeadStatus.OPEN,
    ).exists()
