"""The follow-up loop from the pages (issue 20): a follow-up is edited after creation; repeating
follow-ups are created and edited from the form (this one, the whole series), a date is skipped,
a series ended; completing offers "schedule the next one"; a customer's timeline; a manager's
"Mine" means their own; a lost lead closes its open and missed follow-ups."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from crm.models import Role
from followups.models import FollowUp, FollowUpSeries, Source, Status
from followups.services import followups as services
from followups.services import recurrence
from leads.services.stages import lead_mark_lost
from tests import factories
from tests.conftest import sign_in
from tests.factories import lead_for
from tests.followups.test_pages import follow_up_for, subjects, url

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Monday 2 March 2026, 09:00 in New York (clocks go forward on 8 March).
NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
CREATE = reverse("followups:create")


def _local(month, day, hour=10, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _types(world):
    with world.active():
        return {t.key: t for t in services.follow_up_types_ensure(tenant=world.tenant)}


def _form(world, **values) -> dict:
    data = {
        "subject": "Weekly check-in",
        "type": _types(world)["call"].pk,
        "scheduled_at": "2026-03-03T10:00",
        "duration_minutes": "30",
        "priority": "medium",
        "assignee": world.rep.pk,
        "contact": world.contact.pk,
        "reminder_offsets": ["60"],
        "reminder_channels": ["in_app"],
    }
    data.update(values)
    return data


def _rows(world, series):
    with world.active():
        return list(FollowUp.objects.filter(series=series).order_by("occurrence_at"))


# --- Editing one follow-up ----------------------------------------------------------------------


def test_a_follow_up_is_edited_after_creation(client, world, frozen):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    follow_up = follow_up_for(
        world, at=_local(3, 4), actor=world.rep.user, reminders=[(60, "in_app")]
    )
    sign_in(client, world.rep)
    page = client.get(url("edit", follow_up))
    assert page.status_code == 200 and "scope" not in page.context["form"].fields
    response = client.post(
        url("edit", follow_up),
        _form(
            world,
            subject="Call about the gutters",
            type=_types(world)["meeting"].pk,
            scheduled_at="2026-03-05T14:30",
            duration_minutes="60",
            priority="high",
            assignee=other_rep.pk,
            description="Bring the samples",
        ),
    )
    assert response.status_code == 302 and response["Location"] == url("detail", follow_up)
    with world.active():
        follow_up.refresh_from_db()
        reminder = follow_up.reminders.get()
        type_key = follow_up.type.key
        assignee_id = follow_up.assignee_id
    assert follow_up.subject == "Call about the gutters"
    assert type_key == "meeting"
    assert follow_up.scheduled_at == _local(3, 5, 14, 30)
    assert (follow_up.duration_minutes, follow_up.priority) == (60, "high")
    assert assignee_id == other_rep.pk and follow_up.description == "Bring the samples"
    assert reminder.remind_at == _local(3, 5, 13, 30)  # its reminder moved with it
    # The page offers the edit; a finished one cannot be edited.
    assert url("edit", follow_up) in client.get(url("detail", follow_up)).content.decode()
    with world.active():
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=follow_up, outcome="successful"
        )
    response = client.post(url("edit", follow_up), _form(world, subject="Too late"))
    assert response.status_code == 302
    with world.active():
        follow_up.refresh_from_db()
    assert follow_up.subject == "Call about the gutters"


def test_a_rep_cannot_edit_someone_elses_follow_up(client, world, frozen):
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    follow_up = follow_up_for(world, assignee=other_rep)
    sign_in(client, world.rep)
    assert client.get(url("edit", follow_up)).status_code == 403


# --- Repeating, from the form -------------------------------------------------------------------


def test_a_weekly_follow_up_on_two_days_is_created_from_the_form(client, world, frozen):
    sign_in(client, world.rep)
    response = client.post(
        CREATE,
        _form(world, repeat="weekly", weekdays=["TU", "TH"], ends="count", count="4"),
    )
    assert response.status_code == 302
    with world.active():
        series = FollowUpSeries.objects.get()
    assert series.rule == "FREQ=WEEKLY;BYDAY=TU,TH" and series.count == 4
    rows = _rows(world, series)
    assert [row.scheduled_at for row in rows] == [
        _local(3, 3), _local(3, 5), _local(3, 10), _local(3, 12),
    ]  # fmt: skip
    assert response["Location"] == url("detail", rows[0])
    assert {row.source for row in rows} == {Source.SERIES}


@pytest.mark.parametrize(
    ("choices", "rule", "ends"),
    [
        ({"repeat": "daily"}, "FREQ=DAILY", {"until": _local(3, 6, 23, 59)}),
        ({"repeat": "monthly"}, "FREQ=MONTHLY;BYMONTHDAY=3", {}),
        (
            {"repeat": "custom", "interval": "3", "unit": "DAILY"},
            "FREQ=DAILY;INTERVAL=3",
            {"count": 5},
        ),
        (
            {"repeat": "custom", "interval": "2", "unit": "WEEKLY"},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            {},
        ),
    ],
)
def test_daily_monthly_and_custom_intervals_with_their_ends(
    client, world, frozen, choices, rule, ends
):
    sign_in(client, world.rep)
    end_fields = {}
    if "until" in ends:
        end_fields = {"ends": "until", "until": "2026-03-06"}
    elif "count" in ends:
        end_fields = {"ends": "count", "count": str(ends["count"])}
    response = client.post(CREATE, _form(world, **choices, **end_fields))
    assert response.status_code == 302
    with world.active():
        series = FollowUpSeries.objects.get()
    assert series.rule == rule
    assert series.count == ends.get("count")
    if "until" in ends:
        assert series.until.astimezone(NEW_YORK).date() == dt.date(2026, 3, 6)
        assert len(_rows(world, series)) == 4  # Tue to Fri


def test_a_repeat_without_its_end_value_is_refused(client, world, frozen):
    sign_in(client, world.rep)
    response = client.post(CREATE, _form(world, repeat="weekly", ends="count"))
    assert response.status_code == 200
    assert response.context["form"].errors["count"]
    with world.active():
        assert not FollowUpSeries.objects.exists() and not FollowUp.objects.exists()


def _weekly(world, **extra):
    with world.active():
        return recurrence.series_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Weekly check-in",
            contact=world.contact,
            assignee=world.rep,
            starts_at=_local(3, 3),
            rule="FREQ=WEEKLY;BYDAY=TU",
            time_zone="America/New_York",
            reminders=[],
            **extra,
        )


def test_editing_this_one_from_the_form_changes_only_that_occurrence(client, world, frozen):
    series = _weekly(world, count=4)
    second = _rows(world, series)[1]
    sign_in(client, world.rep)
    form = client.get(url("edit", second)).context["form"]
    assert form.initial["repeat"] == "weekly" and form.initial["weekdays"] == ["TU"]
    assert form.initial["ends"] == "count" and form.initial["count"] == 4
    response = client.post(
        url("edit", second),
        _form(world, scope="one", subject="Check-in with the adjuster",
              scheduled_at="2026-03-11T15:00", repeat="weekly", ends="count", count="4"),
    )  # fmt: skip
    assert response.status_code == 302
    rows = _rows(world, series)
    assert [row.subject for row in rows] == ["Weekly check-in", "Check-in with the adjuster",
                                             "Weekly check-in", "Weekly check-in"]  # fmt: skip
    assert rows[1].scheduled_at == _local(3, 11, 15) and rows[1].occurrence_at == _local(3, 10)
    with world.active():
        series.refresh_from_db()
    assert series.subject == "Weekly check-in" and series.rule == "FREQ=WEEKLY;BYDAY=TU"


def test_editing_the_whole_series_from_the_form_changes_its_look_days_and_time(
    client, world, frozen
):
    series = _weekly(world, count=4)
    first, second = _rows(world, series)[:2]
    with world.active():
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=first, outcome="successful"
        )
    sign_in(client, world.rep)
    response = client.post(
        url("edit", second),
        _form(world, scope="series", subject="Thursday check-in", priority="high",
              scheduled_at="2026-03-12T14:00", repeat="weekly", weekdays=["TH"],
              ends="until", until="2026-03-26"),
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    with world.active():
        series.refresh_from_db()
    assert series.subject == "Thursday check-in" and series.rule == "FREQ=WEEKLY;BYDAY=TH"
    assert series.count is None
    assert series.until.astimezone(NEW_YORK).date() == dt.date(2026, 3, 26)
    open_rows = [row for row in _rows(world, series) if row.status == Status.PENDING]
    # The whole series moved to Thursdays at 14:00 (the days from the form, the time by as much
    # as this one moved): its first Thursday, still to come, too.
    assert [row.scheduled_at for row in open_rows] == [_local(3, 5, 14), _local(3, 12, 14),
                                                       _local(3, 19, 14), _local(3, 26, 14)]  # fmt: skip
    assert {(row.subject, row.priority) for row in open_rows} == {("Thursday check-in", "high")}
    with world.active():
        first.refresh_from_db()
    assert first.subject == "Weekly check-in"  # the done one stays as it was


def test_a_whole_series_edit_sends_only_what_changed_so_this_one_edits_stay(client, world, frozen):
    series = _weekly(world, count=3)
    _first, second, third = _rows(world, series)
    with world.active():
        recurrence.series_update_one(
            tenant=world.tenant, actor=world.rep.user, follow_up=second, subject="With the adjuster"
        )
    sign_in(client, world.rep)
    response = client.post(
        url("edit", third),
        _form(world, scope="series", priority="high", scheduled_at="2026-03-17T10:00",
              repeat="weekly", weekdays=["TU"], ends="count", count="3"),
    )  # fmt: skip
    assert response.status_code == 302
    rows = _rows(world, series)
    assert [(row.subject, row.priority) for row in rows] == [
        ("Weekly check-in", "high"), ("With the adjuster", "high"), ("Weekly check-in", "high")
    ]  # fmt: skip
    assert [row.scheduled_at for row in rows] == [_local(3, 3), _local(3, 10), _local(3, 17)]


def test_skipping_a_date_from_the_page_cancels_it_and_it_is_not_made_again(client, world, frozen):
    series = _weekly(world)
    first, second = _rows(world, series)[:2]
    sign_in(client, world.rep)
    page = client.get(url("detail", first)).content.decode()
    assert "Every week on Tue at 10:00" in page and url("skip", second) in page
    response = client.post(url("skip", second), {"next": url("detail", first)})
    assert response.status_code == 302 and response["Location"] == url("detail", first)
    with world.active():
        second.refresh_from_db()
        series.refresh_from_db()
        assert recurrence.series_extend(tenant=world.tenant, series=series) == 0
    assert second.status == Status.CANCELLED and second.outcome_notes == "skipped in its series"
    assert series.skipped == [_local(3, 10)]


def test_ending_a_series_from_the_page_cancels_what_comes_after(client, world, frozen):
    series = _weekly(world)
    first = _rows(world, series)[0]
    sign_in(client, world.rep)
    assert client.post(url("series-end", first)).status_code == 302
    with world.active():
        series.refresh_from_db()
    assert not series.is_active
    assert {row.status for row in _rows(world, series)} == {Status.CANCELLED}


def test_skip_refuses_a_follow_up_that_does_not_repeat(client, world, frozen):
    follow_up = follow_up_for(world)
    sign_in(client, world.rep)
    client.post(url("skip", follow_up))
    with world.active():
        follow_up.refresh_from_db()
    assert follow_up.status == Status.PENDING


# --- Completing: schedule the next one ----------------------------------------------------------


def test_completing_with_schedule_the_next_one_opens_the_form_filled_in(client, world, frozen):
    lead = lead_for(world, owner=world.rep)
    meeting = _types(world)["meeting"]
    done = follow_up_for(world, at=_local(3, 2, 15, 30), lead=lead, type=meeting,
                         subject="Site visit", priority="high")  # fmt: skip
    sign_in(client, world.rep)
    response = client.post(
        url("complete", done), {"outcome": "successful", "next_one": "on"}, HTTP_HX_REQUEST="true"
    )
    next_url = f"{CREATE}?after={done.pk}"
    assert response["HX-Redirect"] == next_url
    with world.active():
        done.refresh_from_db()
    assert done.status == Status.COMPLETED
    page = client.get(next_url)
    form = page.context["form"]
    assert page.context["contact"] == world.contact and page.context["lead"] == lead
    assert form.initial["subject"] == "Site visit" and form.initial["type"] == meeting.pk
    assert form.initial["priority"] == "high" and form.initial["lead"] == lead.pk
    assert form.initial["scheduled_at"] == _local(3, 9, 15, 30)  # a week on, same time
    # Without the box ticked the row comes back as before; its page offers the next one.
    other = follow_up_for(world)
    response = client.post(url("complete", other), {"outcome": "successful"})
    assert response.status_code == 302 and response["Location"] == url("detail", other)
    assert next_url in client.get(url("detail", done)).content.decode()


# --- The customer's timeline --------------------------------------------------------------------


def test_the_customer_timeline_shows_every_follow_up_in_order_with_now_between(
    client, world, frozen
):
    old = follow_up_for(world, subject="Inspection call", at=_local(1, 20))
    with world.active():
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=old, outcome="successful",
            notes="Booked the inspection",
        )  # fmt: skip
    missed = follow_up_for(world, subject="Quote call", at=_local(2, 27))
    with world.active():
        FollowUp.objects.filter(pk=missed.pk).update(status=Status.MISSED)
    follow_up_for(world, subject="Install day check", at=_local(3, 9))
    follow_up_for(
        world, subject="Someone else", contact=factories.ContactFactory(tenant=world.tenant)
    )
    sign_in(client, world.rep)
    response = client.get(
        reverse("followups:contact-timeline", kwargs={"contact_pk": world.contact.pk})
    )
    timeline = response.context["timeline"]
    assert [month.month for month in timeline.months] == [dt.date(2026, 1, 1),
                                                          dt.date(2026, 2, 1),
                                                          dt.date(2026, 3, 1)]  # fmt: skip
    assert (timeline.total, timeline.done, timeline.upcoming, timeline.missed) == (3, 1, 1, 1)
    html = response.content.decode()
    assert html.index("Inspection call") < html.index("Quote call") < html.index('id="now"')
    assert html.index('id="now"') < html.index("Install day check")
    assert "Booked the inspection" in html and "Someone else" not in html
    panel = client.get(reverse("followups:contact-panel", kwargs={"contact_pk": world.contact.pk}))
    timeline_url = reverse("followups:contact-timeline", kwargs={"contact_pk": world.contact.pk})
    assert timeline_url in panel.content.decode()
    lead = lead_for(world, owner=world.rep)
    lead_panel = client.get(reverse("followups:lead-panel", kwargs={"lead_pk": lead.pk}))
    assert timeline_url in lead_panel.content.decode()


def test_another_teams_customer_has_no_timeline_here(client, world, other_world):
    sign_in(client, world.rep)
    response = client.get(
        reverse("followups:contact-timeline", kwargs={"contact_pk": other_world.contact.pk})
    )
    assert response.status_code == 404


# --- A manager's "Mine" -------------------------------------------------------------------------


def test_a_managers_mine_means_their_own_follow_ups(client, world):
    follow_up_for(world, subject="The rep's")
    follow_up_for(world, subject="The manager's", assignee=world.manager)
    sign_in(client, world.manager)
    everyone = client.get(reverse("followups:list"))
    assert subjects(everyone) == {"The rep's", "The manager's"}
    # The select says what the list shows (it said "Mine", so picking "Mine" did nothing).
    assert everyone.context["filters"]["assignee"].value() == "all"
    assert 'value="all" selected' in everyone.content.decode()
    assert subjects(client.get(reverse("followups:list"), {"assignee": "mine"})) == {
        "The manager's"
    }
    assert not everyone.context["filters"].is_narrowed
    sign_in(client, world.rep)
    assert client.get(reverse("followups:list")).context["filters"]["assignee"].value() == "mine"


# --- A lost lead --------------------------------------------------------------------------------


def test_a_lost_lead_closes_its_open_and_missed_follow_ups_recording_why(world, frozen):
    lead = lead_for(world, owner=world.rep)
    pending = follow_up_for(world, lead=lead, subject="Quote call")
    missed = follow_up_for(world, lead=lead, subject="Missed call", at=_local(2, 27))
    done = follow_up_for(world, lead=lead, subject="Done call")
    unrelated = follow_up_for(world, subject="Not about this lead")
    series = _weekly(world, lead=lead)
    with world.active():
        FollowUp.objects.filter(pk=missed.pk).update(status=Status.MISSED)
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=done, outcome="successful"
        )
        lead_mark_lost(tenant=world.tenant, actor=world.rep.user, lead=lead, reason="competitor")
        rows = {f.pk: f for f in FollowUp.objects.all()}
        series.refresh_from_db()
        lead.refresh_from_db()
    for closed in (pending, missed):
        assert rows[closed.pk].status == Status.CANCELLED
        assert rows[closed.pk].outcome_notes == "The lead was lost (Chose a competitor)"
    assert rows[done.pk].status == Status.COMPLETED
    assert rows[unrelated.pk].status == Status.PENDING
    assert not series.is_active
    assert {f.status for f in rows.values() if f.series_id == series.pk} == {Status.CANCELLED}
    assert lead.next_follow_up_at is None
