import pytest

from tests.e2e.conftest import follow, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_rep_signs_in_and_sees_the_shell(page_at, demo):
    page = page_at(1280)
    sign_in(page, "rep@demo.test")
    # A rep lands on their day (the follow-ups widget), then opens their leads.
    assert page.url.rstrip("/") == page.base
    page.wait_for_selector(".fu-widget")
    page.goto(f"{page.base}/leads/")
    assert page.locator(".tenant-pill").inner_text().strip() == "Florida First Roofing"
    nav = page.locator(".mainnav a").all_inner_texts()
    assert "Contacts" in nav and "Settings" not in nav
    # The bell is loaded by htmx after the page: the demo's welcome note and the inbox's
    # assignments and alerts are unread.
    page.wait_for_selector(".bell-count")
    assert int(page.locator(".bell-count").inner_text()) >= 1
    assert page.locator("table tbody tr").count() >= 10
    screenshot(page, "shell-rep-desktop")
    assert page.console_errors == []


def test_the_bell_opens_and_marks_everything_read(page_at, demo):
    page = page_at(1280)
    sign_in(page, "rep@demo.test")
    page.wait_for_selector(".bell-count")
    page.click(".bell-menu summary")
    # Newest first: the demo inbox's alerts, then the welcome note.
    notes = page.locator(".bell-menu .notification").all_inner_texts()
    assert notes and all(note.strip() for note in notes)
    screenshot(page, "bell-open")
    page.click(".bell-menu .menu-head button")
    page.wait_for_selector(".bell-count", state="detached")
    assert page.console_errors == []


def test_the_shell_fits_a_phone(page_at, demo):
    page = page_at(375, 740)
    sign_in(page, "rep@demo.test")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The navigation folds behind its menu button (tests/e2e/test_mobile_browser.py checks it all).
    assert not page.locator(".mainnav").is_visible()
    page.click(".nav-toggle")
    assert page.locator(".mainnav").is_visible()
    assert page.locator(".bell").is_visible()
    screenshot(page, "shell-rep-mobile")


def test_someone_in_two_tenants_chooses_and_switches(page_at, demo):
    page = page_at(1280)
    sign_in(page, "admin@demo.test")
    assert "/accounts/tenant/" in page.url
    choices = page.locator("button.choice strong").all_inner_texts()
    assert choices == ["ChargeCars", "Florida First Roofing"]
    follow(page, "button.choice:has-text('ChargeCars')")
    assert page.locator(".tenant-pill").inner_text().strip().startswith("ChargeCars")
    # An admin lands on the dashboard; the lead list shows whose data this is.
    page.goto(f"{page.base}/leads/")
    assert "Sanne" in page.locator("table.leads").inner_text()
    page.click(".tenant-pill")
    follow(page, "button.choice:has-text('Florida First Roofing')")
    page.goto(f"{page.base}/leads/")
    assert "Maria" in page.locator("table.leads").inner_text()
    assert "Sanne" not in page.locator("table.leads").inner_text()


def test_wrong_password_is_refused_with_a_message(page_at, demo):
    page = page_at(1280)
    sign_in(page, "rep@demo.test", password="wrong-password")
    assert "/accounts/login/" in page.url
    assert "correct email and password" in page.locator("main").inner_text()
    screenshot(page, "login-error")
