"""Amounts as payment providers count them: integers of the currency's minor unit (cents), the
way Stripe documents them (https://docs.stripe.com/currencies#zero-decimal). Pure: no database."""

from decimal import Decimal

# Currencies Stripe counts in whole units.
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
# Currencies Stripe counts in thousandths.
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


class AmountError(ValueError):
    """An amount a provider cannot take: not positive, or finer than the currency's minor unit."""


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def to_minor(amount: Decimal, currency: str) -> int:
    """18.50 EUR -> 1850; 1000 JPY -> 1000. Refuses what the minor unit cannot hold exactly."""
    scaled = Decimal(amount).scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise AmountError(f"{amount} has more decimals than {currency.upper()} allows")
    if scaled <= 0:
        raise AmountError("the amount must be positive")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """1850 EUR -> Decimal("18.50")."""
    return Decimal(int(minor)).scaleb(-exponent(currency))
