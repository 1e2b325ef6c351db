"""Invoices: from a quote's schedule (never twice), numbered when sent in an unbroken series per
brand, paid through the job's payments, refunded, voided (a credit note after a payment)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus
from billing.selectors.invoices import invoice_balance, lead_invoices
from billing.services.invoices import (
    invoice_create,
    invoice_send,
    invoice_void,
    invoices_create_from_quote,
)
from billing.services.payments import invoice_apply_payment, invoice_record_refund
from crm.models import TimelineEvent
from leads.models import Lead, Payment
from leads.selectors.money import lead_balance
from tests.conftest import sign_in
from tests.factories import BrandFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _invoices(world, quote):
    with world.active():
        return invoices_create_from_quote(tenant=world.tenant, actor=world.rep.user, quote=quote)


def _send(world, invoice):
    with world.active():
        return invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=invoice)


def _pay(world, invoice, amount, currency="USD"):
    with world.active():
        return _pay_now(world, invoice, amount, currency)


def _pay_now(world, invoice, amount, currency="USD"):
    return invoice_apply_payment(
        tenant=world.tenant,
        actor=world.rep.user,
        invoice=invoice,
        amount=D(amount),
        currency=currency,
        method="bank_transfer",
        received_on=world.tenant.today(),
    )


def _refusal(world, call, *args, **kwargs) -> list[str]:
    """The messages of the ValidationError `call` raises, inside the tenant's transaction (which
    the service's own savepoint leaves usable)."""
    with world.active(), pytest.raises(ValidationError) as refused:
        call(*args, **kwargs)
    return refused.value.messages


def test_the_schedule_becomes_invoices_that_add_up_to_the_quote_once(world, job):
    _lead, quote = job
    assert quote.total == D("1579.50")  # 900 + 189 + 450 + 40.50
    deposit, progress, final = _invoices(world, quote)
    assert [invoice.schedule_kind for invoice in (deposit, progress, final)] == [
        "deposit",
        "progress",
        "final",
    ]
    assert deposit.total == D("473.85") and progress.total == D("473.85")
    assert deposit.total + progress.total + final.total == quote.total
    with world.active():
        taxes = {}
        for invoice in (deposit, progress, final):
            for line in invoice.lines.all():
                taxes[line.tax_name] = taxes.get(line.tax_name, D(0)) + line.tax_amount
    assert taxes == {"BTW 21 %": D("189.00"), "BTW 9 %": D("40.50")}
    assert not any(invoice.number for invoice in (deposit, progress, final))
    refused = _refusal(
        world, invoices_create_from_quote, tenant=world.tenant, actor=world.rep.user, quote=quote
    )
    assert "already has its invoices" in refused[0]


def test_sending_numbers_invoices_in_an_unbroken_series_per_brand(world, job):
    _lead, quote = job
    deposit, progress, _final = _invoices(world, quote)
    first = _send(world, progress)
    second = _send(world, deposit)
    slug = world.brand.slug.upper()
    assert (first.number, second.number) == (f"INV-{slug}-00001", f"INV-{slug}-00002")
    assert first.due_on == world.tenant.today() + dt.timedelta(days=14)
    assert _send(world, first).number == first.number  # sent again: the same number
    with world.active():
        assert Invoice.objects.filter(number="").count() == 1  # the final, still a draft
        second_brand = BrandFactory(tenant=world.tenant, slug="laderthuis")
        Lead.objects.filter(pk=_lead.pk).update(brand=second_brand)
        lead = Lead.objects.get(pk=_lead.pk)
        one_off = invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra",
            lines=[("Cable", D("1"), D("10"), None)],
        )  # fmt: skip
    assert _send(world, one_off).number == "INV-LADERTHUIS-00001"


def test_a_payment_goes_through_the_job_and_over_payment_is_refused_in_words(world, job):
    lead, quote = job
    deposit, _progress, _final = _invoices(world, quote)
    deposit = _send(world, deposit)
    assert _refusal(world, _pay_now, world, deposit, "500") == [
        f"$500 is more than the balance of $473.85 on invoice {deposit.number}."
    ]
    refused = _refusal(world, _pay_now, world, deposit, "100", currency="EUR")
    assert "100 EUR is in another currency than invoice" in refused[0]
    payment = _pay(world, deposit, "400")
    assert payment.kind == "deposit"
    with world.active():
        deposit.refresh_from_db()
        assert deposit.status == InvoiceStatus.PARTLY_PAID
        assert invoice_balance(tenant=world.tenant, invoice=deposit).balance == D("73.85")
        assert lead_balance(tenant=world.tenant, lead=lead).paid == D("400")
    _pay(world, deposit, "73.85")
    with world.active():
        deposit.refresh_from_db()
        assert deposit.status == InvoiceStatus.PAID
        assert TimelineEvent.objects.filter(kind="invoice.paid", lead_id=lead.pk).exists()


def test_paying_every_invoice_pays_the_job_in_full(world, job):
    lead, quote = job
    for invoice in _invoices(world, quote):
        invoice = _send(world, invoice)
        _pay(world, invoice, str(invoice.total))
    with world.active():
        balance = lead_balance(tenant=world.tenant, lead=lead)
        kinds = list(
            Payment.objects.filter(lead=lead).order_by("id").values_list("kind", flat=True)
        )
    assert balance.paid_in_full and balance.balance == 0
    assert kinds == ["deposit", "progress", "final"]


def test_a_refund_above_the_amount_paid_is_refused_and_a_refund_reopens_the_balance(world, job):
    _lead, quote = job
    deposit = _send(world, _invoices(world, quote)[0])
    _pay(world, deposit, "473.85")
    with world.active():
        with pytest.raises(ValidationError) as refused:
            invoice_record_refund(
                tenant=world.tenant, actor=world.rep.user, invoice=deposit, amount=D("500"),
                method="bank_transfer", received_on=world.tenant.today(),
            )  # fmt: skip
        assert refused.value.messages == [
            f"A refund of $500 is more than the $473.85 paid on invoice {deposit.number}."
        ]
        invoice_record_refund(
            tenant=world.tenant, actor=world.rep.user, invoice=deposit, amount=D("73.85"),
            method="bank_transfer", received_on=world.tenant.today(),
        )  # fmt: skip
        deposit.refresh_from_db()
        assert deposit.status == InvoiceStatus.PARTLY_PAID
        assert invoice_balance(tenant=world.tenant, invoice=deposit).balance == D("73.85")


def test_void_before_a_payment_is_simple_after_one_makes_a_credit_note(world, job):
    lead, quote = job
    deposit, progress, _final = _invoices(world, quote)
    progress = _send(world, progress)
    with world.active():
        assert invoice_void(tenant=world.tenant, actor=world.rep.user, invoice=progress) is None
    deposit = _send(world, deposit)
    _pay(world, deposit, "100")
    with world.active():
        credit = invoice_void(
            tenant=world.tenant, actor=world.rep.user, invoice=deposit, reason="Wrong amount"
        )
        assert credit.number.startswith("CN-") and credit.total == -deposit.total
        assert credit.credits == deposit
        deposit.refresh_from_db()
        assert deposit.status == InvoiceStatus.VOID
        with pytest.raises(ValidationError):
            invoice_void(tenant=world.tenant, actor=world.rep.user, invoice=deposit)
        rows = lead_invoices(tenant=world.tenant, lead=lead)
    assert [row.status for row in rows] == ["void", "void", "draft", "sent"]


def test_a_one_off_invoice_and_the_lead_panel(client, world, job):
    lead, _quote = job
    with world.active():
        invoice = invoice_create(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            title="Gutter repair",
            lines=[("Gutter", D("2"), D("50"), None)],
        )
    assert invoice.total == D("100")
    sign_in(client, world.rep)
    page = client.get(reverse("billing:lead-panel", kwargs={"lead_pk": lead.pk})).content.decode()
    assert "Gutter repair" in page and "Invoice quote" in page
    response = client.post(
        reverse("billing:create-from-quote", kwargs={"lead_pk": lead.pk, "quote_pk": _quote.pk})
    )
    assert response.status_code == 302
    detail = client.get(
        reverse("billing:detail", kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk})
    ).content.decode()
    assert "Gutter repair" in detail and "$100" in detail


def test_staff_record_a_payment_on_the_invoice_page(client, world, job):
    lead, quote = job
    deposit = _send(world, _invoices(world, quote)[0])
    sign_in(client, world.rep)
    url = reverse("billing:payment", kwargs={"lead_pk": lead.pk, "invoice_pk": deposit.pk})
    refused = client.post(
        url, {"amount": "999", "method": "check", "received_on": world.tenant.today().isoformat()}
    )
    assert "is more than the balance of $473.85" in refused.content.decode()
    done = client.post(
        url,
        {"amount": "473.85", "method": "check", "received_on": world.tenant.today().isoformat()},
    )
    assert done.status_code == 302
    with world.active():
        deposit.refresh_from_db()
    assert deposit.status == InvoiceStatus.PAID


def test_another_tenant_cannot_open_the_invoice(client, world, other_world, job):
    lead, quote = job
    deposit = _invoices(world, quote)[0]
    sign_in(client, other_world.rep)
    response = client.get(
        reverse("billing:detail", kwargs={"lead_pk": lead.pk, "invoice_pk": deposit.pk})
    )
    assert response.status_code == 404
