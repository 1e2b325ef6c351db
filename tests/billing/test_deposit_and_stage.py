"""A quote's schedule invoiced by itself: the deposit invoice made and sent when the customer
accepts (who then pays it online, or is told it comes by email), the rest when the job enters the
stage the admin chose; and the lead page's "Record payment" applied to an open invoice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import BillingSettings, Invoice, InvoiceStatus, ScheduleKind
from billing.services.invoices import invoice_send, invoices_create_from_quote
from billing.services.settings import billing_settings_save
from gateway.models import CheckoutSession, PaymentMethod
from leads.models import Lead, Payment, PaymentKind, Quote, QuoteStatus
from leads.quote_links import quote_public_token
from leads.services.quotes import quote_save_draft
from leads.services.stages import lead_move_to_stage
from messaging.models import MessageSource, OutboundMessage
from tests.billing.test_online_payment import PROCESS
from tests.conftest import sign_in
from tests.factories import lead_for, pipeline_for, stage_named
from tests.gateway.conftest import deliver_through_the_webhook, sandbox_account_for

pytestmark = pytest.mark.django_db
D = Decimal


def _sent_quote(world, *, deposit: bool = True) -> Quote:
    """A $1,000 quote sent to the world's customer, with a 30 % deposit (or none)."""
    lead = lead_for(world, pipeline_for(world.tenant), owner=world.rep, title="Roof")
    with world.active():
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            valid_until=world.tenant.today() + dt.timedelta(days=30),
            lines=[("Shingles", D("1"), D("1000"), None)],
            deposit_kind="percent" if deposit else "",
            deposit_value=D("30") if deposit else None,
        )
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.SENT)
        quote.refresh_from_db()
    return quote


def _accept(client, quote: Quote, token: str = ""):
    url = reverse("public:quote-accept", kwargs={"token": token or quote_public_token(quote)})
    return client.post(url, {"full_name": "Casey Morgan", "agree": "on"})


def _invoices(world, quote: Quote) -> list[Invoice]:
    with world.active():
        return list(Invoice.objects.filter(quote=quote).order_by("schedule_position", "id"))


def _invoice_emails(world) -> int:
    with world.active():
        return OutboundMessage.objects.filter(source=MessageSource.INVOICE).count()


def test_accepting_a_quote_with_a_deposit_goes_on_to_pay_it_once(
    world, task_queue, run_queued, django_capture_on_commit_callbacks
):
    sandbox_account_for(world, methods=[PaymentMethod.CARD])
    quote = _sent_quote(world)
    customer = Client()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = _accept(customer, quote)
    assert accepted.status_code == 302 and accepted["Location"].startswith("/pay/sandbox/")
    deposit, final = _invoices(world, quote)
    assert (deposit.schedule_kind, deposit.status, deposit.total) == (
        ScheduleKind.DEPOSIT,
        InvoiceStatus.SENT,
        D("300.00"),
    )
    assert deposit.number and final.status == InvoiceStatus.DRAFT
    assert _invoice_emails(world) == 1  # the deposit invoice, with its PDF and link

    # A double-click posts again: the same next step, no second set of invoices.
    again = _accept(customer, quote)
    assert again.status_code == 302 and again["Location"].startswith("/pay/sandbox/")
    assert [invoice.pk for invoice in _invoices(world, quote)] == [deposit.pk, final.pk]
    assert _invoice_emails(world) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert customer.post(accepted["Location"], {"action": "pay"}).status_code == 302
    deliver_through_the_webhook(customer, world, task_queue, django_capture_on_commit_callbacks)
    run_queued(PROCESS)
    with world.active():
        deposit.refresh_from_db()
        [payment] = Payment.objects.filter(lead=quote.lead_id)
        session = CheckoutSession.objects.order_by("pk").first()
    assert deposit.status == InvoiceStatus.PAID
    assert (payment.kind, payment.amount) == (PaymentKind.DEPOSIT, D("300.00"))
    assert session.success_url.endswith("?paid=1")


def test_without_online_payments_the_accepted_page_says_the_invoice_comes_by_email(world):
    quote = _sent_quote(world)
    customer = Client()
    token = quote_public_token(quote)
    accepted = _accept(customer, quote, token)
    assert accepted["Location"] == reverse("public:quote", kwargs={"token": token})
    page = customer.get(accepted["Location"]).content.decode()
    assert "The invoice for your deposit of $300 is sent to you by email" in page
    deposit, _final = _invoices(world, quote)
    assert deposit.status == InvoiceStatus.SENT and _invoice_emails(world) == 1


def test_a_quote_without_a_deposit_waits_to_be_invoiced(world):
    sandbox_account_for(world, methods=[PaymentMethod.CARD])
    quote = _sent_quote(world, deposit=False)
    token = quote_public_token(quote)
    accepted = _accept(Client(), quote, token)
    assert accepted["Location"] == reverse("public:quote", kwargs={"token": token})
    assert _invoices(world, quote) == []


def _choose_stage(world, stage) -> None:
    with world.active():
        billing_settings_save(
            tenant=world.tenant, actor=world.admin.user, payment_terms_days=14,
            invoice_prefix="INV-", credit_note_prefix="CN-", invoice_at_stage=stage,
        )  # fmt: skip


def _move(world, lead_id: int, stage) -> None:
    with world.active():
        lead_move_to_stage(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=Lead.objects.get(pk=lead_id),
            stage=stage,
        )


def test_entering_the_chosen_stage_invoices_the_rest_of_the_schedule_once(world):
    quote = _sent_quote(world)
    _accept(Client(), quote)  # the deposit invoice is sent, the final one waits as a draft
    pipeline = pipeline_for(world.tenant)
    completed = stage_named(pipeline, "Completed")
    _move(world, quote.lead_id, stage_named(pipeline, "In production"))
    assert _invoices(world, quote)[1].status == InvoiceStatus.DRAFT  # no stage chosen yet

    _choose_stage(world, completed)
    _move(world, quote.lead_id, completed)
    deposit, final = _invoices(world, quote)
    assert final.status == InvoiceStatus.SENT and final.number
    assert _invoice_emails(world) == 2

    _move(world, quote.lead_id, stage_named(pipeline, "In production"))
    _move(world, quote.lead_id, completed)
    assert [invoice.pk for invoice in _invoices(world, quote)] == [deposit.pk, final.pk]
    assert _invoice_emails(world) == 2


def test_the_stage_makes_the_invoices_of_a_quote_accepted_without_a_deposit(world):
    quote = _sent_quote(world, deposit=False)
    pipeline = pipeline_for(world.tenant)
    completed = stage_named(pipeline, "Completed")
    _choose_stage(world, completed)
    other = lead_for(world, pipeline, owner=world.rep, title="Gutters")  # nothing accepted
    _move(world, other.pk, completed)
    _accept(Client(), quote)
    _move(world, quote.lead_id, completed)
    [invoice] = _invoices(world, quote)
    assert (invoice.schedule_kind, invoice.status) == (ScheduleKind.FINAL, InvoiceStatus.SENT)
    with world.active():
        assert not Invoice.objects.filter(lead=other).exists()


def test_the_admin_chooses_the_stage_among_their_own(client, world, other_world):
    sign_in(client, world.admin)
    url = reverse("billing-settings:settings")
    completed = stage_named(pipeline_for(world.tenant), "Completed")
    theirs = stage_named(pipeline_for(other_world.tenant), "Completed")
    form = {
        "payment_terms_days": 14,
        "invoice_prefix": "INV-",
        "credit_note_prefix": "CN-",
        "reminders_max": 2,
        "reminder_days_before_due": 0,
        "reminder_every_days": 7,
    }
    page = client.get(url).content.decode()
    assert "Residential roofing · Completed" in page
    refused = client.post(url, {**form, "invoice_at_stage": theirs.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert client.post(url, {**form, "invoice_at_stage": completed.pk}).status_code == 302
    with world.active():
        assert BillingSettings.objects.get().invoice_at_stage_id == completed.pk


def test_record_payment_on_a_job_with_open_invoices_pays_the_oldest_by_default(
    client, world, job, django_assert_max_num_queries
):
    lead, quote = job
    with world.active():
        deposit, progress, final = invoices_create_from_quote(
            tenant=world.tenant, actor=world.rep.user, quote=quote
        )
        for invoice in (deposit, final):
            invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=invoice)
    sign_in(client, world.rep)
    leads_form = reverse("leads:payment-create", kwargs={"lead_pk": lead.pk})
    url = reverse("billing:lead-payment", kwargs={"lead_pk": lead.pk})
    assert client.get(leads_form)["Location"] == url
    client.get(url)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    with world.active():
        deposit.refresh_from_db()
        final.refresh_from_db()
    # Each invoice's balance goes into the amount when it is chosen (shell.js).
    assert 'data-fills="id_amount"' in page
    assert f'<option value="{deposit.pk}" selected data-fill="{deposit.total}">' in page
    assert f'<option value="{final.pk}" data-fill="{final.total}">' in page
    assert progress.title not in page  # a draft is not paid against

    form = {"amount": "100", "method": "check", "received_on": world.tenant.today(),
            "reference": "Check 12"}  # fmt: skip
    too_much = client.post(url, {**form, "invoice": deposit.pk, "amount": "9999"})
    assert "more than the balance" in too_much.content.decode()
    assert client.post(url, {**form, "invoice": final.pk}).status_code == 302
    with world.active():
        [payment] = Payment.objects.filter(lead=lead)
        final.refresh_from_db()
    assert payment.amount == D("100.00") and final.status == InvoiceStatus.PARTLY_PAID


def test_record_payment_without_open_invoices_stays_on_the_job(client, world, job):
    lead, _quote = job
    sign_in(client, world.rep)
    page = client.get(reverse("leads:payment-create", kwargs={"lead_pk": lead.pk}))
    assert page.status_code == 200 and "Kind of payment" in page.content.decode()
