"""What followups does when a lower app publishes an event (config/events.py subscribes these, in
order). Each runs inside the transaction of what happened and writes rows only."""

from followups.services.lost_leads import follow_ups_close_for_lost_lead
from leads.events import LeadLost


def follow_ups_close_on_lost(event: LeadLost) -> None:
    """A lost lead's open and missed follow-ups close with it, recording why."""
    follow_ups_close_for_lost_lead(
        tenant=event.tenant, actor=event.actor, lead=event.lead, reason=event.reason
    )
