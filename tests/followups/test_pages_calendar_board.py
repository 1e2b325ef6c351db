"""The calendar (month and week, in the member's time zone) and the board (a column per status,
cards moved with htmx)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from followups.models import FollowUp, Status
from followups.services import followups as services
from tests.conftest import sign_in
from tests.followups.test_pages import follow_up_for, url

pytestmark = pytest.mark.django_db

CALENDAR = reverse("followups:calendar")
BOARD = reverse("followups:board")
NOW = dt.datetime(2025, 3, 12, 15, 0, tzinfo=dt.UTC)  # Wednesday 11:00 in New York


def day_of(response, subject: str) -> dt.date:
    for day in response.context["calendar"].days:
        if any(follow_up.subject == subject for follow_up in day.follow_ups):
            return day.day
    raise AssertionError(f"{subject} is not on the calendar")


@time_machine.travel(NOW, tick=False)
def test_the_month_shows_whole_weeks_with_each_follow_up_on_its_local_day(client, world):
    # 02:00 UTC on March 20 is still March 19 in New York.
    follow_up_for(world, subject="Late call", at=dt.datetime(2025, 3, 20, 2, 0, tzinfo=dt.UTC))
    follow_up_for(world, subject="Next month", at=dt.datetime(2025, 4, 2, 15, 0, tzinfo=dt.UTC))
    cancelled = follow_up_for(world, subject="Called off", at=NOW + dt.timedelta(days=1))
    with world.active():
        services.follow_up_cancel(tenant=world.tenant, actor=None, follow_up=cancelled)
    sign_in(client, world.rep)
    response = client.get(CALENDAR)
    calendar = response.context["calendar"]
    assert calendar.view == "month" and calendar.first == dt.date(2025, 3, 1)
    assert calendar.weeks[0][0].day == dt.date(2025, 2, 24)  # Monday first
    assert all(len(week) == 7 for week in calendar.weeks)
    assert day_of(response, "Late call") == dt.date(2025, 3, 19)
    # April 2 is in the last week shown, outside the month.
    next_month = next(d for d in calendar.days if d.day == dt.date(2025, 4, 2))
    assert not next_month.in_range and next_month.follow_ups
    assert "Called off" not in response.content.decode()
    today = next(d for d in calendar.days if d.is_today)
    assert today.day == dt.date(2025, 3, 12)
    html = response.content.decode()
    assert "March 2025" in html and "date=2025-02-01" in html and "date=2025-04-01" in html


@time_machine.travel(NOW, tick=False)
def test_the_calendar_uses_the_members_own_time_zone(client, world):
    with world.active():
        user = world.rep.user
    user.time_zone = "Asia/Tokyo"
    user.save(update_fields=["time_zone"])
    # 20:00 in New York on March 19 is 09:00 on March 20 in Tokyo.
    follow_up_for(world, subject="Evening call", at=dt.datetime(2025, 3, 20, 0, 0, tzinfo=dt.UTC))
    sign_in(client, world.rep)
    response = client.get(CALENDAR)
    assert day_of(response, "Evening call") == dt.date(2025, 3, 20)
    assert "9:00 AM" in response.content.decode()
    assert "Asia/Tokyo" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_week_view_and_its_navigation(client, world):
    follow_up_for(world, subject="Friday visit", at=dt.datetime(2025, 3, 14, 18, 0, tzinfo=dt.UTC))
    follow_up_for(world, subject="Tuesday after", at=dt.datetime(2025, 3, 18, 18, 0, tzinfo=dt.UTC))
    sign_in(client, world.rep)
    response = client.get(CALENDAR, {"view": "week", "date": "2025-03-12"})
    calendar = response.context["calendar"]
    assert (calendar.first, calendar.last) == (dt.date(2025, 3, 10), dt.date(2025, 3, 16))
    assert len(calendar.weeks) == 1
    assert day_of(response, "Friday visit") == dt.date(2025, 3, 14)
    assert "Tuesday after" not in response.content.decode()
    assert calendar.previous == dt.date(2025, 3, 3) and calendar.next == dt.date(2025, 3, 17)
    following = client.get(CALENDAR, {"view": "week", "date": "2025-03-17"})
    assert day_of(following, "Tuesday after") == dt.date(2025, 3, 18)
    # A bad date falls back to today; htmx navigation returns the calendar alone.
    assert client.get(CALENDAR, {"date": "soon"}).context["calendar"].first == dt.date(2025, 3, 1)
    part = client.get(CALENDAR, {"view": "week"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calendar")
    assert part.content.decode().lstrip().startswith('<section id="calendar"')


@time_machine.travel(NOW, tick=False)
def test_rescheduling_from_the_calendar_returns_the_calendar_with_its_filters(client, world):
    follow_up = follow_up_for(world, subject="Move me", at=NOW + dt.timedelta(hours=3))
    sign_in(client, world.rep)
    page = f"{CALENDAR}?view=week&date=2025-03-12&priority=medium"
    response = client.post(
        url("reschedule", follow_up),
        {"to": "pick", "at": "2025-03-14T16:00", "from": "calendar", "next": page},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="calendar"')
    assert "Rescheduled." in html
    assert day_of(response, "Move me") == dt.date(2025, 3, 14)
    assert response.context["calendar"].view == "week"
    with world.active():
        follow_up.refresh_from_db()
    assert follow_up.scheduled_at == dt.datetime(2025, 3, 14, 20, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_the_board_has_a_column_per_status(client, world):
    follow_up_for(world, subject="Pending one")
    started = follow_up_for(world, subject="Started one")
    done = follow_up_for(world, subject="Done one")
    dropped = follow_up_for(world, subject="Dropped one")
    with world.active():
        services.follow_up_start(tenant=world.tenant, actor=None, follow_up=started)
        services.follow_up_complete(
            tenant=world.tenant, actor=None, follow_up=done, outcome="no_response"
        )
        services.follow_up_cancel(tenant=world.tenant, actor=None, follow_up=dropped)
    with world.active():
        old = follow_up_for(world, subject="Long done", at=NOW - dt.timedelta(days=40))
        FollowUp.objects.filter(pk=old.pk).update(
            status=Status.COMPLETED, completed_at=NOW - dt.timedelta(days=39)
        )
        missed = follow_up_for(world, subject="Missed one", at=NOW - dt.timedelta(days=1))
        FollowUp.objects.filter(pk=missed.pk).update(status=Status.MISSED, missed_at=NOW)
    sign_in(client, world.rep)
    response = client.get(BOARD)
    columns = {c.status: [f.subject for f in c.cards] for c in response.context["columns"]}
    assert list(columns) == ["pending", "in_progress", "completed", "missed", "cancelled"]
    assert columns == {
        "pending": ["Pending one"],
        "in_progress": ["Started one"],
        "completed": ["Done one"],  # the one finished weeks ago is left off
        "missed": ["Missed one"],
        "cancelled": ["Dropped one"],
    }


@time_machine.travel(NOW, tick=False)
def test_moving_a_card_to_completed_asks_for_the_outcome(client, world):
    follow_up = follow_up_for(world, subject="Quote call")
    sign_in(client, world.rep)
    board = f"{BOARD}?priority=medium"
    html = client.get(board).content.decode()
    assert 'name="outcome" required' in html
    refused = client.post(
        url("complete", follow_up),
        {"outcome": "", "from": "board", "next": board},
        HTTP_HX_REQUEST="true",
    )
    assert "This field is required." in refused.content.decode()
    response = client.post(
        url("complete", follow_up),
        {"outcome": "successful", "notes": "Booked", "from": "board", "next": board},
        HTTP_HX_REQUEST="true",
    )
    assert response.content.decode().lstrip().startswith('<div id="board"')
    columns = {c.status: [f.subject for f in c.cards] for c in response.context["columns"]}
    assert columns["completed"] == ["Quote call"] and columns["pending"] == []
    # The board came back with the filters of the page it was on.
    assert response.context["filters"].query().priority == "medium"


@time_machine.travel(NOW, tick=False)
def test_moving_a_card_to_cancelled_takes_an_optional_reason_and_start_moves_it_on(client, world):
    first = follow_up_for(world, subject="First")
    second = follow_up_for(world, subject="Second")
    sign_in(client, world.rep)
    response = client.post(
        url("start", first), {"from": "board", "next": BOARD}, HTTP_HX_REQUEST="true"
    )
    columns = {c.status: [f.subject for f in c.cards] for c in response.context["columns"]}
    assert columns["in_progress"] == ["First"]
    response = client.post(
        url("cancel", second), {"from": "board", "next": BOARD}, HTTP_HX_REQUEST="true"
    )
    columns = {c.status: [f.subject for f in c.cards] for c in response.context["columns"]}
    assert columns["cancelled"] == ["Second"]
    # Without JavaScript the same forms post and come back to the board.
    third = follow_up_for(world, subject="Third")
    response = client.post(url("cancel", third), {"reason": "Duplicate", "next": BOARD})
    assert response.status_code == 302 and response["Location"] == BOARD
    with world.active():
        third.refresh_from_db()
    assert third.status == Status.CANCELLED and third.outcome_notes == "Duplicate"
