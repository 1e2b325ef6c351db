"""Money and dates as people read them, for pages, messages and services alike (template tags
are thin wrappers over these)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$"}


def money(value, currency: str = "USD") -> str:
    """18000 -> "$18,000"; cents only when there are any. Empty stays a dash."""
    if value in (None, ""):
        return "—"
    amount = Decimal(value)
    digits = f"{amount:,.2f}" if amount != amount.to_integral_value() else f"{amount:,.0f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{digits}" if symbol else f"{currency} {digits}"


def short_datetime(at: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """ "Tue Mar 4, 14:30" in `zone` (by default the active time zone)."""
    return f"{timezone.localtime(at, zone):%a %b %-d, %H:%M}"
