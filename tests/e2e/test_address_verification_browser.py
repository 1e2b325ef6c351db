"""Issue 18 in a real browser: the web form's two consent boxes, and the contact page's unverified
address with Confirm / Reject, at 1280 and 375 px."""

import pytest
from django.urls import reverse

from crm.models import ContactEmail, ContactPhone, Tenant
from crm.tenancy import tenant_context
from leads import capture_links
from leads.models import LeadCaptureForm
from portal.demo import DEMO_CUSTOMER_EMAIL
from tests.e2e.conftest import follow, screenshot, sign_in

pytestmark = pytest.mark.browser

STRANGER_PHONE = "(305) 555-0199"


def test_a_form_naming_a_customer_leaves_an_unverified_phone_for_staff(page_at, demo):
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        capture_form = LeadCaptureForm.objects.get()
        customer_email = ContactEmail.objects.select_related("contact").get(
            email=DEMO_CUSTOMER_EMAIL
        )
        assert customer_email.is_verified  # the demo customer signs in to the portal
        customer = customer_email.contact
    form_path = reverse(
        "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
    )

    phone = page_at(375, 740)
    phone.goto(phone.base + form_path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert not phone.is_checked("input[name=marketing_consent]")
    screenshot(phone, "lead-form-consent-375")

    page = page_at(1280, 900)
    page.goto(page.base + form_path)
    page.fill("input[name=name]", "Mallory Stranger")
    page.fill("input[name=email]", DEMO_CUSTOMER_EMAIL)
    page.fill("input[name=phone]", STRANGER_PHONE)
    page.check("input[name=sms_consent]")
    screenshot(page, "lead-form-consent-1280")
    page.wait_for_timeout(3200)  # a person takes a moment; a bot posting at once is turned away
    follow(page, "button[type=submit]")
    assert capture_form.thank_you_message in page.locator("main").inner_text()

    contact_path = reverse("contacts:detail", kwargs={"contact_pk": customer.pk})
    sign_in(page, "rep@demo.test")
    page.goto(page.base + contact_path)
    row = page.locator(".contact-address", has_text="+1 305-555-0199")
    assert "unverified" in row.inner_text() and "from Web form" in row.inner_text()
    screenshot(page, "contact-unverified-address-1280", full_page=False)
    assert page.console_errors == []

    narrow = page_at(375, 740)
    sign_in(narrow, "rep@demo.test")
    narrow.goto(narrow.base + contact_path)
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(narrow, "contact-unverified-address-375", full_page=False)

    row.get_by_role("button", name="Reject").click()
    page.wait_for_load_state("networkidle")
    assert "rejected and removed" in page.locator("body").inner_text()
    with tenant_context(tenant):
        assert not ContactPhone.objects.filter(contact=customer, number="+13055550199").exists()
