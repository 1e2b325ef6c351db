"""The money loop, as the demo's rep and customer live it: a first payment on Casey Morgan's re-roof
(its $24,800 quote accepted and invoiced, the crew at work), recorded against the open invoice,
leaves the job in production with its balance on the lead
page and in the portal; the job cannot be called "Paid" by hand while money is due; the final
payment, the work completed, moves it to Paid, and only then are the thank-you call and the review
request scheduled. Screenshots at 1280 and 375 px go to test-artifacts/screenshots/money-*.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm.models import Tenant
from crm.tenancy import tenant_context
from followups.models import FollowUp
from leads.models import Lead
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.conftest import sign_in
from tests.e2e.test_portal_browser import _no_horizontal_scroll
from tests.e2e.test_portal_preferences_browser import _customer_signs_in
from tests.portal.helpers import reset_throttles

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AFTER_CARE = ("Thank-you call: the job is paid", "Ask for a review (text them the link)")


def _shot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def _job(tenant: Tenant) -> Lead:
    with tenant_context(tenant):
        return Lead.objects.select_related("stage").get(
            contact__emails__email=DEMO_CUSTOMER_EMAIL, title="Full roof replacement"
        )


def _after_care(tenant: Tenant, lead: Lead) -> list[str]:
    with tenant_context(tenant):
        return sorted(
            FollowUp.objects.filter(lead=lead, subject__in=AFTER_CARE).values_list(
                "subject", flat=True
            )
        )


def _open_payment_form(page) -> None:
    page.locator(".payments-head").get_by_role("link", name="Record payment").click()
    expect(page.get_by_role("heading", name="Record a payment")).to_be_visible()


def _record_payment(page, amount: str | None, reference: str) -> None:
    """On the job's open invoice (its re-roof invoice was sent): the payment is applied to it."""
    expect(page.locator("select[name=invoice]")).to_contain_text("INV-")
    if amount is not None:
        page.get_by_label("Amount").fill(amount)
    page.get_by_label("Method").select_option("check")
    page.get_by_label("Reference").fill(reference)
    page.get_by_role("button", name="Record payment").click()


def test_a_deposit_keeps_the_job_in_production_and_the_final_payment_makes_it_paid(page_at, demo):
    tenant = Tenant.objects.get(slug="demo")
    job = _job(tenant)
    assert job.stage.name == "In production"
    lead_url = f"/leads/{job.pk}/"

    staff = page_at(1280, 900)
    sign_in(staff, "rep@demo.test")
    staff.goto(staff.base + lead_url)
    balance = staff.locator("#job-balance")
    expect(balance).to_contain_text("$24,800")

    # The deposit: the job stays in production, its balance on the lead page.
    _open_payment_form(staff)
    _record_payment(staff, "3000", "Check 2211")
    expect(staff.get_by_text("Payment of $3,000 recorded against invoice")).to_be_visible()
    expect(balance).to_contain_text("Balance due")
    expect(balance).to_contain_text("$21,800")
    expect(staff.locator("table.payments")).to_contain_text("Progress payment")
    assert _job(tenant).stage.name == "In production"
    assert _after_care(tenant, job) == []
    _shot(staff, "money-lead-deposit-1280")

    # The customer sees the same balance in the portal, on a phone.
    reset_throttles(DEMO_CUSTOMER_EMAIL)
    customer = page_at(375, 812)
    _customer_signs_in(customer, tenant)
    customer.get_by_role("link", name="Full roof replacement").first.click()
    portal_balance = customer.locator("#job-balance")
    expect(portal_balance).to_contain_text("$24,800")
    expect(portal_balance).to_contain_text("$3,000")
    expect(portal_balance).to_contain_text("$21,800")
    assert _no_horizontal_scroll(customer)
    _shot(customer, "money-portal-balance-375")

    # The work is completed; "Paid" cannot be reached by hand while $21,800 is due.
    staff.get_by_role("button", name="Move to next stage →").click()
    expect(staff.get_by_text("Moved to the next stage.")).to_be_visible()
    assert _job(tenant).stage.name == "Completed"
    staff.get_by_role("button", name="Move to next stage →").click()
    expect(staff.get_by_text("still has $21,800 to pay")).to_be_visible()
    assert _job(tenant).stage.name == "Completed"
    assert _after_care(tenant, job) == []

    # The final payment: offered as the rest of the invoice's balance, it pays the job in full.
    _open_payment_form(staff)
    expect(staff.get_by_label("Amount")).to_have_value("21800.00")
    _shot(staff, "money-payment-form-1280")
    _record_payment(staff, None, "Check 2260")
    expect(staff.get_by_text("Payment of $21,800 recorded against invoice")).to_be_visible()
    expect(balance).to_contain_text("paid in full")
    assert _job(tenant).stage.name == "Paid"
    assert _after_care(tenant, job) == sorted(AFTER_CARE)
    expect(
        staff.locator(".payments-head").get_by_role("link", name="Record payment")
    ).to_have_count(0)
    _shot(staff, "money-lead-paid-1280")

    staff.set_viewport_size({"width": 375, "height": 812})
    staff.reload()
    expect(balance).to_contain_text("paid in full")
    assert _no_horizontal_scroll(staff)
    _shot(staff, "money-lead-paid-375")
    balance.scroll_into_view_if_needed()
    staff.screenshot(path=str(DOCS / "money-lead-balance-375.png"))  # the money section, close up

    customer.reload()
    expect(portal_balance).to_contain_text("Paid in full, thank you")
    customer.set_viewport_size({"width": 1280, "height": 900})
    customer.reload()
    _shot(customer, "money-portal-paid-1280")
    assert staff.console_errors == [] and customer.console_errors == []
