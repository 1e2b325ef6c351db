"""Charts as server-rendered SVG: Python works out every coordinate, dashboards.chart_markup
draws them.

No JavaScript and no inline styles (the CSP forbids both): shapes carry SVG presentation
attributes (x, y, width, height, points) and CSS classes (`chart-series-0` … for colours, see
static/css/dashboard-charts.css). Every chart has a <title>/<desc> for screen readers and is
meant to sit next to the table of the same numbers.

    chart = bar_chart([("Google Ads", 12), ("Referral", 4)], title="Leads by source")
    chart = grouped_bar_chart(["Google Ads", "Referral"], [("Cost", [900, 0]), ("Won", [4000, 1500])],
                              title="Cost and won value", value_format=money_format("USD"))
    chart = line_chart(["Jan", "Feb", "Mar"], [("Leads", [10, 14, 9])], title="Leads by month")

and in a template: `{% load dashboard_tables %}{% dashboard_chart chart %}`. A chart with
nothing to draw has `is_empty` set and its markup says so.

Bar charts are horizontal (a row per category): long names such as "Scheduled too far out" stay
readable, and a phone shows them without turning labels sideways.
"""

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext

from crm.kit.formatting import money

Number = int | float | Decimal
Series = tuple[str, Sequence[Number | None]]
ValueFormat = Callable[[Number], str]

FONT_SIZE = 13
# Average advance of a character at FONT_SIZE in a system sans-serif, to size label columns.
CHAR_WIDTH = 7.0
PADDING = 6
AXIS_HEIGHT = 22
BAR_THICKNESS = 16
STACKED_BAR_THICKNESS = 20
ROW_GAP = 10
MAX_LABEL_SHARE = 0.4
TICK_TARGET = 5
SERIES_COLOURS = 8  # chart-series-0 … chart-series-7 in the stylesheet; more series reuse them


def format_number(value: Number) -> str:
    """12345 -> "12,345"; 2.5 -> "2.5"."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{float(value):,.1f}"


def format_percent(value: Number) -> str:
    """A share from 0 to 1: 0.256 -> "26%"."""
    return f"{float(value) * 100:.0f}%"


def money_format(currency: str) -> ValueFormat:
    """Amounts in the tenant's currency, as the rest of the app writes them ("$18,000")."""
    return lambda value: money(Decimal(str(value)), currency)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series_index: int
    title: str

    @property
    def css_class(self) -> str:
        return f"chart-series-{self.series_index % SERIES_COLOURS}"


@dataclass(frozen=True)
class RowLabel:
    """A category's name left of its bars, and its value (or total) right of them."""

    y: float
    text: str
    full_text: str
    value_x: float
    value_text: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str
    highlighted: bool = False


@dataclass(frozen=True)
class Line:
    series_index: int
    segments: list[str]  # SVG `points` strings; a missing value breaks the line
    points: list[Point]

    @property
    def css_class(self) -> str:
        return f"chart-series-{self.series_index % SERIES_COLOURS}"


@dataclass(frozen=True)
class LegendItem:
    name: str
    series_index: int

    @property
    def css_class(self) -> str:
        return f"chart-series-{self.series_index % SERIES_COLOURS}"


@dataclass
class Chart:
    """Everything a chart's markup draws, in the coordinates of its viewBox."""

    kind: str  # "bars" or "line"
    key: str  # unique on the page: ids of the <title> and <desc>
    title: str
    description: str
    width: int
    height: int
    plot_left: float = 0
    plot_right: float = 0
    plot_top: float = 0
    plot_bottom: float = 0
    ticks: list[Tick] = field(default_factory=list)  # value axis
    zero: float = 0  # where the value axis crosses zero
    bars: list[Bar] = field(default_factory=list)
    rows: list[RowLabel] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    x_labels: list[Tick] = field(default_factory=list)  # line charts: the time axis
    legend: list[LegendItem] = field(default_factory=list)
    is_empty: bool = False

    @property
    def label_y_offset(self) -> float:
        """Baseline shift that centres a label's text on its row."""
        return round(FONT_SIZE * 0.35, 1)

    @property
    def row_label_x(self) -> float:
        """Right edge of the category names (bars) or of the value labels (lines)."""
        return round(self.plot_left - PADDING, 1)

    @property
    def axis_label_y(self) -> float:
        """Baseline of the labels under the plot."""
        return round(self.plot_bottom + FONT_SIZE + 4, 1)


# --- Axis -----------------------------------------------------------------------------------------


def nice_step(raw_step: float, *, whole: bool = False) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) at or above `raw_step`; `whole`:
    a whole number (counts have no 2.5th lead)."""
    if whole and raw_step <= 1:
        return 1.0
    exponent = math.floor(math.log10(raw_step))
    fraction = raw_step / 10**exponent
    for nice in (1, 2, 2.5, 5, 10):
        step = nice * 10**exponent
        if fraction <= nice + 1e-9 and not (whole and step != int(step)):
            return step
    raise AssertionError("unreachable: a fraction is below 10")


def nice_ticks(
    low: float, high: float, *, whole: bool = False, target: int = TICK_TARGET
) -> list[float]:
    """About `target` round tick values spanning [low, high] and zero; `whole` keeps counts
    whole."""
    low, high = min(low, 0.0), max(high, 0.0)
    if low == high:
        high = 1.0
    step = nice_step((high - low) / (target - 1), whole=whole)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(index * step, 10) for index in range(first, last + 1)]


def _is_whole(values: Sequence[float]) -> bool:
    return all(float(value).is_integer() for value in values)


def _scale(domain_low: float, domain_high: float, range_low: float, range_high: float):
    span = domain_high - domain_low
    return lambda value: range_low + (float(value) - domain_low) / span * (range_high - range_low)


def _key(title: str, key: str | None) -> str:
    return key or "chart-" + (slugify(title) or "untitled")


def _r(coordinate: float) -> float:
    """Coordinates to a tenth of a unit: plenty for the screen, short in the HTML."""
    return round(coordinate, 1)


def _shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max(max_chars - 1, 1)] + "…"


# --- Bars -----------------------------------------------------------------------------------------


def bar_chart(
    data: Sequence[tuple[str, Number]],
    *,
    title: str,
    value_format: ValueFormat = format_number,
    width: int = 420,
    key: str | None = None,
) -> Chart:
    """One bar per (label, value), in the given order."""
    return grouped_bar_chart(
        [label for label, _ in data],
        [(title, [value for _, value in data])],
        title=title,
        value_format=value_format,
        width=width,
        key=key,
    )


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    stacked: bool = False,
    value_format: ValueFormat = format_number,
    width: int = 420,
    key: str | None = None,
) -> Chart:
    """A row per category with a bar per series side by side, or stacked into one (stacked bars
    need values of zero or more). A missing value (None) draws no bar."""
    values_by_series = [[None if v is None else float(v) for v in values] for _, values in series]
    for values in values_by_series:
        if len(values) != len(categories):
            raise ValueError("Every series needs one value per category.")
    present = [v for values in values_by_series for v in values if v is not None]
    if stacked and any(v < 0 for v in present):
        raise ValueError("Stacked bars add up values of zero or more.")
    chart = Chart(
        kind="bars",
        key=_key(title, key),
        title=title,
        description=_bars_description(categories, series, stacked),
        width=width,
        height=AXIS_HEIGHT + 2 * PADDING,
        legend=_legend(series),
    )
    if not categories or not present:
        chart.is_empty = True
        return chart

    totals = [
        sum(values[i] or 0 for values in values_by_series) if stacked else None
        for i in range(len(categories))
    ]
    extent = [t for t in totals if t is not None] if stacked else present
    chart.ticks, scale = _value_axis(extent, value_format, chart, categories)
    thickness = STACKED_BAR_THICKNESS if stacked else BAR_THICKNESS
    bars_per_row = 1 if stacked else len(series)
    row_height = bars_per_row * thickness + ROW_GAP
    chart.plot_top = PADDING
    chart.plot_bottom = PADDING + row_height * len(categories)
    chart.height = round(chart.plot_bottom + AXIS_HEIGHT + PADDING)
    chart.zero = _r(scale(0))
    max_chars = int((chart.plot_left - PADDING) / CHAR_WIDTH)
    for row, category in enumerate(categories):
        row_top = chart.plot_top + row * row_height + ROW_GAP / 2
        row_values = [values[row] for values in values_by_series]
        chart.bars.extend(
            _row_bars(
                category, series, row_values, row_top, thickness, stacked, scale, value_format
            )
        )
        shown = totals[row] if stacked else _row_extreme(row_values)
        bar_end = scale(shown) if shown is not None else chart.zero
        chart.rows.append(
            RowLabel(
                y=_r(row_top + bars_per_row * thickness / 2),
                text=_shorten(category, max_chars),
                full_text=category,
                value_x=_r(max(bar_end, chart.zero) + 4),
                value_text=value_format(shown) if shown is not None else "—",
            )
        )
    return chart


def _value_axis(extent, value_format, chart, categories):
    """Ticks along the bottom, and the scale from values to x; sizes the label columns first.
    Long tick labels ("$100,000") get fewer ticks, so they never run into each other."""
    longest_label = max(len(category) for category in categories)
    chart.plot_left = _r(
        min(longest_label * CHAR_WIDTH + 2 * PADDING, chart.width * MAX_LABEL_SHARE)
    )
    value_labels = [value_format(v) for v in extent]
    for target in range(TICK_TARGET, 1, -1):
        tick_values = nice_ticks(min(extent), max(extent), whole=_is_whole(extent), target=target)
        tick_labels = [value_format(t) for t in tick_values]
        widest = max(len(text) for text in [*value_labels, *tick_labels]) * CHAR_WIDTH
        chart.plot_right = _r(chart.width - widest - 2 * PADDING)
        spacing = (chart.plot_right - chart.plot_left) / (len(tick_values) - 1)
        if spacing >= max(len(text) for text in tick_labels) * CHAR_WIDTH + PADDING:
            break
    scale = _scale(tick_values[0], tick_values[-1], chart.plot_left, chart.plot_right)
    return [
        Tick(_r(scale(t)), label) for t, label in zip(tick_values, tick_labels, strict=True)
    ], scale


def _row_extreme(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present, key=abs) if present else None


def _row_bars(category, series, values, row_top, thickness, stacked, scale, value_format):
    bars = []
    running = 0.0
    for index, ((name, _), value) in enumerate(zip(series, values, strict=True)):
        if value is None:
            continue
        start, end = (running, running + value) if stacked else (0.0, value)
        top = row_top if stacked else row_top + index * thickness
        left, right = sorted((scale(start), scale(end)))
        label = (
            f"{category}: {value_format(value)}"
            if len(series) == 1
            else (f"{category}, {name}: {value_format(value)}")
        )
        bars.append(Bar(_r(left), _r(top), _r(right - left), thickness - 2, index, label))
        running = end if stacked else running
    return bars


def _bars_description(categories, series, stacked: bool) -> str:
    if not categories:
        return gettext("No data.")
    names = ", ".join(str(name) for name, _ in series)
    if stacked:
        text = gettext(
            "Stacked bar chart of %(names)s for %(count)s categories; the table lists the figures."
        )
    else:
        text = gettext(
            "Bar chart of %(names)s for %(count)s categories; the table lists the figures."
        )
    return text % {"names": names, "count": len(categories)}


def _legend(series: Sequence[Series]) -> list[LegendItem]:
    return [LegendItem(name, i) for i, (name, _) in enumerate(series)] if len(series) > 1 else []


# --- Lines ----------------------------------------------------------------------------------------


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    value_format: ValueFormat = format_number,
    width: int = 420,
    height: int = 220,
    highlighted: Collection[int] = (),
    key: str | None = None,
) -> Chart:
    """A line per series over evenly spaced x labels (months, weeks). A missing value (None)
    breaks the line; a lone point is drawn as a marker. `highlighted`: indices of x whose
    markers stand out (anomalies)."""
    values_by_series = [[None if v is None else float(v) for v in values] for _, values in series]
    for values in values_by_series:
        if len(values) != len(x_labels):
            raise ValueError("Every series needs one value per x label.")
    present = [v for values in values_by_series for v in values if v is not None]
    chart = Chart(
        kind="line",
        key=_key(title, key),
        title=title,
        description=_line_description(x_labels, series),
        width=width,
        height=height,
        legend=_legend(series),
    )
    if not x_labels or not present:
        chart.is_empty = True
        return chart

    tick_values = nice_ticks(min(present), max(present), whole=_is_whole(present))
    tick_labels = [value_format(t) for t in tick_values]
    chart.plot_left = _r(max(len(text) for text in tick_labels) * CHAR_WIDTH + 2 * PADDING)
    chart.plot_right = width - 2 * PADDING
    chart.plot_top = PADDING + FONT_SIZE / 2
    chart.plot_bottom = height - AXIS_HEIGHT - PADDING
    y_of = _scale(tick_values[0], tick_values[-1], chart.plot_bottom, chart.plot_top)
    chart.ticks = [
        Tick(_r(y_of(t)), label) for t, label in zip(tick_values, tick_labels, strict=True)
    ]
    chart.zero = _r(y_of(0))

    count = len(x_labels)
    plot_width = chart.plot_right - chart.plot_left
    inset = plot_width / (2 * count) if count > 1 else plot_width / 2
    step = (plot_width - 2 * inset) / (count - 1) if count > 1 else 0
    xs = [_r(chart.plot_left + inset + i * step) for i in range(count)]

    longest = max(len(label) for label in x_labels) * CHAR_WIDTH + PADDING
    every = max(1, math.ceil(count / max(1, int(plot_width // longest))))
    chart.x_labels = [Tick(xs[i], x_labels[i]) for i in range(0, count, every)]

    for index, ((name, _), values) in enumerate(zip(series, values_by_series, strict=True)):
        points = [
            None
            if value is None
            else Point(
                xs[i],
                _r(y_of(value)),
                f"{name}, {x_labels[i]}: {value_format(value)}",
                highlighted=i in highlighted,
            )
            for i, value in enumerate(values)
        ]
        chart.lines.append(_line(index, points))
    return chart


def _line(index: int, points: list[Point | None]) -> Line:
    """A series' line through its points, broken where a value is missing (None); its markers
    are the points there are."""
    present, segments, current = [], [], []
    for point in points:
        if point is None:
            segments.append(current)
            current = []
            continue
        present.append(point)
        current.append(point)
    segments.append(current)
    return Line(
        index,
        [" ".join(f"{p.x:.1f},{p.y:.1f}" for p in part) for part in segments if len(part) > 1],
        present,
    )


def _line_description(x_labels, series) -> str:
    if not x_labels:
        return gettext("No data.")
    names = ", ".join(str(name) for name, _ in series)
    return gettext(
        "Line chart of %(names)s from %(first)s to %(last)s; the table lists the figures."
    ) % {"names": names, "first": x_labels[0], "last": x_labels[-1]}
