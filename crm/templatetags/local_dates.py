"""`{{ when|local_date:"month_day" }}`: a date in one of crm.kit.formatting.DATE_STYLES, as the
reader's language writes it (a builtin: every template has it without a load)."""

from django import template

from crm.kit.formatting import local_date

register = template.Library()


@register.filter(name="local_date", expects_localtime=True)
def local_date_filter(value, style: str = "date") -> str:
    return local_date(value, style)
