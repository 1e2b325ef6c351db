import re

from django.core.exceptions import ValidationError

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def validate_weekly_hours(value) -> None:
    """Business hours / availability: {"mon": [["08:00", "17:00"]], ..., "sun": []}."""
    if not isinstance(value, dict) or set(value) - set(_WEEKDAYS):
        raise ValidationError("Weekly hours need one entry per weekday (mon … sun).")
    for day, ranges in value.items():
        if not isinstance(ranges, list):
            raise ValidationError(f"{day}: expected a list of [start, end] times.")
        for entry in ranges:
            if (
                not isinstance(entry, list | tuple)
                or len(entry) != 2
                or not all(isinstance(t, str) and _CLOCK.match(t) for t in entry)
            ):
                raise ValidationError(f"{day}: times must look like 08:00.")
            if entry[0] >= entry[1]:
                raise ValidationError(f"{day}: {entry[0]}–{entry[1]} ends before it starts.")
