"""Invoice reminders as admins and reps see them, in Dutch (ChargeCars) and English (the roofer),
at 1280 and 375 px: the admin sets the reminders on the invoice settings page and the page says
what they do; an open invoice's page offers email or text and shows the reminders sent and the
next. Screenshots go to test-artifacts/screenshots/reminders-*.png."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from billing.models import Invoice, InvoiceStatus
from billing.services.reminders import invoice_reminders_send
from crm.models import Tenant
from crm.tenancy import tenant_context
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.conftest import follow, sign_in
from tests.e2e.test_billing_browser import SHOTS
from tests.e2e.test_portal_browser import _no_horizontal_scroll

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    assert _no_horizontal_scroll(page), name
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reminders-{name}.png"), full_page=True)


def _reminded_open_invoice(tenant: Tenant, email: str) -> Invoice:
    """The customer's open invoice, its first reminder sent (the sweep's day a week past due)."""
    with tenant_context(tenant):
        invoice = Invoice.objects.get(
            tenant=tenant, lead__contact__emails__email=email, status=InvoiceStatus.SENT
        )
        assert invoice.due_on is not None
        invoice_reminders_send(tenant=tenant, today=invoice.due_on + dt.timedelta(days=7))
        invoice.refresh_from_db()
        assert invoice.reminders_sent == 1
        return invoice


def _invoice_page(page, invoice: Invoice, shown: str, name: str) -> None:
    page.goto(f"{page.base}/invoices/leads/{invoice.lead_id}/{invoice.pk}/")
    expect(page.locator("#invoice-reminders")).to_contain_text(shown)
    expect(page.locator("#send-channel")).to_be_visible()
    _shot(page, name)


def test_the_admin_sets_reminders_and_the_invoice_shows_them(page_at, demo):
    chargecars = Tenant.objects.get(slug="chargecars")
    roofer = Tenant.objects.get(slug="demo")
    dutch = _reminded_open_invoice(chargecars, "daan.jansen@example.nl")
    english = _reminded_open_invoice(roofer, DEMO_CUSTOMER_EMAIL)
    for width in (1280, 375):
        page = page_at(width, 900)
        sign_in(page, "admin@chargecars.test")
        page.goto(f"{page.base}/settings/invoices/")
        expect(page.locator("#reminder-summary")).to_contain_text("7 dagen na de vervaldatum")
        if width == 1280:
            page.get_by_label("Herinneringen per factuur, maximaal").fill("3")
            page.get_by_label("Dagen vóór de vervaldatum").fill("3")
            page.get_by_role("button", name="Instellingen opslaan").click()
            expect(page.locator("#reminder-summary")).to_contain_text(
                "3 dagen vóór de vervaldatum, 7 dagen na de vervaldatum en 14 dagen na de "
                "vervaldatum"
            )
        _shot(page, f"settings-nl-{width}")
        _invoice_page(page, dutch, "1 van maximaal 3 verstuurd", f"invoice-nl-{width}")

        page = page_at(width, 900)
        sign_in(page, "admin@demo.test")
        follow(page, page.get_by_role("button", name="Florida First Roofing"))
        page.goto(f"{page.base}/settings/invoices/")
        expect(page.locator("#reminder-summary")).to_contain_text("7 days after the due date")
        _shot(page, f"settings-en-{width}")
        _invoice_page(page, english, "1 of at most 2 sent", f"invoice-en-{width}")
