"""What the leads do when the rest of the app publishes an event (config/events.py subscribes
these, in order). Each runs inside the publisher's transaction."""

from crm.events import ContactChanged, CustomerWrote
from leads.services.activity import leads_record_customer_reply
from leads.services.leads import leads_refresh_search_of_contact


def customer_reply_record(event: CustomerWrote) -> None:
    """The customer's live leads remember when they last answered (time triggers that wait for
    silence read it)."""
    if not event.awaits_answer:
        return
    leads_record_customer_reply(
        tenant=event.tenant, contact=event.contact, received_at=event.received_at
    )


def contact_leads_reindex(event: ContactChanged) -> None:
    """A contact's leads are found by its name, emails and phones: re-index them after an edit
    or a merge."""
    leads_refresh_search_of_contact(tenant=event.tenant, contact=event.contact)
