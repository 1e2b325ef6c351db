"""The whole money loop on the Dutch demo (ChargeCars, BTW): the customer accepts a quote with a
deposit on a phone and pays the deposit at once in the payments sandbox; the lead page (staff, in
English) and the portal (customer, in Dutch) show the balance; the job reaches the stage the admin
chose and its final invoice goes out by email; the customer pays it from the emailed link; the
work being completed, the job becomes Paid, and only then is the review request scheduled.
Screenshots at 1280 and 375 px go to test-artifacts/screenshots/deposit-*.png."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import BillingSettings, Invoice, InvoiceStatus, ScheduleKind
from crm.models import ContactEmail, Tenant
from crm.tenancy import tenant_context
from followups.models import FollowUp
from leads.models import Lead, LeadStatus, Quote, QuoteStatus, Stage, TaxRate
from leads.quote_links import quote_public_token
from leads.services.quotes import quote_save_draft
from messaging.models import MessageSource, OutboundMessage
from tests.e2e.conftest import follow, sign_in
from tests.e2e.test_portal_browser import _no_horizontal_scroll
from tests.portal.helpers import LINK, deliver, reset_throttles

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
INVOICE_LINK = re.compile(r"https?://\S+?(/i/[^/\s]+/)")
SANDBOX_DELIVER = "gateway.tasks.sandbox_event_deliver"
PROCESS = "gateway.tasks.process_provider_event"
CUSTOMER = "sanne.devries@example.nl"  # her charger is quoted in the demo, not yet priced
REVIEW = re.compile("review", re.IGNORECASE)


def _shot(page, name: str) -> None:
    assert _no_horizontal_scroll(page), name
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"deposit-{name}.png"), full_page=True)


def _quote_with_a_deposit(tenant: Tenant) -> Quote:
    """A quote with BTW and a 30 % deposit, sent to the open ChargeCars lead of a customer whose
    email address is proved (so she can sign in to the portal too)."""
    with tenant_context(tenant):
        lead = (
            Lead.objects.filter(
                tenant=tenant,
                status=LeadStatus.OPEN,
                contact__emails__email=CUSTOMER,
            )
            .select_related("contact")
            .order_by("pk")
            .first()
        )
        ContactEmail.objects.filter(tenant=tenant, contact=lead.contact).update(
            verified_at=timezone.now()
        )
        btw = TaxRate.objects.get(tenant=tenant, name="BTW 21 %")
        quote = quote_save_draft(
            tenant=tenant,
            actor=None,
            lead=lead,
            valid_until=tenant.today() + dt.timedelta(days=30),
            title="Thuislader met installatie",
            lines=[
                ("Laadpaal 11 kW", Decimal("1"), Decimal("1100"), btw),
                ("Installatie en aanmelding", Decimal("1"), Decimal("450"), btw),
            ],
            deposit_kind="percent",
            deposit_value=Decimal("30"),
        )
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.SENT, sent_at=timezone.now())
        return Quote.objects.select_related("lead__contact").get(pk=quote.pk)


def _email_of(tenant: Tenant, quote: Quote) -> str:
    with tenant_context(tenant):
        return quote.lead.contact.emails.order_by("-is_primary", "id").first().email


def _stage(tenant: Tenant, lead_id: int) -> str:
    with tenant_context(tenant):
        return Lead.objects.select_related("stage").get(pk=lead_id).stage.name


def _reviews(tenant: Tenant, lead_id: int) -> list[str]:
    with tenant_context(tenant):
        subjects = FollowUp.objects.filter(lead_id=lead_id).values_list("subject", flat=True)
        return [subject for subject in subjects if REVIEW.search(subject)]


def _invoice(tenant: Tenant, quote: Quote, kind: str) -> Invoice:
    with tenant_context(tenant):
        return Invoice.objects.exclude(status=InvoiceStatus.VOID).get(
            quote=quote, schedule_kind=kind
        )


def _pay_in_the_sandbox(page, run_queued, width: int, name: str) -> None:
    """The sandbox's checkout (in Dutch, iDEAL): Pay; its signed events reach the webhook as
    Stripe's would (a worker's two tasks, run here), and the customer is back on the invoice."""
    expect(page.get_by_role("button", name="Betaal met iDEAL")).to_be_visible()
    _shot(page, f"{name}-checkout-nl-{width}")
    page.get_by_role("button", name="Betaal met iDEAL").click()
    page.wait_for_url(re.compile(r"/i/[^/]+/\?paid=1$"))
    run_queued(SANDBOX_DELIVER)
    run_queued(PROCESS)
    page.reload()
    expect(page.get_by_text("Volledig betaald. Dank je wel!")).to_be_visible()


def _portal_sign_in(page, tenant: Tenant, email: str) -> None:
    reset_throttles(email)
    page.goto(f"{page.base}/portal/sign-in/")
    page.get_by_label("Email or mobile number").fill(email)
    page.get_by_role("button", name="Send me a sign-in link or code").click()
    deliver(tenant)
    with tenant_context(tenant):
        message = (
            OutboundMessage.objects.filter(tenant=tenant, body_text__contains="/portal/sign-in/")
            .order_by("pk")
            .last()
        )
    page.goto(page.base + LINK.search(message.body_text).group(1))
    follow(page, page.get_by_role("button", name=re.compile("^(Sign in|Inloggen)$")))


def test_the_deposit_on_acceptance_and_the_final_invoice_from_its_email(
    page_at, demo, live_server, run_queued
):
    tenant = Tenant.objects.get(slug="chargecars")
    quote = _quote_with_a_deposit(tenant)
    lead_id = quote.lead_id
    with tenant_context(tenant):
        installed = Stage.objects.get(pipeline__leads__pk=lead_id, name="Geïnstalleerd")
    with override_settings(THREADLINE_SITE_URL=live_server.url):
        # The Dutch admin has a job invoiced when it is installed.
        admin = page_at(1280, 900)
        sign_in(admin, "admin@chargecars.test")
        admin.goto(f"{admin.base}/settings/invoices/")
        admin.locator("select[name=invoice_at_stage]").select_option(str(installed.pk))
        _shot(admin, "invoice-settings-nl-1280")
        admin.locator("form.card button[type=submit]").click()
        expect(admin.locator(".flash")).to_be_visible()
        with tenant_context(tenant):
            assert BillingSettings.objects.get().invoice_at_stage_id == installed.pk

        # The team's English-speaking admin follows the job on its lead page.
        staff = page_at(1280, 900)
        sign_in(staff, "admin@demo.test")
        follow(staff, staff.get_by_role("button", name="ChargeCars"))

        # The customer accepts on a phone and goes straight on to pay the deposit.
        customer = page_at(375, 812)
        customer.goto(f"{customer.base}/q/{quote_public_token(quote)}/")
        customer.get_by_label("Je volledige naam").fill(quote.lead.contact.display_name)
        customer.get_by_role("checkbox").check()
        _shot(customer, "quote-nl-375")
        customer.get_by_role("button", name=re.compile("^Offerte accepteren")).click()
        _pay_in_the_sandbox(customer, run_queued, 375, "deposit")
        deposit = _invoice(tenant, quote, ScheduleKind.DEPOSIT)
        assert deposit.status == InvoiceStatus.PAID and deposit.number.startswith("INV-")
        expect(customer.locator("h1")).to_contain_text(f"Factuur {deposit.number}")
        expect(customer.locator(".invoice-lines")).to_contain_text("BTW 21 %")
        _shot(customer, "deposit-paid-nl-375")
        assert _stage(tenant, lead_id) == "Opdracht bevestigd"

        # The lead page shows the invoices with their balances, the job's balance below.
        staff.goto(f"{staff.base}/leads/{lead_id}/")
        panel = staff.locator("#invoices")
        expect(panel.get_by_role("link", name=deposit.number)).to_be_visible()
        expect(panel).to_contain_text("Paid")
        expect(staff.locator("#job-balance")).to_contain_text("Balance due")
        _shot(staff, "lead-deposit-paid-en-1280")

        # The portal shows the customer the same balance.
        portal = page_at(1280, 900)
        _portal_sign_in(portal, tenant, _email_of(tenant, quote))
        portal.goto(f"{portal.base}/portal/invoices/")
        expect(portal.get_by_role("link", name=deposit.number)).to_be_visible()
        _shot(portal, "portal-invoices-nl-1280")
        portal.goto(f"{portal.base}/portal/")
        portal.get_by_role("link", name="Thuislader 11 kW").first.click()
        expect(portal.locator("#job-balance")).to_contain_text("€ 562,65")
        expect(portal.locator("#job-balance")).to_contain_text("€ 1.312,85")
        _shot(portal, "portal-job-balance-nl-1280")

        # The work goes on; at "Installed" the final invoice goes out by email.
        for _ in range(3):
            follow(staff, staff.get_by_role("button", name="Move to next stage →"))
        assert _stage(tenant, lead_id) == "Geïnstalleerd"
        assert _reviews(tenant, lead_id) == []
        final = _invoice(tenant, quote, ScheduleKind.FINAL)
        assert final.status == InvoiceStatus.SENT and final.number
        staff.reload()
        expect(staff.locator("#invoices").get_by_role("link", name=final.number)).to_be_visible()
        staff.set_viewport_size({"width": 375, "height": 812})
        staff.reload()
        _shot(staff, "lead-final-sent-en-375")

        # The customer pays the final invoice from the link in its email.
        with tenant_context(tenant):
            email = OutboundMessage.objects.filter(
                tenant=tenant, source=MessageSource.INVOICE, subject__contains=final.number
            ).get()
        customer.goto(customer.base + INVOICE_LINK.search(email.body_text).group(1))
        expect(customer.locator("h1")).to_contain_text(f"Factuur {final.number}")
        customer.set_viewport_size({"width": 1280, "height": 900})
        _shot(customer, "final-invoice-nl-1280")
        customer.get_by_role("button", name=re.compile(r"^Betaal € .* online$")).click()
        _pay_in_the_sandbox(customer, run_queued, 1280, "final")

        # Paid in full with the work completed: the job is Paid, and only now the review.
        assert _stage(tenant, lead_id) == "Betaald"
        assert _reviews(tenant, lead_id)
        portal.set_viewport_size({"width": 375, "height": 812})
        portal.reload()
        expect(portal.locator("#job-balance")).to_contain_text("€ 1.875,50")  # paid so far
        _shot(portal, "portal-job-paid-nl-375")
        staff.set_viewport_size({"width": 1280, "height": 900})
        staff.reload()
        expect(staff.locator("#job-balance")).to_contain_text("paid in full")
        _shot(staff, "lead-paid-en-1280")
    assert staff.console_errors == [] and customer.console_errors == []
