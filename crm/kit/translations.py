"""Translations for a page of many rows, each message looked up once.

Django's gettext finds the active language through a context-local on every call (several
microseconds each); the lead list's fifty rows ask about 1,500 times for the same few dozen
messages (each bar segment's title, each score's parts). Make one `Translations` per page, while
the page's language is active, and call it where gettext would be called. Mark the messages where
they are written (gettext_noop) so that makemessages still finds them.
"""

from enum import Enum

from django.db.models import Choices
from django.utils.translation import gettext


class Translations:
    def __init__(self):
        self._messages: dict[str, str] = {}
        self._labels: dict[tuple[type, Enum], str] = {}

    def __call__(self, message: str) -> str:
        translated = self._messages.get(message)
        if translated is None:
            translated = self._messages[message] = gettext(message)
        return translated

    def label(self, choice: Choices) -> str:
        """A choices member's label (Location.IN_STATE → "In state"), translated."""
        # Keyed with the type: members of two choices may have the same value ("unknown").
        key = (type(choice), choice)
        translated = self._labels.get(key)
        if translated is None:
            translated = self._labels[key] = str(choice.label)
        return translated
