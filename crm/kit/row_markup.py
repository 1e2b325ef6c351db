"""What the lists built in Python (followups/rows.py, tickets/rows.py) share: choice labels and
date formats worked out once per page instead of once per row.

Each writes exactly what the template tags it replaces wrote (`{{ x.get_FOO_display }}`, the
`date` filter), so the rows stay the templates' markup (the tests of each list compare).
"""

import datetime as dt
from html import escape  # the stdlib one: django.utils.html.escape wraps it for lazy strings

from django.utils.dateformat import DateFormat
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR


def choice_labels(choices) -> dict[str, str]:
    """Each value's label as `{{ x.get_FOO_display }}` shows it, translated once per page."""
    return {value: escape(str(label)) for value, label in choices.choices}


class RowTimes:
    """A time in the reader's zone as the `date` filter writes it in the formats the rows use
    ("c", "D M j", "M j", "g:i A"), with the names of days and months and AM/PM translated once
    per page: Django's DateFormat translates them at each use."""

    def __init__(self):
        self.days = [escape(str(WEEKDAYS_ABBR[day])) for day in range(7)]
        self.months = {month: escape(str(name).title()) for month, name in MONTHS_3.items()}
        self.halves = [escape(DateFormat(dt.datetime(2000, 1, 1, hour)).A()) for hour in (0, 12)]

    def day(self, local: dt.datetime) -> str:
        """ "D M j": Tue Jun 9."""
        return f"{self.days[local.weekday()]} {self.months[local.month]} {local.day}"

    def month_day(self, local: dt.datetime) -> str:
        """ "M j": Jun 9."""
        return f"{self.months[local.month]} {local.day}"

    def clock(self, local: dt.datetime) -> str:
        """ "g:i A": 3:05 PM."""
        return f"{local.hour % 12 or 12}:{local.minute:02d} {self.halves[local.hour > 11]}"
