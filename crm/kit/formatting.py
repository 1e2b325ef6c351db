"""Money and dates as people read them, for pages, messages and services alike (template tags
are thin wrappers over these)."""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django.conf import settings
from django.utils import numberformat, timezone, translation
from django.utils.formats import date_format, get_format, time_format
from django.utils.translation import gettext, gettext_noop

from crm.kit.languages import supported_language
from crm.kit.stored_text import (
    ngettext_noop,
    stored_list,
    stored_message,
    stored_plural,
    stored_translated,
)
from crm.tenancy.context import active_tenant

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$"}

# Where a reader expects the currency, per language (the digits follow the language's own
# separators, django.utils.formats; Spanish groups with a non-breaking space, as the RAE writes
# it): "$18,000.50", "€ 18.000,50", "18 000,50 €". A code without a
# symbol ("CHF") is written like a symbol with a space. A language not listed reads as English.
CURRENCY_PLACEMENT = {
    "en": "{symbol}{amount}",
    "nl": "{symbol} {amount}",
    "es": "{amount} {symbol}",
}


@dataclass(frozen=True)
class _MoneyStyle:
    decimal_separator: str
    thousand_separator: str
    grouping: int
    placement: str


def _business_country() -> str | None:
    """The active tenant's country (the business whose money it is), if a tenant is active."""
    tenant = active_tenant()
    return getattr(tenant, "country", None) or None


@functools.cache
def _money_style(language: str, country: str | None) -> _MoneyStyle:
    """How a reader of `language` writes a business's amounts in `country`: the language as it
    is written there (CLDR, through babel: a Spanish reader in Miami writes "$18,500", as
    es_US does), else as the language writes it at home (Django's formats and the placement
    above), which is also the answer for the language's own country and for a pair CLDR
    does not know (Dutch in the US)."""
    decimal_separator, thousand_separator, grouping = (
        get_format(name, language, use_l10n=True)
        for name in ("DECIMAL_SEPARATOR", "THOUSAND_SEPARATOR", "NUMBER_GROUPING")
    )
    home = _MoneyStyle(
        decimal_separator,
        thousand_separator,
        grouping,
        CURRENCY_PLACEMENT.get(language, CURRENCY_PLACEMENT["en"]),
    )
    likely = get_global("likely_subtags").get(language, "")
    if not country or likely.endswith(f"_{country}"):
        return home
    try:
        regional = Locale.parse(f"{language}_{country}")
    except (UnknownLocaleError, ValueError):
        return home
    symbols = regional.number_symbols.get("latn", {})
    pattern = regional.currency_formats["standard"].pattern.split(";")[0]
    if pattern.startswith("¤"):
        spaced = pattern[1:2].isspace()
        placement = "{symbol} {amount}" if spaced else "{symbol}{amount}"
    else:
        placement = "{amount} {symbol}"
    return _MoneyStyle(
        symbols.get("decimal", home.decimal_separator),
        symbols.get("group", home.thousand_separator),
        home.grouping,
        placement,
    )


def money(
    value, currency: str = "USD", *, language: str | None = None, country: str | None = None
) -> str:
    """An amount in the tenant's currency as the reader writes it: 18000 -> "$18,000" in
    English, "€ 18.000" in Dutch, "18 000 €" in Spanish, but "$18,500" for a Spanish reader of
    a business in the US; cents only when there are any. Empty stays a dash. `language`: by
    default the active one (the page's or the message's reader); `country`: the business's, by
    default the active tenant's."""
    if value in (None, ""):
        return "—"
    return money_format(currency, language=language, country=country)(value)


def money_format(
    currency: str = "USD", *, language: str | None = None, country: str | None = None
) -> Callable[..., str]:
    """money() for many amounts in one currency and language (a list's rows): the language's
    separators and the currency's place are looked up once."""
    language = supported_language(language or translation.get_language()) or settings.LANGUAGE_CODE
    style = _money_style(language, (country or _business_country() or "").upper() or None)
    placement = style.placement
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol is None:
        symbol, placement = currency, placement.replace("{symbol}{amount}", "{symbol} {amount}")

    def formatted(value) -> str:
        if value in (None, ""):
            return "—"
        amount = Decimal(value)
        digits = numberformat.format(
            amount,
            style.decimal_separator,
            2 if amount != amount.to_integral_value() else 0,
            style.grouping,
            style.thousand_separator,
            force_grouping=True,
            use_l10n=True,
        )
        return placement.format(symbol=symbol, amount=digits)

    return formatted


# A date's shapes, each as the reader's language writes it (Django format characters: the month
# and weekday names come from the active language; "b" is the lower-case short month, "22 nov").
# A language not listed reads as English.
DATE_STYLES = {
    "date": {"en": "M j, Y", "nl": "j b Y", "es": "j b Y"},
    "datetime": {"en": "M j, Y g:i A", "nl": "j b Y H:i", "es": "j b Y H:i"},
    "datetime_seconds": {"en": "M j, Y g:i:s A T", "nl": "j b Y H:i:s T", "es": "j b Y H:i:s T"},
    "long_datetime": {
        "en": "l, F j, Y g:i A",
        "nl": "l j F Y H:i",
        "es": "l j \\d\\e F \\d\\e Y H:i",
    },
    "month_year": {"en": "M Y", "nl": "b Y", "es": "b Y"},
    "month_day": {"en": "M j", "nl": "j b", "es": "j b"},
    "month_day_time": {"en": "M j, g:i A", "nl": "j b, H:i", "es": "j b, H:i"},
    "weekday_month_day": {"en": "D M j", "nl": "D j b", "es": "D j b"},
    "weekday_month_day_time": {"en": "D M j, g:i A", "nl": "D j b, H:i", "es": "D j b, H:i"},
    "weekday_month_day_clock": {"en": "D M j, H:i", "nl": "D j b, H:i", "es": "D j b, H:i"},
    "weekday_month_day_time_zone": {
        "en": "D M j, H:i T",
        "nl": "D j b, H:i T",
        "es": "D j b, H:i T",
    },
    "weekday_date": {"en": "D, M j, Y", "nl": "D j b Y", "es": "D j b Y"},
    "weekday_datetime": {"en": "D M j, Y g:i A", "nl": "D j b Y H:i", "es": "D j b Y H:i"},
    "time": {"en": "g:i A", "nl": "H:i", "es": "H:i"},
}


def local_date(
    value: dt.date | dt.datetime | dt.time | None, style: str = "date", *, language=None
) -> str:
    """`value` in one of DATE_STYLES as the reader writes it ("Nov 22" in English, "22 nov" in
        Dutch for "month_day"); a datetime as given (the caller or the |local_date filter puts it in
    the reader's time zone). Empty stays empty."""
    if value in (None, ""):
        return ""
    language = supported_language(language or translation.get_language()) or settings.LANGUAGE_CODE
    shapes = DATE_STYLES[style]
    with translation.override(language):
        if isinstance(value, dt.time):
            return time_format(value, shapes.get(language, shapes["en"]))
        return date_format(value, shapes.get(language, shapes["en"]))


def short_datetime(at: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """ "Tue Mar 4, 14:30" in `zone` (by default the active time zone), as the active language
    writes it ("di 4 mrt, 14:30")."""
    return local_date(timezone.localtime(at, zone), "weekday_month_day_clock")


def short_date(day: dt.date | dt.datetime) -> str:
    """ "Mar 5, 2026" as the active language writes it ("5 mrt 2026", "5 mar 2026"): a date
    inside a translated sentence (strftime writes English month names only)."""
    return local_date(day, "date")


def or_list(items) -> str:
    """ "a", "a or b", "a, b or c" in the active language."""
    words = [str(item) for item in items]
    if len(words) < 2:
        return "".join(words)
    return gettext("%(items)s or %(last)s") % {"items": ", ".join(words[:-1]), "last": words[-1]}


def and_list(items) -> str:
    """ "a", "a and b", "a, b and c" in the active language."""
    words = [str(item) for item in items]
    if len(words) < 2:
        return "".join(words)
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(words[:-1]), "last": words[-1]}


def _minutes(value: dt.timedelta | int | float) -> int:
    if isinstance(value, dt.timedelta):
        return max(int(value.total_seconds() // 60), 0)
    return max(int(value), 0)


def duration(value: dt.timedelta | int | float, *, short: bool = False) -> str:
    """How long, as people say it: "11 days", "1 day 4 hours", "3 hours 20 minutes", "7 minutes"
    (a timedelta, or a number of minutes). Past two days only the days count; a day and some
    hours, or hours and minutes below ten hours, say both.

    `short` is for table cells: "11d 18h", "5h 12m", "7m" (the SLA clock's "2h 05m" is
    short_clock)."""
    minutes = _minutes(value)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if short:
        return _short_units(days, hours, mins)

    return stored_translated(stored_duration(value))


_UNITS = {
    "day": ngettext_noop("%(count)d day", "%(count)d days"),
    "hour": ngettext_noop("%(count)d hour", "%(count)d hours"),
    "minute": ngettext_noop("%(count)d minute", "%(count)d minutes"),
}


def stored_duration(value: dt.timedelta | int | float) -> dict:
    """duration() as a stored message (crm.kit.stored_text): a sentence that keeps it as a value
    reads in its reader's language when shown, not in the writer's."""
    minutes = _minutes(value)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)

    def unit(count: int, which: str) -> dict:
        return stored_plural(*_UNITS[which], count)

    def both(first: dict, second: dict | None) -> dict:
        return stored_list([first, second] if second else [first], " ")

    if days >= 2:
        return unit(days, "day")
    if days == 1:
        return both(unit(1, "day"), unit(hours, "hour") if hours else None)
    if hours >= 10:
        return unit(hours, "hour")
    if hours:
        return both(unit(hours, "hour"), unit(mins, "minute") if mins else None)
    if minutes == 0 and not isinstance(value, int) and _seconds(value) < 60:
        return stored_message(gettext_noop("less than a minute"))
    return unit(mins, "minute")


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value) * 60


def short_clock(value: dt.timedelta | int) -> str:
    """An SLA clock's time: "1d 4h", "2h 05m", "7m" (Dutch "1d 4u", "2u 05m")."""
    minutes = _minutes(value)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(days)dd %(hours)dh") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": mins}
    return gettext("%(minutes)dm") % {"minutes": mins}


def _short_units(days: int, hours: int, mins: int) -> str:
    """duration(short=True)'s cell text in the active language: each unit's letter is a message
    ("h" is "u" for uur in Dutch)."""
    values = {"days": days, "hours": hours, "minutes": mins}
    if days:
        text = gettext("%(days)dd %(hours)dh") if hours else gettext("%(days)dd")
    elif hours:
        text = gettext("%(hours)dh %(minutes)dm") if mins else gettext("%(hours)dh")
    else:
        text = gettext("%(minutes)dm")
    return text % values
