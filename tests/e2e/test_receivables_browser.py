"""Receivables as the demos show them once some invoices are overdue, in Dutch (ChargeCars) and
English (the roofer), at 1280 and 375 px: the dashboard's receivables tab, the invoice list its
amounts open, and a rep's home with their customers' overdue invoices. Screenshots go to
test-artifacts/screenshots/receivables-*.png."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import Invoice, InvoiceStatus, Series
from billing.services.invoices import invoice_create, invoice_issue
from crm.models import Membership, Role, Tenant
from crm.tenancy import tenant_context
from leads.models import Lead
from tests.e2e.conftest import sign_in
from tests.e2e.test_portal_browser import _no_horizontal_scroll

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Days past the due date of the invoices made overdue: one in each age past the first.
OVERDUE_DAYS = (12, 44, 75, 120)


def _shot(page, name: str) -> None:
    assert _no_horizontal_scroll(page), name
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"receivables-{name}.png"), full_page=True)


def _overdue_invoices(slug: str, rep_email: str) -> None:
    """The demo's open invoice and a few more on the rep's other jobs, due weeks ago."""
    tenant = Tenant.objects.get(slug=slug)
    with tenant_context(tenant):
        rep = Membership.objects.get(tenant=tenant, user__email=rep_email, role=Role.REP)
        leads = list(Lead.objects.filter(tenant=tenant, owner=rep).order_by("pk")[:3])
        for number, lead in enumerate(leads):
            invoice = invoice_create(
                tenant=tenant,
                actor=None,
                lead=lead,
                title="",
                lines=[("Service", Decimal("1"), Decimal(450 * (number + 1)), None)],
            )
            invoice_issue(tenant=tenant, invoice=invoice)
        open_invoices = Invoice.objects.filter(
            tenant=tenant, series=Series.INVOICE, status=InvoiceStatus.SENT
        ).order_by("pk")
        for invoice, days in zip(open_invoices, OVERDUE_DAYS, strict=False):
            Invoice.objects.filter(pk=invoice.pk).update(
                due_on=tenant.today() - dt.timedelta(days=days)
            )


@pytest.mark.parametrize(
    ("slug", "manager", "rep", "words"),
    [
        (
            "chargecars",
            "admin@chargecars.test",
            "rep@chargecars.test",
            ("Nu openstaand", "Facturen", "Achterstallige facturen"),
        ),
        (
            "demo",
            "manager@demo.test",
            "rep@demo.test",
            ("Owed right now", "Invoices", "Overdue invoices"),
        ),
    ],
)
def test_receivables_tab_invoice_list_and_rep_home(page_at, demo, slug, manager, rep, words):
    owed_heading, list_heading, home_heading = words
    _overdue_invoices(slug, rep)
    language = "nl" if slug == "chargecars" else "en"
    for width in (1280, 375):
        page = page_at(width, 900)
        sign_in(page, manager)
        page.goto(f"{page.base}/dashboard/?tab=receivables")
        expect(page.get_by_role("heading", name=owed_heading)).to_be_visible()
        _shot(page, f"dashboard-{language}-{width}")
        page.locator("#receivables table a.tone").first.click()
        expect(page.get_by_role("heading", name=list_heading, exact=True)).to_be_visible()
        expect(page.locator("#invoice-rows tr")).not_to_have_count(0)
        _shot(page, f"invoice-list-{language}-{width}")

        page = page_at(width, 900)
        sign_in(page, rep)
        page.goto(f"{page.base}/")
        expect(page.get_by_role("heading", name=home_heading)).to_be_visible()
        expect(page.locator(".overdue-list li")).not_to_have_count(0)
        _shot(page, f"rep-home-{language}-{width}")
