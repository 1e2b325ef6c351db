"""Enrolling in follow-up sequences from the lists in a real browser: a rep ticks two of their
leads and enrols them; an admin adds a trigger step that enrols leads. Screenshots of both."""

import pytest
from django.urls import reverse

from automation.models import SequenceEnrolment, Trigger
from crm.models import Membership, Tenant
from crm.tenancy import tenant_context
from leads.models import Lead, LeadStatus
from tests.e2e.conftest import follow, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_rep_enrols_two_ticked_leads_from_the_list(page_at, demo):
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        rep = Membership.objects.get(tenant=tenant, user__email="rep@demo.test")
        leads = list(
            Lead.objects.filter(tenant=tenant, owner=rep, status=LeadStatus.OPEN).order_by("pk")[:2]
        )
    page = page_at(1280, 900)
    sign_in(page, "rep@demo.test")
    page.goto(f"{page.base}{reverse('leads:list')}?owner={rep.pk}")
    for lead in leads:
        page.check(f"#lead-{lead.pk} input[name=leads]")
    page.select_option("#bulk-form select[name=sequence]", label="Payment reminders")
    screenshot(page, "leads-list-enrol")
    follow(page, "#bulk-form button:has-text('Enrol')")
    assert "2 enrolled in Payment reminders" in page.inner_text(".flashes")
    with tenant_context(tenant):
        enrolled = set(
            SequenceEnrolment.objects.filter(sequence__name="Payment reminders").values_list(
                "lead_id", flat=True
            )
        )
    assert {lead.pk for lead in leads} <= enrolled
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_an_admin_adds_an_enrol_step_to_a_trigger(page_at, demo, width):
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        trigger = Trigger.objects.filter(tenant=tenant).order_by("pk").first()
    page = page_at(width, 900)
    sign_in(page, "admin@demo.test")
    follow(page, "button.choice:has-text('Florida First Roofing')")
    url = reverse("automation-settings:trigger-step-create", kwargs={"trigger_pk": trigger.pk})
    page.goto(f"{page.base}{url}")
    page.check("input[name=action][value=enrol]")
    page.wait_for_selector("select[name=sequence]")
    page.select_option("select[name=sequence]", label="New client onboarding")
    screenshot(page, f"trigger-step-enrol-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    follow(page, "button:has-text('Add step')")
    assert "Enrol in New client onboarding" in page.inner_text("#steps")
    assert page.console_errors == []
