"""Follow-ups in a real browser: the calendar-feed page, the CSV import preview, the follow-up
settings pages and a neglected lead's badge, on a desktop and on a phone (screenshots land in
test-artifacts/)."""

import pytest

from crm.models import Membership, Tenant
from crm.tenancy import tenant_context
from followups.demo import seed_followups
from followups.models import NeglectFlag
from tests.e2e.conftest import follow, screenshot, settled, sign_in

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"


@pytest.fixture
def seeded(demo):
    tenant = Tenant.objects.get(name=TENANT)
    with tenant_context(tenant):
        seed_followups(tenant)
        flag = NeglectFlag.objects.filter(tenant=tenant, cleared_at__isnull=True).first()
        rep = Membership.objects.select_related("user").get(
            tenant=tenant, user__email="rep@demo.test"
        )
        email = rep.user.email
    return {"flag": flag, "rep_email": email}


def _open(page, email: str, path: str) -> None:
    sign_in(page, email)
    if page.locator(f"button.choice:has-text('{TENANT}')").count():
        follow(page, f"button.choice:has-text('{TENANT}')")
    page.goto(f"{page.base}{path}")
    settled(page)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_the_calendar_feed_page(page_at, seeded, width):
    page = page_at(width)
    _open(page, "rep@demo.test", "/followups/feed/")
    follow(page, "button:has-text('Make my calendar link')")
    url = page.locator("#feed-url").input_value()
    assert "/followups/feed/" in url and url.endswith(".ics")
    screenshot(page, f"followups-feed-{width}")
    _fits(page, width)
    response = page.request.get(url.replace("http://127.0.0.1:8000", page.base))
    assert response.status == 200 and b"BEGIN:VCALENDAR" in response.body()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_import_preview(page_at, seeded, tmp_path, width):
    page = page_at(width)
    upload = tmp_path / "follow-ups.csv"
    upload.write_text(
        "Subject,Date,Time,Contact email,Priority\n"
        "Call about the quote,2031-06-10,2:30 PM,maria.gonzalez@example.com,high\n"
        "Who is this,2031-06-10,10:00,nobody@example.com,\n"
        ",2031-06-11,10:00,maria.gonzalez@example.com,\n"
    )
    _open(page, "rep@demo.test", "/followups/import/")
    screenshot(page, f"followups-import-{width}")
    page.set_input_files("input[type=file]", str(upload))
    follow(page, "button:has-text('Check the file')")
    text = page.locator("main").inner_text()
    assert "1 follow-up will be created" in text
    assert "no contact has nobody@example.com" in text and "missing subject" in text
    screenshot(page, f"followups-import-preview-{width}")
    _fits(page, width)


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/settings/follow-ups/", "neglect"),
        ("/settings/follow-up-types/", "types"),
        ("/settings/follow-up-templates/new/", "template"),
    ],
)
def test_the_settings_pages(page_at, seeded, width, path, name):
    page = page_at(width)
    _open(page, "admin@demo.test", path)
    assert page.locator("h1").count() == 1
    screenshot(page, f"followups-settings-{name}-{width}")
    _fits(page, width)


@pytest.mark.parametrize("width", [1280, 375])
def test_a_neglected_lead_shows_its_badge(page_at, seeded, width):
    flag = seeded["flag"]
    assert flag is not None, "the demo flags a couple of neglected leads"
    page = page_at(width)
    _open(page, "manager@demo.test", f"/leads/{flag.lead_id}/")
    page.wait_for_selector(".neglect-badge")
    assert "Neglected" in page.locator("h1").inner_text()
    screenshot(page, f"followups-neglected-lead-{width}")
    _fits(page, width)
