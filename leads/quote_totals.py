"""The one place a quote's figures are computed: its subtotal, discount, tax per rate, total,
deposit and payment schedule. The quote service stores the results on the quote; the pages, the
PDF and the invoices built from the quote's schedule read them back from the same functions.

Plain arithmetic on Decimals (no database): amounts are rounded to cents half-up, and where an
amount is shared out (a discount over the tax rates, an instalment over them) the last share takes
what rounding left over, so the shares always add up to the whole."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.template.defaultfilters import floatformat

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

PERCENT = "percent"
FIXED = "fixed"

DEPOSIT = "deposit"
PROGRESS = "progress"
FINAL = "final"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def tax_label(name: str, percent: Decimal) -> str:
    """A tax rate as the reader reads it: "Sales tax (7 %)", or its name alone when the name
    already says the percent ("BTW 21 %"). The percent in the reader's number format."""
    shown = floatformat(percent, -2)
    if re.search(rf"(?<![\d.,]){re.escape(str(shown))}\s*%", name):
        return name
    return f"{name} ({shown} %)"


@dataclass(frozen=True)
class TaxGroup:
    """The lines taxed at one rate: their amount after the discount, and the tax on it."""

    name: str
    percent: Decimal
    net: Decimal
    tax: Decimal

    @property
    def key(self) -> tuple[str, Decimal]:
        return (self.name, self.percent)

    @property
    def label(self) -> str:
        return tax_label(self.name, self.percent)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    groups: tuple[TaxGroup, ...] = field(default_factory=tuple)

    @property
    def tax(self) -> Decimal:
        return sum((group.tax for group in self.groups), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.tax

    @property
    def tax_lines(self) -> list[TaxGroup]:
        """The groups a customer reads as a tax line (an untaxed group has none)."""
        return [group for group in self.groups if group.percent]


@dataclass(frozen=True)
class Instalment:
    kind: str  # DEPOSIT, PROGRESS or FINAL
    position: int  # 0 for the deposit, 1… for progress payments, the last for the final
    percent: Decimal | None  # of the total, when the admin gave one
    amount: Decimal


def share_out(whole: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`whole` split in proportion to `weights`, in cents, adding up to `whole` exactly."""
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if not weight_sum:
        return [ZERO] * (len(weights) - 1) + [whole]
    shares = [cents(whole * weight / weight_sum) for weight in weights[:-1]]
    return [*shares, whole - sum(shares, ZERO)]


def discount_amount(subtotal: Decimal, kind: str, value: Decimal) -> Decimal:
    """The discount off `subtotal`: a percent of it, or a fixed amount (never more than it)."""
    if kind == PERCENT:
        return min(cents(subtotal * value / HUNDRED), subtotal)
    if kind == FIXED:
        return min(cents(value), subtotal)
    return ZERO


def totals_of(
    lines: Iterable[tuple[Decimal, str, Decimal]], *, discount_kind: str, discount_value: Decimal
) -> Totals:
    """Totals of lines given as (amount, tax name, tax percent): the discount is taken off
    before tax, shared over the tax rates in proportion to their lines."""
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for amount, tax_name, tax_percent in lines:
        key = (tax_name, tax_percent or ZERO)
        bases[key] = bases.get(key, ZERO) + amount
    subtotal = sum(bases.values(), ZERO)
    discount = discount_amount(subtotal, discount_kind, discount_value)
    keys = list(bases)
    discounts = share_out(discount, [bases[key] for key in keys])
    groups = []
    for key, group_discount in zip(keys, discounts, strict=True):
        net = bases[key] - group_discount
        groups.append(TaxGroup(key[0], key[1], net, cents(net * key[1] / HUNDRED)))
    return Totals(subtotal=subtotal, discount=discount, groups=tuple(groups))


def deposit_amount(total: Decimal, kind: str, value: Decimal) -> Decimal:
    if kind == PERCENT:
        return min(cents(total * value / HUNDRED), total)
    if kind == FIXED:
        return min(cents(value), total)
    return ZERO


def schedule_of(
    total: Decimal,
    *,
    deposit_kind: str,
    deposit_value: Decimal,
    progress_percents: Sequence[Decimal],
) -> list[Instalment]:
    """The payment schedule: the deposit (if any), progress payments as percents of the total,
    and the final payment, which is whatever is left."""
    instalments = []
    deposit = deposit_amount(total, deposit_kind, deposit_value)
    if deposit:
        percent = deposit_value if deposit_kind == PERCENT else None
        instalments.append(Instalment(DEPOSIT, 0, percent, deposit))
    for position, percent in enumerate(progress_percents, start=1):
        instalments.append(
            Instalment(PROGRESS, position, percent, cents(total * percent / HUNDRED))
        )
    remainder = total - sum((instalment.amount for instalment in instalments), ZERO)
    instalments.append(Instalment(FINAL, len(progress_percents) + 1, None, remainder))
    return instalments


def schedule_problem(
    total: Decimal,
    *,
    deposit_kind: str,
    deposit_value: Decimal,
    progress_percents: Sequence[Decimal],
) -> Decimal | None:
    """How much the deposit and progress payments exceed the total by, or None when they fit."""
    before_final = deposit_amount(total, deposit_kind, deposit_value)
    if deposit_kind == FIXED and deposit_value > total:
        before_final = cents(deposit_value)
    before_final += sum((cents(total * percent / HUNDRED) for percent in progress_percents), ZERO)
    if before_final > total:
        return before_final - total
    return None
