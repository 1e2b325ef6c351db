"""The lines of the invoices a quote's payment schedule becomes (plain arithmetic, no database).

A deposit or progress invoice bills its share of each tax rate of the quote (one line per rate),
so its tax is right per rate and it adds up to the instalment exactly. The final invoice lists the
quote's lines, its discount, and takes off what the earlier instalments billed, per rate: its tax
is the quote's tax less theirs, so all the invoices together come to the quote's total to the
cent."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from leads.quote_totals import ZERO, Instalment, TaxGroup, Totals, cents

PERCENT_FORMAT = "{:f}"


@dataclass(frozen=True)
class LineSpec:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_name: str
    tax_percent: Decimal
    tax_amount: Decimal

    @property
    def key(self) -> tuple[str, Decimal]:
        return (self.tax_name, self.tax_percent)


def _percent(value: Decimal) -> str:
    return PERCENT_FORMAT.format(value.normalize())


def instalment_title(instalment: Instalment, reference: str) -> str:
    """The invoice's title, in the active language (the customer's)."""
    if instalment.kind == "deposit":
        if instalment.percent:
            return _("Deposit (%(percent)s %%) for quote %(reference)s") % {
                "percent": _percent(instalment.percent),
                "reference": reference,
            }
        return _("Deposit for quote %(reference)s") % {"reference": reference}
    if instalment.kind == "progress":
        return _("Progress payment %(number)s (%(percent)s %%) for quote %(reference)s") % {
            "number": instalment.position,
            "percent": _percent(instalment.percent or ZERO),
            "reference": reference,
        }
    return _("Final invoice for quote %(reference)s") % {"reference": reference}


def share_lines(instalment: Instalment, totals: Totals, title: str) -> list[LineSpec]:
    """A deposit or progress invoice: its share of each tax rate, adding up to its amount."""
    total = totals.total
    groups = [group for group in totals.groups if group.net or group.tax]
    if not total or not groups:
        return [LineSpec(title, Decimal(1), instalment.amount, instalment.amount, "", ZERO, ZERO)]
    share = instalment.amount / total
    lines = []
    for group in groups:
        net, tax = cents(group.net * share), cents(group.tax * share)
        description = f"{title} · {group.name}" if len(groups) > 1 and group.name else title
        lines.append(LineSpec(description, Decimal(1), net, net, group.name, group.percent, tax))
    # What rounding left over goes to the last rate's amount, so the lines add up exactly.
    left = instalment.amount - sum((line.amount + line.tax_amount for line in lines), ZERO)
    last = lines[-1]
    lines[-1] = replace(last, amount=last.amount + left, unit_price=last.unit_price + left)
    return lines


def final_lines(
    quote_lines: Iterable[tuple[str, Decimal, Decimal, Decimal, str, Decimal]],
    totals: Totals,
    earlier: Sequence[tuple[str, Sequence[LineSpec]]],
) -> list[LineSpec]:
    """The final invoice: the quote's lines (description, quantity, unit price, amount, tax name,
    tax percent), its discount per rate, less each earlier instalment (its title and lines)."""
    lines = [
        LineSpec(desc, qty, price, amount, name, percent, cents(amount * percent / 100))
        for desc, qty, price, amount, name, percent in quote_lines
    ]
    if totals.discount:
        bases = _sums(lines)
        for group in totals.groups:
            off = bases[group.key][0] - group.net
            if off:
                lines.append(_deduction(_("Discount"), group, off))
    for title, instalment_lines in earlier:
        for line in instalment_lines:
            lines.append(
                LineSpec(
                    _("Less: %(title)s") % {"title": title},
                    Decimal(1),
                    -line.amount,
                    -line.amount,
                    line.tax_name,
                    line.tax_percent,
                    -line.tax_amount,
                )
            )
    return _settle_tax(lines, totals, earlier)


def _deduction(description: str, group: TaxGroup, amount: Decimal) -> LineSpec:
    tax = cents(amount * group.percent / 100)
    return LineSpec(description, Decimal(1), -amount, -amount, group.name, group.percent, -tax)


def _sums(lines: Iterable[LineSpec]) -> dict[tuple[str, Decimal], list[Decimal]]:
    sums: dict[tuple[str, Decimal], list[Decimal]] = {}
    for line in lines:
        net_tax = sums.setdefault(line.key, [ZERO, ZERO])
        net_tax[0] += line.amount
        net_tax[1] += line.tax_amount
    return sums


def _settle_tax(
    lines: list[LineSpec], totals: Totals, earlier: Sequence[tuple[str, Sequence[LineSpec]]]
) -> list[LineSpec]:
    """Each rate's tax on the final invoice is the quote's tax at that rate less what the earlier
    instalments billed: the rounding difference goes to the rate's last line."""
    billed_before = _sums(line for _title, group_lines in earlier for line in group_lines)
    have = _sums(lines)
    for group in totals.groups:
        target = group.tax - billed_before.get(group.key, [ZERO, ZERO])[1]
        difference = target - have.get(group.key, [ZERO, ZERO])[1]
        if not difference:
            continue
        index = max(i for i, line in enumerate(lines) if line.key == group.key)
        lines[index] = replace(lines[index], tax_amount=lines[index].tax_amount + difference)
    return lines
