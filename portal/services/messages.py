"""What a customer writes on the portal's Messages page.

It goes the way every inbound message goes (tickets/services/ingest.py): stored as an inbound
event under a key made from the form's nonce (a double submit stores one message), then threaded
into the contact's ticket. It is processed here, in the request, so the customer sees it in the
thread at once; the task the store enqueues then finds it done. A failure leaves the event to the
inbound sweep, like any other.
"""

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.auth import PortalCustomer
from portal.selectors.messages import portal_writing_contact
from tickets.services.ingest import inbound_event_process, portal_message_store

MESSAGE_MAX_CHARS = 5000


def portal_message_send(*, customer: PortalCustomer, body: str, nonce: str) -> bool:
    """Store and thread the customer's message. Returns False when this form was already sent
    (the same nonce): nothing is stored twice."""
    body = body.strip()
    if not body:
        raise ValidationError(_("Write your message first."))
    if len(body) > MESSAGE_MAX_CHARS:
        raise ValidationError(
            _("A message can be at most %(limit)s characters long.")
            % {"limit": number_format(MESSAGE_MAX_CHARS, force_grouping=True)}
        )
    contact = portal_writing_contact(customer)
    stored = portal_message_store(
        tenant=customer.tenant, contact=contact, body=body, key=f"{contact.pk}:{nonce}"
    )
    if not stored.created or stored.event_id is None:
        return False
    inbound_event_process(tenant=customer.tenant, event_id=stored.event_id)
    return True
