"""The assignment loop in a real browser, on the demo: an admin sets who may take new leads (what
the cap counts, the rule's members, a rep's cap), a new lead comes in through the web
form and goes to a rep with the round robin's reasons on the lead page; a lead nobody can take
waits in the manager's unassigned view with its reason. Screenshots at 1280 and 375 px go to
test-artifacts/screenshots/assign-*.png."""

from pathlib import Path

import pytest
from django.urls import reverse

from crm.models import Membership, Tenant
from crm.tenancy import tenant_context
from leads import capture_links
from leads.models import Lead, LeadCaptureForm
from tests.e2e.conftest import follow, screenshot, sign_in

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _docs_shot(page, name: str, part: str = "") -> None:
    """The whole page to test-artifacts/; to test-artifacts/screenshots/ the first screen, or the `part`
    (a selector) on a phone, where the first screen is the progress bar."""
    screenshot(page, name)
    DOCS.mkdir(parents=True, exist_ok=True)
    if part:
        page.locator(part).first.screenshot(path=str(DOCS / f"{name}.png"))
        return
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def _send_web_form(page, name: str, email: str, phone: str) -> Lead:
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        capture_form = LeadCaptureForm.objects.get()
    path = reverse(
        "public:lead-form", kwargs={"token": capture_links.capture_form_token(capture_form)}
    )
    page.goto(page.base + path)
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=phone]", phone)
    page.fill("input[name=address_line1]", "40 Brickell Ave")
    page.fill("input[name=city]", "Miami")
    page.fill("textarea[name=message]", "Tiles blew off in the storm.")
    page.wait_for_timeout(3200)  # the form turns away a bot that posts at once
    follow(page, "button[type=submit]")
    assert capture_form.thank_you_message in page.locator("main").inner_text()
    with tenant_context(tenant):
        return (
            Lead.objects.select_related("owner__user")
            .filter(contact__emails__email=email)
            .latest("created_at")
        )


def _member(email: str) -> Membership:
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        return Membership.objects.get(tenant=tenant, user__email=email)


def test_a_new_lead_goes_to_a_rep_with_its_reasons_and_one_nobody_can_take_waits_with_its_own(
    page_at, demo
):
    rosa = _member("rep@demo.test")
    admin = page_at(1280, 900)
    sign_in(admin, "admin@demo.test")
    follow(admin, "button.choice:has-text('Florida First Roofing')")  # she is in two teams

    # What the cap counts: open sales leads (the default), not the jobs the crew is building.
    admin.goto(admin.base + reverse("lead-settings:assignment"))
    assert admin.is_checked("input[name=capacity_counts][value=open_sales]")
    follow(admin, "#assignment-settings button[type=submit]")
    assert "Assignment settings saved." in admin.locator(".flashes").inner_text()

    # The residential rule takes Tyler too: the round robin checks him and says why he is passed.
    admin.goto(admin.base + reverse("lead-settings:assignment"))
    follow(admin, "a:has-text('Residential jobs go to residential reps') >> nth=0")
    admin.check("label:has-text('Tyler Brooks') input[name=members]")
    follow(admin, "form.card button[type=submit]:has-text('Save')")
    admin.goto(admin.base + reverse("lead-settings:assignment"))
    admin.wait_for_selector(".next-skipped")
    preview = admin.locator("article.rule").first.inner_text()
    assert "Rosa Delgado" in preview
    assert "Skipped now: Tyler Brooks wrong expertise (commercial only)" in preview
    _docs_shot(admin, "assign-settings-1280")
    admin_phone = page_at(375, 800)
    sign_in(admin_phone, "admin@demo.test")
    admin_phone.click("button.choice:has-text('Florida First Roofing')")
    admin_phone.goto(admin_phone.base + reverse("lead-settings:assignment"))
    admin_phone.wait_for_selector(".next-skipped")
    assert admin_phone.evaluate("document.documentElement.scrollWidth") <= 375
    _docs_shot(admin_phone, "assign-settings-375", "main")

    # A new lead from Miami comes in through the web form: Rosa takes it, and the page says why.
    visitor = page_at(1280, 900)
    lead = _send_web_form(visitor, "Dana Reyes", "dana.reyes@example.com", "(786) 555-0199")
    assert lead.owner_id == rosa.pk
    manager = page_at(1280, 900)
    sign_in(manager, "manager@demo.test")
    manager.goto(manager.base + reverse("leads:detail", kwargs={"lead_pk": lead.pk}))
    why = manager.locator(".assignment-why").inner_text()
    assert why.startswith(
        "Assigned to Rosa Delgado by round robin under rule "
        "“Residential jobs go to residential reps”: Tyler Brooks wrong expertise (commercial only)"
    )
    assert "wrong territory (Miami" in why
    _docs_shot(manager, "assign-lead-1280")
    phone = page_at(375, 800)
    sign_in(phone, "manager@demo.test")
    phone.goto(phone.base + reverse("leads:detail", kwargs={"lead_pk": lead.pk}))
    assert phone.locator(".assignment-why").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    _docs_shot(phone, "assign-lead-375", "section.card:has(.assignment-why)")

    # Rosa's cap is lowered below what she is working: the next lead has nobody to go to.
    admin.goto(admin.base + reverse("settings:member-edit", kwargs={"membership_pk": rosa.pk}))
    admin.fill("input[name=capacity]", "2")
    follow(admin, "form.card button[type=submit]:has-text('Save')")
    queued = _send_web_form(visitor, "Lee Ortiz", "lee.ortiz@example.com", "(786) 555-0177")
    assert queued.owner_id is None

    manager.goto(manager.base + reverse("leads:list") + "?scope=unassigned")
    row = manager.locator(f"#lead-{queued.pk}")
    reason = row.locator(".unassigned-why").inner_text()
    title = row.locator(".unassigned-why").get_attribute("title")
    assert title.startswith("No one was assigned under rule “Residential jobs go to resid")
    assert "Rosa Delgado over capacity (" in reason and "/2 open sales leads)" in reason
    assert "Tyler Brooks wrong expertise" in reason
    _docs_shot(manager, "assign-unassigned-1280")
    phone.goto(phone.base + reverse("leads:list") + "?scope=unassigned")
    assert phone.locator(f"#lead-{queued.pk} .unassigned-why").is_visible()
    _docs_shot(phone, "assign-unassigned-375", ".table-wrap")
    manager.goto(manager.base + reverse("leads:detail", kwargs={"lead_pk": queued.pk}))
    assert "Rosa Delgado over capacity" in manager.locator(".assignment-why").inner_text()
    for page in (admin, admin_phone, visitor, manager, phone):
        assert page.console_errors == []
