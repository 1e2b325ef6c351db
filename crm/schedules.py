"""Beat's schedules: every entry due at fixed times of the clock, each at an offset of its own.

Celery's `timedelta` schedule counts from when beat started (or from the last run its schedule
file remembers), so every hourly and daily entry would be due at the same moment: at 1,000 tenants
about 9,000 tenant visits queued in one burst every hour. `every(interval, offset)` is due at midnight UTC + offset + n * interval, whenever beat
started: `every(timedelta(hours=1), timedelta(minutes=38))` at 00:38, 01:38, … Each hourly and daily
entry of CELERY_BEAT_SCHEDULE has an offset of its own, so their rounds follow one another instead
of queueing together; a sweep computes from the same schedule when its round's tasks expire (the
next due time) and how long its interval is (crm.tenancy.sweeps.Sweep).

A beat that was down over a due time runs the entry once when it is back, as Celery's own schedules
do; a beat restarted in between runs nothing early.

This module imports nothing from Django: the settings build the beat schedule with it.
"""

import datetime as dt

from celery.schedules import schedstate, schedule

# Due times count from a midnight UTC: an interval that divides a day (5 s, a minute, an hour,
# 6 hours, a day) is due at the same times of every day.
ANCHOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class every(schedule):
    """Due every `run_every`, `offset` after each multiple of it counted from midnight UTC."""

    def __init__(
        self,
        run_every: dt.timedelta,
        offset: dt.timedelta = dt.timedelta(0),
        nowfun=None,
        app=None,
    ) -> None:
        super().__init__(run_every, relative=False, nowfun=nowfun, app=app)
        if self.run_every <= dt.timedelta(0) or not dt.timedelta(0) <= offset < self.run_every:
            raise ValueError(f"offset {offset} is not within the interval {run_every}")
        self.offset = offset

    def due_after(self, moment: dt.datetime) -> dt.datetime:
        """The first due time strictly after `moment` (an aware datetime)."""
        start = ANCHOR + self.offset
        periods = (moment - start) // self.run_every
        return start + (periods + 1) * self.run_every

    def remaining_estimate(self, last_run_at: dt.datetime) -> dt.timedelta:
        return self.due_after(self.maybe_make_aware(last_run_at)) - self.maybe_make_aware(
            self.now()
        )

    def is_due(self, last_run_at: dt.datetime) -> schedstate:
        """(due now?, seconds until beat should look again): due once the first due time after
        the last run has come; looked at again at the next due time, wherever `now` falls."""
        now = self.maybe_make_aware(self.now())
        due_at = self.due_after(self.maybe_make_aware(last_run_at))
        if now >= due_at:
            return schedstate(is_due=True, next=(self.due_after(now) - now).total_seconds())
        return schedstate(is_due=False, next=(due_at - now).total_seconds())

    def __eq__(self, other) -> bool:
        if isinstance(other, every):
            return (self.run_every, self.offset) == (other.run_every, other.offset)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by value, so not hashable

    def __reduce__(self):
        return self.__class__, (self.run_every, self.offset, self.nowfun)

    def __repr__(self) -> str:
        return f"<every {self.human_seconds}, {self.offset} past>"


def beat_entry(task: str, run_every: dt.timedelta, offset: dt.timedelta = dt.timedelta(0)) -> dict:
    """A CELERY_BEAT_SCHEDULE entry due every `run_every` at `offset` (see `every`), whose message
    expires when the next one is due: a round still queued then is dropped, never piled up."""
    return {
        "task": task,
        "schedule": every(run_every, offset),
        "options": {"expires": run_every.total_seconds()},
    }
