"""What a lead's life tells the apps above (config/events.py lists who hears it, in order).
Published inside the transaction of the change, carrying the very rows the service holds."""

from dataclasses import dataclass

from crm.models import Brand, Tenant, User
from leads.models import Lead, Payment, Quote, Stage


@dataclass(frozen=True)
class LeadCreated:
    """A new lead, from any route (form, import, staff)."""

    tenant: Tenant
    lead: Lead
    actor: User | None


@dataclass(frozen=True)
class LeadStageEntered:
    """A lead entered a stage (created in it, moved, reopened)."""

    tenant: Tenant
    lead: Lead
    stage: Stage
    previous_stage: Stage | None
    actor: User | None


@dataclass(frozen=True)
class LeadRegrouped:
    """A lead moved to another pipeline or brand: figures kept per pipeline and brand (the
    dashboard's team days) count its follow-ups and its tickets' SLA events again."""

    tenant: Tenant
    lead: Lead


@dataclass(frozen=True)
class LeadWon:
    """A lead was won: it entered a won stage, or its quote was accepted where the pipeline names
    no stage for that. Published once per win (a lost lead reopened into a won one is not won
    again)."""

    tenant: Tenant
    lead: Lead
    actor: User | None


@dataclass(frozen=True)
class LeadLost:
    """A lead was marked lost or its quote rejected; `reason` is a LostReason value."""

    tenant: Tenant
    lead: Lead
    reason: str
    actor: User | None


@dataclass(frozen=True)
class QuoteSent:
    """A quote went to the customer, first time or again: its email, written from the quote, is
    ready for the outbox. `idempotency_key` tells one sending from the next."""

    tenant: Tenant
    quote: Quote
    brand: Brand | None
    subject: str
    body_text: str
    idempotency_key: str
    actor: User


@dataclass(frozen=True)
class QuoteAccepted:
    """The customer accepted a quote: what was scheduled to chase it (the follow-ups of the stage
    a sent quote moves leads to) has lost its reason. Published before the lead moves on."""

    tenant: Tenant
    quote: Quote
    actor: User | None


@dataclass(frozen=True)
class QuoteDeclined:
    """The customer declined a quote; `reason` is a LostReason value. Published before the lead
    is marked lost (if no other quote is still open)."""

    tenant: Tenant
    quote: Quote
    reason: str


@dataclass(frozen=True)
class PaymentRecorded:
    """A payment was recorded against a won job."""

    tenant: Tenant
    payment: Payment
    actor: User | None
