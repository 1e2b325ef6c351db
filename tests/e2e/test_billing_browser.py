"""Invoices as the demos show them, in Dutch (ChargeCars: a BTW invoice with its number) and in
English (the roofer and its portal customer), at 1280 and 375 px: the lead page's invoices, an
invoice, a taxed quote with its schedule, the quote editor, the tax and invoice settings, the
customer's invoice link and the portal's invoices. Screenshots go to
test-artifacts/screenshots/billing-*.png."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.invoice_links import invoice_public_token
from billing.models import Invoice, InvoiceStatus
from crm.kit.links import lead_page
from crm.models import Tenant
from crm.tenancy import tenant_context
from leads.models import Quote
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.conftest import follow, sign_in
from tests.e2e.test_portal_browser import _no_horizontal_scroll
from tests.e2e.test_portal_preferences_browser import _customer_signs_in
from tests.portal.helpers import reset_throttles

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _shot(page, name: str) -> None:
    assert _no_horizontal_scroll(page), name
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"billing-{name}.png"), full_page=True)


def _invoice_of(tenant: Tenant, email: str) -> Invoice:
    with tenant_context(tenant):
        return (
            Invoice.objects.filter(tenant=tenant, lead__contact__emails__email=email)
            .exclude(number="")
            .select_related("lead")
            .order_by("pk")
            .first()
        )


def _open_invoice_of(tenant: Tenant, email: str) -> Invoice:
    with tenant_context(tenant):
        return Invoice.objects.get(
            tenant=tenant, lead__contact__emails__email=email, status=InvoiceStatus.SENT
        )


def _pays_online(customer, invoice: Invoice, width: int) -> None:
    """The open invoice's link offers to pay its balance online; the button opens the
    provider's checkout page (the demo's sandbox) for that amount."""
    customer.goto(f"{customer.base}/i/{invoice_public_token(invoice)}/")
    pay = customer.get_by_role("button", name=re.compile(r"^Betaal € .* online$"))
    expect(pay).to_be_visible()
    _shot(customer, f"public-invoice-pay-nl-{width}")
    pay.click()
    expect(customer.get_by_role("button", name="Betaal met iDEAL")).to_be_visible()
    expect(customer.get_by_text(f"Factuur {invoice.number}")).to_be_visible()
    _shot(customer, f"sandbox-checkout-nl-{width}")


def _staff_pages(page, tenant: Tenant, invoice: Invoice, language: str, width: int) -> None:
    suffix = f"{language}-{width}"
    page.goto(page.base + lead_page(invoice.lead_id))
    panel = page.locator("#invoices")
    expect(panel.get_by_role("link", name=invoice.number)).to_be_visible()
    panel.scroll_into_view_if_needed()
    _shot(page, f"lead-{suffix}")
    panel.get_by_role("link", name=invoice.number).click()
    expect(page.locator("h1")).to_contain_text(invoice.number)
    expect(page.locator(".invoice-lines tfoot")).to_contain_text(
        "BTW 21 %" if language == "nl" else "Total"
    )
    _shot(page, f"invoice-{suffix}")
    with tenant_context(tenant):
        quote = Quote.objects.get(tenant=tenant, pk=invoice.quote_id)
    page.goto(f"{page.base}/leads/{invoice.lead_id}/quotes/{quote.pk}/")
    _shot(page, f"quote-{suffix}")
    page.goto(f"{page.base}/leads/{invoice.lead_id}/quotes/new/")
    _shot(page, f"quote-editor-{suffix}")


def test_invoices_in_dutch_and_english_at_both_widths(page_at, demo):
    chargecars = Tenant.objects.get(slug="chargecars")
    roofer = Tenant.objects.get(slug="demo")
    dutch = _invoice_of(chargecars, "daan.jansen@example.nl")
    english = _invoice_of(roofer, DEMO_CUSTOMER_EMAIL)
    assert dutch.number.startswith("INV-") and english.number.startswith("INV-")
    for width in (1280, 375):
        page = page_at(width, 900)
        sign_in(page, "admin@chargecars.test")
        _staff_pages(page, chargecars, dutch, "nl", width)
        page.goto(f"{page.base}/settings/tax-rates/")
        expect(page.get_by_role("link", name="BTW 9 %")).to_be_visible()
        _shot(page, f"tax-rates-nl-{width}")
        page.goto(f"{page.base}/settings/invoices/")
        _shot(page, f"invoice-settings-nl-{width}")
        customer = page_at(width, 900)
        customer.goto(f"{customer.base}/i/{invoice_public_token(dutch)}/")
        expect(customer.locator("h1")).to_contain_text(f"Factuur {dutch.number}")
        _shot(customer, f"public-invoice-nl-{width}")
        _pays_online(customer, _open_invoice_of(chargecars, "daan.jansen@example.nl"), width)

        page = page_at(width, 900)
        sign_in(page, "admin@demo.test")
        # This admin works in both demo businesses: they pick the roofer.
        follow(page, page.get_by_role("button", name="Florida First Roofing"))
        _staff_pages(page, roofer, english, "en", width)
        page.goto(f"{page.base}/settings/tax-rates/")
        expect(page.get_by_role("link", name="Sales tax")).to_be_visible()
        _shot(page, f"tax-rates-en-{width}")

        reset_throttles(DEMO_CUSTOMER_EMAIL)
        portal = page_at(width, 900)
        _customer_signs_in(portal, roofer)
        portal.goto(f"{portal.base}/portal/invoices/")
        expect(portal.get_by_role("link", name=english.number)).to_be_visible()
        _shot(portal, f"portal-invoices-en-{width}")
        portal.get_by_role("link", name=english.number).click()
        expect(portal.get_by_role("link", name="Download the PDF")).to_be_visible()
        _shot(portal, f"portal-invoice-en-{width}")
