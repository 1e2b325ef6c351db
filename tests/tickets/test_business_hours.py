"""SLA arithmetic in business hours: nights, weekends, split shifts, DST changes, a week with no
hours, and properties checked against a minute-by-minute count of the opening hours."""

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.models import WEEKDAYS, default_business_hours
from tickets.business_hours import add_business_minutes, business_minutes_between

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
OFFICE = default_business_hours()  # Monday to Friday, 08:00–17:00
NIGHT_SHIFT = {day: [["00:00", "06:00"]] for day in WEEKDAYS}
CLOSED_WEEK = {day: [] for day in WEEKDAYS}


def at(zone, *parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)


def add(start, minutes, hours=OFFICE, zone=NEW_YORK):
    return add_business_minutes(start, minutes, hours=hours, zone=zone)


def between(start, end, hours=OFFICE, zone=NEW_YORK):
    return business_minutes_between(start, end, hours=hours, zone=zone)


# --- Examples ------------------------------------------------------------------------------------


def test_four_hours_after_friday_afternoon_is_monday_morning():
    friday = at(NEW_YORK, 2026, 6, 12, 16, 0)
    due = add(friday, 4 * 60)
    assert due == at(NEW_YORK, 2026, 6, 15, 11, 0)
    assert due.tzinfo is dt.UTC
    assert between(friday, due) == 4 * 60


def test_the_night_does_not_count():
    tuesday = at(NEW_YORK, 2026, 6, 9, 16, 30)
    assert add(tuesday, 90) == at(NEW_YORK, 2026, 6, 10, 9, 0)
    assert between(tuesday, at(NEW_YORK, 2026, 6, 10, 9, 0)) == 90
    # A whole working week is five nine-hour days.
    monday = at(NEW_YORK, 2026, 6, 8, 8, 0)
    assert between(monday, monday + dt.timedelta(days=7)) == 5 * 9 * 60


def test_the_answer_is_due_at_closing_time_not_the_next_morning():
    friday = at(NEW_YORK, 2026, 6, 12, 16, 0)
    assert add(friday, 60) == at(NEW_YORK, 2026, 6, 12, 17, 0)


def test_a_split_shift_skips_the_lunch_break():
    hours = {**CLOSED_WEEK, "mon": [["13:00", "17:00"], ["08:00", "12:00"]]}
    eleven = at(NEW_YORK, 2026, 6, 8, 11, 0)
    assert add(eleven, 120, hours) == at(NEW_YORK, 2026, 6, 8, 14, 0)
    assert between(eleven, at(NEW_YORK, 2026, 6, 8, 14, 0), hours) == 120
    assert between(at(NEW_YORK, 2026, 6, 8, 12, 0), at(NEW_YORK, 2026, 6, 8, 13, 0), hours) == 0
    # Open 8 hours on Mondays only: 9 hours from 11:00 are 5 today and 4 the Monday after.
    assert add(eleven, 9 * 60, hours) == at(NEW_YORK, 2026, 6, 15, 12, 0)


def test_overlapping_intervals_count_once():
    hours = {**CLOSED_WEEK, "tue": [["08:00", "12:00"], ["11:00", "13:00"]]}
    morning = at(NEW_YORK, 2026, 6, 9, 8, 0)
    assert between(morning, at(NEW_YORK, 2026, 6, 9, 18, 0), hours) == 5 * 60
    assert add(morning, 5 * 60, hours) == at(NEW_YORK, 2026, 6, 9, 13, 0)


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        # Saturday morning: the clock starts on Monday at opening time.
        ((2026, 6, 13, 10, 0), 60, (2026, 6, 15, 9, 0)),
        # Before opening on a Tuesday.
        ((2026, 6, 9, 6, 0), 30, (2026, 6, 9, 8, 30)),
        # After closing: nothing is owed before the next opening.
        ((2026, 6, 9, 20, 0), 0, (2026, 6, 10, 8, 0)),
    ],
)
def test_a_start_outside_hours_waits_for_the_opening(start, minutes, due):
    assert add(at(NEW_YORK, *start), minutes) == at(NEW_YORK, *due)


def test_no_opening_time_between_outside_hours_or_backwards():
    saturday, sunday = at(NEW_YORK, 2026, 6, 13, 9, 0), at(NEW_YORK, 2026, 6, 14, 18, 0)
    assert between(saturday, sunday) == 0
    assert between(sunday, saturday) == 0
    assert between(saturday, saturday) == 0


@pytest.mark.parametrize("hours", [CLOSED_WEEK, {}])
def test_a_week_with_no_hours_counts_the_wall_clock(hours):
    saturday_night = at(NEW_YORK, 2026, 6, 13, 23, 0)
    assert add(saturday_night, 90, hours) == saturday_night + dt.timedelta(minutes=90)
    assert between(saturday_night, saturday_night + dt.timedelta(hours=30), hours) == 30 * 60


# --- Daylight saving time ------------------------------------------------------------------------


def test_new_york_spring_forward_keeps_the_opening_times():
    # Clocks go forward on Sunday 8 March 2026: Friday is EST (UTC-5), Monday EDT (UTC-4).
    friday = at(NEW_YORK, 2026, 3, 6, 16, 0)
    due = add(friday, 4 * 60)
    assert due == dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC)  # 11:00 EDT
    assert due.astimezone(NEW_YORK).hour == 11
    assert between(friday, due) == 4 * 60


def test_new_york_fall_back_keeps_the_opening_times():
    # Clocks go back on Sunday 1 November 2026: Friday is EDT, Monday EST.
    friday = at(NEW_YORK, 2026, 10, 30, 16, 0)
    due = add(friday, 4 * 60)
    assert due == dt.datetime(2026, 11, 2, 16, 0, tzinfo=dt.UTC)  # 11:00 EST
    assert between(friday, due) == 4 * 60


def test_a_night_shift_across_the_change_counts_real_minutes():
    # 00:00–06:00 on the night clocks go forward lasts five hours; on the night they go back, seven.
    # (Real minutes: adding a timedelta to a New York datetime would move its wall clock.)
    spring = at(NEW_YORK, 2026, 3, 8, 0, 0).astimezone(dt.UTC)
    assert between(spring, at(NEW_YORK, 2026, 3, 8, 12, 0), NIGHT_SHIFT) == 5 * 60
    assert add(spring, 120, NIGHT_SHIFT) == spring + dt.timedelta(hours=2)
    assert add(spring, 180, NIGHT_SHIFT) == spring + dt.timedelta(hours=3)
    assert add(spring, 5 * 60, NIGHT_SHIFT) == at(NEW_YORK, 2026, 3, 8, 6, 0)
    autumn = at(NEW_YORK, 2026, 11, 1, 0, 0).astimezone(dt.UTC)
    assert between(autumn, at(NEW_YORK, 2026, 11, 1, 12, 0), NIGHT_SHIFT) == 7 * 60
    assert add(autumn, 7 * 60, NIGHT_SHIFT) == at(NEW_YORK, 2026, 11, 1, 6, 0)
    assert add(autumn, 7 * 60 + 1, NIGHT_SHIFT) == at(NEW_YORK, 2026, 11, 2, 0, 1)


def test_amsterdam_summer_time():
    # Summer time starts on Sunday 29 March 2026 (CET → CEST) and ends on 25 October.
    friday = at(AMSTERDAM, 2026, 3, 27, 16, 0)
    due = add(friday, 4 * 60, zone=AMSTERDAM)
    assert due == dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.UTC)  # 11:00 CEST
    assert between(friday, due, zone=AMSTERDAM) == 4 * 60
    friday = at(AMSTERDAM, 2026, 10, 23, 16, 0)
    due = add(friday, 4 * 60, zone=AMSTERDAM)
    assert due == dt.datetime(2026, 10, 26, 10, 0, tzinfo=dt.UTC)  # 11:00 CET

    every_night = {day: [["01:00", "05:00"]] for day in WEEKDAYS}
    start = at(AMSTERDAM, 2026, 3, 29, 0, 0)
    assert between(start, start + dt.timedelta(hours=12), every_night, AMSTERDAM) == 3 * 60
    start = at(AMSTERDAM, 2026, 10, 25, 0, 0)
    assert between(start, start + dt.timedelta(hours=12), every_night, AMSTERDAM) == 5 * 60


# --- Properties ----------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Amsterdam",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a half-hour DST change
    "Asia/Kolkata",
]
# Days a clock changes somewhere in ZONES; properties start near them as often as anywhere.
CHANGE_DAYS = [
    dt.datetime(2026, 3, 8, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, tzinfo=dt.UTC),
    dt.datetime(2026, 4, 5, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 4, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
]
# Opening and closing times away from 01:00–04:00, where a DST change makes a wall time missing
# or ambiguous; intervals may still span a change (a night shift).
CLOCKS = [
    f"{minute // 60:02d}:{minute % 60:02d}"
    for minute in range(0, 24 * 60, 15)
    if not 60 <= minute <= 4 * 60
] + ["23:59"]


@st.composite
def weekly_hours(draw):
    hours = {}
    for day in WEEKDAYS:
        intervals = []
        for _ in range(draw(st.integers(0, 3))):
            opens, closes = sorted(draw(st.lists(st.sampled_from(CLOCKS), min_size=2, max_size=2)))
            if opens < closes:
                intervals.append([opens, closes])
        hours[day] = intervals
    return hours


instants = st.one_of(
    st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2028, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    st.builds(
        lambda day, minutes: day + dt.timedelta(minutes=minutes),
        st.sampled_from(CHANGE_DAYS),
        st.integers(-3 * 24 * 60, 3 * 24 * 60),
    ),
)
zones = st.sampled_from(ZONES).map(zoneinfo.ZoneInfo)


def counted_minute_by_minute(start, end, hours, zone) -> int:
    """The reference: a minute counts when the wall clock where the business is shows an open
    time."""
    count, minute = 0, start
    while minute < end:
        local = minute.astimezone(zone)
        clock = local.strftime("%H:%M")
        intervals = hours.get(WEEKDAYS[local.weekday()]) or []
        count += any(opens <= clock < closes for opens, closes in intervals)
        minute += dt.timedelta(minutes=1)
    return count


@settings(max_examples=150, deadline=None)
@given(start=instants, minutes=st.integers(0, 5000), hours=weekly_hours(), zone=zones)
def test_adding_then_measuring_gives_the_minutes_back(start, minutes, hours, zone):
    due = add_business_minutes(start, minutes, hours=hours, zone=zone)
    assert due >= start
    assert business_minutes_between(start, due, hours=hours, zone=zone) == minutes


@settings(max_examples=150, deadline=None)
@given(
    start=instants,
    first=st.integers(0, 5000),
    more=st.integers(0, 5000),
    hours=weekly_hours(),
    zone=zones,
)
def test_more_minutes_are_never_due_earlier(start, first, more, hours, zone):
    earlier = add_business_minutes(start, first, hours=hours, zone=zone)
    later = add_business_minutes(start, first + more, hours=hours, zone=zone)
    assert earlier <= later
    if more:
        assert earlier < later
    assert business_minutes_between(
        start, earlier, hours=hours, zone=zone
    ) <= business_minutes_between(start, later, hours=hours, zone=zone)


@settings(max_examples=80, deadline=None)
@given(
    start=instants.map(lambda instant: instant.replace(second=0, microsecond=0)),
    span=st.integers(0, 3 * 24 * 60),
    hours=weekly_hours(),
    zone=zones,
)
def test_measuring_agrees_with_counting_each_minute(start, span, hours, zone):
    end = start + dt.timedelta(minutes=span)
    expected = (
        counted_minute_by_minute(start, end, hours, zone)
        if any(hours.values())
        else span  # no hours at all: the wall clock
    )
    assert business_minutes_between(start, end, hours=hours, zone=zone) == expected
