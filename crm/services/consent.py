"""Writes of a contact's consent per channel, and what follows from a withdrawal."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.events import ConsentRecorded, publish
from crm.kit.stored_text import stored_label
from crm.models import (
    Channel,
    ConsentStatus,
    Contact,
    ContactConsent,
    ContactEmail,
    ContactPhone,
    PhoneKind,
    Tenant,
    User,
)
from crm.services.timeline import timeline_record


@transaction.atomic
def consent_record(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: str,
    status: str,
    source: str,
    actor: User | None = None,
) -> ContactConsent:
    consent, _ = ContactConsent.objects.update_or_create(
        tenant=tenant,
        contact=contact,
        channel=channel,
        defaults={"status": status, "source": source, "recorded_at": timezone.now()},
    )
    summaries: dict[str, str] = {
        ConsentStatus.GRANTED: gettext_noop("%(channel)s consent given (%(source)s)"),
        ConsentStatus.NO_MARKETING: gettext_noop(
            "%(channel)s consent limited to job messages (%(source)s)"
        ),
    }
    summary = summaries.get(status, gettext_noop("%(channel)s consent withdrawn (%(source)s)"))
    timeline_record(
        tenant=tenant,
        kind="contact.consent",
        summary=summary,
        params={"channel": stored_label(Channel(channel).label), "source": source},
        actor=actor,
        contact=contact,
        detail={"channel": channel, "status": status, "source": source},
    )
    if status == ConsentStatus.WITHDRAWN and contact.preferred_channel == channel:
        _preferred_channel_move_off(tenant=tenant, contact=contact, withdrawn=channel)
    publish(
        ConsentRecorded(
            tenant=tenant, contact=contact, channel=channel, status=status, source=source
        )
    )
    return consent


# After a withdrawal, where a contact is reached first instead: an inbox, then a call (a STOP to
# texts is no invitation to WhatsApp), then the other phone channel.
PREFERRED_CHANNEL_FALLBACKS = (Channel.EMAIL, Channel.PHONE, Channel.WHATSAPP, Channel.SMS)


def _preferred_channel_move_off(*, tenant: Tenant, contact: Contact, withdrawn: str) -> None:
    """A preferred channel the customer has withdrawn from (a STOP text, a staff note) would
    leave their portal preferences refusing every save for a choice they never made, and the
    inbox offering a channel that may not be used. Moved to the first reachable channel whose
    consent stands; left as it is when there is none."""
    refused = set(
        ContactConsent.objects.filter(
            tenant=tenant, contact=contact, status=ConsentStatus.WITHDRAWN
        ).values_list("channel", flat=True)
    )
    phones = set(
        ContactPhone.objects.filter(tenant=tenant, contact=contact).values_list("kind", flat=True)
    )
    has_mobile = bool(phones - {PhoneKind.LANDLINE})
    reachable = {
        Channel.EMAIL: ContactEmail.objects.filter(tenant=tenant, contact=contact).exists(),
        Channel.PHONE: bool(phones),
        Channel.WHATSAPP: has_mobile,
        Channel.SMS: has_mobile,
    }
    instead = next(
        (
            channel
            for channel in PREFERRED_CHANNEL_FALLBACKS
            if channel != withdrawn and channel not in refused and reachable[channel]
        ),
        None,
    )
    if instead is None:
        return
    Contact.objects.filter(tenant=tenant, pk=contact.pk).update(
        preferred_channel=instead, updated_at=timezone.now()
    )
    contact.preferred_channel = instead
    timeline_record(
        tenant=tenant,
        kind="contact.preferred_channel",
        summary=gettext_noop(
            "Preferred channel %(before)s → %(after)s: %(before)s consent was withdrawn"
        ),
        params={
            "before": stored_label(Channel(withdrawn).label),
            "after": stored_label(Channel(instead).label),
        },
        contact=contact,
        detail={"from": withdrawn, "to": instead},
    )
