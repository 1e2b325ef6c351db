"""How a table cell shows on the page: numbers with thousands separators, a dashboards.tables.Cell
as a link to what it counts and/or with its tone."""

import re
from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

from crm.kit.formatting import duration
from dashboards.tables import Cell

register = template.Library()

# Figures read right-aligned: counts, amounts, shares, durations ("$1,200", "87%", "3h 5m", "—").
FIGURE = re.compile(r"^(—|[-+\u2212]?[$€£]?\d[\d,.]*\s?(%|[dhm]\b.*)?)$")


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return intcomma(value)
    return str(value)


@register.filter
def table_cell(cell):
    if not isinstance(cell, Cell):
        return _text(cell)
    text = _text(cell.value)
    tone = f"tone tone-{cell.tone}" if cell.tone else ""
    if cell.url:
        return format_html('<a class="{}" href="{}">{}</a>', tone or "cell-link", cell.url, text)
    if tone:
        return format_html('<span class="{}">{}</span>', tone, text)
    return text


@register.filter
def duration_short(delta):
    """'3d 4h', '5h 12m', '7m'."""
    return duration(delta, short=True)


@register.filter
def cell_align(cell) -> str:
    """ "text" for words (names, stages, reasons), so they line up left; figures line up right."""
    value = cell.value if isinstance(cell, Cell) else cell
    if value is None or isinstance(value, int | float | Decimal):
        return ""
    return "" if FIGURE.match(str(value)) else "text"
