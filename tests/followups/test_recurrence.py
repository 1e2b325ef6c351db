"""Recurring follow-ups: rules (daily, weekly, monthly, custom), ends (count, until), local wall time
kept across DST, occurrences made ahead once, "this one" and "the whole series" edits, skipped
dates and ending a series."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.models import TimelineEvent
from crm.tenancy.sweeps import sweep_inline
from followups import tasks
from followups.models import FollowUp, FollowUpNote, FollowUpSeries, Reminder, Source, Status
from followups.services import followups as services
from followups.services import recurrence, recurrence_rules

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
# Monday 2 March 2026, 09:00 in New York; clocks there go forward on 8 March, back on 1 November.
NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


def _local(year, month, day, hour=10, minute=0, zone=NEW_YORK):
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def _create(world, *, rule, starts_at=None, **extra):
    extra.setdefault("reminders", [(60, "in_app")])
    return recurrence.series_create(
        tenant=world.tenant,
        actor=world.rep.user,
        subject="Weekly check-in call",
        contact=world.contact,
        assignee=world.rep,
        starts_at=starts_at or _local(2026, 3, 3),
        rule=rule,
        now=NOW,
        **extra,
    )


def _rows(series, **filters):
    return list(
        FollowUp.objects.filter(tenant=series.tenant, series=series, **filters).order_by(
            "occurrence_at"
        )
    )


def _local_times(series, zone=NEW_YORK, **filters):
    return [row.scheduled_at.astimezone(zone) for row in _rows(series, **filters)]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- Rules and ends ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_daily_series_with_a_count_makes_that_many_follow_ups(world, frozen):
    with world.active():
        series = _create(world, rule=recurrence_rules.recurrence_rule(frequency="daily"), count=5)
        rows = _rows(series)
        assert [row.scheduled_at.astimezone(NEW_YORK) for row in rows] == [
            _local(2026, 3, day) for day in (3, 4, 5, 6, 7)
        ]
        assert {(row.source, row.status, row.subject) for row in rows} == {
            (Source.SERIES, Status.PENDING, "Weekly check-in call")
        }
        assert all(row.occurrence_at == row.scheduled_at for row in rows)
        # Each occurrence gets the series' reminders.
        assert Reminder.objects.filter(follow_up__series=series, offset_minutes=60).count() == 5
    assert series.rule == "FREQ=DAILY"
    assert series.count == 5
    assert recurrence_rules.series_describe(series) == (
        "Every day at 10:00 (America/New_York), 5 times"
    )


@pytest.mark.django_db
def test_a_weekly_series_on_two_weekdays_every_other_week_until_a_date(world, frozen):
    rule = recurrence_rules.recurrence_rule(frequency="weekly", interval=2, weekdays=["TH", "tu"])
    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"
    with world.active():
        series = _create(world, rule=rule, until=dt.date(2026, 3, 31))
        assert _local_times(series) == [
            _local(2026, 3, 3),
            _local(2026, 3, 5),
            _local(2026, 3, 17),
            _local(2026, 3, 19),
            _local(2026, 3, 31),  # the end date is a whole local day
        ]
    assert recurrence_rules.series_describe(series) == (
        "Every 2 weeks on Tue, Thu at 10:00 (America/New_York), until Mar 31, 2026"
    )


@pytest.mark.django_db
def test_a_monthly_series_on_a_day_of_the_month(world, frozen):
    rule = recurrence_rules.recurrence_rule(frequency="monthly", month_day=15)
    with world.active():
        series = _create(world, rule=rule, count=3)
        assert _local_times(series, status=Status.PENDING)[:2] == [
            _local(2026, 3, 15),
            _local(2026, 4, 15),
        ]
        # The third is beyond the 60 days made ahead; the hourly sweep makes it in time.
        assert len(_rows(series)) == 2
        with time_machine.travel(NOW + dt.timedelta(days=40), tick=False):
            assert sweep_inline(tasks.extend_follow_up_series) == 1
        assert _local_times(series)[-1] == _local(2026, 5, 15)


@pytest.mark.django_db
def test_a_custom_rule_with_its_own_count_every_three_days(world, frozen):
    with world.active():
        series = _create(world, rule="RRULE:freq=daily;interval=3;COUNT=4")
        assert _local_times(series) == [_local(2026, 3, day) for day in (3, 6, 9, 12)]
    assert (series.rule, series.count) == ("FREQ=DAILY;INTERVAL=3", 4)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule", "extra", "message"),
    [
        ("FREQ=HOURLY", {}, "daily, weekly, monthly or yearly"),
        ("FREQ=DAILY;BYHOUR=9,17", {}, "Leave out BYHOUR"),
        ("FREQ=DAILY;BYDAY=XX", {}, "Not a rule we can read"),
        ("FREQ=DAILY", {"count": 3, "until": dt.date(2026, 4, 1)}, "not both"),
        ("FREQ=DAILY", {"time_zone": "Mars/Olympus_Mons"}, "Unknown time zone"),
        ("FREQ=DAILY", {"until": dt.date(2026, 1, 1)}, "end before it starts"),
    ],
)
def test_rules_and_ends_that_are_refused(world, frozen, rule, extra, message):
    with world.active(), pytest.raises(ValidationError, match=message):
        _create(world, rule=rule, **extra)


# --- Local time across DST ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "first", "utc_hours"),
    [
        # New York: EST (UTC-5) until 8 March, then EDT (UTC-4).
        (NEW_YORK, _local(2026, 3, 6), [15, 15, 14, 14]),
        # Amsterdam: CET (UTC+1) until 29 March, then CEST (UTC+2).
        (AMSTERDAM, _local(2026, 3, 27, zone=AMSTERDAM), [9, 9, 8, 8]),
    ],
)
def test_a_daily_series_keeps_ten_oclock_local_when_the_clocks_go_forward(
    world, frozen, zone, first, utc_hours
):
    with world.active():
        series = _create(world, rule="FREQ=DAILY", starts_at=first, count=4, time_zone=zone.key)
        rows = _rows(series)
    assert [row.scheduled_at.astimezone(zone).strftime("%H:%M") for row in rows] == ["10:00"] * 4
    assert [row.scheduled_at.astimezone(dt.UTC).hour for row in rows] == utc_hours


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "last_summer_week"),
    [(NEW_YORK, dt.date(2026, 10, 27)), (AMSTERDAM, dt.date(2026, 10, 20))],
)
def test_a_weekly_series_keeps_ten_oclock_local_when_the_clocks_go_back(
    world, zone, last_summer_week
):
    start = dt.datetime.combine(last_summer_week, dt.time(10), tzinfo=zone)
    with world.active(), time_machine.travel(start - dt.timedelta(days=1), tick=False):
        series = recurrence.series_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Tuesday status call",
            contact=world.contact,
            assignee=world.rep,
            starts_at=start,
            rule="FREQ=WEEKLY",
            time_zone=zone.key,
            count=3,
        )
        rows = _rows(series)
    assert [row.scheduled_at.astimezone(zone).strftime("%a %H:%M") for row in rows] == [
        "Tue 10:00"
    ] * 3
    summer, winter = rows[0].scheduled_at, rows[1].scheduled_at
    assert winter - summer == dt.timedelta(days=7, hours=1)


@given(
    zone=st.sampled_from(["America/New_York", "Europe/Amsterdam", "Australia/Sydney"]),
    start_day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    hour=st.integers(min_value=6, max_value=20),
    rule=st.sampled_from(["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=MONTHLY"]),
)
@settings(max_examples=60, deadline=None)
def test_every_occurrence_keeps_the_local_wall_time_of_the_first(zone, start_day, hour, rule):
    tz = zoneinfo.ZoneInfo(zone)
    series = FollowUpSeries(
        rule=rule, starts_at=dt.datetime.combine(start_day, dt.time(hour, 30), tzinfo=tz)
    )
    series.time_zone = zone
    occurrences = list(
        recurrence_rules.series_occurrences(
            series, before=series.starts_at + dt.timedelta(days=400)
        )
    )
    assert occurrences
    assert {at.astimezone(tz).time() for at in occurrences} == {dt.time(hour, 30)}
    assert occurrences == sorted(set(occurrences))


# --- Made ahead, once ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_open_ended_series_is_made_sixty_days_ahead_and_extended_once(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY")
        assert len(_rows(series)) == 9  # Tuesdays 3 March .. 28 April
        assert series.generated_until == NOW + recurrence.HORIZON
        # Extending again at once makes nothing; a week later, one more Tuesday.
        assert recurrence.series_extend_all(tenant=world.tenant, now=NOW) == 0
        week_later = NOW + dt.timedelta(days=7)
        assert recurrence.series_extend_all(tenant=world.tenant, now=week_later) == 1
        assert recurrence.series_extend_all(tenant=world.tenant, now=week_later) == 0
        assert recurrence.series_extend(tenant=world.tenant, series=series, now=week_later) == 0
        assert len(_rows(series)) == 10
        # One timeline entry for the series, not one per occurrence.
        kinds = list(
            TimelineEvent.objects.filter(tenant=world.tenant, contact=world.contact).values_list(
                "kind", flat=True
            )
        )
        assert kinds.count("follow_up.series_created") == 1
        assert "follow_up.created" not in kinds


@pytest.mark.django_db
def test_a_series_that_starts_in_the_past_makes_no_past_follow_ups(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=DAILY", starts_at=_local(2026, 2, 20), count=12)
        assert _local_times(series) == [_local(2026, 3, 2), _local(2026, 3, 3)]


# --- This one, the whole series ----------------------------------------------------------------------


@pytest.mark.django_db
def test_editing_this_one_changes_only_that_occurrence(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY", count=4)
        second = _rows(series)[1]
        moved_to = _local(2026, 3, 11, 15)
        recurrence.series_update_one(
            tenant=world.tenant,
            actor=world.rep.user,
            follow_up=second,
            subject="Check-in (with the adjuster)",
            scheduled_at=moved_to,
        )
        rows = _rows(series)
        assert [row.subject for row in rows] == [
            "Weekly check-in call",
            "Check-in (with the adjuster)",
            "Weekly check-in call",
            "Weekly check-in call",
        ]
        assert rows[1].scheduled_at == moved_to
        assert rows[1].occurrence_at == _local(2026, 3, 10)
        # It is still that occurrence: extending does not make the Tuesday again.
        assert recurrence.series_extend(tenant=world.tenant, series=series, now=NOW) == 0
        assert len(_rows(series)) == 4
        series.refresh_from_db()
        assert series.subject == "Weekly check-in call"


@pytest.mark.django_db
def test_editing_the_whole_series_changes_the_series_and_its_pending_future_rows(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY", count=4)
        first = _rows(series)[0]
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=first, outcome="successful"
        )
        recurrence.series_update(
            tenant=world.tenant,
            actor=world.rep.user,
            series=series,
            subject="Fortnightly check-in",
            priority="high",
            reminders=[(24 * 60, "email")],
            now=NOW,
        )
        rows = _rows(series)
        assert [(row.subject, row.priority) for row in rows] == [
            ("Weekly check-in call", "medium"),  # done: left as it was
            *[("Fortnightly check-in", "high")] * 3,
        ]
        reminders = {
            (r.follow_up_id, r.offset_minutes, r.channel, r.status)
            for r in Reminder.objects.filter(follow_up__in=rows[1:])
        }
        assert reminders == {(row.pk, 24 * 60, "email", "pending") for row in rows[1:]}
        assert TimelineEvent.objects.filter(kind="follow_up.series_changed").count() == 1


@pytest.mark.django_db
def test_a_new_rule_moves_the_pending_rows_with_their_notes_and_makes_or_drops_the_rest(
    world, frozen
):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY;BYDAY=TU", count=6)
        rows = _rows(series)
        services.follow_up_add_note(
            tenant=world.tenant, actor=world.rep.user, follow_up=rows[1], body="Bring the samples"
        )
        # Thursdays instead of Tuesdays, at 14:00.
        recurrence.series_update(
            tenant=world.tenant,
            actor=world.rep.user,
            series=series,
            rule="FREQ=WEEKLY;BYDAY=TH",
            starts_at=_local(2026, 3, 5, 14),
            count=6,
            now=NOW,
        )
        moved = _rows(series)
        assert [row.pk for row in moved] == [row.pk for row in rows]
        assert _local_times(series) == [_local(2026, 3, d, 14) for d in (5, 12, 19, 26)] + [
            _local(2026, 4, d, 14) for d in (2, 9)
        ]
        assert FollowUpNote.objects.get(follow_up=moved[1]).body == "Bring the samples"
        reminder = Reminder.objects.get(follow_up=moved[0])
        assert reminder.remind_at == _local(2026, 3, 5, 13)

        # Fewer occurrences: the rows left over are cancelled and leave the series ...
        recurrence.series_update(
            tenant=world.tenant, actor=world.rep.user, series=series, count=3, now=NOW
        )
        assert len(_rows(series)) == 3
        dropped = FollowUp.objects.filter(
            tenant=world.tenant, source=Source.SERIES, series__isnull=True
        )
        assert {(row.status, row.outcome_notes) for row in dropped} == {
            (Status.CANCELLED, "No longer in the series (the series changed).")
        }
        assert dropped.count() == 3
        # ... so a change back makes those times again.
        recurrence.series_update(
            tenant=world.tenant, actor=world.rep.user, series=series, count=6, now=NOW
        )
        assert len(_rows(series, status=Status.PENDING)) == 6


# --- Skipped dates and the end ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_skipped_date_is_cancelled_and_never_made_again(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY")
        spring_break = _local(2026, 3, 17)
        recurrence.series_skip(
            tenant=world.tenant, actor=world.rep.user, series=series, occurrence_at=spring_break
        )
        row = FollowUp.objects.get(series=series, occurrence_at=spring_break)
        assert row.status == Status.CANCELLED
        # Skipping it again changes nothing; a date beyond the horizon is skipped ahead.
        recurrence.series_skip(
            tenant=world.tenant, actor=world.rep.user, series=series, occurrence_at=spring_break
        )
        far = _local(2026, 5, 12)
        recurrence.series_skip(
            tenant=world.tenant, actor=world.rep.user, series=series, occurrence_at=far
        )
        with time_machine.travel(NOW + dt.timedelta(days=30), tick=False):
            recurrence.series_extend_all(tenant=world.tenant)
        assert far.astimezone(dt.UTC) not in [row.occurrence_at for row in _rows(series)]
        assert _local(2026, 5, 19) in _local_times(series)
        series.refresh_from_db()
        assert series.skipped == [spring_break, far]
        with pytest.raises(ValidationError, match="no occurrence then"):
            recurrence.series_skip(
                tenant=world.tenant,
                actor=world.rep.user,
                series=series,
                occurrence_at=_local(2026, 3, 18),
            )


@pytest.mark.django_db
def test_a_skipped_date_stays_skipped_through_later_edits_of_the_whole_series(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY")
        recurrence.series_skip(
            tenant=world.tenant,
            actor=world.rep.user,
            series=series,
            occurrence_at=_local(2026, 3, 17),
        )
        # An hour later, then another weekday and back, then a new zone: the 17th stays skipped.
        for edit in (
            {"starts_at": _local(2026, 3, 3, 11)},
            {"rule": "FREQ=WEEKLY;BYDAY=TU,TH"},
            {"rule": "FREQ=WEEKLY"},
            {"time_zone": "America/Chicago", "starts_at": _local(2026, 3, 3, 9)},
        ):
            recurrence.series_update(
                tenant=world.tenant, actor=world.rep.user, series=series, now=NOW, **edit
            )
            days = [at.date() for at in _local_times(series, status=Status.PENDING)]
            assert dt.date(2026, 3, 10) in days and dt.date(2026, 3, 24) in days
            assert dt.date(2026, 3, 17) not in days, edit


@pytest.mark.django_db
def test_ending_a_series_cancels_what_comes_after_and_makes_nothing_more(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY")
        recurrence.series_end(
            tenant=world.tenant,
            actor=world.rep.user,
            series=series,
            after=_local(2026, 3, 20),
            now=NOW,
        )
        assert _local_times(series, status=Status.PENDING) == [
            _local(2026, 3, 3),
            _local(2026, 3, 10),
            _local(2026, 3, 17),
        ]
        assert {row.status for row in _rows(series)[3:]} == {Status.CANCELLED}
        series.refresh_from_db()
        assert series.is_active  # until the 20th
        recurrence.series_end(tenant=world.tenant, actor=world.rep.user, series=series, now=NOW)
        series.refresh_from_db()
        assert not series.is_active
        assert (
            recurrence.series_extend_all(tenant=world.tenant, now=NOW + dt.timedelta(days=90)) == 0
        )


@pytest.mark.django_db
def test_ending_a_counted_series_later_than_its_count_keeps_the_count(world, frozen):
    with world.active():
        series = _create(world, rule="FREQ=WEEKLY", count=3)
        recurrence.series_end(
            tenant=world.tenant, actor=world.rep.user, series=series, after=_local(2026, 6, 1)
        )
        series.refresh_from_db()
        assert series.until == _local(2026, 3, 17)
        assert series.count is None
        assert len(_rows(series, status=Status.PENDING)) == 3
