"""The rules of recurring follow-ups: an RFC 5545 rule (read with dateutil) checked and built, the
occurrences it makes in the series' own time zone, and the sentence that describes it. Making and
editing a series's rows is followups/services/recurrence.py."""

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import cast

from dateutil.parser import parse as parse_date
from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, npgettext

from crm.kit.formatting import local_date
from followups.models import FollowUpSeries

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = dict(  # translated where shown
    zip(
        WEEKDAYS,
        (
            gettext_noop("Mon"),
            gettext_noop("Tue"),
            gettext_noop("Wed"),
            gettext_noop("Thu"),
            gettext_noop("Fri"),
            gettext_noop("Sat"),
            gettext_noop("Sun"),
        ),
        strict=True,
    )
)
# The time of day comes from the series' start: a rule may not add times (or run more than daily).
REFUSED_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART", "RRULE", "EXDATE", "RDATE")


# --- Rules ----------------------------------------------------------------------------------------


def recurrence_rule(
    *,
    frequency: str,
    interval: int = 1,
    weekdays: list[str] | tuple[str, ...] = (),
    month_day: int | None = None,
) -> str:
    """The RRULE for the usual choices: daily, weekly (on some weekdays), monthly (on a day of
    the month), every `interval` of them (a custom interval: every 3 days, every 2 weeks)."""
    frequency = frequency.upper()
    if frequency not in FREQUENCIES:
        raise ValidationError({"rule": _("Repeat daily, weekly, monthly or yearly.")})
    if interval < 1:
        raise ValidationError({"rule": _("Repeat at least every 1.")})
    parts = [f"FREQ={frequency}"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    days = [day.upper()[:2] for day in weekdays]
    if any(day not in WEEKDAYS for day in days):
        raise ValidationError({"rule": _("Choose weekdays from Monday to Sunday.")})
    if days:
        parts.append("BYDAY=" + ",".join(sorted(set(days), key=WEEKDAYS.index)))
    if month_day is not None:
        if not (1 <= abs(month_day) <= 31):
            raise ValidationError({"rule": _("Choose a day of the month from 1 to 31 (or -1).")})
        parts.append(f"BYMONTHDAY={month_day}")
    return ";".join(parts)


def _rule_parts(rule: str) -> dict[str, str]:
    text = rule.strip().upper().removeprefix("RRULE:")
    parts = {}
    for part in filter(None, text.split(";")):
        name, _, value = part.partition("=")
        parts[name.strip()] = value.strip()
    return parts


def split_rule(rule: str, zone: zoneinfo.ZoneInfo) -> tuple[str, int | None, dt.datetime | None]:
    """(the rule without its end, COUNT, UNTIL as an aware datetime): the end lives in the series'
    own fields. Raises ValidationError for a rule dateutil cannot read or that we refuse."""
    parts = _rule_parts(rule)
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError(
            {"rule": _("A rule repeats daily, weekly, monthly or yearly (FREQ).")}
        )
    refused = [name for name in REFUSED_PARTS if name in parts]
    if refused:
        raise ValidationError(
            {
                "rule": _("Leave out %(join)s: the time comes from the first occurrence.")
                % {"join": ", ".join(refused)}
            }
        )
    count = until = None
    if "COUNT" in parts:
        try:
            count = int(parts.pop("COUNT"))
        except ValueError:
            raise ValidationError({"rule": _("COUNT must be a number.")}) from None
    if "UNTIL" in parts:
        until = _until_from_text(parts.pop("UNTIL"), zone)
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rrulestr(text, dtstart=dt.datetime(2026, 1, 1, 10))  # local times are naive by design
    except (ValueError, TypeError) as error:
        raise ValidationError(
            {"rule": _("Not a rule we can read: %(error)s") % {"error": error}}
        ) from None
    return text, count, until


def _until_from_text(value: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    try:
        parsed = parse_date(value)
    except (ValueError, OverflowError):
        raise ValidationError({"rule": f"UNTIL {value!r} is not a date."}) from None
    if len(value) == 8:  # a date: the whole of that local day
        return end_of_day(parsed.date(), zone)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def end_of_day(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone).astimezone(dt.UTC)


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": f"Unknown time zone {name!r}."}) from None


def _local_naive(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return at.astimezone(zone).replace(tzinfo=None)


def expansion(series: FollowUpSeries) -> rrule:
    """The rule in naive local time of the series' zone, with its end."""
    zone = series.zone
    # One RRULE, no RDATE or EXDATE (REFUSED_PARTS): dateutil reads it as an rrule, not a set.
    rule = cast(rrule, rrulestr(series.rule, dtstart=_local_naive(series.starts_at, zone)))
    if series.count:
        rule = rule.replace(count=series.count)
    if series.until:
        rule = rule.replace(until=_local_naive(series.until, zone))
    return rule


def series_occurrences(
    series: FollowUpSeries, *, before: dt.datetime, after: dt.datetime | None = None
) -> Iterator[dt.datetime]:
    """The series' occurrences (aware, UTC) in [after, before], skipped dates left out."""
    zone = series.zone
    # A rep skips a day, not an instant: a later change of the time of day (or of the rule) must
    # not bring that day back. A series runs at most once a day (REFUSED_PARTS).
    skipped_days = {timezone.localtime(at, zone).date() for at in series.skipped}
    for local in expansion(series):
        # zoneinfo places a local time the clocks skip with the offset before the change (an
        # hour later on the wall clock) and an ambiguous one at its first (summer) instant.
        at = local.replace(tzinfo=zone).astimezone(dt.UTC)
        if at > before:
            return
        if (after is None or at >= after) and local.date() not in skipped_days:
            yield at


def series_describe(series: FollowUpSeries) -> str:
    """The rule in words: "Every 2 weeks on Tue, Thu at 10:00 (America/New_York), 6 times"."""
    parts = _rule_parts(series.rule)
    interval = int(parts.get("INTERVAL", 1))
    every = {
        "DAILY": npgettext("repeat rule", "Every day", "Every %(n)s days", interval),
        "WEEKLY": npgettext("repeat rule", "Every week", "Every %(n)s weeks", interval),
        "MONTHLY": npgettext("repeat rule", "Every month", "Every %(n)s months", interval),
        "YEARLY": npgettext("repeat rule", "Every year", "Every %(n)s years", interval),
    }[parts["FREQ"]]
    words = every % {"n": interval}
    if "BYDAY" in parts:
        days = [_(WEEKDAY_NAMES.get(day[-2:], day)) for day in parts["BYDAY"].split(",")]
        words = _("%(every)s on %(days)s") % {"every": words, "days": ", ".join(days)}
    if "BYMONTHDAY" in parts:
        words = _("%(every)s on day %(day)s") % {"every": words, "day": parts["BYMONTHDAY"]}
    words = _("%(every)s at %(time)s (%(zone)s)") % {
        "every": words,
        "time": f"{timezone.localtime(series.starts_at, series.zone):%H:%M}",
        "zone": series.time_zone,
    }
    if series.count:
        # English says "times" even for one.
        words = ngettext(
            "%(every)s, %(count)s times", "%(every)s, %(count)s times", series.count
        ) % {
            "every": words,
            "count": series.count,
        }
    elif series.until:
        words = _("%(every)s, until %(date)s") % {
            "every": words,
            "date": local_date(timezone.localtime(series.until, series.zone), "date"),
        }
    return words
