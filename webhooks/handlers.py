"""What outbound webhooks do when the rest of the app publishes an event (config/events.py lists
them): write a delivery row per subscribed endpoint, inside the publisher's transaction. Nothing
here calls out; the sweep sends once the rows have committed."""

from billing.events import (
    InvoiceOverdue,
    InvoicePaid,
    InvoicePaymentFailed,
    InvoicePaymentRefunded,
    InvoiceSent,
    InvoiceVoided,
)
from billing.selectors.invoices import invoice_latest_payment_id
from crm.events import CustomerWrote
from crm.models import Tenant
from followups.events import FollowUpCompleted
from leads.events import (
    LeadCreated,
    LeadLost,
    LeadStageEntered,
    LeadWon,
    PaymentRecorded,
    QuoteAccepted,
    QuoteDeclined,
)
from webhooks import payloads
from webhooks.models import EventType
from webhooks.selectors.endpoints import endpoints_subscribed
from webhooks.services.deliveries import deliveries_schedule


def _schedule(tenant: Tenant, event_type: str, event_key: str, data) -> None:
    """`data` is a function: the payload is built only when an endpoint listens."""
    endpoints = endpoints_subscribed(tenant=tenant, event_type=event_type)
    if not endpoints:
        return
    deliveries_schedule(
        tenant=tenant,
        event_type=event_type,
        event_key=event_key,
        body=payloads.body(event_type, data()),
        endpoints=endpoints,
    )


def lead_created_deliver(event: LeadCreated) -> None:
    lead = event.lead
    _schedule(
        event.tenant,
        EventType.LEAD_CREATED,
        f"lead.created:{lead.pk}",
        lambda: {"lead": payloads.lead_data(event.tenant, lead)},
    )


def lead_stage_changed_deliver(event: LeadStageEntered) -> None:
    lead = event.lead
    _schedule(
        event.tenant,
        EventType.LEAD_STAGE_CHANGED,
        f"lead.stage_changed:{lead.pk}:{event.stage.pk}:{lead.stage_entered_at.isoformat()}",
        lambda: {
            "lead": payloads.lead_data(event.tenant, lead),
            "stage": payloads.stage_data(event.stage),
            "previous_stage": payloads.stage_data(event.previous_stage),
            "actor_user_id": event.actor.pk if event.actor else None,
        },
    )


def lead_won_deliver(event: LeadWon) -> None:
    lead = event.lead
    won_at = lead.won_at.isoformat() if lead.won_at else ""
    _schedule(
        event.tenant,
        EventType.LEAD_WON,
        f"lead.won:{lead.pk}:{won_at}",
        lambda: {"lead": payloads.lead_data(event.tenant, lead)},
    )


def lead_lost_deliver(event: LeadLost) -> None:
    lead = event.lead
    closed_at = lead.closed_at.isoformat() if lead.closed_at else ""
    _schedule(
        event.tenant,
        EventType.LEAD_LOST,
        f"lead.lost:{lead.pk}:{closed_at}",
        lambda: {"lead": payloads.lead_data(event.tenant, lead), "reason": event.reason},
    )


def quote_accepted_deliver(event: QuoteAccepted) -> None:
    _schedule(
        event.tenant,
        EventType.QUOTE_ACCEPTED,
        f"quote.accepted:{event.quote.pk}",
        lambda: {"quote": payloads.quote_data(event.tenant, event.quote)},
    )


def quote_declined_deliver(event: QuoteDeclined) -> None:
    quote = event.quote
    _schedule(
        event.tenant,
        EventType.QUOTE_DECLINED,
        f"quote.declined:{quote.pk}",
        lambda: {"quote": payloads.quote_data(event.tenant, quote), "reason": event.reason},
    )


def payment_recorded_deliver(event: PaymentRecorded) -> None:
    _schedule(
        event.tenant,
        EventType.PAYMENT_RECORDED,
        f"payment.recorded:{event.payment.pk}",
        lambda: {"payment": payloads.payment_data(event.tenant, event.payment)},
    )


def message_received_deliver(event: CustomerWrote) -> None:
    key = (
        f"message.received:{event.message_id}"
        if event.message_id is not None
        else f"message.received:{event.ticket_id}:{event.received_at.isoformat()}"
    )
    _schedule(
        event.tenant,
        EventType.MESSAGE_RECEIVED,
        key,
        lambda: {
            "message_id": event.message_id,
            "ticket_id": event.ticket_id,
            "ticket_reference": event.ticket_reference,
            "contact_id": event.contact.pk,
            "channel": event.channel,
            "received_at": payloads.iso(event.received_at),
            "awaits_answer": event.awaits_answer,
        },
    )


def follow_up_completed_deliver(event: FollowUpCompleted) -> None:
    _schedule(
        event.tenant,
        EventType.FOLLOW_UP_COMPLETED,
        f"follow_up.completed:{event.follow_up.pk}",
        lambda: {"follow_up": payloads.follow_up_data(event.follow_up)},
    )


def invoice_sent_deliver(event: InvoiceSent) -> None:
    """The first sending only: sending again changes nothing a receiver keeps."""
    if not event.first_time:
        return
    invoice = event.invoice
    _schedule(
        event.tenant,
        EventType.INVOICE_SENT,
        f"invoice.sent:{invoice.pk}",
        lambda: {"invoice": payloads.invoice_data(event.tenant, invoice)},
    )


def invoice_paid_deliver(event: InvoicePaid) -> None:
    invoice = event.invoice
    # Paid again after a refund reopened it: its latest payment tells the two apart.
    latest = invoice_latest_payment_id(tenant=event.tenant, invoice=invoice)
    _schedule(
        event.tenant,
        EventType.INVOICE_PAID,
        f"invoice.paid:{invoice.pk}:{latest}",
        lambda: {"invoice": payloads.invoice_data(event.tenant, invoice)},
    )


def invoice_overdue_deliver(event: InvoiceOverdue) -> None:
    """Once per due date."""
    invoice = event.invoice
    _schedule(
        event.tenant,
        EventType.INVOICE_OVERDUE,
        f"invoice.overdue:{invoice.pk}:{invoice.due_on}",
        lambda: {"invoice": payloads.invoice_data(event.tenant, invoice)},
    )


def invoice_voided_deliver(event: InvoiceVoided) -> None:
    invoice, credit_note = event.invoice, event.credit_note
    _schedule(
        event.tenant,
        EventType.INVOICE_VOIDED,
        f"invoice.voided:{invoice.pk}",
        lambda: {
            "invoice": payloads.invoice_data(event.tenant, invoice),
            "credit_note": payloads.invoice_data(event.tenant, credit_note)
            if credit_note
            else None,
        },
    )


def payment_failed_deliver(event: InvoicePaymentFailed) -> None:
    invoice = event.invoice
    _schedule(
        event.tenant,
        EventType.PAYMENT_FAILED,
        f"payment.failed:{invoice.pk}:{event.attempt}",
        lambda: {
            "invoice": payloads.invoice_data(event.tenant, invoice),
            "amount": str(event.amount),
            "currency": event.currency,
            "attempt_id": event.attempt,
        },
    )


def payment_refunded_deliver(event: InvoicePaymentRefunded) -> None:
    _schedule(
        event.tenant,
        EventType.PAYMENT_REFUNDED,
        f"payment.refunded:{event.refund.pk}",
        lambda: {
            "payment": payloads.payment_data(event.tenant, event.refund),
            "invoice": payloads.invoice_data(event.tenant, event.invoice),
        },
    )
