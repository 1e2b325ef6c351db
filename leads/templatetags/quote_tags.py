"""What a lead's quotes and payments add up to, for its quotes section and the payment page."""

from dataclasses import dataclass
from decimal import Decimal

from django import template

from leads.models import QuoteStatus

register = template.Library()


@dataclass(frozen=True)
class PaymentSummary:
    accepted_total: Decimal | None  # None: no quote accepted yet
    paid: Decimal
    balance_due: Decimal | None


def payment_summary(quotes, paid_total) -> PaymentSummary:
    """Accepted quotes (a customer may accept more than one) against the payments so far."""
    accepted = [quote.total for quote in quotes if quote.status == QuoteStatus.ACCEPTED]
    paid = paid_total or Decimal("0")
    if not accepted:
        return PaymentSummary(accepted_total=None, paid=paid, balance_due=None)
    total = sum(accepted, Decimal("0"))
    return PaymentSummary(accepted_total=total, paid=paid, balance_due=total - paid)


@register.simple_tag
def payment_summary_of(detail) -> PaymentSummary:
    """{% payment_summary_of detail as summary %} with a leads.selectors.details.LeadDetail."""
    return payment_summary(detail.quotes, detail.paid_total)
