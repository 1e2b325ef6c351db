"""What a lead's quotes and payments add up to, for its quotes section and the payment page."""

from django import template

from leads.selectors.money import JobBalance, balance_of

register = template.Library()


@register.simple_tag
def payment_summary_of(detail) -> JobBalance:
    """{% payment_summary_of detail as summary %} with a leads.selectors.details.LeadDetail."""
    return balance_of(detail.quotes, detail.payments)
