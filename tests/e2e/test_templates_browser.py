"""The admin's message templates in a real browser: the list, and an SMS edited with its live
preview and segment counter."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from crm.models import Contact, Membership, Tenant
from crm.tenancy import tenant_context
from leads.models import Lead
from messaging.demo_templates import seed_templates
from messaging.models import MessageChannel, MessageTemplate, TemplateVariant
from tests.e2e.conftest import follow, screenshot, settled, sign_in

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"
NEW_TEXT = (
    "Hi {{ first_name }}, it's {{ brand_name }}: see you {{ appointment_at|date:'D n/j' }} "
    "at {{ appointment_at|time:'g:i A' }}. Our crew will park on the street and text you "
    "when they're 15 minutes out. Need another time? Just reply."
)


@pytest.fixture
def templates(demo):
    """The demo tenant's templates, and an appointment on Maria Gonzalez's newest lead."""
    tenant = Tenant.objects.get(name=TENANT)
    with tenant_context(tenant):
        admin = Membership.objects.get(tenant=tenant, user__email="admin@demo.test")
        seeded = seed_templates(tenant=tenant, actor=admin.user)
        maria = Contact.objects.get(tenant=tenant, first_name="Maria", last_name="Gonzalez")
        lead = Lead.objects.filter(tenant=tenant, contact=maria).order_by("-created_at").first()
        # On a Tuesday: Maria reads dates in Spanish, and Saturday's "sáb" is not in the GSM
        # alphabet, which would (rightly) turn the counter to UCS-2 one day a week.
        now = dt.datetime.now(dt.UTC).replace(hour=14, minute=0, second=0, microsecond=0)
        days_to_tuesday = (1 - now.weekday()) % 7 or 7
        Lead.objects.filter(pk=lead.pk).update(
            appointment_at=now + dt.timedelta(days=days_to_tuesday)
        )
        sms = TemplateVariant.objects.get(
            tenant=tenant,
            template=seeded["appointment-reminder"],
            channel=MessageChannel.SMS,
            language="en",
        )
        # The demo seeds templates from several apps (comms, follow-up sequences …).
        template_count = MessageTemplate.objects.filter(tenant=tenant).count()
    return {"tenant": tenant, "sms": sms, "lead": lead, "template_count": template_count}


def _open_as_admin(page, path: str) -> None:
    sign_in(page, "admin@demo.test")
    follow(page, f"button.choice:has-text('{TENANT}')")
    page.goto(f"{page.base}{path}")
    settled(page)


def _count(page, name: str):
    return page.locator(f"#message-counter [data-count={name}]")


def _counter(page, name: str) -> str:
    return _count(page, name).inner_text()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_template_list(page_at, templates, width):
    page = page_at(width)

    _open_as_admin(page, "/settings/templates/")

    assert page.locator("h1").inner_text() == "Message templates"
    assert page.locator("table.templates tbody tr").count() == templates["template_count"]
    reminder = page.locator("tr", has_text="Appointment reminder")
    assert reminder.locator(".variant-chip").count() == 6
    assert reminder.locator(".variant-chip .approved").count() == 2
    screenshot(page, f"comms-templates-list-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


def test_edit_an_sms_with_its_live_counter_and_preview(page_at, templates):
    page = page_at(1280, 900)
    _open_as_admin(page, "/settings/templates/")

    page.locator("tr", has_text="Appointment reminder").locator(
        ".variant-chip", has_text="SMS · EN"
    ).click()
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text() == "SMS in English"
    assert page.locator("#id_subject").is_hidden()
    assert _counter(page, "encoding") == "GSM-7"
    assert _counter(page, "segments") == "1"

    page.fill("#id_body_text", NEW_TEXT)
    expect(_count(page, "segments")).to_have_text("2")
    assert _counter(page, "encoding") == "GSM-7"
    assert "park on the street" in page.locator(".preview-bubble").inner_text()

    page.fill("#id_body_text", NEW_TEXT.replace("they're", "they’re"))
    expect(_count(page, "encoding")).to_have_text("UCS-2")
    assert _counter(page, "segments") == "3"
    assert "Not in the GSM alphabet: ’" in page.locator("#template-preview").inner_text()

    page.fill("#id_body_text", NEW_TEXT)
    page.fill("#preview-search", "Maria")
    expect(page.locator(".preview-who")).to_contain_text("As Maria Gonzalez")
    lead = templates["lead"]
    assert f"about L-{lead.number}" in page.locator(".preview-who").inner_text()
    assert "Hi Maria, it's" in page.locator(".preview-bubble").inner_text()
    assert _counter(page, "encoding") == "GSM-7"
    screenshot(page, "comms-template-variant")

    follow(page, "button:has-text('Save wording')")

    assert "SMS wording of Appointment reminder saved." in page.locator(".flashes").inner_text()
    with tenant_context(templates["tenant"]):
        assert TemplateVariant.objects.get(pk=templates["sms"].pk).body_text == NEW_TEXT
    assert page.console_errors == []


def test_an_unknown_variable_shows_in_the_preview_and_is_refused_on_save(page_at, templates):
    page = page_at(1280, 900)
    _open_as_admin(page, f"/settings/templates/variants/{templates['sms'].pk}/")

    page.fill("#id_body_text", "See you {{ appointment_time }}")
    expect(page.locator(".preview-problem")).to_contain_text(
        "unknown variable {{ appointment_time }}"
    )

    follow(page, "button:has-text('Save wording')")

    assert "unknown variable {{ appointment_time }}" in page.inner_text(".field.has-error")
    with tenant_context(templates["tenant"]):
        saved = TemplateVariant.objects.get(pk=templates["sms"].pk).body_text
    assert "appointment_time" not in saved
    assert page.console_errors == []


def test_an_email_preview_renders_in_a_sandboxed_frame(page_at, templates):
    page = page_at(1280, 900)
    _open_as_admin(page, "/settings/templates/")
    page.locator("tr", has_text="Bi-weekly update").locator(
        ".variant-chip", has_text="Email · EN"
    ).click()
    page.wait_for_load_state("networkidle")

    frame = page.frame_locator("iframe.preview-html")

    assert "Materials delivered" in frame.locator("ul").inner_text()
    assert page.locator("iframe.preview-html").get_attribute("sandbox") == ""
    assert page.locator("#id_body_html").is_visible()
    # The frame's text is there before it is painted: let two frames pass.
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    screenshot(page, "comms-template-email")
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_a_template_page_lists_its_wording(page_at, templates, width):
    page = page_at(width)
    _open_as_admin(page, "/settings/templates/")

    follow(page, "a:has-text('Appointment reminder')")

    assert page.locator("h1").inner_text() == "Appointment reminder"
    assert page.locator(".variant-list li").count() == 6
    assert page.locator(".variant-list .badge.ok").count() == 2
    screenshot(page, f"comms-template-detail-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []
