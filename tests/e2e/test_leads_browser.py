"""A rep works the lead list in a real browser: filter, move a lead from its row, see the bar."""

import pytest

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _current_segment_index(row) -> int:
    classes = row.locator(".progress .seg").evaluate_all("els => els.map(e => e.className)")
    return next(i for i, name in enumerate(classes) if "seg-current" in name)


def test_a_rep_filters_the_list_and_moves_a_lead_from_its_row(page_at, demo):
    page = page_at(1366, 900)
    sign_in(page, "rep@demo.test")
    page.goto(f"{page.base}/leads/")
    assert page.locator("tbody.lead").count() >= 5
    # Every row has a bar with one segment per stage of its pipeline.
    first_bar = page.locator("tbody.lead .progress").first
    assert first_bar.locator(".seg").count() >= 9
    assert "Stage" in first_bar.get_attribute("aria-label")
    screenshot(page, "leads-list-rep")

    # Filter: the search box narrows the list in place (htmx), the URL keeps the filter.
    page.fill("main input[name=q]", "Maria")  # the list's own box, not the header's
    page.wait_for_function(
        "() => document.querySelectorAll('tbody.lead').length === 1", timeout=10_000
    )
    assert "q=Maria" in page.url
    row = page.locator("tbody.lead").first
    assert "Maria Gonzalez" in row.inner_text()
    before = _current_segment_index(row)
    stage_before = row.locator("tr.lead-main td.stage-cell").inner_text()

    # Move it a stage from the row: the row is replaced and its bar moves one segment on.
    row.locator("button", has_text="Next").click()
    page.wait_for_selector("tbody.lead .row-flash.done")
    row = page.locator("tbody.lead").first
    assert _current_segment_index(row) == before + 1
    assert row.locator("tr.lead-main td.stage-cell").inner_text() != stage_before
    screenshot(page, "leads-list-after-move")

    # The ⋯ menu loads its forms when it opens; a note added there comes back in the row.
    row.locator("details.row-menu summary").click()
    page.wait_for_selector("tbody.lead .action-panel textarea[name=body]")
    screenshot(page, "leads-row-menu")
    row = page.locator("tbody.lead").first
    row.locator("textarea[name=body]").fill("Wants the work done before hurricane season")
    row.locator("button", has_text="Add note").click()
    page.wait_for_selector("tbody.lead .row-flash.done >> text=Note added.")
    assert page.console_errors == []


def test_the_list_and_a_lead_page_fit_a_phone(page_at, demo):
    page = page_at(375, 800)
    sign_in(page, "manager@demo.test")
    page.goto(f"{page.base}/leads/?aging=red")
    assert page.locator("tbody.lead").count() >= 1
    screenshot(page, "leads-list-phone-red")
    page.locator("tbody.lead a.lead-name").first.click()
    page.wait_for_selector(".progress.large")
    assert page.locator(".stage-steps .step").count() >= 9
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 380, width
    screenshot(page, "lead-page-phone")
    assert page.console_errors == []


def test_a_manager_opens_a_lead_and_reads_its_bar_score_and_timeline(page_at, demo):
    page = page_at(1280, 900)
    sign_in(page, "manager@demo.test")
    page.goto(f"{page.base}/leads/?sort=aging")
    page.locator("tbody.lead a.lead-name").first.click()
    page.wait_for_selector(".progress.large")
    assert page.locator(".score-parts tr").count() >= 2
    assert page.locator(".timeline li").count() >= 3
    screenshot(page, "lead-page-desktop")
    assert page.console_errors == []
