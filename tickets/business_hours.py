"""SLA arithmetic in a tenant's business hours: "4 business hours after Friday 16:00" is Monday
11:00 for a business open 08:00–17:00 on weekdays.

Hours are the tenant's weekly JSON ({"mon": [["08:00", "17:00"]], ...}) read in its time zone, so
a DST change moves the UTC instants, not the opening times. A week with no hours at all counts
every minute (the SLA is then plain wall-clock time rather than a clock that never runs).
"""

import datetime as dt
import zoneinfo

from crm.models import WEEKDAYS

MAX_DAYS_SCANNED = 3660  # a target beyond ten years of opening hours is a misconfiguration


def _parse(clock: str) -> dt.time:
    hours, minutes = clock.split(":")
    if hours == "24":
        return dt.time.max
    return dt.time(int(hours), int(minutes))


def _open_intervals(hours: dict, zone: zoneinfo.ZoneInfo, day: dt.date):
    """The day's opening intervals as UTC instants, in order, overlaps merged.

    In UTC because Python subtracts and adds datetimes of one zone by their wall clocks: an
    interval across a DST change (a night shift) would count an hour it does not have."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(hours.get(WEEKDAYS[day.weekday()]) or []):
        opens = dt.datetime.combine(day, _parse(start), tzinfo=zone).astimezone(dt.UTC)
        closes = dt.datetime.combine(day, _parse(end), tzinfo=zone).astimezone(dt.UTC)
        if closes <= opens:
            continue
        if merged and opens <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], closes)
        else:
            merged.append([opens, closes])
    for opens, closes in merged:
        yield opens, closes


def _has_hours(hours: dict) -> bool:
    return any(hours.get(day) for day in WEEKDAYS)


def add_business_minutes(
    start: dt.datetime, minutes: int, *, hours: dict, zone: zoneinfo.ZoneInfo
) -> dt.datetime:
    """The instant `minutes` of opening time after `start`."""
    if not _has_hours(hours):
        return start + dt.timedelta(minutes=minutes)
    left = dt.timedelta(minutes=minutes)
    start = start.astimezone(dt.UTC)
    day = start.astimezone(zone).date()
    for _ in range(MAX_DAYS_SCANNED):
        for opens, closes in _open_intervals(hours, zone, day):
            if closes <= start:
                continue
            begin = max(opens, start)
            available = closes - begin
            if left <= available:
                return begin + left
            left -= available
        day += dt.timedelta(days=1)
    return start + dt.timedelta(minutes=minutes)


def business_minutes_between(
    start: dt.datetime, end: dt.datetime, *, hours: dict, zone: zoneinfo.ZoneInfo
) -> int:
    """Whole minutes of opening time from `start` to `end` (0 if end is not after start)."""
    if end <= start:
        return 0
    if not _has_hours(hours):
        return int((end - start).total_seconds() // 60)
    total = dt.timedelta()
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    day, last_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last_day:
        for opens, closes in _open_intervals(hours, zone, day):
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        day += dt.timedelta(days=1)
    return int(total.total_seconds() // 60)
