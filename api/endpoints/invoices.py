"""Invoices and credit notes (list, get, make from an accepted quote, send, void) and the payments
recorded against them (list, get, record), through the services of the invoice pages: the same
numbering, balance, refusals and timeline."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.lookups import named_in_body
from api.schemas import (
    MAX_LIMIT,
    READ_ERRORS,
    WRITE_ERRORS,
    Body,
    BodyInt,
    IsoDate,
    IsoDateTime,
    page,
)
from billing.models import Invoice, InvoicePayment, InvoiceStatus, ScheduleKind, Series
from billing.selectors import invoices as selectors
from billing.services import invoices as services
from billing.services.payments import invoice_apply_payment
from leads.models import PaymentKind, PaymentMethod

router = Router()
payments_router = Router()

ShownStatus = Literal[*InvoiceStatus.values, "overdue"]  # type: ignore[valid-type]


class InvoiceLineOut(Schema):
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal = Field(description="Before tax.")
    tax_name: str
    tax_percent: Decimal
    tax_amount: Decimal


class InvoicePaymentOut(Schema):
    id: int = Field(description="The payment's id (as in a lead's money).")
    invoice_id: int
    kind: PaymentKind = Field(description="`refund`: money given back.")
    amount: Decimal
    currency: str
    method: PaymentMethod
    reference: str
    received_on: dt.date
    recorded_at: dt.datetime


class InvoiceOut(Schema):
    id: int
    number: str | None = Field(description="Given when it is first sent; null for a draft.")
    series: Series
    status: ShownStatus = Field(description="`overdue`: sent or partly paid and past its due date.")
    lead_id: int
    contact_id: int
    quote_id: int | None
    schedule_kind: ScheduleKind | None = Field(
        description="The quote's instalment it bills; null: made by hand."
    )
    credits_invoice_id: int | None = Field(description="A credit note's invoice.")
    title: str
    language: str
    currency: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    paid: Decimal = Field(description="Payments less refunds.")
    refunded: Decimal
    balance: Decimal = Field(description="What is left to pay; 0 for a void invoice.")
    issued_on: dt.date | None
    due_on: dt.date | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str
    updated_at: dt.datetime


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]
    payments: list[InvoicePaymentOut]


class InvoicePage(Schema):
    results: list[InvoiceOut]
    next_cursor: str | None


class InvoicePaymentPage(Schema):
    results: list[InvoicePaymentOut]
    next_cursor: str | None


class Voided(Schema):
    invoice: InvoiceDetailOut
    credit_note: InvoiceDetailOut | None = Field(
        description="Issued when something had been paid on the invoice."
    )


def invoice_out(invoice: Invoice, figures: selectors.InvoiceBalance, status: str) -> dict:
    return {
        "id": invoice.pk,
        "number": invoice.number or None,
        "series": invoice.series,
        "status": status,
        "lead_id": invoice.lead_id,
        "contact_id": invoice.lead.contact_id,
        "quote_id": invoice.quote_id,
        "schedule_kind": invoice.schedule_kind or None,
        "credits_invoice_id": invoice.credits_id,
        "title": invoice.title,
        "language": invoice.language,
        "currency": invoice.currency,
        "subtotal": invoice.subtotal,
        "tax_total": invoice.tax_total,
        "total": invoice.total,
        "paid": figures.paid,
        "refunded": figures.refunded,
        "balance": figures.balance,
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
        "created_at": invoice.created_at,
        "sent_at": invoice.sent_at,
        "voided_at": invoice.voided_at,
        "void_reason": invoice.void_reason,
        "updated_at": invoice.updated_at,
    }


def payment_out(link: InvoicePayment) -> dict:
    payment = link.payment
    return {
        "id": payment.pk,
        "invoice_id": link.invoice_id,
        "kind": payment.kind,
        "amount": payment.amount,
        "currency": link.invoice.currency,
        "method": payment.method,
        "reference": payment.reference,
        "received_on": payment.received_on,
        "recorded_at": payment.recorded_at,
    }


def _detail(tenant, invoice_id: int) -> dict:
    invoice = selectors.invoice_get(tenant=tenant, invoice_id=invoice_id)
    paid_by = selectors.invoice_payments(tenant=tenant, invoice=invoice)
    figures = selectors.invoice_balance(tenant=tenant, invoice=invoice)
    return {
        **invoice_out(invoice, figures, selectors.shown_status(invoice, tenant.today())),
        "lines": list(invoice.lines.all()),
        "payments": [
            {
                "id": payment.pk,
                "invoice_id": invoice.pk,
                "kind": payment.kind,
                "amount": payment.amount,
                "currency": invoice.currency,
                "method": payment.method,
                "reference": payment.reference,
                "received_on": payment.received_on,
                "recorded_at": payment.recorded_at,
            }
            for payment in paid_by
        ],
    }


class InvoiceListParams(Schema):
    status: ShownStatus | Literal["open"] | None = Field(
        None, description="`open`: sent or partly paid; `overdue`: open past its due date."
    )
    lead: int | None = Field(None, description="A lead's invoices.")
    updated_since: IsoDateTime | None = Field(
        None, description="Changed at or after this moment, e.g. 2030-01-31T09:00Z."
    )
    order: Literal["newest", "updated"] = Field(
        "newest", description="`updated`: by last change, oldest first (to sync)."
    )
    cursor: str | None = None
    limit: int = Query(50, ge=1, le=MAX_LIMIT)


def _in_utc(moment: dt.datetime, zone) -> dt.datetime:
    """The filter's moment in UTC (without an offset: in the team's time zone). PostgreSQL
    takes offsets up to ±15:59 only, and a moment at the calendar's edge has no UTC time."""
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, zone)
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationError({"updated_since": [_("Enter a valid date/time.")]}) from None


@router.get("", response={200: InvoicePage, **READ_ERRORS}, summary="List invoices")
def invoice_index(request, params: Query[InvoiceListParams]):
    """Invoices and credit notes with their balances, newest first unless ordered by change. A
    fixed number of queries per page whatever its length."""
    keyset, rows = selectors.invoice_page(
        tenant=request.tenant,
        query=selectors.InvoiceQuery(
            status=params.status or "",
            lead_id=params.lead,
            updated_since=_in_utc(params.updated_since, request.tenant.zone)
            if params.updated_since
            else None,
            order=params.order,
        ),
        after=params.cursor,
        per_page=params.limit,
    )
    return page(keyset, [invoice_out(row.invoice, row.figures, row.status) for row in rows])


class FromQuote(Body):
    quote_id: BodyInt


@router.post(
    "from-quote",
    response={201: list[InvoiceDetailOut], **WRITE_ERRORS},
    summary="Make invoices from a quote",
)
def invoices_from_quote(request, payload: FromQuote):
    """An accepted quote's payment schedule as draft invoices (deposit, progress, final), as the
    lead page's button does; a quote already invoiced (not void) is refused. Declared before
    `{invoice_id}`, whose pattern would take this address too."""
    tenant = request.tenant
    quote = named_in_body(
        lambda: selectors.quote_to_invoice_get(tenant=tenant, quote_id=payload.quote_id),
        "quote_id",
    )
    made = services.invoices_create_from_quote(tenant=tenant, actor=request.actor, quote=quote)
    return Status(201, [_detail(tenant, invoice.pk) for invoice in made])


@router.get(
    "{invoice_id}", response={200: InvoiceDetailOut, **READ_ERRORS}, summary="Get an invoice"
)
def invoice_detail(request, invoice_id: int):
    """With its lines, its payments and refunds, and its balance."""
    return _detail(request.tenant, invoice_id)


@router.post("{invoice_id}/send", response={200: InvoiceDetailOut, **WRITE_ERRORS}, summary="Send")
def invoice_send(request, invoice_id: int):
    """Emails the customer the invoice with its PDF and link, through the outbox, as the invoice
    page's Send; the first time it is given its number and due date. A sent invoice is sent
    again, at most 3 times in 10 minutes (the invoice page's Send counts too), and a key sends at
    most 30 invoices in 10 minutes: past either, 429. Send an Idempotency-Key: a repeated request
    with it sends once."""
    tenant = request.tenant
    invoice = selectors.invoice_get(tenant=tenant, invoice_id=invoice_id)
    refusal = services.invoice_send_refusal(
        tenant=tenant, invoice=invoice, sender=f"api-key:{request.api_key.pk}"
    )
    if refusal:
        too_many = JsonResponse({"detail": refusal}, status=429)
        too_many["Retry-After"] = str(int(services.SEND_WINDOW.total_seconds()))
        return too_many
    services.invoice_send(tenant=tenant, actor=request.actor, invoice=invoice)
    return _detail(tenant, invoice_id)


class VoidIn(Body):
    reason: str = Field("", max_length=300)


@router.post("{invoice_id}/void", response={200: Voided, **WRITE_ERRORS}, summary="Void")
def invoice_void(request, invoice_id: int, payload: VoidIn):
    """Before any payment the invoice is simply void; after one, a credit note with its own
    number cancels it. Voiding it again is refused."""
    tenant = request.tenant
    invoice = selectors.invoice_get(tenant=tenant, invoice_id=invoice_id)
    credit = services.invoice_void(
        tenant=tenant, actor=request.actor, invoice=invoice, reason=payload.reason
    )
    return {
        "invoice": _detail(tenant, invoice_id),
        "credit_note": _detail(tenant, credit.pk) if credit else None,
    }


class PaymentListParams(Schema):
    cursor: str | None = None
    limit: int = Query(50, ge=1, le=MAX_LIMIT)


@router.get(
    "{invoice_id}/payments",
    response={200: InvoicePaymentPage, **READ_ERRORS},
    summary="An invoice's payments",
)
def invoice_payment_index(request, invoice_id: int, params: Query[PaymentListParams]):
    tenant = request.tenant
    invoice = selectors.invoice_get(tenant=tenant, invoice_id=invoice_id)
    keyset = selectors.invoice_payment_page(
        tenant=tenant, invoice=invoice, after=params.cursor, per_page=params.limit
    )
    return page(keyset, [payment_out(link) for link in keyset.items])


class InvoicePaymentIn(Body):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(
        min_length=3, max_length=3, description="Must be the invoice's, e.g. USD or EUR."
    )
    method: PaymentMethod
    received_on: IsoDate | None = Field(None, description="Empty: today, in the team's time zone.")
    reference: str = Field("", max_length=100, description="Empty: the invoice's number.")


@router.post(
    "{invoice_id}/payments",
    response={201: InvoiceDetailOut, **WRITE_ERRORS},
    summary="Record a payment",
)
def invoice_payment_new(request, invoice_id: int, payload: InvoicePaymentIn):
    """As the invoice page's Record payment: never more than the balance nor in another
    currency (refused with the figures); paid in full marks the invoice paid."""
    tenant = request.tenant
    invoice = selectors.invoice_get(tenant=tenant, invoice_id=invoice_id)
    today = timezone.localdate(timezone=tenant.zone)
    if payload.received_on and payload.received_on > today:
        raise ValidationError({"received_on": [_("The date cannot be in the future.")]})
    invoice_apply_payment(
        tenant=tenant,
        actor=request.actor,
        invoice=invoice,
        amount=payload.amount,
        currency=payload.currency,
        method=payload.method,
        received_on=payload.received_on or today,
        reference=payload.reference,
    )
    return Status(201, _detail(tenant, invoice_id))


@payments_router.get(
    "", response={200: InvoicePaymentPage, **READ_ERRORS}, summary="List invoice payments"
)
def payment_index(request, params: Query[PaymentListParams]):
    """Every payment and refund recorded against an invoice, newest first."""
    keyset = selectors.invoice_payment_page(
        tenant=request.tenant, invoice=None, after=params.cursor, per_page=params.limit
    )
    return page(keyset, [payment_out(link) for link in keyset.items])


@payments_router.get(
    "{payment_id}", response={200: InvoicePaymentOut, **READ_ERRORS}, summary="Get a payment"
)
def payment_detail(request, payment_id: int):
    return payment_out(selectors.invoice_payment_get(tenant=request.tenant, payment_id=payment_id))
