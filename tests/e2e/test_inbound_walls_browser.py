"""What an admin sees when an address belongs to another business, and the 400 page of a query
string with a control character, on a desktop and on a phone (issue 18)."""

import pytest

from crm.models import Tenant
from crm.tenancy import tenant_context
from tests.e2e.conftest import screenshot, sign_in
from tickets.models import Inbox

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_another_businesss_domain_is_refused_and_a_nul_answers_400(demo, page_at, width):
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        inbox = Inbox.objects.get(tenant=tenant, name="Customer care")
    page = page_at(width=width)
    sign_in(page, "admin@demo.test")
    chooser = page.locator("button.choice:has-text('Florida First Roofing')")
    if chooser.count():  # the demo admin is in both demo businesses
        chooser.click()
        page.wait_for_load_state("networkidle")

    page.goto(f"{page.base}/settings/inboxes/{inbox.pk}/addresses/new/")
    page.fill("input[name=address]", "billing@chargecars.test")
    page.locator("input[name=address]").press("Enter")
    page.wait_for_load_state("networkidle")
    assert "billing@chargecars.test can't be added to this account" in page.content()
    screenshot(page, f"inbound-walls-refused-{width}")

    response = page.goto(f"{page.base}/contacts/?q=%00")
    assert response.status == 400
    assert "control character" in page.content()
    screenshot(page, f"inbound-walls-400-{width}")
    # Chromium logs each 400 answer itself as a failed load; nothing else may fail.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
