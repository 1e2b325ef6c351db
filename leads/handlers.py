"""What the leads do when the rest of the app publishes an event (config/events.py subscribes
these, in order). Each runs inside the publisher's transaction."""

from crm.events import CustomerWrote
from leads.services.activity import leads_record_customer_reply


def customer_reply_record(event: CustomerWrote) -> None:
    """The customer's live leads remember when they last answered (time triggers that wait for
    silence read it)."""
    if not event.awaits_answer:
        return
    leads_record_customer_reply(
        tenant=event.tenant, contact=event.contact, received_at=event.received_at
    )
