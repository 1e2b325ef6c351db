"""What stops a sequence, heard from the other apps: the contact replied (on any channel, not an
auto-reply), unsubscribed, their email bounced, or the lead was won or lost. Each signal is sent
inside the transaction of what happened, so the enrolment stops (with its reason) or not at all.
"""

from django.dispatch import receiver

from comms.signals import email_bounced
from crm.models import Channel, ConsentStatus
from crm.signals import consent_recorded
from followups.sequences import enrolments_stop
from leads.models import LeadStatus, LostReason
from leads.signals import lead_lost, lead_stage_entered
from tickets.signals import customer_message_received


@receiver(customer_message_received, dispatch_uid="followups-stop-on-reply")
def stop_sequences_on_reply(sender, *, tenant, ticket, message, **kwargs):
    if message.is_auto_reply:
        return  # an out-of-office is not an answer
    enrolments_stop(
        tenant=tenant,
        contact=ticket.contact,
        reason=f"Replied by {message.get_channel_display()} ({ticket.reference})",
    )


@receiver(consent_recorded, dispatch_uid="followups-stop-on-unsubscribe")
def stop_sequences_on_unsubscribe(sender, *, tenant, contact, channel, status, source, **kwargs):
    """Consent withdrawn on a channel stops every sequence of the contact (they asked us to
    stop); job messages only stops the sequences that send marketing."""
    if status not in (ConsentStatus.WITHDRAWN, ConsentStatus.NO_MARKETING):
        return
    marketing_only = status == ConsentStatus.NO_MARKETING
    what = "job messages only" if marketing_only else "consent withdrawn"
    enrolments_stop(
        tenant=tenant,
        contact=contact,
        marketing_only=marketing_only,
        reason=f"Unsubscribed: {Channel(channel).label} {what} ({source})",
    )


@receiver(email_bounced, dispatch_uid="followups-stop-on-bounce")
def stop_sequences_on_bounce(sender, *, tenant, message, **kwargs):
    if message.contact_id is None:
        return
    enrolments_stop(
        tenant=tenant, contact=message.contact, reason=f"Email to {message.to_address} bounced"
    )


@receiver(lead_stage_entered, dispatch_uid="followups-stop-on-won")
def stop_sequences_on_won(sender, *, tenant, lead, stage, **kwargs):
    # Won by this very move (a won lead moving on, to "Paid" say, keeps its sequences).
    if lead.status == LeadStatus.WON and lead.won_at == lead.stage_entered_at:
        enrolments_stop(tenant=tenant, lead=lead, reason=f"The lead was won ({stage.name})")


@receiver(lead_lost, dispatch_uid="followups-stop-on-lost")
def stop_sequences_on_lost(sender, *, tenant, lead, reason, **kwargs):
    label = LostReason(reason).label if reason in LostReason.values else reason
    enrolments_stop(tenant=tenant, lead=lead, reason=f"The lead was lost ({label})")
