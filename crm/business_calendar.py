"""The business calendar of a tenant: when it works, one answer for SLAs and lead aging alike.

A business day is a weekday the tenant's weekly hours open on ({"mon": [["08:00", "17:00"]], ...},
read in its time zone) that is neither a public holiday of its country (and home state, from the
`holidays` package, unless the admin turned them off) nor one of the closed days an admin added in
Settings. SLA clocks count opening minutes of business days; aging counts business days.

Hours are read in the tenant's zone, so a DST change moves the UTC instants, not the opening
times. A week with no hours at all counts every minute and every day (the SLA is then plain
wall-clock time rather than a clock that never runs).

This module is pure: `crm.selectors.calendar.business_calendar(tenant)` builds one with the
tenant's closed days read from the database.
"""

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import holidays as holiday_tables

from crm.models import WEEKDAYS

MAX_DAYS_SCANNED = 3660  # a target beyond ten years of opening hours is a misconfiguration


def public_holidays(country: str, subdivision: str = "") -> Callable[[dt.date], str | None]:
    """The name of the holiday on a date (None on a working day) for a country and, when the
    `holidays` package knows it, a state or province; an unknown country has none."""
    try:
        table = holiday_tables.country_holidays(country)
    except NotImplementedError:  # a country the package does not know
        return lambda day: None
    # The names in one language whatever the process's locale: without one, the package asks
    # gettext, which reads LANG/LANGUAGE (and Python 3.12 stopped reading LANG=C.UTF-8 as English).
    language = "en_US" if "en_US" in table.supported_languages else table.default_language
    table = holiday_tables.country_holidays(country, language=language)
    # A home state the package does not know ("Miami-Dade"): the country's own holidays.
    with contextlib.suppress(NotImplementedError, KeyError, ValueError):
        if subdivision:
            table = holiday_tables.country_holidays(country, subdiv=subdivision, language=language)
    return table.get


def _parse(clock: str) -> dt.time:
    hours, minutes = clock.split(":")
    if hours == "24":
        return dt.time.max
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class BusinessCalendar:
    hours: dict
    zone: zoneinfo.ZoneInfo
    closed_days: Collection[dt.date] = frozenset()
    holiday: Callable[[dt.date], str | None] = field(default=lambda day: None)
    # business_days_before's day for (local day, amount): a list page asks it for each past
    # stage visit of its leads (about 500 a page), and the calendar is kept between requests.
    _days_before: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def has_hours(self) -> bool:
        return any(self.hours.get(day) for day in WEEKDAYS)

    def closed_reason(self, day: dt.date) -> str | None:
        """Why a day that would open is closed (a holiday's or closed day's name), else None."""
        if day in self.closed_days:
            return "closed"
        return self.holiday(day)

    def is_business_day(self, day: dt.date) -> bool:
        if not self.has_hours:
            return True
        if not self.hours.get(WEEKDAYS[day.weekday()]):
            return False
        return self.closed_reason(day) is None

    def open_intervals(self, day: dt.date):
        """The day's opening intervals as UTC instants, in order, overlaps merged; none on a
        day off.

        In UTC because Python subtracts and adds datetimes of one zone by their wall clocks: an
        interval across a DST change (a night shift) would count an hour it does not have."""
        if not self.is_business_day(day):
            return
        merged: list[list[dt.datetime]] = []
        for start, end in sorted(self.hours.get(WEEKDAYS[day.weekday()]) or []):
            opens = dt.datetime.combine(day, _parse(start), tzinfo=self.zone).astimezone(dt.UTC)
            closes = dt.datetime.combine(day, _parse(end), tzinfo=self.zone).astimezone(dt.UTC)
            if closes <= opens:
                continue
            if merged and opens <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], closes)
            else:
                merged.append([opens, closes])
        for opens, closes in merged:
            yield opens, closes

    def add_business_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The instant `minutes` of opening time after `start`."""
        if not self.has_hours:
            return start + dt.timedelta(minutes=minutes)
        left = dt.timedelta(minutes=minutes)
        start = start.astimezone(dt.UTC)
        day = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS_SCANNED):
            for opens, closes in self.open_intervals(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                available = closes - begin
                if left <= available:
                    return begin + left
                left -= available
            day += dt.timedelta(days=1)
        return start + dt.timedelta(minutes=minutes)

    def business_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole minutes of opening time from `start` to `end` (0 if end is not after start)."""
        if end <= start:
            return 0
        if not self.has_hours:
            return int((end - start).total_seconds() // 60)
        total = dt.timedelta()
        start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        day, last_day = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last_day:
            for opens, closes in self.open_intervals(day):
                begin, finish = max(opens, start), min(closes, end)
                if finish > begin:
                    total += finish - begin
            day += dt.timedelta(days=1)
        return int(total.total_seconds() // 60)

    def business_days_before(self, now: dt.datetime, amount: int) -> dt.datetime:
        """The same local time `amount` business days before `now` (lead aging's cutoff)."""
        local = now.astimezone(self.zone)
        key = (local.date(), amount)
        day = self._days_before.get(key)
        if day is None:
            day = local.date()
            remaining = amount
            for _ in range(MAX_DAYS_SCANNED):
                if remaining <= 0:
                    break
                day -= dt.timedelta(days=1)
                if self.is_business_day(day):
                    remaining -= 1
            self._days_before[key] = day
        return dt.datetime.combine(day, local.time(), tzinfo=self.zone)
