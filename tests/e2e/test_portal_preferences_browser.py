"""The demo customer sets their preferences on a phone (a mistake is shown without losing what
they chose), downloads their data, and asks to be erased; a manager sees the request on the
contact page and erases the contact. Screenshots at 375 and 1280 px."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm.models import Contact, ErasureRequest, Tenant
from crm.tenancy import tenant_context
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.conftest import ARTIFACTS, screenshot, sign_in
from tests.e2e.test_portal_browser import _link_from_the_outbox, _no_horizontal_scroll
from tests.portal.helpers import reset_throttles

pytestmark = pytest.mark.browser


def _customer_signs_in(page, tenant):
    page.goto(f"{page.base}/portal/sign-in/")
    page.get_by_label("Email or mobile number").fill(DEMO_CUSTOMER_EMAIL)
    page.get_by_role("button", name="Send me a sign-in link or code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(page.base + _link_from_the_outbox(tenant))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello Casey")).to_be_visible()


def test_preferences_download_and_erasure(page_at, demo):
    reset_throttles(DEMO_CUSTOMER_EMAIL)
    tenant = Tenant.objects.get(slug="demo")
    page = page_at(375, 812)
    _customer_signs_in(page, tenant)

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Preferences").click()
    expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    assert _no_horizontal_scroll(page)
    screenshot(page, "portal-preferences-375")

    page.get_by_label("How should we reach you first?").select_option("sms")
    page.get_by_label("How often do you want an update on your jobs?").select_option("monthly")
    page.get_by_label("Messages about my jobs by SMS").uncheck()
    page.get_by_label("Offers and news by Email").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("You switched off messages by SMS")).to_be_visible()
    expect(page.get_by_label("How often do you want an update on your jobs?")).to_have_value(
        "monthly"
    )
    expect(page.get_by_label("Offers and news by Email")).to_be_checked()
    screenshot(page, "portal-preferences-error-375")
    page.get_by_label("Messages about my jobs by SMS").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download as JSON").click()
    data = json.loads(Path(download_info.value.path()).read_text())
    assert data["emails"][0]["email"] == DEMO_CUSTOMER_EMAIL
    assert len(data["properties"]) == 2

    page.get_by_role("link", name="Ask to erase my data…").click()
    screenshot(page, "portal-erasure-confirm-375")
    page.get_by_role("button", name="Yes, ask to erase my data").click()
    expect(page.get_by_text("Your request is recorded")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Preferences").click()
    expect(page.get_by_text("You asked us to erase your data")).to_be_visible()
    screenshot(page, "portal-preferences-1280")
    assert page.console_errors == []

    staff = page_at(1280, 900)
    sign_in(staff, "manager@demo.test")
    with tenant_context(tenant):
        contact = Contact.objects.get(tenant=tenant, emails__email=DEMO_CUSTOMER_EMAIL)
    staff.goto(f"{staff.base}/contacts/{contact.pk}/")
    card = staff.locator("#contact-erasure")
    expect(card.get_by_text("Erasure requested")).to_be_visible()
    card.get_by_text("Erase this contact…").click()
    card.get_by_label("Type ERASE to confirm").fill("ERASE")
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "portal-erasure-card-1280.png"))
    card.get_by_role("button", name="Erase this contact").click()
    expect(staff.get_by_role("heading", name="Erased contact")).to_be_visible()
    expect(staff.locator("#contact-erasure").get_by_text("Done: contact erased")).to_be_visible()
    screenshot(staff, "portal-erasure-staff-1280")
    with tenant_context(tenant):
        assert ErasureRequest.objects.get(contact=contact).status == "done"
    assert staff.console_errors == []
