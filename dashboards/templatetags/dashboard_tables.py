"""How the dashboard's tables and charts show on the page: `{% dashboard_table table %}` (numbers
with thousands separators, a dashboards.tables.Cell as a link to what it counts and/or with its
tone) and `{% dashboard_chart chart %}` (dashboards.chart_markup).

Both are built in Python rather than by an included template: a year's team tab renders three
tables and five charts, and the template language took 32 ms of the page's 40 ms of rendering
for them (a variable lookup and a filter call per cell)."""

import re
from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from crm.kit.formatting import duration
from dashboards.chart_markup import chart_html
from dashboards.charts import Chart
from dashboards.tables import Cell, Table

register = template.Library()

# Figures read right-aligned: counts, amounts, shares, durations ("$1,200", "87%", "3h 5m", "—").
FIGURE = re.compile(r"^(—|[-+\u2212]?[$€£]?\d[\d,.]*\s?(%|[dhm]\b.*)?)$")


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) and -1000 < value < 1000:
        return str(value)  # no separator to place: what intcomma returns, without its locale work
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


@register.simple_tag
def dashboard_table(table: Table, *, caption_hidden: bool = False) -> SafeString:
    """A Table as an HTML table: its title as the caption (for screen readers only with
    `caption_hidden`), a row header per row, figures aligned right. Nothing when the context lacks
    the variable, as the template language renders a missing one."""
    if not isinstance(table, Table):
        return SafeString("")
    caption = ' class="visually-hidden"' if caption_hidden else ""
    headers = "".join(
        f'<th scope="col">{conditional_escape(header)}</th>' for header in table.headers
    )
    rows = [
        "<tr>"
        + "".join(
            f'<th scope="row">{conditional_escape(table_cell(cell))}</th>'
            if index == 0
            else f'<td class="{cell_align(cell)}">{conditional_escape(table_cell(cell))}</td>'
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    ] or [
        f'<tr><td colspan="{len(table.headers)}" class="muted">'
        f"{conditional_escape(gettext('Nothing in this period.'))}</td></tr>"
    ]
    return mark_safe(  # noqa: S308  # nosec B308, B703: every text is escaped above
        '<div class="dash-table-wrap"><table class="table dash-table">'
        f"<caption{caption}>{conditional_escape(table.title)}</caption>"
        f"<thead><tr>{headers}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


@register.simple_tag
def dashboard_chart(chart: Chart) -> SafeString:
    """The chart's markup (dashboards.chart_markup); nothing when the context lacks it."""
    return chart_html(chart) if isinstance(chart, Chart) else SafeString("")
