"""The dashboard with the demo data in a real browser: a manager lands on what needs them now,
opens the aging tab and follows a count to the lead list, checks the team's SLA share against the
breached tickets, changes the period; a rep opens their own numbers; both fit a
phone."""

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import follow, screenshot, sign_in

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_manager_reads_the_dashboard_and_follows_a_count(page_at, demo_with_history):
    page = page_at(1280, 900)
    sign_in(page, "manager@demo.test")
    assert page.url.endswith("/dashboard/")
    assert page.inner_text("h1") == "Dashboard"
    # The first screen: what needs the manager now, each block on the screen at once.
    for title in (
        "Needs you now",
        "Late and getting late, by rep",
        "Not contacted in time",
        "Tickets past their SLA",
    ):
        assert page.get_by_text(title, exact=True).first.is_visible()
    red = int(page.locator("#now .kpi-red strong").first.inner_text())
    assert red > 0, "the demo has late leads"
    breached = page.locator(".dash-breached li").count()
    assert breached > 0, "the demo has tickets past their SLA"
    assert page.evaluate("document.documentElement.scrollHeight") < 2000  # was about 7,800
    assert page.console_errors == []
    screenshot(page, "dashboard-1280")
    page.screenshot(path=str(DOCS / "dashboard-now-1280.png"), full_page=True)

    # The details one click away, the tab in the address.
    follow(page, ".dash-tabs >> text=Aging")
    assert "tab=aging" in page.url
    assert page.locator("#aging-title").is_visible()
    # A chart per pipeline with open leads (the demo's three), and one by rep.
    assert page.locator("#aging svg.chart-svg").count() == 4
    assert int(page.locator("#aging .kpi-red strong").inner_text()) == red

    link = page.locator("#aging table a.tone-red").first
    count = int(link.inner_text())
    follow(page, link)
    assert "/leads/" in page.url and "aging=red" in page.url
    assert page.locator('tbody.lead[id^="lead-"]').count() == count

    # The team's SLA share counts the tickets past their SLA that the first screen lists.
    page.goto(f"{page.base}/dashboard/?tab=team")
    assert page.locator("#speed-title").is_visible()
    headers = page.locator("#team thead th").all_inner_texts()
    column = [text.lower() for text in headers].index("breached, unanswered")
    listed = sum(
        int(text)
        for text in page.locator(f"#team tbody tr > :nth-child({column + 1})").all_inner_texts()
    )
    assert listed == breached or listed > 10  # the first screen lists up to ten
    # Its tables and charts (drawn in Python): the speed, follow-ups and stage charts, each
    # table with a row header per row.
    assert page.locator("#team svg.chart-svg, #speed svg.chart-svg").count() >= 3
    assert page.locator("#team tbody tr th[scope=row]").count() > 0
    screenshot(page, "dashboard-team-1280")

    page.goto(f"{page.base}/dashboard/")
    page.select_option("select[name=period]", "quarter")
    follow(page, ".dash-filters button[type=submit]")
    assert "period=quarter" in page.url
    assert re.search(r"This quarter \(Q\d \d{4}\)", page.inner_text(".dash-scope"))

    # The last 12 months: the sources' cost and won value month by month, twelve months.
    page.select_option("select[name=period]", "year")
    follow(page, ".dash-filters button[type=submit]")
    assert "period=year" in page.url
    assert re.search(
        r"Last 12 months \(\w{3} \d{4} – \w{3} \d{4}\)", page.inner_text(".dash-scope")
    )
    # The tab stays as the period changes.
    follow(page, ".dash-tabs >> text=Lead sources")
    assert "period=year" in page.url and "tab=sources" in page.url
    # Leads by source, cost and won value by source, and the same two by month.
    assert page.locator("#sources svg.chart-svg").count() == 3
    assert page.console_errors == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "dashboard-year-1280", full_page=False)  # the top, as one sees it
    # Clipped from the whole page: an element screenshot would stitch the sticky header into it.
    screenshot(page, "dashboard-year-sources-1280", clip=page.locator("#sources").bounding_box())


def test_the_dashboard_fits_a_phone(page_at, demo_with_history):
    page = page_at(375, 800)
    sign_in(page, "manager@demo.test")
    _fits(page, 375)
    assert page.console_errors == []
    screenshot(page, "dashboard-375")
    page.screenshot(path=str(DOCS / "dashboard-now-375.png"), full_page=True)
    follow(page, ".dash-tabs >> text=Team")
    _fits(page, 375)
    screenshot(page, "dashboard-team-375")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_unusual_tab_says_its_weeks_end_at_midnight(page_at, demo_with_history, width):
    page = page_at(width, 900)
    sign_in(page, "manager@demo.test")
    follow(page, ".dash-tabs >> text=Unusual this period")
    assert "seven whole days to midnight" in page.inner_text("#anomalies .dash-note")
    assert page.locator("#anomalies svg.chart-svg").count() == 6
    _fits(page, width)
    assert page.console_errors == []
    screenshot(page, f"dashboard-trends-{width}")


def test_a_rep_opens_their_own_numbers(page_at, demo_with_history):
    page = page_at(375, 800)
    sign_in(page, "rep@demo.test")
    follow(page, "text=My numbers")
    assert page.inner_text("h1") == "My numbers"
    follow(page, ".dash-tabs >> text=Aging")
    assert page.locator("text=Open leads by rep").count() == 0
    assert "Tyler Brooks" not in page.content()  # the other rep
    _fits(page, 375)
    assert page.console_errors == []
    screenshot(page, "dashboard-rep-375")
