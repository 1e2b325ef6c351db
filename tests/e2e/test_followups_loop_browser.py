"""The follow-up loop in a real browser (issue 20): a rep makes a weekly follow-up from the form,
edits one occurrence ("this one") and then the whole series, skips a date, completes one and uses
"Schedule the next one", and reads the customer's timeline. Screenshots at 1280 and 375 px go to
test-artifacts/screenshots/followups-*.png."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Membership, Tenant
from crm.tenancy import tenant_context
from followups.models import FollowUp, FollowUpSeries, Status
from followups.selectors.members import member_zone
from tests.e2e.conftest import screenshot, settled, sign_in

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SUBJECT = "Weekly roof check-in"


def _keep(page, name: str) -> None:
    """The screenshot to test-artifacts/ and, a copy to test-artifacts/screenshots/."""
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot(page, name), DOCS / f"{name}.png")


def _fits(page, width: int, name: str) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width + 5, (name, width, scroll_width)


def _rows(tenant, series_pk) -> list[FollowUp]:
    with tenant_context(tenant):
        return list(FollowUp.objects.filter(series_id=series_pk).order_by("occurrence_at", "pk"))


def test_the_follow_up_loop_from_the_form_to_the_timeline(page_at, demo):
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        rep = Membership.objects.select_related("user").get(user__email="rep@demo.test")
        zone = member_zone(rep.user, tenant)
        contact = Contact.objects.filter(tenant=tenant).order_by("pk").first()
    today = timezone.localdate(timezone.now(), zone)
    tuesday = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)  # the next Tuesday

    page = page_at(1280, 900)
    sign_in(page, "rep@demo.test")

    # 1. A weekly follow-up on Tuesdays, six times, from the create form.
    page.goto(f"{page.base}{reverse('followups:create')}?contact={contact.pk}")
    page.fill("#id_subject", SUBJECT)
    page.fill("#id_scheduled_at", f"{tuesday.isoformat()}T10:00")
    assert not page.locator(".fu-repeat-more").is_visible()  # "Does not repeat" hides the rest
    page.select_option("#id_repeat", "weekly")
    page.check("input[name=weekdays][value=TU]")
    page.select_option("#id_ends", "count")
    page.fill("#id_count", "6")
    assert not page.locator("#id_until").is_visible()
    _keep(page, "followups-repeat-form-1280")
    page.click("button:has-text('Schedule follow-up')")
    page.wait_for_selector(".fu-c-series")
    assert "Every week on Tue at 10:00" in page.locator(".fu-c-series").inner_text()
    _keep(page, "followups-series-detail-1280")
    with tenant_context(tenant):
        series = FollowUpSeries.objects.get(tenant=tenant, subject=SUBJECT)
    rows = _rows(tenant, series.pk)
    assert len(rows) == 6 and series.rule == "FREQ=WEEKLY;BYDAY=TU" and series.count == 6
    assert rows[0].scheduled_at == dt.datetime.combine(tuesday, dt.time(10), tzinfo=zone)

    # 2. "This one": the second Tuesday gets its own subject and moves to the Wednesday.
    page.goto(f"{page.base}{reverse('followups:edit', kwargs={'follow_up_pk': rows[1].pk})}")
    page.check("input[name=scope][value=one]")
    page.fill("#id_subject", "Check-in with the adjuster")
    wednesday = tuesday + dt.timedelta(days=8)
    page.fill("#id_scheduled_at", f"{wednesday.isoformat()}T15:00")
    _keep(page, "followups-edit-this-one-1280")
    page.click("button:has-text('Save changes')")
    page.wait_for_selector(".flash-success")
    rows = _rows(tenant, series.pk)
    assert rows[1].subject == "Check-in with the adjuster"
    assert rows[1].scheduled_at == dt.datetime.combine(wednesday, dt.time(15), tzinfo=zone)
    assert {row.subject for row in rows[2:]} == {SUBJECT}

    # 3. "The whole series", from the third one: a high priority and a note for every one still
    # to come; the one edited on its own keeps its subject (the subject was not changed here).
    page.goto(f"{page.base}{reverse('followups:edit', kwargs={'follow_up_pk': rows[2].pk})}")
    page.check("input[name=scope][value=series]")
    page.select_option("#id_priority", "high")
    page.fill("#id_description", "Bring the long ladder")
    _keep(page, "followups-edit-series-1280")
    page.click("button:has-text('Save changes')")
    page.wait_for_selector(".flash-success")
    rows = _rows(tenant, series.pk)
    assert [row.subject for row in rows] == [SUBJECT, "Check-in with the adjuster", *[SUBJECT] * 4]
    assert {(row.priority, row.description) for row in rows} == {("high", "Bring the long ladder")}

    # 4. Skip the fourth Tuesday from the first one's page.
    first = reverse("followups:detail", kwargs={"follow_up_pk": rows[0].pk})
    page.goto(f"{page.base}{first}")
    page.locator(f"#occurrence-{rows[3].pk} button").click()
    page.wait_for_selector(".flash-success")
    assert not page.locator(f"#occurrence-{rows[3].pk}").count()
    rows = _rows(tenant, series.pk)
    assert rows[3].status == Status.CANCELLED
    with tenant_context(tenant):
        series.refresh_from_db()
    assert series.skipped == [rows[3].occurrence_at]

    # 5. Complete the first one and go on to "Schedule the next one".
    actions = page.locator(".fu-c-actions")
    actions.locator("select[name=outcome]").select_option("successful")
    actions.locator("textarea[name=notes]").first.fill("Roof looks fine; gutters next")
    actions.locator("input[name=next_one]").check()
    _keep(page, "followups-complete-next-one-1280")
    actions.locator("button:has-text('Complete')").click()
    page.wait_for_url("**/followups/new/?after=*")
    assert page.input_value("#id_subject") == SUBJECT
    page.fill("#id_subject", "Gutter quote call")
    _keep(page, "followups-next-one-form-1280")
    page.click("button:has-text('Schedule follow-up')")
    page.wait_for_selector(".fu-c-details")
    with tenant_context(tenant):
        assert FollowUp.objects.get(pk=rows[0].pk).status == Status.COMPLETED
        next_one = FollowUp.objects.get(tenant=tenant, subject="Gutter quote call")
    assert next_one.contact_id == contact.pk and next_one.priority == "high"

    # 6. The customer's timeline: done, skipped and coming, with "now" between.
    timeline = reverse("followups:contact-timeline", kwargs={"contact_pk": contact.pk})
    page.goto(f"{page.base}{timeline}")
    page.wait_for_selector("#now")
    line = page.locator(".fu-line-card").inner_text()
    assert "Roof looks fine; gutters next" in line and "Gutter quote call" in line
    assert "skipped in its series" in line
    _keep(page, "followups-timeline-1280")
    assert page.console_errors == []

    # The same pages on a phone.
    phone = page_at(375, 800)
    sign_in(phone, "rep@demo.test")
    for name, path in (
        ("timeline", timeline),
        ("series-detail", reverse("followups:detail", kwargs={"follow_up_pk": rows[2].pk})),
        ("edit-series", reverse("followups:edit", kwargs={"follow_up_pk": rows[2].pk})),
        ("repeat-form", f"{reverse('followups:create')}?contact={contact.pk}"),
    ):
        phone.goto(f"{phone.base}{path}")
        settled(phone)
        if name == "repeat-form":
            phone.select_option("#id_repeat", "custom")
            phone.select_option("#id_ends", "until")
        if name == "edit-series":
            phone.check("input[name=scope][value=series]")
        _fits(phone, 375, name)
        _keep(phone, f"followups-{name}-375")
    assert phone.console_errors == []
