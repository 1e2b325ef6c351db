"""Lead capture in a real browser: the public form on a phone, and the CSV import preview."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from config.celery import app as celery_app
from crm.models import ContactEmail, Tenant
from crm.tenancy import tenant_context
from leads import capture_links
from leads.models import Lead, LeadCaptureForm
from tests.e2e.conftest import follow, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def live_worker(transactional_db):
    with start_worker(
        celery_app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


def _demo_tenant() -> Tenant:
    return Tenant.objects.get(slug="demo")


def test_a_visitor_sends_the_web_form_from_a_phone(page_at, demo):
    tenant = _demo_tenant()
    with tenant_context(tenant):
        capture_form = LeadCaptureForm.objects.get()
        leads_before = Lead.objects.count()
    path = reverse(
        "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
    )
    page = page_at(375, 740)
    page.goto(page.base + path)
    assert page.locator("h1").inner_text() == capture_form.heading
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    honeypot = page.locator("input[name=website]").bounding_box()
    assert honeypot["x"] + honeypot["width"] <= 0  # in the page for bots, off-screen for people
    screenshot(page, "lead-form-mobile")

    page.fill("input[name=name]", "Dana Reyes")
    page.fill("input[name=email]", "not-an-email")
    page.fill("input[name=phone]", "(786) 555-0142")
    page.fill("input[name=address_line1]", "12 Palm Way")
    page.fill("input[name=city]", "Coral Gables")
    page.fill("textarea[name=message]", "Water comes through the ceiling when it rains.")
    page.check("input[name=sms_consent]")
    page.wait_for_timeout(3200)  # a person takes a moment; a bot posting at once is turned away
    follow(page, "button[type=submit]")
    assert page.locator(".has-error").count() == 1
    assert page.input_value("input[name=city]") == "Coral Gables"
    screenshot(page, "lead-form-mobile-error")

    page.fill("input[name=email]", "dana@example.com")
    follow(page, "button[type=submit]")
    assert capture_form.thank_you_message in page.locator("main").inner_text()
    screenshot(page, "lead-form-mobile-thanks")
    with tenant_context(tenant):
        assert Lead.objects.count() == leads_before + 1
    # Only the form sent back with its error (answered 400) may log; no CSP violation, no 404.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_a_manager_previews_and_runs_a_csv_import(page_at, demo, live_worker, tmp_path):
    tenant = _demo_tenant()
    with tenant_context(tenant):
        known = ContactEmail.objects.select_related("contact").order_by("id").first()
    rows = [
        "First name,Last name,Email,Phone,Street,City,State,ZIP,Job,Value,Stage,Notes,Shoe size",
        "Ana,Lima,ana.lima@example.com,(786) 555-0101,1 Bay St,Miami,FL,33101,Roof repair,"
        '"$12,500",Contacted,Call after 5pm,38',
        f"{known.contact.first_name},{known.contact.last_name},{known.email},,,,,,Gutters,,,,",
        "Ana,Lima,,+1 786 555 0101,,,,,Second roof,,,,",
        "Ben,Okafor,ben@example.com,,22 Coral Rd,Hialeah,FL,33010,Re-roof,18000,,,",
        ",,nobody@example.com,,,,,,,,,,",
        "Nora,Noreach,,,,,,,,,,,",
        "Bad,Phone,,555-01,,,,,,,,,",
        "Bad,Stage,bs@example.com,,,,,,,,Negotiating,,",
        "Bad,Value,bv@example.com,,,,,,,-5,,,",
        '=HYPERLINK("http://evil.test"),Formula,formula@example.com,,,,,,,,,=1+2,',
    ]
    upload = tmp_path / "spring-home-show.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")

    page = page_at(1280, 900)
    sign_in(page, "manager@demo.test")
    page.goto(page.base + reverse("leads:import"))
    screenshot(page, "lead-import-upload")
    page.set_input_files("input[name=file]", str(upload))
    follow(page, "button:has-text('Check the file')")
    assert "/leads/import/" in page.url
    text = page.locator("main").inner_text()
    assert "Import 5 leads" in text
    assert "unknown stage “Negotiating”" in text
    assert "Shoe size" in text
    screenshot(page, "lead-import-preview")
    assert page.console_errors == []

    with tenant_context(tenant):
        leads_before = Lead.objects.count()
    page.click("button:has-text('Import 5 leads')")
    # The worker imports in the background; the page polls every 2 s until the report is final.
    page.wait_for_selector("text=Import finished", timeout=30_000)
    assert "5 leads created" in page.locator(".import-counts").inner_text().replace("\n", " ")
    screenshot(page, "lead-import-done")
    with tenant_context(tenant):
        assert Lead.objects.count() == leads_before + 5
    assert page.console_errors == []


def test_an_admin_copies_the_code_to_embed(page_at, demo):
    with tenant_context(_demo_tenant()):
        capture_form = LeadCaptureForm.objects.get()
    page = page_at(375, 740)
    sign_in(page, "admin@demo.test")
    follow(page, "button.choice:has-text('Florida First Roofing')")
    page.console_errors.clear()  # only this page's own errors count here
    page.goto(
        page.base
        + reverse("lead-settings:capture-form-edit", kwargs={"capture_form_pk": capture_form.pk})
    )
    snippet = page.input_value("#embed-code")
    assert snippet.startswith("<iframe src=") and 'loading="lazy"' in snippet
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "lead-form-settings-mobile")
    assert page.console_errors == []
