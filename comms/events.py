"""What the outbox tells the apps above (config/events.py lists who hears it, in order).
Published inside the transaction of the change."""

from dataclasses import dataclass

from comms.models import OutboundMessage
from crm.models import Tenant


@dataclass(frozen=True)
class EmailBounced:
    """An email hard-bounced: its address is marked bad."""

    tenant: Tenant
    message: OutboundMessage
