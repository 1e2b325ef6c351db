"""Text-to-pay, overdue reminders, the overdue news and payment receipts.

An invoice goes by email or text and remembers which; the beat sweep reminds an open invoice on
that channel, in the customer's language, with its balance and pay link, at most as often as the
admin set, once per reminder even with two workers, and never after a payment; an invoice past
its due date is published overdue once; each payment applied sends one receipt and tells the
owner."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from billing.events import InvoiceOverdue
from billing.models import Invoice, InvoiceStatus, SentVia
from billing.reminder_schedule import reminder_dates
from billing.selectors.reminders import invoice_reminders_due_tenant_ids
from billing.services import reminders
from billing.services.invoices import invoice_create, invoice_send, invoice_void
from billing.services.numbering import billing_settings
from billing.services.payments import invoice_apply_payment
from billing.services.receipts import invoice_receipt_send
from billing.services.settings import billing_settings_save
from billing.tasks import sweep_invoice_reminders
from crm.models import Notification, TimelineEvent
from leads.models import Lead
from leads.services.stages import lead_move_to_stage
from messaging.models import MessageChannel, OutboundMessage
from tests.conftest import build_world, forget_cached_values, sign_in
from tests.factories import lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db

D = Decimal


def _invoice(world, lead, amount="250") -> Invoice:
    with world.active():
        return invoice_create(
            tenant=world.tenant, actor=world.rep.user, lead=lead, title="Extra cable",
            lines=[("Cable", D("1"), D(amount), None)],
        )  # fmt: skip


def _sent(world, lead, channel=SentVia.EMAIL, amount="250") -> Invoice:
    with world.active():
        return invoice_send(
            tenant=world.tenant,
            actor=world.rep.user,
            invoice=_invoice(world, lead, amount),
            channel=channel,
        )


def _reminders(world, invoice) -> list[OutboundMessage]:
    with world.active():
        return list(
            OutboundMessage.objects.filter(
                tenant=world.tenant, idempotency_key__startswith=f"invoice-reminder:{invoice.pk}:"
            ).order_by("idempotency_key")
        )


def _sweep(world, day: dt.date) -> int:
    with world.active():
        return reminders.invoices_overdue_mark(
            tenant=world.tenant, today=day
        ) + reminders.invoice_reminders_send(tenant=world.tenant, today=day)


def _settings(world, **reminder_settings):
    with world.active():
        current = billing_settings(tenant=world.tenant)
        billing_settings_save(
            tenant=world.tenant,
            actor=world.admin.user,
            payment_terms_days=current.payment_terms_days,
            invoice_prefix=current.invoice_prefix,
            credit_note_prefix=current.credit_note_prefix,
            **reminder_settings,
        )


def test_the_schedule_before_and_every_days_after_the_due_date_up_to_the_most():
    settings = type(
        "S", (), {"reminders_max": 3, "reminder_days_before_due": 3, "reminder_every_days": 7}
    )()
    due = dt.date(2026, 6, 30)
    assert reminder_dates(settings, due_on=due, issued_on=dt.date(2026, 6, 16)) == [
        dt.date(2026, 6, 27),
        dt.date(2026, 7, 7),
        dt.date(2026, 7, 14),
    ]
    # Due on receipt: no reminder "before" the moment it went.
    assert reminder_dates(settings, due_on=due, issued_on=due)[0] == dt.date(2026, 7, 7)
    settings.reminders_max = 0
    assert reminder_dates(settings, due_on=due, issued_on=None) == []


def test_a_text_carries_the_pay_link_without_attachment_and_the_invoice_remembers_it(
    client, world, job
):
    lead, _quote = job
    invoice = _invoice(world, lead)
    sign_in(client, world.rep)
    page = reverse("billing:detail", kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk})
    shown = client.get(page).content.decode()
    assert 'name="channel"' in shown and "Text message" in shown
    response = client.post(
        reverse("billing:send", kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk}),
        {"channel": "sms"},
    )
    assert response.status_code == 302
    with world.active():
        invoice.refresh_from_db()
        [text] = OutboundMessage.objects.filter(tenant=world.tenant, lead=lead)
        phone = str(world.contact.phones.get().number)
        assert not text.attachments.exists()
    assert invoice.sent_via == SentVia.SMS and invoice.number
    assert (text.channel, text.to_address) == (MessageChannel.SMS, phone)
    assert "/i/" in text.body_text and "$250" in text.body_text and invoice.number in text.body_text
    assert "Text message" in client.get(page).content.decode()


def test_texting_a_contact_without_a_mobile_number_is_refused_in_words(world, job):
    lead, _quote = job
    with world.active():
        world.contact.phones.all().delete()
    invoice = _invoice(world, lead)
    with world.active(), pytest.raises(Exception, match="no mobile number"):
        invoice_send(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice, channel=SentVia.SMS
        )


def test_manual_sends_are_rate_limited(client, world, job):
    lead, _quote = job
    invoice = _invoice(world, lead)
    sign_in(client, world.rep)
    url = reverse("billing:send", kwargs={"lead_pk": lead.pk, "invoice_pk": invoice.pk})
    for _press in range(3):
        client.post(url, {"channel": "email"})
    refused = client.post(url, {"channel": "email"}, follow=True).content.decode()
    assert "was already sent 3 times in the last 10 minutes" in refused
    with world.active():
        assert OutboundMessage.objects.filter(tenant=world.tenant, lead=lead).count() == 3


def test_reminders_follow_the_channel_in_the_customers_language_up_to_the_most(world, job):
    lead, _quote = job
    with world.active():
        world.contact.language = "nl"
        world.contact.save(update_fields=["language"])
        lead = Lead.objects.select_related("contact").get(pk=lead.pk)
    invoice = _sent(world, lead, SentVia.SMS)
    due = invoice.due_on
    assert invoice.next_reminder_on == due + dt.timedelta(days=7)  # the defaults: 2, every 7 days

    assert _sweep(world, due + dt.timedelta(days=6)) == 1  # overdue published, no reminder yet
    assert _reminders(world, invoice) == []
    _sweep(world, due + dt.timedelta(days=7))
    [first] = _reminders(world, invoice)
    assert first.channel == MessageChannel.SMS
    assert "herinnering" in first.body_text and "$ 250" in first.body_text
    assert "/i/" in first.body_text
    _sweep(world, due + dt.timedelta(days=7))  # the same day again: nothing more
    assert len(_reminders(world, invoice)) == 1
    _sweep(world, due + dt.timedelta(days=14))
    _sweep(world, due + dt.timedelta(days=40))
    assert len(_reminders(world, invoice)) == 2  # at most 2
    with world.active():
        invoice.refresh_from_db()
        assert (invoice.reminders_sent, invoice.next_reminder_on) == (2, None)
        shown = TimelineEvent.objects.filter(lead_id=lead.pk, kind="invoice.reminder").count()
    assert shown == 2


def test_an_emailed_invoice_is_reminded_by_email_with_its_balance(world, job):
    lead, _quote = job
    invoice = _sent(world, lead)
    with world.active():
        invoice_apply_payment(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice, amount=D("100"),
            currency=world.tenant.currency, method="cash", received_on=world.tenant.today(),
        )  # fmt: skip
    _sweep(world, invoice.due_on + dt.timedelta(days=7))
    [reminder] = _reminders(world, invoice)
    assert reminder.channel == MessageChannel.EMAIL
    assert "overdue" in reminder.subject and "$150" in reminder.body_text


def test_the_admins_settings_move_the_next_reminder_and_zero_sends_none(client, world, job):
    lead, _quote = job
    invoice = _sent(world, lead)
    sign_in(client, world.admin)
    url = reverse("billing-settings:settings")
    assert (
        "7 days after the due date and 14 days after the due date"
        in client.get(url).content.decode()
    )
    response = client.post(
        url,
        {
            "payment_terms_days": 14,
            "invoice_prefix": "INV-",
            "credit_note_prefix": "CN-",
            "reminders_max": 3,
            "reminder_days_before_due": 2,
            "reminder_every_days": 5,
        },
    )
    assert response.status_code == 302
    with world.active():
        invoice.refresh_from_db()
    assert invoice.next_reminder_on == invoice.due_on - dt.timedelta(days=2)
    refused = client.post(url, {"payment_terms_days": 14, "invoice_prefix": "INV-",
                                "credit_note_prefix": "CN-", "reminders_max": 4,
                                "reminder_days_before_due": 0, "reminder_every_days": 0})  # fmt: skip
    assert "Between 0 and 3 reminders." in refused.content.decode()
    assert "Between 1 and 60 days." in refused.content.decode()
    _settings(world, reminders_max=0)
    _sweep(world, invoice.due_on + dt.timedelta(days=30))
    assert _reminders(world, invoice) == []


def test_a_payment_or_a_void_stops_the_reminders(world, job):
    lead, _quote = job
    paid, voided = _sent(world, lead), _sent(world, lead, amount="80")
    with world.active():
        invoice_apply_payment(
            tenant=world.tenant, actor=None, invoice=paid, amount=D("250"),
            currency=world.tenant.currency, method="card", received_on=world.tenant.today(),
        )  # fmt: skip
        invoice_void(tenant=world.tenant, actor=world.rep.user, invoice=voided)
    _sweep(world, paid.due_on + dt.timedelta(days=7))
    assert _reminders(world, paid) == [] and _reminders(world, voided) == []


def _together(*runs):
    """Run each on its own connection at the same moment; what each returned."""
    barrier = threading.Barrier(len(runs))
    results: dict[int, object] = {}

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except BaseException as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def committed_world():
    forget_cached_values()
    world = build_world("Two Workers Roofing")
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead_move_to_stage(
            tenant=world.tenant, actor=world.manager.user, lead=lead,
            stage=stage_named(pipeline, "Won"),
        )  # fmt: skip
        world.lead = Lead.objects.select_related("contact").get(pk=lead.pk)
    return world


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_reminder_once(committed_world):
    world = committed_world
    invoices = [_sent(world, world.lead, amount=str(10 + n)) for n in range(6)]
    day = invoices[0].due_on + dt.timedelta(days=7)
    results = _together(lambda: _sweep(world, day), lambda: _sweep(world, day))
    assert all(isinstance(result, int) for result in results.values()), results
    with world.active():
        keys = list(
            OutboundMessage.objects.filter(
                tenant=world.tenant, idempotency_key__startswith="invoice-reminder:"
            ).values_list("idempotency_key", flat=True)
        )
        counts = set(
            Invoice.objects.filter(tenant=world.tenant).values_list("reminders_sent", flat=True)
        )
    assert sorted(keys) == sorted(f"invoice-reminder:{invoice.pk}:1" for invoice in invoices)
    assert counts == {1}


@pytest.mark.django_db(transaction=True)
def test_a_payment_being_applied_during_the_sweep_gets_no_reminder(committed_world):
    """The payment holds the invoice while the sweep runs: the sweep passes it by, and once the
    payment is in, the invoice is paid and reminded no more."""
    world = committed_world
    invoice = _sent(world, world.lead)
    day = invoice.due_on + dt.timedelta(days=7)
    applied, release = threading.Event(), threading.Event()

    def pay():
        with world.active(), transaction.atomic():
            invoice_apply_payment(
                tenant=world.tenant, actor=None, invoice=invoice, amount=D("250"),
                currency=world.tenant.currency, method="card", received_on=world.tenant.today(),
            )  # fmt: skip
            applied.set()
            release.wait(timeout=30)

    def sweep_while_paying():
        applied.wait(timeout=30)
        try:
            return _sweep(world, day)
        finally:
            release.set()

    results = _together(pay, sweep_while_paying)
    assert results == {0: None, 1: 0}
    assert _sweep(world, day) == 0
    assert _reminders(world, invoice) == []
    with world.active():
        assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


def test_overdue_is_published_once_per_invoice(world, job, settings):
    lead, _quote = job
    invoice = _sent(world, lead)
    heard: list[InvoiceOverdue] = []
    settings.THREADLINE_EVENT_SUBSCRIBERS = f"{__name__}.OVERDUE_HEARD"
    OVERDUE_HEARD[InvoiceOverdue] = [heard.append]
    _sweep(world, invoice.due_on)  # due today: not overdue yet
    assert heard == []
    _sweep(world, invoice.due_on + dt.timedelta(days=1))
    _sweep(world, invoice.due_on + dt.timedelta(days=2))
    assert [event.invoice.pk for event in heard] == [invoice.pk]
    with world.active():
        invoice.refresh_from_db()
        assert invoice.overdue_at is not None
        assert TimelineEvent.objects.filter(lead_id=lead.pk, kind="invoice.overdue").count() == 1


OVERDUE_HEARD: dict = {}


def test_the_beat_sweep_visits_only_tenants_with_something_due(world, other_world, job):
    lead, _quote = job
    _sent(world, lead)
    now = timezone.now()
    assert invoice_reminders_due_tenant_ids(now) == []
    later = now + dt.timedelta(days=15)
    assert invoice_reminders_due_tenant_ids(later) == [world.tenant.pk]
    assert sweep_invoice_reminders.sweep.due_tenants is invoice_reminders_due_tenant_ids


@override_settings(COMMS_SANDBOX=False)
def test_a_payment_sends_one_receipt_in_the_customers_language_and_tells_the_owner(world, job):
    lead, _quote = job
    with world.active():
        world.contact.language = "nl"
        world.contact.save(update_fields=["language"])
        lead = Lead.objects.select_related("contact").get(pk=lead.pk)
    invoice = _sent(world, lead)
    with world.active():
        payment = invoice_apply_payment(
            tenant=world.tenant, actor=None, invoice=invoice, amount=D("100"),
            currency=world.tenant.currency, method="ideal", received_on=world.tenant.today(),
        )  # fmt: skip
        # Heard again (a replayed event): nothing more goes.
        assert not invoice_receipt_send(
            tenant=world.tenant, actor=None, invoice=invoice, payment=payment
        )
        [receipt] = OutboundMessage.objects.filter(
            tenant=world.tenant, idempotency_key=f"invoice-receipt:{payment.pk}"
        )
        [notice] = Notification.objects.filter(tenant=world.tenant, kind="invoice_payment")
    assert receipt.channel == MessageChannel.EMAIL
    assert invoice.number in receipt.subject and "$ 100" in receipt.subject
    assert "iDEAL" in receipt.body_text and "$ 150" in receipt.body_text
    assert "Nog te betalen" in receipt.body_text
    assert notice.recipient_id == world.rep.user_id
    assert "$150 left to pay" in notice.shown_title


def test_a_rep_recording_their_own_payment_is_not_told_about_it(world, job):
    lead, _quote = job
    invoice = _sent(world, lead)
    with world.active():
        invoice_apply_payment(
            tenant=world.tenant, actor=world.rep.user, invoice=invoice, amount=D("250"),
            currency=world.tenant.currency, method="cash", received_on=world.tenant.today(),
        )  # fmt: skip
        assert not Notification.objects.filter(kind="invoice_payment").exists()
        [receipt] = OutboundMessage.objects.filter(idempotency_key__startswith="invoice-receipt:")
    assert "paid in full" in receipt.body_text
