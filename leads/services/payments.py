"""Payments recorded against a job: a deposit, progress payments, the final payment.

The job's amount due is its accepted quotes' total; a payment never takes the balance below zero
(an over-payment is refused with the balance in words), and a final payment settles it. "Paid"
means paid in full: only then, and once the work is completed, does the job move to its paid
stage (whose triggers thank the customer and ask for the review)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.events import publish
from crm.kit.formatting import money
from crm.kit.stored_text import stored_label, stored_message
from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from leads.events import PaymentRecorded
from leads.models import Lead, LeadEvent, LeadStatus, Payment, PaymentKind, PaymentMethod
from leads.selectors.money import JobBalance, lead_balance
from leads.services.notices import lead_owner_notify
from leads.services.stages import lead_handle_event, lead_locked, lead_paid_in_full_move_on


def _check_amount(tenant: Tenant, balance: JobBalance, amount: Decimal, kind: str) -> None:
    currency = tenant.currency
    if balance.paid_in_full:
        raise ValidationError(_("This job is paid in full: there is nothing left to pay."))
    if balance.balance is None:
        return  # no accepted quote: the amount due is not known, any payment counts
    if amount > balance.balance:
        raise ValidationError(
            _(
                "%(amount)s is more than the balance of %(balance)s. Record at most the balance "
                "(refund or credit the difference outside Threadline)."
            )
            % {"amount": money(amount, currency), "balance": money(balance.balance, currency)}
        )
    if kind == PaymentKind.FINAL and amount != balance.balance:
        raise ValidationError(
            _(
                "A final payment settles the balance of %(balance)s. Record a smaller amount "
                "as a progress payment."
            )
            % {"balance": money(balance.balance, currency)}
        )


@transaction.atomic
def payment_record(
    *,
    tenant: Tenant,
    actor: User | None,
    lead: Lead,
    amount: Decimal,
    method: str,
    received_on: dt.date,
    reference: str = "",
    kind: str = PaymentKind.PROGRESS,
) -> Payment:
    lead = lead_locked(lead)
    if lead.status != LeadStatus.WON:
        raise ValidationError(_("Payments are recorded against a won lead."))
    if kind not in PaymentKind.values or kind == PaymentKind.REFUND:
        raise ValidationError(_("Pick the kind of payment."))
    before = lead_balance(tenant=tenant, lead=lead)
    _check_amount(tenant, before, amount, kind)
    payment = Payment(
        tenant=tenant,
        lead=lead,
        kind=kind,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference.strip(),
        recorded_by=actor,
    )
    payment.full_clean(exclude=["tenant", "lead"])
    payment.save()
    after = lead_balance(tenant=tenant, lead=lead)
    currency = tenant.currency
    recorded = stored_message(
        gettext_noop("%(kind)s of %(amount)s recorded (%(method)s)"),
        kind=stored_label(PaymentKind(payment.kind).label),
        amount=money(amount, currency),
        method=stored_label(PaymentMethod(payment.method).label),
    )
    left: str | dict = ""
    if after.paid_in_full:
        left = stored_message(gettext_noop(": paid in full"))
    elif after.balance is not None:
        left = stored_message(
            gettext_noop(": %(balance)s left to pay"), balance=money(after.balance, currency)
        )
    timeline_record(
        tenant=tenant,
        kind="payment.recorded",
        # Two sentences the catalogue has, one after the other.
        summary="%(recorded)s%(left)s",
        params={"recorded": recorded, "left": left},
        actor=actor,
        lead=lead,
        detail={"amount": str(amount), "method": method, "kind": kind},
    )
    publish(PaymentRecorded(tenant=tenant, payment=payment, actor=actor))
    # A stage an admin set to follow any payment ("Deposit received") still works.
    lead_handle_event(tenant=tenant, lead=lead, event=LeadEvent.PAYMENT_RECORDED, actor=actor)
    if after.paid_in_full:
        lead_paid_in_full_move_on(tenant=tenant, lead=lead, actor=actor)
    # A payment that comes in by itself (actor None: paid online) is news to the owner too.
    if lead.owner is not None and (actor is None or lead.owner.user_id != actor.pk):
        lead_owner_notify(
            tenant,
            lead,
            gettext_noop("Payment received from %(name)s: %(amount)s"),
            kind="payment_received",
            title_params={"name": lead.contact.display_name, "amount": money(amount, currency)},
        )
    return payment


@transaction.atomic
def payment_refund_record(
    *,
    tenant: Tenant,
    actor: User | None,
    lead: Lead,
    amount: Decimal,
    method: str,
    received_on: dt.date,
    reference: str = "",
) -> Payment:
    """Money given back to the customer: it counts against what the job has been paid, and is
    never more than that (refused with the figures in words)."""
    lead = lead_locked(lead)
    paid = lead_balance(tenant=tenant, lead=lead).paid
    if amount > paid:
        raise ValidationError(
            _("A refund of %(amount)s is more than the %(paid)s paid so far.")
            % {"amount": money(amount, tenant.currency), "paid": money(paid, tenant.currency)}
        )
    payment = Payment(
        tenant=tenant,
        lead=lead,
        kind=PaymentKind.REFUND,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference.strip(),
        recorded_by=actor,
    )
    payment.full_clean(exclude=["tenant", "lead"])
    payment.save()
    timeline_record(
        tenant=tenant,
        kind="payment.refunded",
        summary=gettext_noop("Refund of %(amount)s recorded (%(method)s)"),
        params={
            "amount": money(amount, tenant.currency),
            "method": stored_label(PaymentMethod(payment.method).label),
        },
        actor=actor,
        lead=lead,
        detail={"amount": str(amount), "method": method, "kind": PaymentKind.REFUND},
    )
    return payment
