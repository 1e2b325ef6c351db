"""The admin's trigger pages in a real browser: a stage trigger with two steps is built by hand,
the fields follow the chosen event through htmx, and a trigger is switched off from the list."""

from pathlib import Path

import pytest

from automation.demo_triggers import seed_triggers
from crm.models import Tenant
from crm.tenancy import tenant_context
from messaging.models import MessageTemplate, TemplateVariant
from tests.e2e.conftest import follow, screenshot, settled, sign_in
from tests.factories import pipeline_for, stage_named

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DEMO_TEMPLATES = {
    "new-lead-ack": "New lead acknowledgement",
    "quote-sent": "Quote sent",
    "quote-follow-up": "Quote follow-up",
    "appointment-confirmation": "Appointment confirmation",
    "appointment-reminder": "Appointment reminder",
    "job-completed": "Job completed",
    "satisfaction-survey": "Satisfaction survey",
    "review-request": "Review request",
    "sorry-to-see-you-go": "Sorry to see you go",
    "annual-check-up": "Annual check-up",
}


def _templates(tenant) -> dict[str, MessageTemplate]:
    """The demo's templates, made here when the demo data does not have them yet."""
    templates = {}
    for key, name in DEMO_TEMPLATES.items():
        template, created = MessageTemplate.objects.get_or_create(
            tenant=tenant, key=key, defaults={"name": name}
        )
        if created:
            for channel in ("email", "sms", "whatsapp"):
                TemplateVariant.objects.create(
                    tenant=tenant,
                    template=template,
                    channel=channel,
                    subject=name if channel == "email" else "",
                    body_text="Hello {{ customer_name }}",
                )
        templates[key] = template
    return templates


@pytest.fixture
def configured(demo):
    """The demo tenant with its templates and demo triggers; returns its roofing pipeline."""
    tenant = Tenant.objects.get(name=TENANT)
    pipeline = pipeline_for(tenant)
    with tenant_context(tenant):
        seed_triggers(tenant=tenant, templates=_templates(tenant))
    return pipeline


def _open_as_admin(page, path: str) -> None:
    sign_in(page, "admin@demo.test")
    follow(page, f"button.choice:has-text('{TENANT}')")
    page.goto(f"{page.base}{path}")
    settled(page)


def _shoot(page, name: str) -> None:
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar would land mid-page
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"), full_page=True)


def test_build_a_stage_trigger_with_two_steps(page_at, configured):
    page = page_at(1280, 900)
    stage = stage_named(configured, "Quote sent")
    _open_as_admin(page, "/settings/triggers/new/")

    page.fill("#id_name", "Storm quotes: chase them")
    page.select_option("#id_event", "date_reached")
    page.wait_for_selector("#id_date_field")
    assert page.locator("#id_stage").count() == 0
    screenshot(page, "comms-trigger-new-date-reached")
    page.select_option("#id_event", "stage_entered")
    page.wait_for_selector("#id_stage")
    page.select_option("#id_stage", str(stage.pk))
    page.select_option("#id_lead_type", "residential")
    follow(page, "button:has-text('Create trigger')")
    assert page.locator("h1").inner_text() == "Storm quotes: chase them"

    follow(page, "a:has-text('Add a step')")
    with tenant_context(configured.tenant):
        quote_sent = MessageTemplate.objects.get(tenant=configured.tenant, key="quote-sent")
    page.select_option("#id_template", str(quote_sent.pk))
    page.check("input[name=channels][value=email]")
    page.check("input[name=channels][value=sms]")
    page.check("input[name=channel_choice][value=all]")
    follow(page, "button:has-text('Add step')")

    follow(page, "a:has-text('Add a step')")
    page.check("input[name=action][value=follow_up]")
    page.wait_for_selector("#id_follow_up_subject")
    page.select_option("#id_follow_up_kind", "call")
    page.fill("#id_follow_up_subject", "Call about the storm quote")
    page.fill("#id_delay_amount", "7")
    page.select_option("#id_delay_unit", "days")
    screenshot(page, "comms-trigger-step-follow-up")
    follow(page, "button:has-text('Add step')")

    summary = page.locator("p.trigger-summary").inner_text()
    assert summary == (
        "When a lead enters Quote sent (Residential roofing) · Quote sent by email + SMS now"
        " → Call follow-up after 7 days"
    )
    assert page.locator("li.trigger-step").count() == 2
    _shoot(page, "comms-trigger-edit")
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_the_list_and_switching_a_trigger_off(page_at, configured, width):
    page = page_at(width, 900)
    _open_as_admin(page, "/settings/triggers/")

    assert page.locator("section.trigger-group h2").all_text_contents()[:2] == [
        "A lead enters a stage",
        "A new lead arrives",
    ]
    card = page.locator("article.trigger", has_text="New lead: thank them")
    card.locator("button:has-text('Switch off')").click()
    card = page.locator("article.trigger", has_text="New lead: thank them")
    card.locator("button:has-text('Switch on')").wait_for()
    assert "off" in card.locator(".badge").inner_text()
    card.locator("button:has-text('Switch on')").click()
    page.locator("article.trigger", has_text="New lead: thank them").locator(
        "button:has-text('Switch off')"
    ).wait_for()

    if width == 1280:
        _shoot(page, "comms-triggers-list")
    else:
        screenshot(page, "comms-triggers-list-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []
