"""The demo customer signs in to the portal on a phone with the link from the sandbox outbox,
follows their two jobs, sends a photo of the porch and writes to the team; the same pages on a
desktop; staff see the sign-in on the contact page, the photo on the job and the message in the
inbox."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Contact, Tenant
from crm.tenancy import tenant_context
from documents.demo import photo_bytes
from messaging.models import SandboxDelivery
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.conftest import ARTIFACTS, screenshot, sign_in
from tests.portal.helpers import LINK, deliver, reset_throttles

pytestmark = pytest.mark.browser

QUESTION = "The porch ceiling is dripping again after last night's rain. Photo attached."


def _link_from_the_outbox(tenant: Tenant) -> str:
    deliver(tenant)
    with tenant_context(tenant):
        email = SandboxDelivery.objects.filter(
            tenant=tenant, to_address=DEMO_CUSTOMER_EMAIL, subject__startswith="Your sign-in link"
        ).latest("delivered_at")
    return LINK.search(email.body_text).group(1)


def test_the_demo_customer_signs_in_and_follows_their_jobs(page_at, demo):
    reset_throttles(DEMO_CUSTOMER_EMAIL)
    tenant = Tenant.objects.get(slug="demo")
    page = page_at(375, 812)

    page.goto(f"{page.base}/portal/")
    expect(page.get_by_role("heading", name="Sign in to your customer portal")).to_be_visible()
    screenshot(page, "portal-sign-in-375")
    page.get_by_label("Email or mobile number").fill(DEMO_CUSTOMER_EMAIL)
    page.get_by_role("button", name="Send me a sign-in link or code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(page.base + _link_from_the_outbox(tenant))
    expect(
        page.get_by_role("heading", name="Sign in to your Florida First Roofing portal")
    ).to_be_visible()
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Hello Casey")).to_be_visible()
    properties = page.locator("section.property")
    expect(properties).to_have_count(2)
    for index in range(2):
        expect(properties.nth(index).locator("ol.journey-steps")).to_have_count(1)
        expect(properties.nth(index).locator('[aria-current="step"]')).to_have_count(1)
    now = page.locator(".journey-now")
    expect(now.filter(has_text="Now: Work in progress")).to_have_count(1)
    expect(now.filter(has_text="Now: Quote ready")).to_have_count(1)
    assert _no_horizontal_scroll(page)
    screenshot(page, "portal-home-375")

    page.get_by_role("link", name="Leak over the porch", exact=True).click()
    expect(page.get_by_role("heading", name="Leak over the porch", level=1)).to_be_visible()
    expect(page.get_by_text("Rosa Delgado")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("View, accept or decline"))).to_be_visible()
    assert _no_horizontal_scroll(page)
    screenshot(page, "portal-job-375")

    documents = page.locator("#documents")
    documents.get_by_text("Send a document for this job").click()
    documents.get_by_label("What is it?").select_option("photo")
    documents.get_by_label("File").set_input_files(
        {"name": "porch-drip.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes("drip")}
    )
    documents.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("porch-drip.jpg is uploaded")
    expect(page.locator("#documents").get_by_role("link", name="porch-drip.jpg")).to_be_visible()

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Messages").click()
    page.get_by_label("Your message").fill(QUESTION)
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("ol.conversation .from-you").last).to_contain_text(QUESTION)
    assert _no_horizontal_scroll(page)
    screenshot(page, "portal-message-sent-375")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Your jobs").first.click()
    expect(page.get_by_role("heading", name="Hello Casey")).to_be_visible()
    screenshot(page, "portal-home-1280")
    page.get_by_role("link", name="Full roof replacement", exact=True).click()
    expect(page.locator(".journey-large .journey-now")).to_contain_text("Now: Work in progress")
    screenshot(page, "portal-job-1280")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    page.goto(f"{page.base}/portal/")
    expect(page.get_by_role("heading", name="Sign in to your customer portal")).to_be_visible()
    assert page.console_errors == []

    staff = page_at(1280, 900)
    sign_in(staff, "rep@demo.test")
    with tenant_context(tenant):
        contact = Contact.objects.get(tenant=tenant, emails__email=DEMO_CUSTOMER_EMAIL)
    staff.goto(f"{staff.base}/contacts/{contact.pk}/")
    card = staff.locator("#contact-portal")
    expect(card.get_by_text("Never")).to_have_count(0)
    expect(card.get_by_role("button", name="Invite to portal again")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "portal-staff-contact-1280.png"))
    expect(
        staff.locator("#documents-panel").get_by_role("link", name="porch-drip.jpg")
    ).to_be_visible()

    staff.goto(f"{staff.base}/inbox/?view=all")
    staff.locator(".ticket-row", has_text="Casey Morgan").locator("a").first.click()
    expect(staff.locator(".msg-in").last).to_contain_text(QUESTION)
    screenshot(staff, "portal-message-in-staff-inbox-1280")
    assert staff.console_errors == []


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
