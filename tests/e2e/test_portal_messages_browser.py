"""The demo customer opens Messages on a phone, reads the team's answer, writes to the team and
sees the message in the thread (an htmx swap, the box emptied); then the same page and the update
history on a desktop. Screenshots at 375 and 1280 px go to test-artifacts/screenshots/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm.models import Tenant
from crm.tenancy import tenant_context
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.test_portal_browser import _no_horizontal_scroll
from tests.e2e.test_portal_preferences_browser import _customer_signs_in
from tests.portal.helpers import reset_throttles
from tickets.models import TicketMessage

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
QUESTION = "Could the crew also look at the gutter on the north side while they are up there?"


def _shot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def test_the_demo_customer_writes_to_the_team(page_at, demo):
    reset_throttles(DEMO_CUSTOMER_EMAIL)
    tenant = Tenant.objects.get(slug="demo")
    page = page_at(375, 812)
    _customer_signs_in(page, tenant)

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    thread = page.locator("ol.conversation")
    expect(thread.locator(".from-you")).to_contain_text("side gate open on Thursday")
    expect(thread.locator(".from-team")).to_contain_text("the crew arrives around 7:30")

    page.get_by_label("Your message").fill(QUESTION)
    page.get_by_role("button", name="Send message").click()

    expect(thread.locator(".from-you").last).to_contain_text(QUESTION)
    expect(page.get_by_text("Sent. The team sees it in their inbox")).to_be_visible()
    expect(page.get_by_label("Your message")).to_have_value("")
    assert page.url.endswith("/portal/messages/")  # swapped in place, no reload
    assert _no_horizontal_scroll(page)
    _shot(page, "portal-messages-375")
    with tenant_context(tenant):
        sent = TicketMessage.objects.get(body_text=QUESTION)
        assert (sent.channel, sent.direction, sent.ticket.contact.display_name) == (
            "portal",
            "in",
            "Casey Morgan",
        )

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(thread.locator(".bubble")).to_have_count(3)
    _shot(page, "portal-messages-1280")

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Updates").click()
    expect(page.get_by_role("heading", name="Updates", level=1)).to_be_visible()
    updates = page.locator("li.update")
    expect(updates.filter(has_text="work has started")).to_have_count(1)
    expect(updates.filter(has_text="Leak over the porch")).to_have_count(1)
    _shot(page, "portal-updates-1280")
    assert page.console_errors == []
