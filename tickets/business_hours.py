"""SLA arithmetic in business hours: "4 business hours after Friday 16:00" is Monday 11:00 for a
business open 08:00–17:00 on weekdays.

The arithmetic is the tenant's business calendar's (crm.business_calendar, with its public
holidays and closed days); these two functions read it for bare weekly hours, no days off.
"""

import datetime as dt
import zoneinfo

from crm.business_calendar import MAX_DAYS_SCANNED, BusinessCalendar

__all__ = ["MAX_DAYS_SCANNED", "add_business_minutes", "business_minutes_between"]


def add_business_minutes(
    start: dt.datetime, minutes: int, *, hours: dict, zone: zoneinfo.ZoneInfo
) -> dt.datetime:
    """The instant `minutes` of opening time after `start`."""
    return BusinessCalendar(hours=hours, zone=zone).add_business_minutes(start, minutes)


def business_minutes_between(
    start: dt.datetime, end: dt.datetime, *, hours: dict, zone: zoneinfo.ZoneInfo
) -> int:
    """Whole minutes of opening time from `start` to `end` (0 if end is not after start)."""
    return BusinessCalendar(hours=hours, zone=zone).business_minutes_between(start, end)
