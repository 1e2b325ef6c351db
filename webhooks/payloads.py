"""The `data` of each event type: plain values and ids (never internal objects), documented in
docs/webhooks.md. Fields are only ever added, never renamed or removed
(a receiver may rely on them); a change of meaning would be a new event type.

No free text that erasure clears (crm.privacy: a customer's signed name, notes, a payment's
reference, a follow-up's subject) goes in: the body is stored in the delivery log, out of
erasure's reach, and sent to another system. A receiver reads those through the API by id."""

import datetime as dt
import json

from django.utils import timezone

from billing.models import Invoice
from billing.selectors.invoices import invoice_balance, shown_status
from crm.models import Tenant
from followups.models import FollowUp
from leads.models import Lead, Payment, Quote, Stage


def iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _money(value) -> str | None:
    return None if value is None else str(value)


def stage_data(stage: Stage | None) -> dict | None:
    if stage is None:
        return None
    return {"id": stage.pk, "name": stage.name, "is_won": stage.is_won, "is_lost": stage.is_lost}


def lead_data(tenant: Tenant, lead: Lead) -> dict:
    return {
        "id": lead.pk,
        "reference": lead.reference,
        "title": lead.title,
        "status": lead.status,
        "pipeline_id": lead.pipeline_id,
        "stage": stage_data(lead.stage),
        "contact_id": lead.contact_id,
        "owner_user_id": lead.owner.user_id if lead.owner_id else None,
        "source": lead.source.name if lead.source_id else None,
        "estimated_value": _money(lead.estimated_value),
        "currency": tenant.currency,
        "lost_reason": lead.lost_reason or None,
        "created_at": iso(lead.created_at),
        "won_at": iso(lead.won_at),
        "closed_at": iso(lead.closed_at),
    }


def quote_data(tenant: Tenant, quote: Quote) -> dict:
    return {
        "id": quote.pk,
        "reference": quote.reference,
        "lead_id": quote.lead_id,
        "title": quote.title,
        "status": quote.status,
        "total": _money(quote.total),
        "currency": tenant.currency,
        "valid_until": quote.valid_until.isoformat(),
        "decided_at": iso(quote.decided_at),
    }


def payment_data(tenant: Tenant, payment: Payment) -> dict:
    return {
        "id": payment.pk,
        "lead_id": payment.lead_id,
        "kind": payment.kind,
        "amount": _money(payment.amount),
        "currency": tenant.currency,
        "method": payment.method,
        "received_on": payment.received_on.isoformat(),
        "recorded_by_user_id": payment.recorded_by_id,
        "recorded_at": iso(payment.recorded_at),
    }


def follow_up_data(follow_up: FollowUp) -> dict:
    return {
        "id": follow_up.pk,
        "type": follow_up.type.name,
        "outcome": follow_up.outcome,
        "scheduled_at": iso(follow_up.scheduled_at),
        "completed_at": iso(follow_up.completed_at),
        "assignee_user_id": follow_up.assignee.user_id,
        "contact_id": follow_up.contact_id,
        "lead_id": follow_up.lead_id,
        "ticket_id": follow_up.ticket_id,
    }


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def invoice_data(tenant: Tenant, invoice: Invoice) -> dict:
    """An invoice or credit note with its balance (billing.selectors.invoices, as the lead page
    and the API read it). `status` is as people read it: an open invoice past its due date is
    `overdue`. No title or void reason: staff's free text, read through the API by id."""
    figures = invoice_balance(tenant=tenant, invoice=invoice)
    return {
        "id": invoice.pk,
        "number": invoice.number or None,
        "series": invoice.series,
        "lead_id": invoice.lead_id,
        "contact_id": invoice.lead.contact_id,
        "quote_id": invoice.quote_id,
        "credits_invoice_id": invoice.credits_id,
        "status": shown_status(invoice, tenant.today()),
        "currency": invoice.currency,
        "subtotal": _money(invoice.subtotal),
        "tax_total": _money(invoice.tax_total),
        "total": _money(invoice.total),
        "paid": _money(figures.paid),
        "balance": _money(figures.balance),
        "issued_on": _date(invoice.issued_on),
        "due_on": _date(invoice.due_on),
        "sent_at": iso(invoice.sent_at),
        "voided_at": iso(invoice.voided_at),
    }


def body(event_type: str, data: dict, *, at: dt.datetime | None = None) -> str:
    """The JSON sent, as stored and signed: {"type", "timestamp", "data"}."""
    return json.dumps(
        {"type": event_type, "timestamp": iso(at or timezone.now()), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )
