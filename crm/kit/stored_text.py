"""Sentences written once and read later in the reader's language (timeline events, notifications).

The writer passes an English msgid, marked with gettext_noop so makemessages extracts it, and its
%(name)s values. Two things are stored:

- the finished English sentence, in the text column (`TimelineEvent.summary`, `Notification.title`
  ...), as before: every reader that wants plain text (exports, the API, search, tests) keeps it;
- the msgid and its values in the params column: ``{"_msgid": "Lead %(reference)s created",
  "reference": "L-12"}``.

`stored_render(text, params)` is the one place that shows it: gettext(msgid) % values in the active
(the reader's) language. A row without a msgid (written before this, or free text such as a note)
shows its text as stored; an unknown msgid reads in English; a value missing or a translation that
does not fit its values falls back to the stored English sentence.

A value may itself be a message, rendered in the same language first: a label (`stored_label`,
e.g. a choice's label, stored in English and translated at render) or a sentence with values of
its own (`stored_message`).

A sentence that depends on a number (`stored_plural`) keeps both English forms and the count:
``{"_msgid": "%(count)d lead", "_plural": "%(count)d leads", "_count": 3, "count": 3}``, read with
ngettext in the reader's language (English picks the singular for 1). Its strings are marked with
`ngettext_noop`, which makemessages extracts as a plural entry (crm's makemessages command adds the
keyword). A plural row whose count is missing shows its stored English text.

A list of values (`stored_list`) is joined by a separator that may itself be a message (" and "),
each item rendered in the reader's language: ``{"_join": {"_msgid": " and "}, "_items": [...]}``.
"""

import datetime as dt
import zoneinfo
from collections.abc import Mapping

from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

MSGID = "_msgid"
LOWER = "_lower"
PLURAL = "_plural"
COUNT = "_count"
JOIN = "_join"
ITEMS = "_items"
DATE = "_date"
STYLE = "_style"
ZONE = "_zone"
RESERVED = (MSGID, LOWER, PLURAL, COUNT)


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for makemessages (keyword ngettext_noop:1,2), translated later:
    ``stored_plural(*ngettext_noop(singular, plural), count, **values)``."""
    return singular, plural


def stored_message(msgid: str, **values) -> dict:
    """A sentence with values, to store (or to nest as another sentence's value)."""
    return {MSGID: str(msgid), **values}


def stored_plural(singular: str, plural: str, count: int, **values) -> dict:
    """A sentence in the form `count` asks for, to store or to nest; `count` is also the value
    %(count)d unless `values` names it otherwise."""
    values.setdefault("count", count)
    return {MSGID: str(singular), PLURAL: str(plural), COUNT: count, **values}


def stored_list(items, separator: "str | Mapping" = ", ") -> dict:
    """Values (texts or messages) joined by `separator` (a text, or a message such as
    ``stored_message(gettext_noop(" and "))``), to nest as a value."""
    return {JOIN: separator, ITEMS: list(items)}


def stored_date(value, style: str = "date") -> dict:
    """A date or a datetime (in the time zone it carries), to nest as a value: shown in one of
    crm.kit.formatting.DATE_STYLES as the reader's language writes it ("Tue Nov 24" in English,
    "di 24 nov" in Dutch)."""
    stored = {DATE: value.isoformat(), STYLE: style}
    zone_name = getattr(getattr(value, "tzinfo", None), "key", None)
    if zone_name:  # a named zone ("Europe/Amsterdam") reads as its own "CET"
        stored[ZONE] = zone_name
    return stored


def stored_split(message: Mapping) -> tuple[str, dict]:
    """A stored message as timeline_record's (summary, params)."""
    return message[MSGID], {name: value for name, value in message.items() if name != MSGID}


def stored_label(label, *, lower: bool = False) -> dict:
    """A label (e.g. a TextChoices label, lazy or not) stored by its English text."""
    with translation.override("en"):
        text = str(label)
    message: dict[str, str | bool] = {MSGID: text}
    if lower:
        message[LOWER] = True
    return message


def _render(message: Mapping, translate: bool) -> str:
    msgid = message[MSGID]
    values = {
        name: _value(value, translate) for name, value in message.items() if name not in RESERVED
    }
    if PLURAL in message:
        count = message[COUNT]
        if translate:
            text = ngettext(msgid, message[PLURAL], count)
        else:
            text = msgid if count == 1 else message[PLURAL]
    else:
        text = gettext(msgid) if (translate and msgid) else msgid
    if values:
        text = text % values
    return text.lower() if message.get(LOWER) else text


def _value(value, translate: bool):
    if isinstance(value, Mapping):
        if MSGID in value:
            return _render(value, translate)
        if DATE in value:
            return _date(value, translate)
        if ITEMS in value:
            separator = _value(value.get(JOIN, ", "), translate)
            return str(separator).join(str(_value(item, translate)) for item in value[ITEMS])
    return value


def _date(value: Mapping, translate: bool) -> str:
    from crm.kit.formatting import local_date  # formatting builds on this module

    text = value[DATE]
    when = dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    language = None if translate else "en"
    style = value.get(STYLE, "date")
    if isinstance(when, dt.datetime) and when.tzinfo is not None:
        zone = zoneinfo.ZoneInfo(value[ZONE]) if value.get(ZONE) else when.tzinfo
        return local_date(timezone.localtime(when, zone), style, language=language)
    return local_date(when, style, language=language)


def stored_english(msgid: str, params: Mapping | None) -> str:
    """The finished English sentence, to store as the text (values rendered without gettext)."""
    return _render(stored_params(msgid, params), translate=False)


def _storable(value):
    """A value as JSON keeps it: nested messages as they are, anything else not a JSON scalar
    (a lazy string, a date, a Decimal) as its text now."""
    if isinstance(value, Mapping):
        return {str(name): _storable(item) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(item) for item in value]
    if value is None or isinstance(value, (bool, int, float)) or type(value) is str:
        return value
    return str(value)


def clipped(text: str, limit: int) -> str:
    """`text` cut to fit a column of `limit` characters, with an ellipsis where it was cut (the
    stored params keep the whole message)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def stored_params(msgid: str, params: Mapping | None) -> dict:
    """What the params column keeps: the msgid and its values (a lazy one in English)."""
    with translation.override("en"):
        return _storable({**(params or {}), MSGID: str(msgid)})


def stored_translated(message: Mapping) -> str:
    """A message (or a list) built now, not read from a row, as the active language says it."""
    return str(_value(message, translate=True))


def stored_columns(message: Mapping) -> tuple[str, dict]:
    """A stored message as the two columns that keep it: (its English text, its params)."""
    msgid, values = stored_split(message)
    return stored_english(msgid, values), stored_params(msgid, values)


def stored_render(text: str, params: Mapping | None) -> str:
    """The stored sentence in the active language; `text` (the English) when it cannot be."""
    if not params or not params.get(MSGID):
        return text
    try:
        return _render(params, translate=True)
    except (KeyError, ValueError, TypeError):
        return text
