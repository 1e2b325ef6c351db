"""Customer updates in a real browser: the lead page's customer messages panel (loaded by htmx)
and the managers' list of overdue updates with its "Send now" button."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from automation.services.updates import customer_update_send
from crm.models import Membership, Tenant
from crm.tenancy import tenant_context
from followups.models import Source
from followups.services.followups import follow_up_create
from leads.models import Lead
from messaging.demo_templates import seed_templates
from messaging.models import OutboundMessage
from tests.e2e.conftest import ARTIFACTS, follow, screenshot, sign_in

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _keep(path: Path, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS / f"{name}.png")


@pytest.fixture
def active_jobs(demo):
    """The demo's active jobs, with the update template, two jobs overdue, and one job that got
    its update and has a follow-up a trigger promised."""
    tenant = Tenant.objects.get(slug="demo")
    now = timezone.now()
    with tenant_context(tenant):
        seed_templates(tenant=tenant)
        # The demo sent its first updates today; here no job has had one yet.
        OutboundMessage.objects.filter(tenant=tenant).delete()
        Lead.objects.filter(tenant=tenant).update(last_update_sent_at=None)
        jobs = list(
            Lead.objects.filter(tenant=tenant, next_update_due_at__isnull=False)
            .select_related("contact")
            .order_by("pk")
        )
        assert len(jobs) >= 3, [job.pk for job in jobs]
        # Whatever the demo's dates make due today, exactly two jobs are late here.
        Lead.objects.filter(pk__in=[job.pk for job in jobs]).update(
            next_update_due_at=now + dt.timedelta(days=10)
        )
        for days, job in zip((5, 2), jobs[1:], strict=False):
            Lead.objects.filter(pk=job.pk).update(next_update_due_at=now - dt.timedelta(days=days))
        updated = jobs[0]
        manager = Membership.objects.get(tenant=tenant, user__email="manager@demo.test")
        customer_update_send(tenant=tenant, lead=updated, actor=manager.user)
        follow_up_create(
            tenant=tenant,
            actor=None,
            subject="Check the crew finished the flashing",
            contact=updated.contact,
            lead=updated,
            assignee=manager,
            scheduled_at=now + dt.timedelta(days=3),
            source=Source.TRIGGER,
            key=f"demo:call:{updated.pk}",
        )
    return updated


@pytest.mark.parametrize("width", [1280, 375])
def test_the_lead_page_shows_the_customer_messages_panel(page_at, active_jobs, width):
    page = page_at(width, 900)
    sign_in(page, "manager@demo.test")
    page.goto(f"{page.base}/leads/{active_jobs.pk}/")
    panel = page.locator("#customer-messages")
    panel.locator(".update-rhythm").wait_for()

    text = panel.inner_text()
    assert "Last update" in text and "Next update" in text
    assert "Bi-weekly update" in text
    assert "Check the crew finished the flashing" in text
    assert panel.locator("button", has_text="Send update now").count() == 1
    screenshot(page, f"comms-lead-page-{width}")
    if width == 1280:
        panel.screenshot(path=str(DOCS / "comms-lead-panel.png"))
    else:
        panel.screenshot(path=str(ARTIFACTS / "comms-lead-panel-375.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_the_overdue_list_sends_an_update_from_its_row(page_at, active_jobs, width):
    page = page_at(width, 800)
    sign_in(page, "manager@demo.test")
    page.goto(f"{page.base}/leads/")
    follow(page, "a:has-text('Customer updates due')")

    rows = page.locator("table.updates-due tbody tr")
    assert rows.count() == 2
    assert rows.first.locator(".badge.danger").inner_text().endswith("late")
    shot = screenshot(page, f"comms-updates-overdue-{width}")
    if width == 1280:
        _keep(shot, "comms-updates-overdue")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    rows.first.locator("button", has_text="Send now").click()
    page.wait_for_load_state("networkidle")
    assert "is on its way" in page.locator(".flashes").inner_text()
    assert page.locator("table.updates-due tbody tr").count() == 1
    assert page.console_errors == []
