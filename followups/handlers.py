"""What stops a sequence, heard from the other apps (config/events.py subscribes these, in
order): the contact replied (on any channel, not an auto-reply), unsubscribed, their email
bounced, or the lead was won or lost. Each runs inside the transaction of what happened, so the
enrolment stops (with its reason) or not at all.
"""

from comms.events import EmailBounced
from crm.events import ConsentRecorded, CustomerWrote
from crm.models import Channel, ConsentStatus
from followups.sequences import enrolments_stop
from leads.events import LeadLost, LeadStageEntered
from leads.models import LeadStatus, LostReason
from tickets.models import MessageChannel


def sequences_stop_on_reply(event: CustomerWrote) -> None:
    if not event.awaits_answer:
        return  # an out-of-office or a STOP text is not an answer
    enrolments_stop(
        tenant=event.tenant,
        contact=event.ticket_contact,
        reason=f"Replied by {MessageChannel(event.channel).label} ({event.ticket_reference})",
    )


def sequences_stop_on_unsubscribe(event: ConsentRecorded) -> None:
    """Consent withdrawn on a channel stops every sequence of the contact (they asked us to
    stop); job messages only stops the sequences that send marketing."""
    if event.status not in (ConsentStatus.WITHDRAWN, ConsentStatus.NO_MARKETING):
        return
    marketing_only = event.status == ConsentStatus.NO_MARKETING
    what = "job messages only" if marketing_only else "consent withdrawn"
    enrolments_stop(
        tenant=event.tenant,
        contact=event.contact,
        marketing_only=marketing_only,
        reason=f"Unsubscribed: {Channel(event.channel).label} {what} ({event.source})",
    )


def sequences_stop_on_bounce(event: EmailBounced) -> None:
    message = event.message
    if message.contact_id is None:
        return
    enrolments_stop(
        tenant=event.tenant,
        contact=message.contact,
        reason=f"Email to {message.to_address} bounced",
    )


def sequences_stop_on_won(event: LeadStageEntered) -> None:
    lead = event.lead
    # Won by this very move (a won lead moving on, to "Paid" say, keeps its sequences).
    if lead.status == LeadStatus.WON and lead.won_at == lead.stage_entered_at:
        enrolments_stop(
            tenant=event.tenant, lead=lead, reason=f"The lead was won ({event.stage.name})"
        )


def sequences_stop_on_lost(event: LeadLost) -> None:
    reason = event.reason
    label = LostReason(reason).label if reason in LostReason.values else reason
    enrolments_stop(tenant=event.tenant, lead=event.lead, reason=f"The lead was lost ({label})")
