"""Staff refund a payment that came in online, in Dutch (ChargeCars) and English (the roofer), at
1280 and 375 px: the invoice page offers "Refund online" for it, the form names what is left to
refund, and after asking the page says the refund is pending until the provider confirms it.
Screenshots go to test-artifacts/screenshots/billing-refund-*.png."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Invoice, InvoiceStatus
from billing.services.online import invoice_online_payment_apply
from crm.models import Tenant
from crm.tenancy import tenant_context
from gateway.services.checkout import checkout_start
from tests.e2e.conftest import follow, sign_in
from tests.e2e.test_billing_browser import _shot

pytestmark = pytest.mark.browser

WORDS = {
    "nl": ("Online terugbetalen", "Terugbetalen via de betaalprovider", "is in behandeling"),
    "en": ("Refund online", "Refund through the payment provider", "is pending"),
}


def _paid_online(tenant: Tenant, amount: str) -> Invoice:
    """An open invoice of the demo, part of it paid online through the demo's sandbox (the
    session marked paid as the provider's event would)."""
    from gateway.models import CheckoutSession, SessionStatus

    with tenant_context(tenant):
        invoice = (
            Invoice.objects.filter(tenant=tenant, status=InvoiceStatus.SENT)
            .select_related("lead")
            .order_by("pk")
            .first()
        )
        session = checkout_start(
            tenant=tenant,
            amount=Decimal(amount),
            currency=invoice.currency,
            description=f"Invoice {invoice.number}",
            reference=f"invoice:{invoice.pk}",
            success_url="https://crm.example.com/paid/",
            cancel_url="https://crm.example.com/invoice/",
        )
        CheckoutSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.PAID,
            paid_at=timezone.now(),
            provider_payment_intent=f"pi_{session.public_id.hex}",
        )
        session.refresh_from_db()
        invoice_online_payment_apply(
            tenant=tenant, session=session, amount=Decimal(amount), currency=invoice.currency
        )
    return invoice


def test_staff_refund_an_online_payment_in_dutch_and_english(page_at, demo):
    cases = (
        ("nl", "admin@chargecars.test", None, _paid_online(Tenant.objects.get(slug="chargecars"), "150")),
        ("en", "admin@demo.test", "Florida First Roofing", _paid_online(Tenant.objects.get(slug="demo"), "200")),
    )  # fmt: skip
    for language, email, business, invoice in cases:
        refund, submit, pending = WORDS[language]
        for width in (1280, 375):
            page = page_at(width, 900)
            sign_in(page, email)
            if business:
                follow(page, page.get_by_role("button", name=business))
            page.goto(f"{page.base}/invoices/leads/{invoice.lead_id}/{invoice.pk}/")
            link = page.get_by_role("link", name=refund)
            expect(link).to_be_visible()
            _shot(page, f"refund-invoice-{language}-{width}")
            link.click()
            _shot(page, f"refund-form-{language}-{width}")
            if width == 1280:
                page.get_by_label(re.compile("Bedrag|Amount")).fill("40")
                page.get_by_label(re.compile("Reden|Reason")).fill("Laadkabel retour")
                page.get_by_role("button", name=submit).click()
            else:
                page.go_back()
            expect(page.get_by_text(pending).first).to_be_visible()
            _shot(page, f"refund-pending-{language}-{width}")
