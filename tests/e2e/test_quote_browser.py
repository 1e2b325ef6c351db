"""The customer's quote page in a phone-sized Chromium, and the staff's quote pages."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Membership, Tenant
from crm.tenancy import tenant_context
from leads.models import Lead, Quote
from leads.services.leads import lead_create
from leads.services.quotes import quote_save_draft, quote_send
from messaging.models import SandboxDelivery
from messaging.services import outbox, outbox_send
from tests import factories
from tests.e2e.conftest import ARTIFACTS, screenshot, sign_in

pytestmark = pytest.mark.browser


@dataclass
class SentQuote:
    tenant: Tenant
    lead: Lead
    quote: Quote
    path: str  # the link in the customer's email


@pytest.fixture
def sent_quote(demo) -> SentQuote:
    """A lead of the demo's rep with a quote emailed to the customer, as staff would send it."""
    tenant = Tenant.objects.get(slug="demo")
    contact = factories.ContactFactory(tenant=tenant, first_name="Dana", last_name="Whitfield")
    factories.ContactEmailFactory(tenant=tenant, contact=contact, email="dana@example.com")
    place = factories.PropertyFactory(tenant=tenant, address_line1="4120 Coral Way")
    pipeline = factories.pipeline_for(tenant)
    with tenant_context(tenant):
        rep = Membership.objects.select_related("user").get(user__email="rep@demo.test")
        lead = lead_create(
            tenant=tenant,
            actor=rep.user,
            contact=contact,
            place=place,
            pipeline=pipeline,
            owner=rep,
            title="Roof replacement",
        )
        quote = quote_save_draft(
            tenant=tenant,
            actor=rep.user,
            lead=lead,
            title="Roof replacement, 24 squares",
            message="Thank you for having us over on Tuesday. Here is the quote we discussed.",
            valid_until=timezone.localdate() + dt.timedelta(days=30),
            lines=[
                ("Tear-off and disposal of the old roof", Decimal("1"), Decimal("2400.00")),
                ("Architectural shingles, installed (squares)", Decimal("24"), Decimal("310.50")),
                ("Drip edge and flashing", Decimal("1"), Decimal("650.00")),
            ],
        )
    with tenant_context(tenant):
        quote_send(tenant=tenant, actor=rep.user, quote=quote)
        # What a worker does a few seconds later: the sandbox records the email.
        for message_id in outbox.outbox_claim_due(tenant=tenant):
            outbox_send.message_send(tenant=tenant, message_id=message_id)
        email = SandboxDelivery.objects.get(
            tenant=tenant, message__lead=lead, message__source="quote"
        )
    link = re.search(r"https?://\S+/q/\S+/", email.body_text).group(0)
    return SentQuote(tenant, lead, quote, urlsplit(link).path)


def test_the_customer_accepts_on_a_phone_and_the_lead_is_won(page_at, sent_quote):
    page = page_at(375, 812)

    page.goto(page.base + sent_quote.path)
    assert "Roof replacement, 24 squares" in page.locator("h1").inner_text()
    assert "$10,502" in page.locator(".quote-lines tfoot").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "quote-public-mobile-before")

    page.fill("input[name=full_name]", "Dana Whitfield")
    page.check("input[name=agree]")
    page.click("button:has-text('Accept quote')")
    page.wait_for_selector(".pq-outcome.accepted")
    outcome = page.locator(".pq-outcome").inner_text()
    assert "Accepted on" in outcome and "Dana Whitfield" in outcome
    assert page.locator("form").count() == 0
    screenshot(page, "quote-public-mobile-after")
    assert page.console_errors == []

    with tenant_context(sent_quote.tenant):
        lead = Lead.objects.select_related("stage").get(pk=sent_quote.lead.pk)
        assert (lead.status, lead.stage.name) == ("won", "Won")


def test_the_customer_declines_with_a_reason_and_the_lead_is_lost(page_at, sent_quote):
    page = page_at(375, 812)
    page.goto(page.base + sent_quote.path)

    page.click("summary:has-text('Decline this quote')")
    page.check("input[name=reason][value=price]")
    page.fill("textarea[name=note]", "A little over our budget this year.")
    screenshot(page, "quote-public-mobile-decline")
    page.click("button:has-text('Decline quote')")
    page.wait_for_selector(".pq-outcome.declined")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_errors == []

    with tenant_context(sent_quote.tenant):
        lead = Lead.objects.get(pk=sent_quote.lead.pk)
        assert (lead.status, lead.lost_reason) == ("lost", "price")


def test_the_staff_quote_pages(page_at, sent_quote):
    lead, quote = sent_quote.lead, sent_quote.quote
    page = page_at(1280, 800)
    sign_in(page, "rep@demo.test")

    page.goto(
        page.base + reverse("leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
    )
    # The same signed link as the email's, signed again (the signature carries its time).
    signed_part = sent_quote.path.split(":")[0]
    assert signed_part in page.locator("#public-link").input_value()
    assert "Send again" in page.locator(".page-head").inner_text()
    screenshot(page, "quote-staff-desktop")

    page.goto(page.base + sent_quote.path)  # the rep checks what the customer sees
    assert "does not mark the quote viewed" in page.locator("main").inner_text()
    screenshot(page, "quote-public-desktop-staff-preview")

    page.goto(page.base + reverse("leads:detail", kwargs={"lead_pk": lead.pk}))
    assert quote.reference in page.locator(".quotes-section").inner_text()
    page.locator(".quotes-section").screenshot(path=str(ARTIFACTS / "quote-lead-section.png"))

    page.goto(page.base + reverse("leads:quote-create", kwargs={"lead_pk": lead.pk}))
    page.fill("input[name=lines-0-description]", "Gutter guards")
    page.fill("input[name=lines-0-unit_price]", "450")
    page.fill("input[name=lines-0-quantity]", "2")
    expect(page.locator("#quote-total")).to_contain_text("$900")  # htmx refreshed it
    page.click("button[name=add_line]")  # a full round trip: the rows come back plus one
    expect(page.locator(".line-row")).to_have_count(4)
    expect(page.locator("input[name=lines-0-description]")).to_have_value("Gutter guards")
    screenshot(page, "quote-editor-desktop")
    assert page.console_errors == []


def test_the_editor_fits_a_phone(page_at, sent_quote):
    page = page_at(375, 812)
    sign_in(page, "rep@demo.test")

    page.goto(page.base + reverse("leads:quote-create", kwargs={"lead_pk": sent_quote.lead.pk}))

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "quote-editor-mobile")
