"""Alerts in a real browser, on a desktop and on a phone: a burst of missed follow-ups and
unassigned leads reaches the manager as grouped bell items with their lists one click away; each
member sets their own time zone and digest on "My preferences"; an admin adds a closed day to the
business calendar. Screenshots at 1280 and 375 px go to test-artifacts/screenshots/alerts-*.png."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm.models import Membership, NotificationLevel, Tenant
from crm.services.notifications import notification_create
from crm.tenancy import tenant_context
from tests.e2e.conftest import follow, screenshot, settled, sign_in

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"
DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (1280, 375)


def _open(page, email: str, path: str) -> None:
    sign_in(page, email)
    chooser = page.locator(f"button.choice:has-text('{TENANT}')")
    if chooser.count():
        chooser.click()
        page.wait_for_load_state("networkidle")
    page.goto(f"{page.base}{path}")
    settled(page)


def _keep(page, name: str, **options) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot(page, name, **options), DOCS / f"{name}.png")


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def burst(demo) -> Membership:
    """25 missed follow-ups of a rep and 4 leads nobody could take, as the sweeps would tell the
    manager: one alert each."""
    tenant = Tenant.objects.get(name=TENANT)
    with tenant_context(tenant):
        manager = Membership.objects.select_related("user").get(
            tenant=tenant, user__email="manager@demo.test"
        )
        for number in range(25):
            notification_create(
                tenant=tenant,
                recipient=manager.user,
                title=f"Jordan Reyes missed a follow-up: Call back customer {number + 1}",
                body="Was due this morning.",
                url="/follow-ups/",
                level=NotificationLevel.WARNING,
                kind="follow_up_due",
                group="follow_up_missed",
            )
        for number in range(4):
            notification_create(
                tenant=tenant,
                recipient=manager.user,
                title=f"New lead L-90{number} needs an owner",
                body="No rep was available to take it.",
                url="/leads/",
                level=NotificationLevel.WARNING,
                kind="lead_assigned",
                group="lead_needs_owner",
            )
    return manager


@pytest.mark.parametrize("width", WIDTHS)
def test_the_manager_sees_grouped_alerts_with_their_lists(page_at, burst, width):
    page = page_at(width, 900)
    _open(page, "manager@demo.test", "/")
    page.locator("#bell summary.bell-button").click()
    panel = page.locator(".bell-menu .menu-panel")
    expect(panel).to_contain_text("25 follow-ups were missed today")
    expect(panel).to_contain_text("4 new leads need an owner")
    # One bell item per group, not 29 (the demo's own alerts are grouped too).
    for title in ("follow-ups were missed today", "new leads need an owner"):
        assert panel.locator(".notification-entry.grouped", has_text=title).count() == 1
    assert (
        panel.locator(".notification-entry:not(.grouped)", has_text="missed a follow-up").count()
        == 0
    )
    _keep(page, f"alerts-bell-{width}", full_page=False)

    page.goto(f"{page.base}/notifications/")

    settled(page)
    group = page.locator(
        ".card.flush .notification-entry.grouped", has_text="25 follow-ups were missed today"
    )
    group.locator("details.notification-items summary").click()
    expect(group.locator(".notification-items li")).to_have_count(25)
    expect(group).to_contain_text("Call back customer 25")
    _no_sideways_scroll(page)
    _keep(page, f"alerts-notifications-{width}")

    # The group from the bell: one click opens the whole list (and marks it read).
    page.goto(f"{page.base}/")
    page.locator("#bell summary.bell-button").click()
    follow(
        page, page.locator(".bell-menu .notification-body", has_text="4 new leads need an owner")
    )
    expect(page.locator("h1")).to_have_text("4 new leads need an owner")
    expect(page.locator(".notification-item-list li")).to_have_count(4)
    _no_sideways_scroll(page)
    assert page.console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_member_sets_their_zone_and_digest(page_at, demo, width):
    page = page_at(width, 900)
    _open(page, "rep@demo.test", "/")
    page.locator("details.usermenu summary").click()
    follow(page, page.locator("details.usermenu a", has_text="My preferences"))
    expect(page.locator("h1")).to_have_text("My preferences")
    page.select_option("select[name=time_zone]", "Europe/Amsterdam")
    page.select_option("select[name=digest]", "9")
    follow(page, page.locator("form.my-preferences button[type=submit]"))
    expect(page.locator(".flashes")).to_contain_text(
        "Your time zone, language and digest are saved."
    )
    expect(page.locator("select[name=time_zone]")).to_have_value("Europe/Amsterdam")
    expect(page.locator("select[name=digest]")).to_have_value("9")
    _no_sideways_scroll(page)
    _keep(page, f"alerts-preferences-{width}")
    assert page.console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_an_admin_adds_a_closed_day(page_at, demo, width):
    page = page_at(width, 900)
    _open(page, "admin@demo.test", "/settings/calendar/")
    expect(page.locator("h1")).to_have_text("Business calendar")
    expect(page.locator(".holiday-list")).to_contain_text("Christmas Day")
    page.fill("input[name=date]", (dt.date.today() + dt.timedelta(days=40)).isoformat())
    page.fill("input[name=name]", "Inventory day")
    follow(page, page.locator("button", has_text="Add closed day"))
    expect(page.locator(".closed-day-list")).to_contain_text("Inventory day")
    _no_sideways_scroll(page)
    _keep(page, f"alerts-calendar-{width}")
    assert page.console_errors == []
