"""The admin reads the outbox in a real browser: the list with its statuses and decisions, and one
email as the sandbox recorded it (its HTML in a sandboxed frame)."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings

from crm.models import Contact, Membership, Role, Tenant, User
from crm.tenancy import tenant_context
from leads.models import Lead
from messaging.models import MessageSource, MessageTemplate, OutboundMessage, Purpose
from messaging.services import outbox, outbox_delivery, outbox_send
from messaging.services.outbox_delivery import DeliveryEvent
from tests.e2e.conftest import ARTIFACTS, follow, screenshot, settled, sign_in
from tickets.models import InboxAddress

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"
# A Tuesday afternoon in Florida (EDT).
AFTERNOON = dt.datetime(2026, 6, 9, 18, 0, tzinfo=dt.UTC)
DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _at(minutes: int):
    return time_machine.travel(AFTERNOON + dt.timedelta(minutes=minutes), tick=False)


def _send_due(tenant, now):
    with tenant_context(tenant):
        for pk in outbox.outbox_claim_due(tenant=tenant, now=now):
            outbox_send.message_send(tenant=tenant, message_id=pk, now=now)


@pytest.fixture
def outbox_rows(demo):
    """A day of outbox traffic for the demo tenant: sent, delivered, opened, deferred, blocked,
    failed, and a team member's notification. Returns the email (the demo's acknowledgement)."""
    tenant = Tenant.objects.get(name=TENANT)
    with tenant_context(tenant):
        # The demo's own first messages aside: this day's traffic is the whole outbox.
        OutboundMessage.objects.filter(tenant=tenant).delete()
        template = MessageTemplate.objects.get(tenant=tenant, key="new-lead-ack")
        leads = list(
            Lead.objects.filter(tenant=tenant, contact__emails__isnull=False)
            .filter(contact__phones__isnull=False)
            .select_related("contact")
            .distinct()
            .order_by("pk")[:4]
        )
        rep = Membership.objects.filter(tenant=tenant, role=Role.REP).first()
        admin = Membership.objects.get(tenant=tenant, user__email="admin@demo.test")
        contacts = [lead.contact for lead in leads]
        spare = Contact.objects.filter(tenant=tenant).exclude(pk__in=[c.pk for c in contacts])
        spare = (
            spare.filter(emails__isnull=False)
            .exclude(consents__channel="email", consents__status="granted")
            .first()
        )

    def schedule(key, contact, channel, minutes, **fields):
        with _at(minutes), tenant_context(tenant):
            return outbox.message_schedule(
                tenant=tenant,
                channel=channel,
                idempotency_key=f"demo:{key}",
                contact=contact,
                now=AFTERNOON + dt.timedelta(minutes=minutes),
                **fields,
            )

    welcome = schedule(
        "welcome",
        contacts[0],
        "email",
        0,
        source=MessageSource.MANUAL,
        template=template,
        lead=leads[0],
        created_by=admin.user,
    )
    on_the_way = schedule(
        "on-the-way",
        contacts[1],
        "sms",
        5,
        source=MessageSource.MANUAL,
        lead=leads[1],
        body_text="Hi, this is Florida First Roofing: your inspector is on the way, there by 3:30.",
        created_by=admin.user,
    )
    with _at(6):
        _send_due(tenant, AFTERNOON + dt.timedelta(minutes=6))
    with tenant_context(tenant):
        outbox_delivery.message_record_delivery(
            tenant=tenant,
            message_id=welcome.pk,
            event=DeliveryEvent.DELIVERED,
            at=AFTERNOON + dt.timedelta(minutes=7),
            detail="Delivered (Postmark)",
        )
        outbox_delivery.message_record_delivery(
            tenant=tenant,
            message_id=welcome.pk,
            event=DeliveryEvent.OPENED,
            at=AFTERNOON + dt.timedelta(minutes=31),
            detail="Opened",
        )
        outbox_delivery.message_record_delivery(
            tenant=tenant,
            message_id=on_the_way.pk,
            event=DeliveryEvent.DELIVERED,
            at=AFTERNOON + dt.timedelta(minutes=6),
            detail="Delivered (Twilio)",
        )
    with tenant_context(tenant):
        # Neither the platform nor the demo's number has a Twilio account: the text fails.
        InboxAddress.objects.filter(tenant=tenant).update(
            twilio_account_sid="", twilio_auth_token_encrypted=""
        )
    with override_settings(COMMS_SANDBOX=False, TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN=""):
        schedule(
            "reminder",
            contacts[2],
            "sms",
            12,
            source=MessageSource.MANUAL,
            lead=leads[2],
            body_text="Reminder: your roof inspection is tomorrow at 9:00.",
        )
        with _at(13):
            _send_due(tenant, AFTERNOON + dt.timedelta(minutes=13))
    schedule(
        "newsletter",
        spare,
        "email",
        20,
        source=MessageSource.MANUAL,
        purpose=Purpose.MARKETING,
        subject="Hurricane season: is your roof ready?",
        body_text="Book a free check-up before June ends.",
    )
    with _at(25), tenant_context(tenant):
        outbox.message_schedule(
            tenant=tenant,
            channel="email",
            source=MessageSource.STAFF,
            idempotency_key="demo:staff",
            recipient_user=rep.user,
            subject=f"Lead {leads[3].reference} has been in its stage for 6 days",
            body_text="Open the lead to move it on.",
            now=AFTERNOON + dt.timedelta(minutes=25),
        )
    with _at(26):
        _send_due(tenant, AFTERNOON + dt.timedelta(minutes=26))
    # 23:15 in Florida: the SMS waits for 08:00.
    late = dt.datetime(2026, 6, 10, 3, 15, tzinfo=dt.UTC)
    with time_machine.travel(late, tick=False), tenant_context(tenant):
        outbox.message_schedule(
            tenant=tenant,
            channel="sms",
            source=MessageSource.MANUAL,
            idempotency_key="demo:late",
            contact=contacts[3],
            lead=leads[3],
            body_text="Your quote is ready: reply YES to book the job.",
            now=late,
        )
    with tenant_context(tenant):
        return OutboundMessage.objects.select_related("lead").get(pk=welcome.pk)


def _screenshot_with_frames(page, name: str) -> None:
    """A full-page screenshot with the sandboxed email frame painted: Chromium paints such an
    out-of-process frame only while it is inside the viewport, so the viewport takes the page."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": height})
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    screenshot(page, name)


def _open_as_admin(page, path: str) -> None:
    sign_in(page, "admin@demo.test")
    follow(page, f"button.choice:has-text('{TENANT}')")
    page.goto(f"{page.base}{path}")
    settled(page)


def test_the_admin_reads_the_outbox_and_one_recorded_email(page_at, outbox_rows):
    page = page_at(1280, 900)
    _open_as_admin(page, "/settings/outbox/")

    assert page.locator("h1").inner_text() == "Outbox"
    assert (
        "Sandbox: messages are recorded here, not sent."
        in page.locator(".outbox-sandbox").inner_text()
    )
    rows = page.locator("#outbox-rows tr")
    assert rows.count() == 6
    statuses = page.locator("#outbox-rows .badge").all_inner_texts()
    assert statuses == ["Scheduled", "Sent", "Not sent (policy)", "Failed", "Delivered", "Opened"]
    assert "Blocked: no marketing opt-in for Email" in rows.nth(2).inner_text()
    screenshot(page, "comms-outbox")
    assert page.console_errors == []

    page.select_option("select[name=status]", "failed")
    follow(page, "button:has-text('Filter')")
    assert page.locator("#outbox-rows tr").count() == 1

    page.goto(f"{page.base}/settings/outbox/{outbox_rows.pk}/")

    settled(page)
    assert "Email to" in page.locator("h1").inner_text()
    decisions = page.locator(".outbox-decisions li strong").all_inner_texts()
    assert decisions == ["Scheduled", "Sent", "Delivered", "Opened"]
    frame = page.frame_locator("iframe.outbox-html")
    assert outbox_rows.lead.reference in frame.locator("body").inner_text()
    assert page.locator("iframe.outbox-html").get_attribute("sandbox") == ""
    page.click("details.outbox-headers summary")
    headers = page.locator(".outbox-headers").inner_text()
    # A job message: no one-click unsubscribe header (that is for marketing only).
    assert "Message-ID" in headers and "List-Unsubscribe" not in headers
    _screenshot_with_frames(page, "comms-outbox-message")
    assert page.console_errors == []


def test_the_outbox_fits_a_phone(page_at, outbox_rows):
    page = page_at(375, 800)
    _open_as_admin(page, "/settings/outbox/")
    assert page.locator("#outbox-rows tr").count() == 6
    screenshot(page, "comms-outbox-375")
    page.goto(f"{page.base}/settings/outbox/{outbox_rows.pk}/")
    settled(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _screenshot_with_frames(page, "comms-outbox-message-375")
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_a_dutch_admin_reads_why_a_message_was_blocked_in_dutch(page_at, outbox_rows, width):
    """The decisions were written in English by the worker; a Dutch admin reads their names and
    reasons in Dutch, on the list and on the message's page, on a desktop and on a phone."""
    tenant = Tenant.objects.get(name=TENANT)
    User.objects.filter(email="admin@demo.test").update(language="nl")
    with tenant_context(tenant):
        blocked = OutboundMessage.objects.get(tenant=tenant, status="suppressed")
    page = page_at(width, 900)
    _open_as_admin(page, "/settings/outbox/")
    if width > 375:  # a phone's list leaves the reason to the message's page
        assert "Geblokkeerd: geen toestemming voor marketing via kanaal E-mail" in (
            page.locator("#outbox-rows").inner_text()
        )

    page.goto(f"{page.base}/settings/outbox/{blocked.pk}/")

    settled(page)
    decisions = page.locator(".outbox-decisions li").all_inner_texts()
    assert decisions and all("Blocked" not in line for line in decisions)
    assert "Geblokkeerd" in decisions[-1]
    assert "geen toestemming voor marketing via kanaal E-mail" in decisions[-1]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    name = f"comms-outbox-blocked-nl-{width}"
    _screenshot_with_frames(page, name)
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / f"{name}.png", DOCS / f"{name}.png")
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_the_daily_digests_are_found_under_their_own_source(page_at, outbox_rows, width):
    """A digest is a bulk message (sent after the ones someone waits on): the outbox lists it
    under its own source, apart from the other staff notifications."""
    tenant = Tenant.objects.get(name=TENANT)
    with _at(30), tenant_context(tenant):
        rep = Membership.objects.filter(tenant=tenant, role=Role.REP).first()
        outbox.message_schedule(
            tenant=tenant,
            channel="email",
            source=MessageSource.DIGEST,
            idempotency_key=f"digest:{rep.pk}:2026-06-09",
            recipient_user=rep.user,
            subject="Your day: 3 follow-ups, 1 lead gone red",
            body_text="Call Maria Gonzalez about her roof inspection.",
            now=AFTERNOON + dt.timedelta(minutes=30),
        )
    page = page_at(width, 900)
    _open_as_admin(page, "/settings/outbox/")
    assert page.locator("#outbox-rows tr").count() == 7

    page.select_option("select[name=source]", label="Daily digest")
    follow(page, "button:has-text('Filter')")

    rows = page.locator("#outbox-rows tr")
    assert rows.count() == 1
    assert "Your day: 3 follow-ups, 1 lead gone red" in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"comms-outbox-digests-{width}")
    assert page.console_errors == []
