"""What the leads do when the rest of the app publishes an event (config/events.py subscribes
these, in order). Each runs inside the publisher's transaction."""

from crm.events import CustomerWrote
from leads.models import Lead, LeadStatus


def customer_reply_record(event: CustomerWrote) -> None:
    """The customer's live leads remember when they last answered (time triggers that wait for
    silence read it)."""
    if not event.awaits_answer:
        return
    Lead.objects.filter(
        tenant=event.tenant, contact=event.contact, status__in=(LeadStatus.OPEN, LeadStatus.WON)
    ).update(last_customer_reply_at=event.received_at)
