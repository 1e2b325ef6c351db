"""Beat's schedules (crm/schedules.py): every entry due at fixed times of the clock, each hourly and
daily one at a minute of its own, so their rounds of every tenant never all queue at once. Read
through Celery's own ScheduleEntry, as beat reads them."""

import datetime as dt
import pickle

import pytest
from celery.beat import ScheduleEntry
from django.conf import settings

from config.celery import app as celery_app
from crm.schedules import beat_entry, every

HOUR = dt.timedelta(hours=1)
NOW = dt.datetime(2026, 3, 2, 15, 10, 0, tzinfo=dt.UTC)


def _at(hours: int, minutes: int, seconds: float = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hours, minutes, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _entry(schedule: every, clock: Clock) -> ScheduleEntry:
    """A beat entry as beat makes it at its start (no schedule file): last run = now."""
    schedule.nowfun = clock
    return ScheduleEntry(name="test", task="test.task", schedule=schedule, app=celery_app)


def test_an_entry_is_due_at_its_offset_past_each_interval():
    quotes = every(HOUR, dt.timedelta(minutes=38))

    assert quotes.due_after(_at(15, 10)) == _at(15, 38)
    assert quotes.due_after(_at(15, 38)) == _at(16, 38)  # strictly after: the next one
    assert quotes.due_after(_at(15, 38, 0.5)) == _at(16, 38)
    assert every(dt.timedelta(days=1), dt.timedelta(hours=3, minutes=36)).due_after(
        _at(15, 10)
    ) == dt.datetime(2026, 3, 3, 3, 36, tzinfo=dt.UTC)
    # Without an offset: the top of each interval, whenever beat started.
    assert every(dt.timedelta(minutes=1)).due_after(_at(15, 10, 7)) == _at(15, 11)
    assert every(dt.timedelta(seconds=5)).due_after(_at(15, 10, 7)) == _at(15, 10, 10)


def test_a_beat_started_now_sends_the_first_round_at_the_offset_then_every_interval():
    clock = Clock(NOW)
    entry = _entry(every(HOUR, dt.timedelta(minutes=38)), clock)

    due, wait = entry.is_due()
    assert not due
    assert wait == 28 * 60  # beat sleeps until 15:38, not an hour after its start

    clock.now = _at(15, 38, 0.2)
    due, wait = entry.is_due()
    assert due
    assert wait == pytest.approx(3600 - 0.2)  # looked at again at 16:38
    entry = entry.next()  # beat's record of the run

    clock.now = _at(16, 37, 59)
    assert not entry.is_due().is_due
    clock.now = _at(16, 38)
    assert entry.is_due().is_due


def test_a_beat_down_over_due_times_runs_the_entry_once_when_back():
    clock = Clock(_at(15, 50))
    schedule = every(HOUR, dt.timedelta(minutes=38))
    schedule.nowfun = clock
    # The schedule file remembers 13:38: 14:38 and 15:38 passed while beat was down.
    entry = ScheduleEntry(
        name="test", task="test.task", schedule=schedule, last_run_at=_at(13, 38), app=celery_app
    )

    due, wait = entry.is_due()
    assert due
    assert wait == 48 * 60  # then 16:38, not again at once
    assert not entry.next().is_due().is_due


def test_a_beat_restarted_between_due_times_runs_nothing_early():
    clock = Clock(_at(15, 50))
    schedule = every(HOUR, dt.timedelta(minutes=38))
    schedule.nowfun = clock
    entry = ScheduleEntry(
        name="test", task="test.task", schedule=schedule, last_run_at=_at(15, 38), app=celery_app
    )

    assert entry.is_due() == (False, 48 * 60)


def test_a_schedule_survives_beats_schedule_file_and_compares_by_interval_and_offset():
    quotes = every(HOUR, dt.timedelta(minutes=38))

    assert pickle.loads(pickle.dumps(quotes)) == quotes  # noqa: S301  (our own bytes)
    assert quotes != every(HOUR, dt.timedelta(minutes=42))
    assert quotes != every(dt.timedelta(minutes=30), dt.timedelta(minutes=8))


@pytest.mark.parametrize("offset", [dt.timedelta(hours=1), dt.timedelta(minutes=-1)])
def test_an_offset_is_within_its_interval(offset):
    with pytest.raises(ValueError, match="not within"):
        every(HOUR, offset)


def test_a_beat_entry_expires_when_the_next_one_is_due():
    entry = beat_entry("leads.tasks.expire_quotes", HOUR, dt.timedelta(minutes=38))

    assert entry == {
        "task": "leads.tasks.expire_quotes",
        "schedule": every(HOUR, dt.timedelta(minutes=38)),
        "options": {"expires": 3600},
    }


def _every_hour_or_more() -> dict[str, every]:
    return {
        entry["task"]: entry["schedule"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["schedule"].run_every >= HOUR
    }


def test_every_hourly_and_daily_entry_is_due_at_a_minute_of_its_own():
    """At 1,000 tenants each is a round of about a thousand tenant visits: they follow one
    another instead of queueing together."""
    long_ones = _every_hour_or_more()
    assert len(long_ones) >= 10
    minutes = [int(schedule.offset.total_seconds() // 60) % 60 for schedule in long_ones.values()]
    assert len(set(minutes)) == len(minutes), sorted(minutes)


def test_the_hourly_and_daily_entries_leave_the_digests_half_hour_alone():
    """The daily digests leave at each team's minute 0-29 past its digest hour (a whole hour in
    most time zones): the housekeeping rounds start in the second half of the hour."""
    for task, schedule in _every_hour_or_more().items():
        assert 30 <= (schedule.offset.total_seconds() // 60) % 60 < 60, task


def test_every_entry_is_due_at_fixed_times_and_expires_at_its_next():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert isinstance(entry["schedule"], every), name
        assert entry["options"]["expires"] == entry["schedule"].run_every.total_seconds(), name


def _every(interval: dt.timedelta) -> dict[str, every]:
    return {
        entry["task"]: entry["schedule"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["schedule"].run_every == interval
    }


def test_every_minute_entry_is_due_at_a_second_of_its_own():
    """All of them sent at :00 slowed every page for the first ten seconds of each minute under
    load; the dashboard's rollups over every tenant, the costly ones, are spread the widest."""
    minute_ones = _every(dt.timedelta(minutes=1))
    assert len(minute_ones) >= 10
    seconds = sorted(schedule.offset.total_seconds() for schedule in minute_ones.values())
    assert len(set(seconds)) == len(seconds), seconds
    rollups = sorted(
        schedule.offset.total_seconds()
        for task, schedule in minute_ones.items()
        if task.startswith("dashboards.")
    )
    assert len(rollups) == 4
    gaps = [
        later - earlier
        for earlier, later in zip(rollups, [*rollups[1:], rollups[0] + 60], strict=True)
    ]
    assert min(gaps) >= 15, rollups


def test_the_five_minute_entries_are_due_at_minutes_and_seconds_of_their_own():
    offsets = [schedule.offset for schedule in _every(dt.timedelta(minutes=5)).values()]
    assert len(offsets) >= 3
    assert len(set(offsets)) == len(offsets), offsets
    assert all(offset.total_seconds() % 60 for offset in offsets), offsets
