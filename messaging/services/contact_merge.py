"""Merging two contacts (crm.services.merge): the merged contact's messaging profile."""

from crm.privacy import MergeScope
from crm.services.merge import one_per_contact_pair
from messaging.models import ContactCommsProfile, UpdateFrequency


def comms_profile_merge(scope: MergeScope) -> None:
    """One profile per contact: the survivor's stays, taking what only the merged one knew (a
    time zone, an update rhythm, a bounce, the last WhatsApp message); without one of its own,
    the survivor takes the merged contact's."""
    pair = one_per_contact_pair(ContactCommsProfile.objects.filter(tenant=scope.tenant), scope)
    if pair is None:
        return
    own, theirs = pair
    if not own.time_zone:
        own.time_zone = theirs.time_zone
    if own.update_frequency == UpdateFrequency.DEFAULT:
        own.update_frequency = theirs.update_frequency
    if theirs.email_bounced_at and (
        own.email_bounced_at is None or theirs.email_bounced_at > own.email_bounced_at
    ):
        own.email_bounced_at, own.bounced_email = theirs.email_bounced_at, theirs.bounced_email
    windows = [at for at in (own.last_whatsapp_inbound_at, theirs.last_whatsapp_inbound_at) if at]
    own.last_whatsapp_inbound_at = max(windows) if windows else None
    own.save()
    theirs.delete()
