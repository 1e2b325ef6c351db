"""Paying an invoice online: the Pay button opens the provider's checkout for the balance (here
the sandbox, whose events go through the gateway's webhook, storage and processing as Stripe's
do), and the gateway's events reach the invoice: paid, refunded, failed, or paid twice."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from billing.invoice_links import invoice_public_token
from billing.models import InvoiceStatus
from billing.selectors.invoices import invoice_balance
from billing.services.invoices import invoice_create, invoice_send
from billing.services.payments import invoice_apply_payment
from crm.models import Notification, TimelineEvent
from gateway.models import CheckoutSession, PaymentMethod, SessionStatus
from gateway.services.checkout import checkout_refund
from leads.models import Payment
from tests.gateway.conftest import deliver_through_the_webhook, sandbox_account_for
from tests.portal.helpers import portal_sign_in

pytestmark = pytest.mark.django_db

PROCESS = "gateway.tasks.process_provider_event"


def _sent_invoice(world, lead, amount="250"):
    with world.active():
        invoice = invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra cable",
            lines=[("Cable", Decimal("1"), Decimal(amount), None)],
        )  # fmt: skip
        return invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=invoice)


def _press(client, world, session_url, action, task_queue, run_queued, captured):
    with captured(execute=True):
        assert client.post(session_url, {"action": action}).status_code == 302
    deliver_through_the_webhook(client, world, task_queue, captured)
    run_queued(PROCESS)


def test_the_customer_pays_from_the_emailed_link_and_a_refund_comes_back(
    world, job, task_queue, run_queued, django_capture_on_commit_callbacks
):
    lead, _quote = job
    invoice = _sent_invoice(world, lead)
    page = reverse("billing-public:invoice", kwargs={"token": invoice_public_token(invoice)})
    customer = Client()
    assert "online" not in customer.get(page).content.decode()  # no provider set up yet
    sandbox_account_for(world, methods=[PaymentMethod.CARD])
    assert "Pay $250 online" in customer.get(page).content.decode()

    opened = customer.post(page + "pay/")
    assert opened.status_code == 302 and opened["Location"].startswith("/pay/sandbox/")
    with world.active():
        session = CheckoutSession.objects.get()
    assert (session.amount, session.reference) == (Decimal("250.000"), f"invoice:{invoice.pk}")
    assert urlsplit(session.success_url).path == page
    _press(customer, world, opened["Location"], "pay", task_queue, run_queued,
           django_capture_on_commit_callbacks)  # fmt: skip

    with world.active():
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
        [payment] = Payment.objects.filter(lead=lead)
        assert (payment.amount, payment.method) == (Decimal("250.00"), "card")
        session.refresh_from_db()
    with world.active(), django_capture_on_commit_callbacks(execute=True):
        checkout_refund(tenant=world.tenant, session=session, amount=Decimal("50"),
                        actor=world.manager.user)  # fmt: skip
    after = customer.get(page + "?paid=1").content.decode()
    assert "Paid in full" in after and "Pay $" not in after
    deliver_through_the_webhook(customer, world, task_queue, django_capture_on_commit_callbacks)
    run_queued(PROCESS)
    with world.active():
        figures = invoice_balance(tenant=world.tenant, invoice=invoice)
        assert (figures.paid, figures.balance) == (Decimal("200.00"), Decimal("50.00"))


def test_a_second_payment_for_a_settled_invoice_is_put_before_the_owner(
    world, job, task_queue, run_queued, django_capture_on_commit_callbacks
):
    """Staff recorded a cheque while the customer was on the payment page: nothing is lost and
    nothing fails in the gateway; the owner is told what to refund."""
    lead, _quote = job
    invoice = _sent_invoice(world, lead, amount="80")
    sandbox_account_for(world)
    customer = Client()
    page = reverse("billing-public:invoice", kwargs={"token": invoice_public_token(invoice)})
    opened = customer.post(page + "pay/")
    with world.active():
        invoice_apply_payment(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice, amount=Decimal("80"),
            currency=world.tenant.currency, method="check", received_on=world.tenant.today(),
        )  # fmt: skip
    _press(customer, world, opened["Location"], "pay", task_queue, run_queued,
           django_capture_on_commit_callbacks)  # fmt: skip
    with world.active():
        assert CheckoutSession.objects.get().status == SessionStatus.PAID
        assert Payment.objects.filter(lead=lead).count() == 1
        [notice] = Notification.objects.filter(kind="online_payment")
        assert notice.recipient == world.rep.user
    assert "$80" in notice.shown_title and invoice.number in notice.shown_title


def test_a_declined_payment_lands_on_the_timeline_and_the_invoice_stays_open(
    world, job, task_queue, run_queued, django_capture_on_commit_callbacks
):
    lead, _quote = job
    invoice = _sent_invoice(world, lead)
    sandbox_account_for(world)
    customer = Client()
    page = reverse("billing-public:invoice", kwargs={"token": invoice_public_token(invoice)})
    opened = customer.post(page + "pay/")
    _press(customer, world, opened["Location"], "decline", task_queue, run_queued,
           django_capture_on_commit_callbacks)  # fmt: skip
    with world.active():
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.SENT
        assert TimelineEvent.objects.filter(kind="invoice.payment_failed", lead_id=lead.pk).exists()
    assert "Pay $250 online" in customer.get(page).content.decode()


def test_the_portal_pays_only_the_customers_own_invoices(client, world, job):
    lead, _quote = job
    invoice = _sent_invoice(world, lead)
    sandbox_account_for(world)
    pay = reverse("portal:invoice-pay", kwargs={"invoice_pk": invoice.pk})
    with world.active():
        from tests import factories

        stranger = factories.ContactFactory(tenant=world.tenant)
        factories.ContactEmailFactory(tenant=world.tenant, contact=stranger)
    portal_sign_in(client, world.tenant, stranger)
    assert client.post(pay).status_code == 404
    portal_sign_in(client, world.tenant, world.contact)
    assert client.post(pay)["Location"].startswith("/pay/sandbox/")
    assert Client().post(pay).status_code == 302  # signed out: to the sign-in page
    with world.active():
        assert CheckoutSession.objects.count() == 1
