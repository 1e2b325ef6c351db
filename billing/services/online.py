"""Paying an invoice online: the provider's checkout opened for the invoice's balance, and what
the gateway reports back (paid, failed, refunded) applied to the invoice.

The amount is always the balance computed here when the customer presses Pay, never a figure from
the browser. A session is named `invoice:<id>` (its reference), which is how the gateway's events
find their invoice again. A payment that arrives for more than is left (two tabs paid, or staff
recorded a cheque meanwhile) is applied up to the balance and the rest is put before the owner to
refund, so no money goes unrecorded and nothing raises in the gateway's processing."""

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.events import InvoicePaymentFailed
from billing.invoice_links import invoice_public_url
from billing.models import Invoice, InvoiceStatus, Payer, ScheduleKind
from billing.selectors.invoices import balance_of, invoice_balance, invoice_payments
from billing.selectors.online import (
    REFERENCE_PREFIX,
    invoice_of_reference,
    invoice_online_payments,
    online_payment_open,
)
from billing.services.payments import invoice_apply_payment, invoice_record_refund
from crm.events import publish
from crm.kit.formatting import money
from crm.models import Channel, NotificationLevel, Tenant, User
from crm.ratelimit import over_limit
from crm.selectors.contacts import contact_reach_address
from crm.services.timeline import timeline_record
from gateway.models import CheckoutRefund, CheckoutSession
from gateway.models import PaymentMethod as OnlineMethod
from gateway.services.checkout import checkout_refund, checkout_start
from leads.models import PaymentMethod, Quote
from leads.services.notices import lead_owner_notify

logger = logging.getLogger(__name__)

# Each press opens a session with the provider: a link in many hands cannot open them in bulk.
CHECKOUTS_PER_WINDOW = 10
CHECKOUT_WINDOW = dt.timedelta(minutes=10)

CENT = Decimal("0.01")  # invoices and the job's payments keep two decimals (leads.models.MONEY)

# How the job's payment record names what the customer paid with online.
METHOD_OF_ONLINE: dict[str, str] = {
    OnlineMethod.CARD: PaymentMethod.CARD,
    OnlineMethod.IDEAL: PaymentMethod.IDEAL,
}


def invoice_checkout_start(
    *, tenant: Tenant, invoice: Invoice, success_url: str, cancel_url: str
) -> CheckoutSession:
    """A checkout session for what is left to pay on the invoice; refused (ValidationError)
    for a draft, a void invoice, a credit note, an insurer's invoice, a paid invoice or without
    online payments."""
    if (
        invoice.is_credit_note
        or invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID)
        or invoice.payer != Payer.HOMEOWNER  # the insurer pays its part by cheque, to staff
    ):
        raise ValidationError(_("This invoice cannot be paid online."))
    balance = invoice_balance(tenant=tenant, invoice=invoice).balance
    if balance <= 0:
        raise ValidationError(_("This invoice is paid in full: there is nothing left to pay."))
    if over_limit(f"billing:checkout:{invoice.pk}", CHECKOUTS_PER_WINDOW, CHECKOUT_WINDOW):
        raise ValidationError(_("Too many payment attempts: try again in a few minutes."))
    with translation.override(invoice.language):
        description = _("Invoice %(number)s") % {"number": invoice.number}
    return checkout_start(
        tenant=tenant,
        amount=balance,
        currency=invoice.currency,
        description=description,
        reference=f"{REFERENCE_PREFIX}{invoice.pk}",
        customer_email=contact_reach_address(contact=invoice.lead.contact, channel=Channel.EMAIL),
        success_url=success_url,
        cancel_url=cancel_url,
        language=invoice.language,
    )


def deposit_checkout_url(*, tenant: Tenant, quote: Quote) -> str:
    """Where the customer who just accepted `quote` pays its deposit: the provider's checkout for
    the deposit invoice (back to the invoice's page when paid or abandoned), or that page when
    the checkout cannot open now; "" when there is no deposit to pay online."""
    deposit = (
        Invoice.objects.filter(tenant=tenant, quote=quote, schedule_kind=ScheduleKind.DEPOSIT)
        .exclude(status=InvoiceStatus.VOID)
        .select_related("lead__contact")
        .first()
    )
    if deposit is None:
        return ""
    balance = invoice_balance(tenant=tenant, invoice=deposit).balance
    if not online_payment_open(tenant=tenant, invoice=deposit, balance=balance):
        return ""
    page = invoice_public_url(deposit)
    try:
        with transaction.atomic():
            session = invoice_checkout_start(
                tenant=tenant, invoice=deposit, success_url=f"{page}?paid=1", cancel_url=page
            )
    except ValidationError:
        return page  # its page offers the Pay button and says why it did not open
    return session.url


def _job_record_terms(session: CheckoutSession) -> dict[str, str]:
    """How the job's payment record names an online payment: its method and the provider's id."""
    return {
        "method": METHOD_OF_ONLINE.get(session.paid_with, PaymentMethod.CARD),
        "reference": session.provider_payment_intent or session.provider_session_id,
    }


def _owner_told(tenant: Tenant, invoice: Invoice, title: str, **params) -> None:
    lead_owner_notify(
        tenant,
        invoice.lead,
        title,
        level=NotificationLevel.WARNING,
        kind="online_payment",
        title_params={"number": invoice.number, **params},
    )


@transaction.atomic
def invoice_online_payment_apply(
    *, tenant: Tenant, session: CheckoutSession, amount: Decimal, currency: str
) -> None:
    """The provider says the session was paid: the payment is recorded against its invoice (up to
    the balance); what cannot be applied is put before the owner with the figures."""
    invoice = invoice_of_reference(tenant=tenant, reference=session.reference)
    if invoice is None:
        return  # another caller's session ("test:…" from the settings page's trial payment)
    amount = amount.quantize(CENT)
    left = invoice_balance(tenant=tenant, invoice=invoice).balance
    applied = min(amount, left) if invoice.status != InvoiceStatus.VOID else Decimal("0")
    if applied > 0:
        try:
            invoice_apply_payment(
                tenant=tenant,
                actor=None,
                invoice=invoice,
                amount=applied,
                currency=currency,
                received_on=tenant.today(),
                **_job_record_terms(session),
            )
        except ValidationError as refusal:
            logger.warning("online payment of session %s not applied: %s", session.pk, refusal)
            applied = Decimal("0")
    if applied < amount:
        _owner_told(
            tenant,
            invoice,
            gettext_noop(
                "%(amount)s paid online for invoice %(number)s is more than it owed: refund "
                "%(excess)s"
            ),
            amount=money(amount, currency),
            excess=money(amount - applied, currency),
        )


@transaction.atomic
def invoice_online_refund_apply(
    *, tenant: Tenant, session: CheckoutSession, amount: Decimal
) -> None:
    """The provider refunded part of a paid session: recorded against its invoice."""
    invoice = invoice_of_reference(tenant=tenant, reference=session.reference)
    if invoice is None:
        return
    amount = amount.quantize(CENT)
    try:
        invoice_record_refund(
            tenant=tenant,
            actor=None,
            invoice=invoice,
            amount=amount,
            received_on=tenant.today(),
            **_job_record_terms(session),
        )
    except ValidationError as refusal:
        logger.warning("online refund of session %s not applied: %s", session.pk, refusal)
        _owner_told(
            tenant,
            invoice,
            gettext_noop("A refund of %(amount)s on invoice %(number)s could not be recorded"),
            amount=money(amount, session.currency),
        )


def invoice_online_failure_record(*, tenant: Tenant, session: CheckoutSession, reason: str) -> None:
    """A declined or abandoned online payment lands on the job's timeline (staff see it)."""
    invoice = invoice_of_reference(tenant=tenant, reference=session.reference)
    if invoice is None or reason != "failed":
        return  # an expired session is someone who closed the page: nothing to tell
    timeline_record(
        tenant=tenant,
        kind="invoice.payment_failed",
        summary=gettext_noop("An online payment of %(amount)s for invoice %(number)s failed"),
        params={"amount": money(session.amount, session.currency), "number": invoice.number},
        lead=invoice.lead,
    )
    publish(
        InvoicePaymentFailed(
            tenant=tenant,
            invoice=invoice,
            amount=session.amount.quantize(CENT),
            currency=session.currency,
            attempt=session.public_id.hex,
        )
    )


@transaction.atomic
def invoice_online_refund_request(
    *, tenant: Tenant, actor: User, invoice: Invoice, payment_id: int, amount: Decimal, reason: str
) -> CheckoutRefund:
    """Ask the payment provider to give back `amount` of a payment that came in online. Nothing
    is recorded against the invoice yet: the refund is, when the provider's webhook confirms it
    (invoice_online_refund_apply), as for a refund made in the provider's own dashboard. More
    than was paid on the invoice (less the refunds still waiting), or than is left of that
    payment, is refused with the figures."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("lead")
        .get(tenant=tenant, pk=invoice.pk)
    )
    payments = invoice_payments(tenant=tenant, invoice=invoice)
    online = invoice_online_payments(tenant=tenant, invoice=invoice, payments=payments)
    payment = next((p for p in payments if p.pk == payment_id and p.pk in online), None)
    if payment is None:
        raise ValidationError(_("Only a payment that came in online can be refunded online."))
    paid = online[payment.pk]
    figures = balance_of(invoice, payments)
    # Refunds asked of the provider and not yet confirmed already count against what was paid.
    waiting = sum({row.session.pk: row.pending for row in online.values()}.values(), Decimal("0"))
    left = figures.paid - waiting
    if amount > left:
        words = {
            "amount": money(amount, invoice.currency),
            "paid": money(figures.paid, invoice.currency),
            "number": invoice.reference,
        }
        if waiting:
            raise ValidationError(
                _(
                    "A refund of %(amount)s is more than the %(left)s left to refund of the "
                    "%(paid)s paid on invoice %(number)s: %(waiting)s is already waiting for the "
                    "payment provider's confirmation."
                )
                % {
                    **words,
                    "left": money(max(left, Decimal("0")), invoice.currency),
                    "waiting": money(waiting, invoice.currency),
                }
            )
        raise ValidationError(
            _("A refund of %(amount)s is more than the %(paid)s paid on invoice %(number)s.")
            % words
        )
    if amount > paid.refundable:
        raise ValidationError(
            _(
                "A refund of %(amount)s is more than the %(left)s left to refund of this "
                "payment of %(paid)s."
            )
            % {
                "amount": money(amount, invoice.currency),
                "left": money(paid.refundable, invoice.currency),
                "paid": money(payment.amount, invoice.currency),
            }
        )
    refund = checkout_refund(tenant=tenant, session=paid.session, amount=amount, actor=actor)
    timeline_record(
        tenant=tenant,
        kind="invoice.refund_requested",
        summary=gettext_noop(
            "Refund of %(amount)s on invoice %(number)s asked of the payment provider: %(reason)s"
        ),
        params={
            "amount": money(amount, invoice.currency),
            "number": invoice.reference,
            "reason": reason.strip()[:300],
        },
        actor=actor,
        lead=invoice.lead,
    )
    return refund
