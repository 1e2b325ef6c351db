"""The delivery-policy page, a contact's comms panel and one's notification preferences in a
real browser, on a desktop and on a phone."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Contact, ContactConsent, Tenant
from crm.tenancy import tenant_context
from messaging.models import CommsSettings, ContactCommsProfile, MessageSource
from messaging.services import outbox, outbox_send
from messaging.services.policy import comms_settings_get
from tests.e2e.conftest import follow, screenshot, settled, sign_in
from tests.factories import message_template_for

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"
DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _open(page, email: str, path: str) -> None:
    sign_in(page, email)
    chooser = page.locator(f"button.choice:has-text('{TENANT}')")
    if chooser.count():
        chooser.click()
        page.wait_for_load_state("networkidle")
    page.goto(f"{page.base}{path}")
    settled(page)


def _keep(page, name: str) -> None:
    """The screenshot goes to test-artifacts/ and, a copy to test-artifacts/screenshots/."""
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot(page, name), DOCS / f"{name}.png")


@pytest.fixture
def tenant(demo) -> Tenant:
    return Tenant.objects.get(name=TENANT)


@pytest.fixture
def contact_with_history(tenant) -> Contact:
    """A demo contact (who agreed to email and SMS) with a few messages behind them: sent,
    deferred to the morning, blocked outside WhatsApp's window; and an email address that
    bounced."""
    with tenant_context(tenant):
        contact = Contact.objects.filter(tenant=tenant, first_name="Maria").get()
        quote = message_template_for(
            tenant,
            "roof-check-in",
            channels=("email", "sms"),
            subject="Your roof quote",
            text="Hi {{ first_name }}, any questions about your roof quote?",
        )
        promo = message_template_for(
            tenant,
            "spring-offer",
            channels=("whatsapp",),
            purpose="marketing",
            text="Hi {{ first_name }}, book your spring roof check-up.",
        )
        now = timezone.now()
        sent = outbox.message_schedule(
            tenant=tenant,
            channel="email",
            source=MessageSource.MANUAL,
            idempotency_key="demo-sent",
            contact=contact,
            template=quote,
            now=now - dt.timedelta(days=2),
            send_after=now - dt.timedelta(days=2),
        )
        for message_id in outbox.outbox_claim_due(tenant=tenant, now=now):
            outbox_send.message_send(tenant=tenant, message_id=message_id, now=now)
        late_evening = now.astimezone(tenant.zone).replace(hour=22, minute=30)
        outbox.message_schedule(
            tenant=tenant,
            channel="sms",
            source=MessageSource.MANUAL,
            idempotency_key="demo-deferred",
            contact=contact,
            template=quote,
            send_after=late_evening + dt.timedelta(days=1),
            now=now,
        )
        outbox.message_schedule(
            tenant=tenant,
            channel="whatsapp",
            source=MessageSource.TRIGGER,
            idempotency_key="demo-blocked",
            contact=contact,
            template=promo,
            now=now,
        )
        ContactCommsProfile.objects.update_or_create(
            tenant=tenant,
            contact=contact,
            defaults={
                "email_bounced_at": now - dt.timedelta(hours=3),
                "bounced_email": sent.to_address,
            },
        )
    return contact


@pytest.mark.parametrize("width", [1280, 375])
def test_the_admin_edits_the_delivery_policy(page_at, tenant, width):
    page = page_at(width)
    _open(page, "admin@demo.test", "/settings/delivery/")

    assert page.locator("h1").inner_text() == "Delivery policy"
    page.uncheck("input[name=email_any_time]")
    page.fill("input[name=email_start]", "07:00")
    page.fill("input[name=email_end]", "21:00")
    page.fill("input[name=phone_start]", "21:00")
    page.fill("input[name=phone_end]", "07:00")
    page.fill("input[name=sms_cap]", "1")
    page.fill("input[name=update_interval_days]", "7")
    follow(page, "button:has-text('Save delivery policy')")

    assert "Delivery policy saved" in page.locator(".flashes").inner_text()
    assert page.locator(".crosses-midnight").count() == 1
    with tenant_context(tenant):
        saved: CommsSettings = comms_settings_get(tenant=tenant)
    assert saved.quiet_hours["email"] == ["07:00", "21:00"]
    assert saved.quiet_hours["phone"] == ["21:00", "07:00"]
    assert (saved.weekly_caps["sms"], saved.update_interval_days) == (1, 7)
    if width == 1280:
        _keep(page, "comms-delivery")
    else:
        screenshot(page, "comms-delivery-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_staff_use_the_comms_panel_on_a_contact(page_at, contact_with_history, width):
    contact = contact_with_history
    page = page_at(width)
    _open(page, "admin@demo.test", f"/contacts/{contact.pk}/")

    panel = page.locator("#contact-comms")
    panel.locator(".consent-list").wait_for()
    assert panel.locator(".consent-row").count() == 4
    assert panel.locator(".contact-messages tbody tr").count() == 3
    messages = panel.locator(".contact-messages").inner_text()
    assert "Blocked: outside WhatsApp's 24-hour window" in messages
    assert "SMS only 08:00–20:00 (America/New_York)" in messages
    assert "Email bounced." in panel.inner_text()

    sms = panel.locator(".consent-row", has_text="SMS")
    sms.locator("summary").click()
    sms.locator("input[name=note]").fill("told us on the phone")
    sms.locator("button:has-text('Consent withdrawn')").click()
    page.wait_for_selector("#contact-comms .row-flash.done")
    assert "SMS consent recorded as “withdrawn”." in page.locator("#contact-comms").inner_text()
    expect(page.locator("#contact-timeline")).to_contain_text(
        "SMS consent withdrawn (staff: told us on the phone)"
    )

    page.select_option("#contact-comms select[name=time_zone]", "America/Chicago")
    page.select_option("#contact-comms select[name=update_frequency]", "monthly")
    page.click("#contact-comms .comms-profile button[type=submit]")
    page.wait_for_selector("#contact-comms .row-flash.done:has-text('Messaging preferences saved')")

    with tenant_context(contact.tenant):
        consent = ContactConsent.objects.get(contact=contact, channel="sms")
        profile = ContactCommsProfile.objects.get(contact=contact)
    assert (consent.status, consent.source) == ("withdrawn", "staff: told us on the phone")
    assert (profile.time_zone, profile.update_frequency) == ("America/Chicago", "monthly")

    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays at the top of the shot
    if width == 1280:
        _keep(page, "comms-contact-panel")
    else:
        screenshot(page, "comms-contact-panel-375")
    # The panel fits; the page's Details card may not (a long email address in crm's grid).
    assert panel.bounding_box()["x"] + panel.bounding_box()["width"] <= width
    assert panel.evaluate("element => element.scrollWidth <= element.clientWidth")
    assert page.console_errors == []

    page.click("#contact-comms button:has-text('Address fixed, clear the bounce')")
    page.wait_for_selector("#contact-comms .row-flash.done:has-text('Bounce cleared')")
    assert page.locator("#contact-comms .bounce-notice").count() == 0


@pytest.mark.parametrize("width", [1280, 375])
def test_a_rep_chooses_email_copies(page_at, tenant, width):
    page = page_at(width)
    _open(page, "rep@demo.test", "/notifications/")
    follow(page, "a:has-text('Email and SMS preferences')")

    assert page.locator("h1").inner_text() == "My preferences"
    row = page.locator("tr", has_text="A lead is assigned to me")
    assert row.locator("input").nth(0).is_checked() and row.locator("input").nth(0).is_disabled()
    row.locator("input[name=lead_assigned__email]").check()
    page.locator("tr", has_text="A customer replied").locator("input[name$=__email]").check()
    follow(page, "button:has-text('Save preferences')")

    assert "Notification preferences saved." in page.locator(".flashes").inner_text()
    assert page.locator("input[name=lead_assigned__email]").is_checked()
    if width == 1280:
        _keep(page, "comms-notification-preferences")
    else:
        screenshot(page, "comms-notification-preferences-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []
