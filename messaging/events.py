"""What messaging tells the apps above (config/events.py lists who hears it, in order).
Published inside the transaction of the change."""

from dataclasses import dataclass

from crm.models import Contact, Tenant
from messaging.models import OutboundMessage


@dataclass(frozen=True)
class EmailBounced:
    """An email hard-bounced: its address is marked bad."""

    tenant: Tenant
    message: OutboundMessage


@dataclass(frozen=True)
class UpdateIntervalChanged:
    """The tenant changed how often active jobs send their customer an update."""

    tenant: Tenant


@dataclass(frozen=True)
class ContactUpdateFrequencyChanged:
    """A contact's own choice of how often they hear about their jobs changed."""

    tenant: Tenant
    contact: Contact
