"""The audit trail in Chromium, on a desktop and on a phone, in English and Dutch: a change's
values read as the reader reads them (money in the reader's format, yes/no and field names in
their language), a phone shows them under the sentence, and the page never scrolls sideways. Screenshots go to test-artifacts/."""

from decimal import Decimal

import pghistory
import pytest

from crm.models import Contact, Tenant, User
from crm.tenancy import tenant_context
from leads.models import LeadSource
from tests.e2e.conftest import screenshot
from tests.e2e.test_comms_settings_browser import TENANT, _open
from tests.e2e.test_portal_browser import _no_horizontal_scroll

pytestmark = pytest.mark.browser

EXPECTED = {
    "en": ("Default cost", "VIP: No → Yes"),
    "nl": ("Standaardkosten", "VIP: Nee → Ja"),
}


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("width", [1280, 375])
def test_the_audit_trail_reads_in_the_readers_language(demo, page_at, width, language):
    tenant = Tenant.objects.get(name=TENANT)
    admin = User.objects.get(email="admin@demo.test")
    User.objects.filter(pk=admin.pk).update(language=language)
    with tenant_context(tenant), pghistory.context(user=admin.pk):
        source = LeadSource.objects.filter(tenant=tenant).order_by("pk").first()
        source.default_cost = Decimal("1250.50")
        source.save()
        contact = Contact.objects.filter(tenant=tenant, is_vip=False).order_by("pk").first()
        contact.is_vip = True
        contact.save()

    page = page_at(width, 900)
    _open(page, "admin@demo.test", "/settings/audit/")
    text = page.locator("main").inner_text()
    cost, vip = EXPECTED[language]
    assert cost in text and vip in text  # a phone shows the changes under the sentence
    assert _no_horizontal_scroll(page)
    screenshot(page, f"audit-trail-{language}-{width}")
    assert page.console_errors == []
