"""A rep works their follow-ups in a real browser: completes one from the board with an outcome,
reschedules one from the calendar; and every follow-up page at desktop and phone width."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Membership, Tenant
from crm.tenancy import tenant_context
from followups.models import FollowUp, Outcome, Status
from followups.selectors.members import member_zone
from followups.services import followups as services
from tests.e2e.conftest import screenshot, settled, sign_in

pytestmark = pytest.mark.browser


@dataclass
class Day:
    tenant: Tenant
    rep: Membership
    zone: object
    board_call: FollowUp
    calendar_visit: FollowUp
    visit_day: dt.date


def _at(day: dt.date, hour: int, minute: int, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


@pytest.fixture
def rep_day(demo) -> Day:
    """The demo rep's follow-ups: a few today and this week, one overdue, some done."""
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        rep = Membership.objects.select_related("user").get(user__email="rep@demo.test")
        zone = member_zone(rep.user, tenant)
        today = timezone.localdate(timezone.now(), zone)
        # A weekday from tomorrow on, with the next day in the same week (the week view).
        visit_day = today + dt.timedelta(days=1)
        while visit_day.weekday() > 4:
            visit_day += dt.timedelta(days=1)
        contacts = list(Contact.objects.filter(tenant=tenant).order_by("pk")[:6])
        types = {t.key: t for t in services.follow_up_types_ensure(tenant=tenant)}

        def make(subject, at, contact, key="call", **fields):
            return services.follow_up_create(
                tenant=tenant,
                actor=rep.user,
                subject=subject,
                contact=contact,
                assignee=rep,
                scheduled_at=at,
                type=types[key],
                reminders=[(1440, "email"), (60, "in_app")],
                **fields,
            )

        board_call = make(
            "Quote follow-up call", _at(visit_day, 10, 0, zone), contacts[0], priority="high"
        )
        calendar_visit = make(
            "Measure the back porch", _at(visit_day, 15, 0, zone), contacts[1], key="meeting"
        )
        make("Send the warranty papers", _at(visit_day, 11, 30, zone), contacts[2], key="email")
        make(
            "Check the permit status",
            _at(visit_day + dt.timedelta(days=1), 9, 0, zone),
            contacts[3],
            key="status_check",
            priority="low",
        )
        overdue = make(
            "Call back about gutters", timezone.now() - dt.timedelta(hours=3), contacts[4]
        )
        FollowUp.objects.filter(pk=overdue.pk).update(
            status=Status.MISSED, missed_at=timezone.now()
        )
        started = make("Review the insurance claim", timezone.now() + dt.timedelta(hours=2),
                       contacts[5], key="document_review")  # fmt: skip
        services.follow_up_start(tenant=tenant, actor=rep.user, follow_up=started)
        done = make("Thank-you call", timezone.now() + dt.timedelta(minutes=30), contacts[0])
        services.follow_up_complete(
            tenant=tenant, actor=rep.user, follow_up=done, outcome=Outcome.SUCCESSFUL
        )
        services.follow_up_add_note(
            tenant=tenant,
            actor=rep.user,
            follow_up=board_call,
            body="She asked for a call before noon; has the quote open.",
        )
    return Day(tenant, rep, zone, board_call, calendar_visit, visit_day)


def test_a_rep_completes_from_the_board_and_reschedules_from_the_calendar(page_at, rep_day):
    page = page_at(1366, 900)
    sign_in(page, "rep@demo.test")
    # The rep lands on their day: the follow-ups widget.
    page.wait_for_selector(".fu-widget")
    screenshot(page, "followups-home-rep")

    # The board: "Complete…" asks what came of it; the card moves to Completed.
    # Searched for: the demo gives the rep more pending follow-ups than a column shows.
    page.goto(f"{page.base}{reverse('followups:board')}?q=Quote+follow-up+call")
    card = page.locator(f"#card-{rep_day.board_call.pk}")
    assert card.locator("xpath=ancestor::section").get_attribute("data-status") == "pending"
    card.locator(".fu-move-complete summary").click()
    screenshot(page, "followups-board-complete-form")
    card.locator("select[name=outcome]").select_option("successful")
    card.locator("textarea[name=notes]").fill("Booked the install for next Monday")
    card.locator("button", has_text="Mark completed").click()
    page.wait_for_selector(f".fu-col-completed #card-{rep_day.board_call.pk}")
    assert "Completed." in page.locator(".flash-success").inner_text()
    screenshot(page, "followups-board-after-complete")

    # The calendar's week: move a visit to the next day from its "Move" menu.
    day, next_day = rep_day.visit_day, rep_day.visit_day + dt.timedelta(days=1)
    page.goto(f"{page.base}{reverse('followups:calendar')}?view=week&date={day.isoformat()}")
    entry = page.locator(f"#day-{day.isoformat()} #cal-fu-{rep_day.calendar_visit.pk}")
    entry.locator(".fu-menu summary").click()
    picker = entry.locator(".fu-pick input[name=at]")
    picker.wait_for()
    screenshot(page, "followups-calendar-move")
    picker.fill(f"{next_day.isoformat()}T09:30")
    entry.locator(".fu-pick button").click()
    page.wait_for_selector(f"#day-{next_day.isoformat()} #cal-fu-{rep_day.calendar_visit.pk}")
    assert "Rescheduled." in page.locator("#calendar .flash-success").inner_text()
    screenshot(page, "followups-calendar-after-move")
    assert page.console_errors == []

    with tenant_context(rep_day.tenant):
        done = FollowUp.objects.get(pk=rep_day.board_call.pk)
        moved = FollowUp.objects.get(pk=rep_day.calendar_visit.pk)
    assert done.status == Status.COMPLETED and done.outcome == Outcome.SUCCESSFUL
    assert done.outcome_notes == "Booked the install for next Monday"
    assert moved.scheduled_at == _at(next_day, 9, 30, rep_day.zone)


def test_every_follow_up_page_at_desktop_and_phone_width(page_at, rep_day):
    pages = [
        ("list", reverse("followups:list")),
        ("calendar-month", reverse("followups:calendar")),
        ("calendar-week", f"{reverse('followups:calendar')}?view=week&date={rep_day.visit_day}"),
        ("board", reverse("followups:board")),
        ("detail", reverse("followups:detail", kwargs={"follow_up_pk": rep_day.board_call.pk})),
        ("create", f"{reverse('followups:create')}?contact={rep_day.board_call.contact_id}"),
        ("home", "/"),
    ]
    for width, label in ((1366, "desktop"), (375, "phone")):
        page = page_at(width, 900)
        sign_in(page, "rep@demo.test")
        for name, path in pages:
            page.goto(f"{page.base}{path}")
            settled(page)
            scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
            assert scroll_width <= width + 5, (name, width, scroll_width)
            screenshot(page, f"followups-{name}-{label}")
        assert page.console_errors == []

    # The list's row menu, and the lead page's follow-ups section.
    page = page_at(1366, 900)
    sign_in(page, "rep@demo.test")
    page.goto(f"{page.base}{reverse('followups:list')}")
    row = page.locator(f"#fu-{rep_day.calendar_visit.pk}")
    row.locator(".fu-menu summary").click()
    row.locator("textarea[name=notes]").wait_for()
    screenshot(page, "followups-list-row-menu")
    row.locator("button", has_text="Tomorrow").click()
    page.wait_for_selector(f"#fu-{rep_day.calendar_visit.pk} .row-flash.done")
    contact_path = reverse("contacts:detail", kwargs={"contact_pk": rep_day.board_call.contact_id})
    page.goto(f"{page.base}{contact_path}")
    page.wait_for_selector(".fu-panel .fu-timeline")
    screenshot(page, "followups-contact-page")
    assert page.console_errors == []
