"""Brands all the way to the customer, in Chromium: the demo customer also has a job with the
tenant's second brand (Coastal Gutters, with its own logo); the portal shows each job under its
brand, flags the gutter quote waiting for an answer, and the quote page carries the second brand's
logo and name, not Threadline's. Screenshots at 1280 and 375 px go to test-artifacts/screenshots/."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from crm.models import Contact, Membership, Tenant
from crm.services.workspace import brand_save
from crm.tenancy import tenant_context
from leads.models import Pipeline
from leads.services.leads import lead_create
from leads.services.quotes import quote_save_draft, quote_send
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.test_comms_settings_browser import _open
from tests.e2e.test_portal_browser import _no_horizontal_scroll
from tests.e2e.test_portal_preferences_browser import _customer_signs_in
from tests.portal.helpers import reset_throttles

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _shot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"brands-{name}.png"), full_page=True)


def _logo() -> bytes:
    """A small wordless mark: a teal gutter under a roof line."""
    image = Image.new("RGBA", (96, 64), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(8, 34), (48, 6), (88, 34)], fill=(17, 94, 89, 255))
    draw.rectangle([(4, 40), (92, 52)], fill=(20, 184, 166, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _gutter_job_with_a_quote(tenant: Tenant):
    with tenant_context(tenant):
        rep = Membership.objects.select_related("user").get(user__email="rep@demo.test")
        admin = Membership.objects.select_related("user").filter(role="admin").first()
        gutters = brand_save(
            tenant=tenant,
            actor=admin.user,
            name="Coastal Gutters",
            slug="coastal-gutters",
            sender_name="Coastal Gutters",
            sender_email="hello@coastalgutters.example",
            reply_to_email="office@coastalgutters.example",
            sms_number="+13055550177",
            website="https://coastalgutters.example",
            logo=_logo(),
        )
        casey = Contact.objects.get(tenant=tenant, emails__email=DEMO_CUSTOMER_EMAIL)
        lead = lead_create(
            tenant=tenant,
            actor=rep.user,
            contact=casey,
            place=casey.properties.order_by("id").first(),
            pipeline=Pipeline.objects.filter(tenant=tenant).order_by("id").first(),
            owner=rep,
            assign_automatically=False,
            brand=gutters,
            title="Seamless gutters",
        )
        quote = quote_save_draft(
            tenant=tenant,
            actor=rep.user,
            lead=lead,
            title="Seamless aluminium gutters, 160 ft",
            valid_until=tenant.today() + dt.timedelta(days=30),
            lines=[
                ("Seamless 6-inch aluminium gutters (ft)", Decimal("160"), Decimal("12.50")),
                ("Downspouts", Decimal("4"), Decimal("95.00")),
            ],
        )
        quote_send(tenant=tenant, actor=rep.user, quote=quote)
    return gutters, casey


@pytest.mark.parametrize("width", [1280, 375])
def test_each_job_shows_under_its_brand_and_the_quote_page_carries_it(page_at, demo, width):
    reset_throttles(DEMO_CUSTOMER_EMAIL)
    tenant = Tenant.objects.get(slug="demo")
    gutters, casey = _gutter_job_with_a_quote(tenant)
    page = page_at(width, 900)
    _customer_signs_in(page, tenant)

    # Home: two brands, each job card names its own; the waiting gutter quote is flagged.
    cards = page.locator("article.job-card")
    gutter_card = cards.filter(has_text="Seamless gutters")
    expect(gutter_card.locator(".job-brand")).to_have_text("With Coastal Gutters")
    expect(gutter_card.locator(".job-brand img.brand-logo")).to_be_visible()
    roof_card = cards.filter(has_text="Full roof replacement")
    expect(roof_card.locator(".job-brand")).to_have_text("With Florida First Roofing")
    expect(roof_card.locator(".job-brand img.brand-logo")).to_be_visible()  # the demo's logo
    waiting = page.locator("a.quote-waiting")
    expect(waiting.filter(has_text="Your quote for Seamless gutters is waiting")).to_be_visible()
    expect(waiting.filter(has_text="Your quote for Leak over the porch is waiting")).to_be_visible()
    assert _no_horizontal_scroll(page)
    _shot(page, f"portal-home-{width}")

    # The gutter job's page: header, team details and footer are Coastal Gutters'.
    gutter_card.get_by_role("link", name="Seamless gutters").click()
    expect(page.get_by_role("heading", name="Seamless gutters", level=1)).to_be_visible()
    header = page.locator("header.portal-header")
    expect(header.locator(".portal-brand")).to_have_text("Coastal Gutters")
    expect(header.locator("img.brand-logo")).to_be_visible()
    expect(page.locator(".portal-footer")).to_contain_text("office@coastalgutters.example")
    expect(page.locator(".portal-footer")).not_to_contain_text("Florida First Roofing")
    assert _no_horizontal_scroll(page)
    _shot(page, f"portal-job-{width}")

    # The roof job's page is Florida First Roofing's.
    page.go_back()
    cards.filter(has_text="Full roof replacement").get_by_role(
        "link", name="Full roof replacement"
    ).click()
    expect(page.locator("header.portal-header .portal-brand")).to_have_text("Florida First Roofing")

    # The gutter quote, from the home page's card: Coastal Gutters' logo and name, no Threadline.
    page.go_back()
    waiting.filter(has_text="Seamless gutters").click()
    expect(page.get_by_role("heading", name="Seamless aluminium gutters, 160 ft")).to_be_visible()
    brand = page.locator(".customer-brand")
    expect(brand).to_have_text("Coastal Gutters")
    expect(brand.locator("img.brand-logo")).to_be_visible()
    assert "Threadline" not in page.content()
    assert "Coastal Gutters" in page.title()
    assert _no_horizontal_scroll(page)
    _shot(page, f"quote-{width}")
    assert page.console_errors == []

    # Staff: the brand's settings show its logo; the contact page's invitation names a job.
    staff = page_at(width, 900)
    _open(staff, "admin@demo.test", f"/settings/brands/{gutters.pk}/")
    expect(staff.locator(".brand-logo-now img")).to_be_visible()
    expect(staff.get_by_label("Phone", exact=True)).to_be_visible()
    assert _no_horizontal_scroll(staff)
    _shot(staff, f"settings-{width}")
    staff.goto(f"{staff.base}/contacts/{casey.pk}/")
    choice = staff.get_by_label("Send it in the brand of")
    expect(choice.locator("option", has_text="Seamless gutters · Coastal Gutters")).to_have_count(1)
    staff.locator("#contact-portal").scroll_into_view_if_needed()
    staff.locator("#contact-portal").screenshot(
        path=str(DOCS / f"brands-contact-invite-{width}.png")
    )
    assert staff.console_errors == []
