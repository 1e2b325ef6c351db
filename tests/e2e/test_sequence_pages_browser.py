"""Sequences in a browser, on the demo: the settings pages and the lead page's panel."""

import pytest

from automation.demo_sequences import seed_sequences
from automation.services import sequences
from crm.models import Tenant
from crm.tenancy import tenant_context
from leads.models import Lead, LeadStatus
from tests.e2e.conftest import ARTIFACTS, follow, screenshot
from tests.e2e.conftest import sign_in as browser_sign_in


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_the_sequence_pages_and_the_lead_panel(page_at, demo, width):
    """On the demo: the settings pages and the lead page's panel, enrolling by htmx, at desktop
    and phone widths, without horizontal scrolling or console errors (CSP)."""
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        payments = next(s for s in seed_sequences(tenant) if s.name == "Payment reminders")
        leads = list(Lead.objects.filter(status=LeadStatus.WON).order_by("pk")[:3])
        for lead in leads[:2]:
            sequences.sequence_enrol(tenant=tenant, actor=None, sequence=payments, lead=lead)
        sequences.enrolments_stop(tenant=tenant, lead=leads[1], reason="Replied by SMS (T-1042)")
        lead = leads[2]
    page = page_at(width, 900)
    browser_sign_in(page, "admin@demo.test")
    follow(page, f"button.choice:has-text('{tenant.name}')")

    page.goto(f"{page.base}/settings/sequences/")
    assert page.locator("article.sequence").count() == 2
    screenshot(page, f"sequences-list-{width}")
    page.goto(f"{page.base}/settings/sequences/{payments.pk}/")
    assert page.locator(".trigger-step").count() == 4
    screenshot(page, f"sequences-edit-{width}")
    page.goto(f"{page.base}/settings/sequences/{payments.pk}/steps/new/")
    page.check("input[name=kind][value=message]")
    page.locator("#step-fields select[name=template]").wait_for()
    screenshot(page, f"sequences-step-{width}")
    page.goto(f"{page.base}/settings/sequences/{payments.pk}/enrolments/")
    assert "Replied by SMS (T-1042)" in page.inner_text("table")
    screenshot(page, f"sequences-enrolments-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(f"{page.base}/leads/{lead.pk}/")
    panel = page.locator("#sequences-panel")
    panel.locator("select[name=sequence]").wait_for()
    panel.locator("select[name=sequence]").select_option(label="Payment reminders")
    panel.locator("button", has_text="Enrol").click()
    page.locator("#sequences-panel .flash").wait_for()
    assert "Enrolled in Payment reminders." in page.inner_text("#sequences-panel")
    ARTIFACTS.mkdir(exist_ok=True)
    panel.screenshot(path=str(ARTIFACTS / f"sequences-lead-panel-{width}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []
