"""The admin's pipeline and assignment pages in a real browser, on a desktop and on a phone."""

import pytest

from crm.models import Contact, Membership, Role, Tenant
from crm.tenancy import tenant_context
from leads.models import LeadType
from leads.services.configuration import assignment_rule_save, stage_set_archived
from leads.services.leads import lead_create
from tests.e2e.conftest import follow, screenshot, settled, sign_in
from tests.factories import LeadSourceFactory, pipeline_for, stage_named

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"


@pytest.fixture
def configured(demo):
    """The demo tenant with a pipeline holding leads, an archived stage, a source and two rules
    (made here: the demo data may not have them)."""
    tenant = Tenant.objects.get(name=TENANT)
    pipeline = pipeline_for(tenant)
    source = LeadSourceFactory(tenant=tenant, name="Storm canvassing")
    with tenant_context(tenant):
        admin = Membership.objects.get(tenant=tenant, user__email="admin@demo.test")
        reps = list(Membership.objects.filter(tenant=tenant, role=Role.REP, is_active=True))
        contact = Contact.objects.filter(tenant=tenant).order_by("pk").first()
        for _ in range(2):
            lead_create(
                tenant=tenant, actor=admin.user, contact=contact, pipeline=pipeline, owner=reps[0]
            )
        assignment_rule_save(
            tenant=tenant,
            actor=admin.user,
            name="Commercial roofs to the senior reps",
            pipeline=pipeline,
            lead_type=LeadType.COMMERCIAL,
            members=reps[:2],
            require_territory=False,
        )
        assignment_rule_save(
            tenant=tenant,
            actor=admin.user,
            name="Storm canvassing leads",
            source=source,
            members=[],
            require_availability=False,
        )
        stage_set_archived(
            tenant=tenant,
            actor=admin.user,
            stage=stage_named(pipeline, "Inspection scheduled"),
            archived=True,
        )
    return pipeline


def _open_as_admin(page, path: str) -> None:
    sign_in(page, "admin@demo.test")
    follow(page, f"button.choice:has-text('{TENANT}')")
    page.goto(f"{page.base}{path}")
    settled(page)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_pipeline_page(page_at, configured, width):
    page = page_at(width)

    _open_as_admin(page, f"/settings/pipelines/{configured.pk}/")

    assert page.locator("h1").inner_text().startswith("Residential roofing")
    rows = page.locator("table.stages tbody tr")
    assert rows.count() >= 10
    assert rows.locator("button[aria-label='Move New lead up']").is_disabled()
    screenshot(page, f"lead-settings-pipeline-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_the_assignment_page(page_at, configured, width):
    page = page_at(width)

    _open_as_admin(page, "/settings/assignment/")

    # Who gets the next lead is filled in by htmx after the page loads.
    page.wait_for_function(
        "!document.querySelector('main').innerText.includes('Checking who is available')"
    )
    assert page.locator("article.rule").count() >= 2
    screenshot(page, f"lead-settings-assignment-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []
