"""The header search in a browser (issue 20): "/" reaches the box from anywhere, Enter opens the
results grouped by kind, each result a link to its page; the same at 375 px. Screenshots of the
results at 1280 and 375 px go to test-artifacts/screenshots/search-*.png."""

from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _docs_screenshot(page, name: str) -> None:
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"), full_page=True)


def _group(page, kind: str):
    return page.locator(f"section[aria-labelledby='search-{kind}'] li a")


def test_the_header_search_finds_contacts_leads_and_tickets_from_the_keyboard(page_at, demo):
    page = page_at(1280)
    sign_in(page, "manager@demo.test")
    page.goto(f"{page.base}/leads/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "header-search"
    page.keyboard.type("maria gonzalez")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=maria+gonzalez")
    for kind in ("contacts", "leads", "tickets"):
        assert _group(page, kind).count() >= 1, kind
        assert "Maria Gonzalez" in _group(page, kind).first.inner_text()
    _docs_screenshot(page, "search-results-desktop")
    # Tab reaches the results as links; Enter on the first contact opens its page.
    _group(page, "contacts").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/contacts/*/")
    assert "Maria Gonzalez" in page.locator("h1").inner_text()
    # A phone number in another format finds the same customer.
    page.goto(f"{page.base}/search/?q=305.555.0101")
    assert "Maria Gonzalez" in _group(page, "contacts").first.inner_text()
    assert page.console_errors == []


def test_the_header_search_on_a_phone(page_at, demo):
    page = page_at(375, 740)
    sign_in(page, "rep@demo.test")
    box = page.locator("#header-search")
    assert box.is_visible()
    # The top bar keeps one line: the box sits beside the brand mark, not below it.
    brand = page.locator(".brandmark").bounding_box()
    assert abs(box.bounding_box()["y"] - brand["y"]) < brand["height"]
    box.fill("(305) 555-0101")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert "Maria Gonzalez" in _group(page, "contacts").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _docs_screenshot(page, "search-results-mobile")
    # The inbox's own search box, on the phone too.
    page.goto(f"{page.base}/inbox/?view=all&q=maria+gonzalez")
    assert "Maria Gonzalez" in page.locator(".ticket-contact").first.inner_text()
    assert page.locator(".inbox-filters input[name=q]").input_value() == "maria gonzalez"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "search-inbox-mobile")
    assert page.console_errors == []
