"""The issue's walk-through on the demo, over real HTTP: a demo customer texts the demo number
(signed as Twilio signs it) and emails the demo inbox (as Postmark posts it); both land in one
thread; the agent answers by SMS from the thread, and the reply shows with its delivery status."""

import base64
import datetime as dt
import json
import urllib.request
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from twilio.request_validator import RequestValidator

from crm.models import Contact, Tenant
from crm.tenancy import tenant_context
from messaging.services import outbox, outbox_send
from tests.e2e.conftest import follow, screenshot, settled, sign_in
from tickets.demo import FLORIDA_EMAIL, FLORIDA_NUMBER, FLORIDA_TWILIO_AUTH_TOKEN
from tickets.models import EventStatus, InboundEvent, Ticket
from tickets.services import ingest

pytestmark = pytest.mark.browser


def _next_tuesday_afternoon() -> dt.datetime:
    """15:00 in Miami on a Tuesday after today: inside SMS quiet hours and business hours, and in
    the future, so the browser (on the real clock) keeps the session cookie."""
    day = timezone.now().date() + dt.timedelta(days=1)
    while day.weekday() != 1:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(19, 0), tzinfo=dt.UTC)


def _post(url: str, data: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (the live server)
        return response.status


def _text_from(base: str, phone: str, body: str) -> int:
    url = f"{base}/hooks/twilio/inbound/"
    params = {"MessageSid": "SM" + "e2e" * 10, "From": phone, "To": FLORIDA_NUMBER, "Body": body}
    signature = RequestValidator(FLORIDA_TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return _post(
        url,
        urlencode(params).encode(),
        {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def _email_from(base: str, contact: Contact, address: str, subject: str, body: str) -> int:
    payload = {
        "FromFull": {"Email": address, "Name": contact.display_name},
        "ToFull": [{"Email": FLORIDA_EMAIL, "Name": ""}],
        "OriginalRecipient": FLORIDA_EMAIL,
        "MessageID": "e2e-postmark-1",
        "Subject": subject,
        "TextBody": body,
        "Headers": [{"Name": "Message-ID", "Value": "<e2e-1@example.com>"}],
    }
    credentials = base64.b64encode(b"test:test-webhook-secret").decode()
    return _post(
        f"{base}/hooks/anymail/postmark/inbound/",
        json.dumps(payload).encode(),
        {"Authorization": f"Basic {credentials}", "Content-Type": "application/json"},
    )


def _process_stored_events(tenant: Tenant) -> None:
    """What the worker does once the events are committed (no worker runs in tests)."""
    with tenant_context(tenant):
        for event_id in InboundEvent.objects.filter(status=EventStatus.PENDING).values_list(
            "pk", flat=True
        ):
            ingest.inbound_event_process(tenant=tenant, event_id=event_id)


def test_an_sms_and_an_email_from_one_customer_share_a_thread_answered_by_sms(
    demo, page_at, live_server
):
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        # A demo customer with no conversation yet, so the thread is this test's own.
        contact = (
            Contact.objects.filter(emails__isnull=False, phones__isnull=False, tickets__isnull=True)
            .order_by("pk")
            .first()
        )
        address = contact.emails.first().email
        phone = str(contact.phones.first().number)

    with (
        time_machine.travel(_next_tuesday_afternoon(), tick=True),
        override_settings(THREADLINE_SITE_URL=live_server.url),
    ):
        assert _text_from(live_server.url, phone, "Is the crew still coming today?") == 200
        assert (
            _email_from(
                live_server.url,
                contact,
                address,
                "Crew today?",
                "I texted too: the driveway is free after noon.",
            )
            == 200
        )
        _process_stored_events(tenant)
        with tenant_context(tenant):
            ticket = Ticket.objects.get(contact=contact)
            assert set(ticket.messages.values_list("channel", flat=True)) == {"sms", "email"}

        page = page_at(1280, 900)
        sign_in(page, "manager@demo.test")
        page.goto(f"{page.base}/inbox/?view=all")
        row = page.locator(".ticket-row", has_text=contact.display_name)
        assert row.count() == 1
        screenshot(page, "inbox-demo-list")
        row.locator("a").first.click()
        page.wait_for_load_state("networkidle")
        thread = page.locator(".msg-in")
        assert thread.count() == 2
        assert "Is the crew still coming today?" in thread.nth(0).inner_text()
        assert "driveway is free after noon" in thread.nth(1).inner_text()

        page.check("input[name=channel][value=sms]")
        page.fill("textarea[name=body]", "Yes, the crew arrives at 1 pm. See you then!")
        follow(page, ".reply-form button[type=submit]")
        reply = page.locator(".msg-out").last
        assert "the crew arrives at 1 pm" in reply.inner_text()
        assert reply.locator(".delivery .badge").inner_text() in ("Scheduled", "Queued for sending")

        # The worker's part: the outbox sends it (through the sandbox); the thread shows it sent.
        with tenant_context(tenant):
            for message_id in outbox.outbox_claim_due(tenant=tenant):
                outbox_send.message_send(tenant=tenant, message_id=message_id)
        page.reload()
        page.wait_for_load_state("networkidle")
        reply = page.locator(".msg-out").last
        assert reply.locator(".delivery .badge").inner_text() == "Sent"
        assert page.console_errors == []
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "inbox-demo-thread-desktop")

        phone_page = page_at(375, 800)
        sign_in(phone_page, "manager@demo.test")
        phone_page.goto(page.url)
        settled(phone_page)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        phone_page.evaluate("window.scrollTo(0, 0)")
        screenshot(phone_page, "inbox-demo-thread-phone")
