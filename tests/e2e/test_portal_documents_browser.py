"""The demo customer, signed in, uploads a photo on the portal's Documents page on a phone and
sees it listed; the same page on a desktop; their "Getting started" checklist on a phone."""

from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from crm.models import Contact, Tenant
from crm.tenancy import tenant_context
from documents.demo import photo_bytes
from portal.addresses import SignInAddress
from portal.auth import PortalSignIn, session_sign_in
from portal.demo import DEMO_CUSTOMER_EMAIL
from portal.models import ChallengeChannel
from portal.sessions import SIGNED_IN_AGE, cookie_name, session_rotate
from tests.e2e.conftest import screenshot
from tests.e2e.test_portal_browser import _no_horizontal_scroll

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _signed_in_as_casey(page) -> None:
    """A portal session for the demo customer, as a redeemed sign-in link leaves it (the link
    itself is tested in test_portal_browser.py)."""
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        casey = Contact.objects.get(tenant=tenant, emails__email=DEMO_CUSTOMER_EMAIL)
    store = SessionStore()
    session_rotate(store, age=SIGNED_IN_AGE)
    address = SignInAddress(ChallengeChannel.EMAIL, DEMO_CUSTOMER_EMAIL)
    session_sign_in(store, PortalSignIn(tenant, (casey.pk,), address))
    store.save()
    page.context.add_cookies(
        [{"name": cookie_name(), "value": store.session_key, "url": f"{page.base}/portal/"}]
    )


def _shoot(page, name: str) -> None:
    screenshot(page, name)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def test_a_customer_uploads_a_photo_and_sees_it_listed(page_at, demo):
    page = page_at(375, 812)
    _signed_in_as_casey(page)

    page.goto(f"{page.base}/portal/")
    card = page.get_by_role("link", name="Getting started: 3 of 5 done")
    expect(card).to_be_visible()
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Documents").click()

    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    listed = page.locator("#documents-list")
    expect(listed.get_by_role("link", name="Quote - full roof replacement.pdf")).to_be_visible()
    expect(listed.get_by_role("link", name="Front slope finished.jpg")).to_be_visible()
    expect(listed.get_by_text("Crew schedule.pdf")).to_have_count(0)  # the team's only

    form = page.locator("#upload")
    porch_job = form.locator("option", has_text="Leak over the porch").get_attribute("value")
    form.get_by_label("Which job is it for?").select_option(porch_job)
    form.get_by_label("What is it?").select_option("photo")
    form.get_by_label("File").set_input_files(
        {"name": "porch-after-rain.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes("porch")}
    )
    form.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("status")).to_contain_text("porch-after-rain.jpg is uploaded")
    porch = page.locator(".portal-document-group").filter(
        has=page.get_by_role("heading", name="Leak over the porch")
    )
    expect(porch.get_by_role("link", name="porch-after-rain.jpg")).to_be_visible()
    expect(porch.locator(".portal-document").first).to_contain_text("uploaded by you")
    assert _no_horizontal_scroll(page)
    _shoot(page, "portal-documents-375")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(page.get_by_role("heading", name="Send us a document")).to_be_visible()
    _shoot(page, "portal-documents-1280")

    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_role("navigation", name="Portal").get_by_role(
        "link", name="Getting started"
    ).click()
    expect(page.get_by_role("heading", name="Getting started", level=1)).to_be_visible()
    expect(page.locator(".onboarding-count")).to_have_text("3 of 5 done")
    expect(page.locator("#step-documents")).to_contain_text("Still needed: insurance paper")
    assert _no_horizontal_scroll(page)
    _shoot(page, "portal-onboarding-375")
    assert page.console_errors == []
