"""What the gateway tells the apps above it about a checkout session (crm.events.publish;
subscribers in config/events.py). Published inside the transaction that processed the
provider's event, once per change whatever order or how often the provider sends its events.
`session.reference` is the caller's own name for what was paid ("invoice:42")."""

from dataclasses import dataclass
from decimal import Decimal

from crm.models import Tenant
from gateway.models import CheckoutSession


@dataclass(frozen=True)
class CheckoutPaid:
    """The session was paid in full: `amount` in `currency`."""

    tenant: Tenant
    session: CheckoutSession
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class CheckoutFailed:
    """The session ended unpaid: `reason` is "failed" (the payment was declined or a delayed
    method failed) or "expired" (nobody paid in time)."""

    tenant: Tenant
    session: CheckoutSession
    reason: str


@dataclass(frozen=True)
class CheckoutRefunded:
    """The provider refunded `amount` more of a paid session: `amount_refunded` in all."""

    tenant: Tenant
    session: CheckoutSession
    amount: Decimal
    amount_refunded: Decimal
    currency: str
