from decimal import Decimal

from django import template

register = template.Library()

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$"}


@register.filter
def money(value, currency: str = "USD") -> str:
    """18000 -> "$18,000"; cents only when there are any. Empty stays a dash."""
    if value in (None, ""):
        return "—"
    amount = Decimal(value)
    digits = f"{amount:,.2f}" if amount != amount.to_integral_value() else f"{amount:,.0f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{digits}" if symbol else f"{currency} {digits}"


@register.inclusion_tag("leads/_progress.html")
def progress_bar(bar, large: bool = False):
    return {"bar": bar, "large": large}


@register.filter
def stages_for(options, lead):
    """The stages a row's "move to" menu offers: the lead's pipeline, without archived/lost ones."""
    return options.stages_for(lead)
