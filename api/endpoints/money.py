"""A lead's quotes (read, draft, send) and payments (read, record), through the services of the
lead's quote and payment pages."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from api.schemas import READ_ERRORS, WRITE_ERRORS, Body, IsoDate
from leads.forms.quotes import MAX_QUOTE_LINES, QUOTE_VALID_DAYS
from leads.models import PaymentKind, PaymentMethod, QuoteStatus
from leads.selectors.details import lead_detail, quote_get
from leads.selectors.lists import lead_get
from leads.selectors.money import balance_of
from leads.services.payments import payment_record
from leads.services.quotes import quote_save_draft, quote_send

router = Router()


class QuoteLineOut(Schema):
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class QuoteOut(Schema):
    id: int
    reference: str
    title: str
    status: QuoteStatus
    total: Decimal
    valid_until: dt.date
    created_at: dt.datetime
    sent_at: dt.datetime | None
    viewed_at: dt.datetime | None
    decided_at: dt.datetime | None


class QuoteDetailOut(QuoteOut):
    message: str
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_lines(quote) -> list:
        return list(quote.lines.all())


class PaymentOut(Schema):
    id: int
    kind: PaymentKind
    amount: Decimal
    method: PaymentMethod
    reference: str
    received_on: dt.date
    recorded_at: dt.datetime


class Money(Schema):
    currency: str
    amount_due: Decimal | None = Field(description="The accepted quotes' total; null: none yet.")
    paid: Decimal
    balance: Decimal | None
    paid_in_full: bool
    quotes: list[QuoteOut]
    payments: list[PaymentOut]


class PaymentIn(Body):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    method: PaymentMethod
    kind: PaymentKind = PaymentKind.PROGRESS
    received_on: IsoDate | None = Field(None, description="Empty: today, in the team's time zone.")
    reference: str = Field("", max_length=100)


class QuoteLineIn(Body):
    description: str = Field(min_length=1, max_length=300)
    quantity: Decimal = Field(Decimal("1"), ge=0, max_digits=10, decimal_places=2)
    unit_price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class QuoteIn(Body):
    title: str = Field("", max_length=200)
    message: str = Field("", max_length=5000, description="Shown to the customer above the lines.")
    valid_until: IsoDate | None = Field(
        None, description=f"Empty: {QUOTE_VALID_DAYS} days from today, in the team's time zone."
    )
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=MAX_QUOTE_LINES)


def _money(request, lead_id: int) -> dict:
    detail = lead_detail(tenant=request.tenant, lead_id=lead_id)
    balance = balance_of(detail.quotes, detail.payments)
    return {
        "currency": request.tenant.currency,
        "amount_due": balance.amount_due,
        "paid": balance.paid,
        "balance": balance.balance,
        "paid_in_full": balance.paid_in_full,
        "quotes": detail.quotes,
        "payments": detail.payments,
    }


@router.get("{lead_id}/money", response={200: Money, **READ_ERRORS}, summary="Quotes and payments")
def lead_money(request, lead_id: int):
    """The lead's quotes, payments and balance, as the lead page shows them."""
    return _money(request, lead_id)


@router.get(
    "{lead_id}/quotes/{quote_id}",
    response={200: QuoteDetailOut, **READ_ERRORS},
    summary="Get a quote",
)
def quote_detail(request, lead_id: int, quote_id: int):
    lead = lead_get(tenant=request.tenant, lead_id=lead_id)
    return quote_get(tenant=request.tenant, lead=lead, quote_id=quote_id)


@router.post(
    "{lead_id}/payments", response={201: Money, **WRITE_ERRORS}, summary="Record a payment"
)
def payment_new(request, lead_id: int, payload: PaymentIn):
    """As on the lead page: against a won lead, never more than the balance; paid in full moves
    the lead on."""
    tenant = request.tenant
    payment_record(
        tenant=tenant,
        actor=request.actor,
        lead=lead_get(tenant=tenant, lead_id=lead_id),
        amount=payload.amount,
        method=payload.method,
        kind=payload.kind,
        received_on=payload.received_on or timezone.localdate(timezone=tenant.zone),
        reference=payload.reference,
    )
    return Status(201, _money(request, lead_id))


@router.post(
    "{lead_id}/quotes", response={201: QuoteDetailOut, **WRITE_ERRORS}, summary="Draft a quote"
)
def quote_new(request, lead_id: int, payload: QuoteIn):
    """A draft, as the lead page's quote editor saves it; send it with `…/send`."""
    tenant = request.tenant
    lead = lead_get(tenant=tenant, lead_id=lead_id)
    today = timezone.localdate(timezone=tenant.zone)
    valid_until = payload.valid_until or today + dt.timedelta(days=QUOTE_VALID_DAYS)
    if valid_until < today:
        raise ValidationError({"valid_until": [_("The quote must be valid at least until today.")]})
    quote = quote_save_draft(
        tenant=tenant,
        actor=request.actor,
        lead=lead,
        valid_until=valid_until,
        lines=[(line.description, line.quantity, line.unit_price) for line in payload.lines],
        title=payload.title,
        message=payload.message,
    )
    return Status(201, quote_get(tenant=tenant, lead=lead, quote_id=quote.pk))


@router.post(
    "{lead_id}/quotes/{quote_id}/send",
    response={200: QuoteDetailOut, **WRITE_ERRORS},
    summary="Send a quote",
)
def quote_send_now(request, lead_id: int, quote_id: int):
    """Emails the customer a link to the page where they accept or decline it, through the
    outbox (quiet hours, consent), as the quote page's Send button; a sent quote is sent again.
    Send an Idempotency-Key: a repeated request with it sends once."""
    tenant = request.tenant
    lead = lead_get(tenant=tenant, lead_id=lead_id)
    quote = quote_get(tenant=tenant, lead=lead, quote_id=quote_id)
    quote_send(tenant=tenant, actor=request.actor, quote=quote)
    return quote_get(tenant=tenant, lead=lead, quote_id=quote_id)
