"""What the lists built in Python (followups/rows.py, tickets/rows.py) share: choice labels and
date formats worked out once per page instead of once per row.

Each writes exactly what the template tags it replaces wrote (`{{ x.get_FOO_display }}`, the
`date` filter), so the rows stay the templates' markup (the tests of each list compare).
"""

import datetime as dt
from collections.abc import Callable
from html import escape  # the stdlib one: django.utils.html.escape wraps it for lazy strings

from django.conf import settings
from django.utils import translation
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR

from crm.kit.formatting import DATE_STYLES
from crm.kit.languages import supported_language


def choice_labels(choices) -> dict[str, str]:
    """Each value's label as `{{ x.get_FOO_display }}` shows it, translated once per page."""
    return {value: escape(str(label)) for value, label in choices.choices}


def _formatted(piece: str) -> Callable[[dt.datetime], str]:
    """A format character Django writes itself, escaped."""
    return lambda t: escape(str(DateFormat(t).format(piece)))


class RowTimes:
    """A time in the reader's zone as the `date` filter writes it in the formats the rows use
    ("c", "D M j", "M j", "g:i A" in English; the reader's own order and clock otherwise, as
    crm.kit.formatting.DATE_STYLES has them), with the names of days and months and AM/PM
    translated once per page: Django's DateFormat translates them at each use."""

    def __init__(self):
        self.days = [escape(str(WEEKDAYS_ABBR[day])) for day in range(7)]
        self.months = {month: escape(str(name).title()) for month, name in MONTHS_3.items()}
        self.halves = [escape(DateFormat(dt.datetime(2000, 1, 1, hour)).A()) for hour in (0, 12)]
        self._names: dict[str, Callable[[dt.datetime], str]] = {}
        language = supported_language(translation.get_language()) or settings.LANGUAGE_CODE
        # English has fast paths below; another language writes its own order ("di 1 dec", 14:00).
        self._own: dict[str, Callable[[dt.datetime], str]] = {}
        if language != "en":
            self._own = {
                style: self.formatter(shapes.get(language, shapes["en"]))
                for style, shapes in DATE_STYLES.items()
                if style in ("weekday_month_day", "month_day", "time")
            }

    def day(self, local: dt.datetime) -> str:
        """ "D M j": Tue Jun 9 (di 9 jun)."""
        if self._own:
            return self._own["weekday_month_day"](local)
        return f"{self.days[local.weekday()]} {self.months[local.month]} {local.day}"

    def month_day(self, local: dt.datetime) -> str:
        """ "M j": Jun 9 (9 jun)."""
        if self._own:
            return self._own["month_day"](local)
        return f"{self.months[local.month]} {local.day}"

    def clock(self, local: dt.datetime) -> str:
        """ "g:i A": 3:05 PM (15:05)."""
        if self._own:
            return self._own["time"](local)
        return f"{local.hour % 12 or 12}:{local.minute:02d} {self.halves[local.hour > 11]}"

    def formatter(self, format_string: str) -> Callable[[dt.datetime], str]:
        """A function writing a time as `DateFormat(local).format(format_string)` does, escaped,
        for a format chosen at run time (a translatable one: "M j, g:i A" is "j b, H:i" in
        Dutch). Names are translated once per page; a specifier without a fast path here is
        left to Django."""
        if not self._names:
            month_names = {month: escape(str(name)) for month, name in MONTHS.items()}
            day_names = [escape(str(WEEKDAYS[day])) for day in range(7)]
            lower_months = {month: escape(str(name)) for month, name in MONTHS_3.items()}
            self._names = {
                "j": lambda t: str(t.day),
                "d": lambda t: f"{t.day:02d}",
                "n": lambda t: str(t.month),
                "m": lambda t: f"{t.month:02d}",
                "Y": lambda t: f"{t.year:04d}",
                "y": lambda t: f"{t.year % 100:02d}",
                "g": lambda t: str(t.hour % 12 or 12),
                "h": lambda t: f"{t.hour % 12 or 12:02d}",
                "G": lambda t: str(t.hour),
                "H": lambda t: f"{t.hour:02d}",
                "i": lambda t: f"{t.minute:02d}",
                "A": lambda t: self.halves[t.hour > 11],
                "M": lambda t: self.months[t.month],
                "b": lambda t: lower_months[t.month],
                "F": lambda t: month_names[t.month],
                "D": lambda t: self.days[t.weekday()],
                "l": lambda t: day_names[t.weekday()],
            }
        parts: list[str | Callable[[dt.datetime], str]] = []
        for index, piece in enumerate(re_formatchars.split(str(format_string))):
            if index % 2:
                parts.append(self._names.get(piece) or _formatted(piece))
            elif piece:
                parts.append(escape(re_escaped.sub(r"\1", piece)))
        return lambda t: "".join(part if isinstance(part, str) else part(t) for part in parts)
