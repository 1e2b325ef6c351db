"""An insurance job as staff and the homeowner see it, in English (the roofer's wind damage claim
from the demo) and in Dutch (a ChargeCars quote billed as an insurance job here), at 1280 and
375 px: the insurance form, the lead page's claim, the insurer's invoice with the split, and the
homeowner's invoice link, which shows their deductible only. Screenshots go to
test-artifacts/screenshots/insurance-*.png."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.invoice_links import invoice_public_token
from billing.models import InsuranceClaim, Invoice, Payer
from billing.services.insurance import insurance_invoices_create, invoice_issue_to_insurer
from billing.services.invoices import invoice_send
from crm.kit.links import lead_page
from crm.models import Tenant
from crm.tenancy import tenant_context
from leads.models import Lead, Quote, QuoteStatus, TaxRate
from leads.services.quotes import quote_save_draft
from tests.e2e.conftest import follow, sign_in
from tests.e2e.test_portal_browser import _no_horizontal_scroll

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _shot(page, name: str) -> None:
    assert _no_horizontal_scroll(page), name
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"insurance-{name}.png"), full_page=True)


def _dutch_claim(tenant: Tenant) -> InsuranceClaim:
    """Sanne's charger quote, accepted and billed as an insurance job (storm damage to the old
    charger): the deductible sent to her, the insurer's invoice issued."""
    with tenant_context(tenant):
        lead = Lead.objects.filter(
            tenant=tenant, contact__emails__email="sanne.devries@example.nl"
        )[0]
        quote = quote_save_draft(
            tenant=tenant, actor=None, lead=lead, valid_until=tenant.today() + dt.timedelta(days=30),
            title="Laadpaal vervangen na stormschade",
            lines=[("Laadpaal 11 kW", Decimal("1"), Decimal("1450"),
                    TaxRate.objects.get(tenant=tenant, is_default=True))],
        )  # fmt: skip
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)
        quote.refresh_from_db()
        claim = insurance_invoices_create(
            tenant=tenant, actor=None, quote=quote, insurer_name="Centraal Beheer",
            claim_number="SCH-2026-4471", deductible=Decimal("250"), depreciation=Decimal("200"),
        )  # fmt: skip
        for invoice in Invoice.objects.filter(claim=claim, is_depreciation=False):
            if invoice.payer == Payer.INSURER:
                invoice_issue_to_insurer(tenant=tenant, actor=None, invoice=invoice)
            else:
                invoice_send(tenant=tenant, actor=None, invoice=invoice)
        return claim


def _invoices(tenant: Tenant, claim: InsuranceClaim) -> tuple[Invoice, Invoice]:
    with tenant_context(tenant):
        invoices = list(Invoice.objects.filter(claim=claim, is_depreciation=False))
    homeowner = next(invoice for invoice in invoices if invoice.payer == Payer.HOMEOWNER)
    insurer = next(invoice for invoice in invoices if invoice.payer == Payer.INSURER)
    return homeowner, insurer


def _staff_and_homeowner(page_at, width, tenant, claim, language, words) -> None:
    suffix = f"{language}-{width}"
    homeowner, insurer = _invoices(tenant, claim)
    page = page_at(width, 900)
    sign_in(page, words["admin"])
    if language == "en":
        follow(page, page.get_by_role("button", name="Florida First Roofing"))
    page.goto(page.base + lead_page(claim.lead_id))
    panel = page.locator("#invoices")
    # The invoices section loads after the page.
    expect(panel.get_by_role("heading", name=words["claim"])).to_be_visible(timeout=30_000)
    panel.scroll_into_view_if_needed()
    _shot(page, f"lead-{suffix}")
    page.goto(f"{page.base}/invoices/leads/{claim.lead_id}/{insurer.pk}/")
    expect(page.get_by_role("button", name=words["release"])).to_be_visible()
    _shot(page, f"insurer-invoice-{suffix}")

    customer = page_at(width, 900)
    customer.goto(f"{customer.base}/i/{invoice_public_token(homeowner)}/")
    expect(customer.locator("h1")).to_contain_text(homeowner.number)
    expect(customer.get_by_text(claim.insurer_name, exact=False)).to_be_visible()
    assert insurer.number not in customer.content()
    _shot(customer, f"homeowner-link-{suffix}")
    customer.goto(f"{customer.base}/i/{invoice_public_token(insurer)}/")
    assert insurer.number not in customer.content()


def test_an_insurance_job_in_english_and_dutch_at_both_widths(page_at, demo):
    roofer = Tenant.objects.get(slug="demo")
    chargecars = Tenant.objects.get(slug="chargecars")
    with tenant_context(roofer):
        wind = InsuranceClaim.objects.get(tenant=roofer)
    dutch = _dutch_claim(chargecars)
    english_words = {"admin": "admin@demo.test", "claim": "Insurance claim FL-2026-118734",
                     "release": "Release depreciation"}  # fmt: skip
    dutch_words = {"admin": "admin@chargecars.test", "claim": "Schadeclaim SCH-2026-4471",
                   "release": "Afschrijving vrijgeven"}  # fmt: skip
    for width in (1280, 375):
        _staff_and_homeowner(page_at, width, roofer, wind, "en", english_words)
        _staff_and_homeowner(page_at, width, chargecars, dutch, "nl", dutch_words)

    with tenant_context(roofer):
        omar = Quote.objects.get(tenant=roofer, lead__title="Shingle re-roof")
    with tenant_context(chargecars):
        sanne = Quote.objects.get(pk=dutch.quote_id)
    for width in (1280, 375):
        for admin, quote, language, deductible in (
            ("admin@demo.test", omar, "en", "Deductible"),
            ("admin@chargecars.test", sanne, "nl", "Eigen risico"),
        ):
            page = page_at(width, 900)
            sign_in(page, admin)
            if language == "en":
                follow(page, page.get_by_role("button", name="Florida First Roofing"))
            page.goto(
                f"{page.base}/invoices/leads/{quote.lead_id}/from-quote/{quote.pk}/insurance/"
            )
            expect(page.get_by_label(deductible)).to_be_visible()
            _shot(page, f"form-{language}-{width}")
