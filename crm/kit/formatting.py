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
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext, ngettext

from crm.kit.languages import supported_language
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
    home = _MoneyStyle(
        *(
            get_format(name, language, use_l10n=True)
            for name in ("DECIMAL_SEPARATOR", "THOUSAND_SEPARATOR", "NUMBER_GROUPING")
        ),
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


def short_datetime(at: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """ "Tue Mar 4, 14:30" in `zone` (by default the active time zone), the day and month in the
    active language ("di mrt 4, 14:30")."""
    return date_format(timezone.localtime(at, zone), "D M j, H:i")


def short_date(day: dt.date | dt.datetime) -> str:
    """ "Mar 5, 2026" with the month in the active language ("mrt 5, 2026", "mar 5, 2026"): a
    date inside a translated sentence (strftime writes English month names only)."""
    return date_format(day, "M j, Y")


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
        if days:
            return f"{days}d {hours}h" if hours else f"{days}d"
        if hours:
            return f"{hours}h {mins}m" if mins else f"{hours}h"
        return f"{mins}m"

    def unit(count: int, which: str) -> str:
        forms = {
            "day": ngettext("%(count)d day", "%(count)d days", count),
            "hour": ngettext("%(count)d hour", "%(count)d hours", count),
            "minute": ngettext("%(count)d minute", "%(count)d minutes", count),
        }
        return forms[which] % {"count": count}

    if days >= 2:
        return unit(days, "day")
    if days == 1:
        return unit(1, "day") + (" " + unit(hours, "hour") if hours else "")
    if hours >= 10:
        return unit(hours, "hour")
    if hours:
        return unit(hours, "hour") + (" " + unit(mins, "minute") if mins else "")
    if minutes == 0 and not isinstance(value, int) and _seconds(value) < 60:
        return gettext("less than a minute")
    return unit(mins, "minute")


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value) * 60


def short_clock(value: dt.timedelta | int) -> str:
    """An SLA clock's time: "1d 4h", "2h 05m", "7m"."""
    minutes = _minutes(value)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"
