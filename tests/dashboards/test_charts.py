"""Chart geometry: scales, ticks, empty and one-value charts, and the SVG drawn from them."""

import re
from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation

from dashboards.chart_markup import chart_html
from dashboards.charts import (
    bar_chart,
    format_number,
    format_percent,
    grouped_bar_chart,
    line_chart,
    money_format,
    nice_ticks,
)
from dashboards.tables import Cell, Table
from dashboards.templatetags.dashboard_tables import dashboard_table, table_cell


class TestTicks:
    @pytest.mark.parametrize(
        ("low", "high", "whole", "expected"),
        [
            (0, 100, False, [0, 25, 50, 75, 100]),
            (0, 93, False, [0, 25, 50, 75, 100]),
            (0, 3, True, [0, 1, 2, 3]),
            (0, 0.3, False, [0, 0.1, 0.2, 0.3]),
            (0, 0, True, [0, 1]),
            (-20, 35, False, [-20, 0, 20, 40]),
            (12, 18, True, [0, 5, 10, 15, 20]),
        ],
    )
    def test_ticks_are_round_and_span_zero_and_the_data(self, low, high, whole, expected):
        assert nice_ticks(low, high, whole=whole) == expected

    @pytest.mark.parametrize(
        ("high", "expected"),
        [(1, [0, 1]), (10, [0, 5, 10]), (30, [0, 10, 20, 30]), (100, [0, 25, 50, 75, 100])],
    )
    def test_counts_never_get_fractional_ticks(self, high, expected):
        assert nice_ticks(0, high, whole=True) == expected


class TestBars:
    def test_bars_are_scaled_to_the_largest_tick(self):
        chart = bar_chart([("Google Ads", 80), ("Referral", 20), ("Yard sign", 0)], title="Leads")

        left, right = chart.plot_left, chart.plot_right
        assert [t.label for t in chart.ticks] == ["0", "20", "40", "60", "80"]
        assert chart.ticks[0].position == left and chart.ticks[-1].position == right
        google, referral, yard = chart.bars
        assert google.x == left and google.width == pytest.approx(right - left, abs=0.1)
        assert referral.width == pytest.approx((right - left) / 4, abs=0.1)
        assert yard.width == 0
        assert google.title == "Google Ads: 80"
        assert [row.value_text for row in chart.rows] == ["80", "20", "0"]
        # One row per category, one under the other, all inside the plot.
        assert google.y < referral.y < yard.y
        assert chart.plot_top <= google.y and yard.y + yard.height <= chart.plot_bottom
        assert chart.height > chart.plot_bottom

    def test_one_value_fills_the_plot(self):
        chart = bar_chart([("Referral", 7)], title="Leads")

        (bar,) = chart.bars
        assert [t.label for t in chart.ticks] == ["0", "2", "4", "6", "8"]
        assert bar.width == pytest.approx((chart.plot_right - chart.plot_left) * 7 / 8, abs=0.1)

    @pytest.mark.parametrize("data", [[], [("Referral", None)]])
    def test_nothing_to_draw_is_an_empty_chart(self, data):
        chart = bar_chart(data, title="Leads by source")

        assert chart.is_empty and chart.bars == []
        html = chart_html(chart)
        assert "<svg" not in html
        assert "Leads by source: nothing to show for this period." in html

    def test_all_zero_values_still_draw_an_axis(self):
        chart = bar_chart([("A", 0), ("B", 0)], title="Leads")

        assert not chart.is_empty
        assert [t.label for t in chart.ticks] == ["0", "1"]
        assert all(bar.width == 0 for bar in chart.bars)

    def test_grouped_bars_sit_side_by_side_with_a_legend(self):
        chart = grouped_bar_chart(
            ["Google Ads", "Referral"],
            [("Cost", [Decimal("900"), Decimal("0")]), ("Won value", [4000, 1500])],
            title="Cost and won value",
            value_format=money_format("USD"),
        )

        cost, won, referral_cost, _ = chart.bars
        assert [b.series_index for b in chart.bars] == [0, 1, 0, 1]
        assert won.y > cost.y and won.x == cost.x
        assert cost.css_class == "chart-series-0" and won.css_class == "chart-series-1"
        assert [t.label for t in chart.ticks][-1] == "$4,000"
        assert won.title == "Google Ads, Won value: $4,000"
        assert [item.name for item in chart.legend] == ["Cost", "Won value"]
        assert referral_cost.width == 0
        assert won.width == pytest.approx(chart.plot_right - chart.plot_left, abs=0.1)

    def test_stacked_bars_continue_where_the_previous_series_ends(self):
        chart = grouped_bar_chart(
            ["Jan"], [("Price", [3]), ("Competitor", [1])], title="Lost", stacked=True
        )

        price, competitor = chart.bars
        assert price.y == competitor.y
        assert competitor.x == pytest.approx(price.x + price.width, abs=0.1)
        assert chart.rows[0].value_text == "4"

    def test_stacked_bars_refuse_negative_values(self):
        with pytest.raises(ValueError):
            grouped_bar_chart(["A"], [("x", [-1])], title="t", stacked=True)

    def test_negative_values_grow_left_of_zero(self):
        chart = bar_chart([("Up", 30), ("Down", -10)], title="Change")

        up, down = chart.bars
        assert up.x == chart.zero
        assert down.x + down.width == pytest.approx(chart.zero, abs=0.1)

    def test_long_tick_labels_get_fewer_ticks(self):
        chart = bar_chart(
            [("Scheduled too far out", 81200), ("Other", 8200)],
            title="Lost value",
            value_format=money_format("USD"),
            width=420,
        )

        labels = [t.label for t in chart.ticks]
        assert labels == ["$0", "$50,000", "$100,000"]
        gaps = [b.position - a.position for a, b in zip(chart.ticks, chart.ticks[1:], strict=False)]
        assert min(gaps) > len("$100,000") * 7

    def test_long_labels_are_shortened_and_keep_their_full_text(self):
        name = "A very long source name that would not fit in the label column at all"
        chart = bar_chart([(name, 1)], title="Leads")

        row = chart.rows[0]
        assert row.text.endswith("…") and len(row.text) < len(name)
        assert row.full_text == name
        assert chart.plot_left <= chart.width * 0.4


class TestLines:
    def test_points_are_spread_evenly_and_scaled(self):
        chart = line_chart(["Jan", "Feb", "Mar"], [("Leads", [0, 50, 100])], title="Leads")

        first, middle, last = chart.lines[0].points
        assert middle.x - first.x == pytest.approx(last.x - middle.x, abs=0.1)
        assert first.y == chart.plot_bottom and last.y == pytest.approx(chart.plot_top, abs=0.1)
        assert middle.y == pytest.approx((chart.plot_top + chart.plot_bottom) / 2, abs=0.1)
        assert chart.lines[0].segments == [
            f"{first.x:.1f},{first.y:.1f} {middle.x:.1f},{middle.y:.1f} {last.x:.1f},{last.y:.1f}"
        ]
        assert middle.title == "Leads, Feb: 50"

    def test_one_point_is_a_marker_in_the_middle_without_a_line(self):
        chart = line_chart(["Mar"], [("Leads", [12])], title="Leads")

        (point,) = chart.lines[0].points
        assert point.x == pytest.approx((chart.plot_left + chart.plot_right) / 2, abs=0.1)
        assert chart.lines[0].segments == []
        assert "<circle" in chart_html(chart)

    def test_a_missing_value_breaks_the_line(self):
        chart = line_chart(["1", "2", "3", "4", "5"], [("x", [1, 2, None, 4, 5])], title="x")

        assert len(chart.lines[0].segments) == 2
        assert len(chart.lines[0].points) == 4

    def test_empty_series_are_an_empty_chart(self):
        assert line_chart([], [("x", [])], title="x").is_empty
        assert line_chart(["Jan"], [("x", [None])], title="x").is_empty

    def test_crowded_time_axes_show_every_few_labels(self):
        labels = [f"Week {n}" for n in range(1, 31)]
        chart = line_chart(labels, [("x", list(range(30)))], title="x", width=360)

        assert 2 <= len(chart.x_labels) < 30
        assert chart.x_labels[0].label == "Week 1"

    def test_highlighted_points_are_marked(self):
        chart = line_chart(["a", "b", "c"], [("x", [1, 9, 1])], title="x", highlighted={1})

        assert [p.highlighted for p in chart.lines[0].points] == [False, True, False]
        html = chart_html(chart)
        assert html.count("chart-point-highlight") == 1

    def test_series_lengths_must_match_the_labels(self):
        with pytest.raises(ValueError):
            line_chart(["a", "b"], [("x", [1])], title="x")


class TestSvg:
    def test_the_svg_is_labelled_and_uses_no_inline_style(self):
        chart = grouped_bar_chart(
            ["Google Ads", "Referral"],
            [("Cost", [900, 100]), ("Won value", [4000, 1500])],
            title="Cost & won value",
        )

        html = chart_html(chart)
        assert 'role="img"' in html
        assert f'aria-labelledby="{chart.key}-title {chart.key}-desc"' in html
        assert f'<title id="{chart.key}-title">Cost &amp; won value</title>' in html
        assert "style=" not in html
        assert html.count('<rect class="chart-series-') == 4 + 2  # bars + legend swatches
        assert "<title>Google Ads, Cost: 900</title>" in html

    def test_coordinates_are_written_with_a_decimal_point_whatever_the_locale(self, settings):
        settings.USE_THOUSAND_SEPARATOR = True
        chart = line_chart(["a", "b"], [("x", [1000, 2500.5])], title="x", width=2000)

        html = chart_html(chart)
        numbers = re.findall(r'\s(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"]+)"', html)
        assert len(numbers) > 10
        for number in numbers:
            float(number)


def test_value_formats():
    assert format_number(12345) == "12,345"
    assert format_number(2.5) == "2.5"
    assert format_percent(0.256) == "26%"
    assert money_format("USD")(1500) == "$1,500"
    assert money_format("EUR")(Decimal("12.5")) == "€12.50"


def test_a_table_and_a_chart_escape_what_they_show():
    table = Table(
        title="<b>Reps</b>",
        headers=["<i>Rep</i>", "Leads"],
        rows=[["<script>x</script>", Cell(3, url="/leads/?q=a&b=<c>")]],
    )

    html = dashboard_table(table, caption_hidden=True)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert '<caption class="visually-hidden">&lt;b&gt;Reps&lt;/b&gt;</caption>' in html
    assert '<th scope="col">&lt;i&gt;Rep&lt;/i&gt;</th>' in html
    assert 'href="/leads/?q=a&amp;b=&lt;c&gt;"' in html
    assert "<img" not in chart_html(bar_chart([("<img src=x>", 2)], title="<img src=y>"))


def test_a_table_without_rows_says_so():
    html = dashboard_table(Table(title="Lost", headers=["Reason", "Leads"]))
    assert '<td colspan="2" class="muted">Nothing in this period.</td>' in html


@pytest.mark.parametrize("language", ["en", "nl", "es"])
def test_a_table_writes_numbers_as_intcomma_does(language):
    values = [-1000, -999, -5, 0, 7, 999, 1000, 12345, 1234567, Decimal("1234.50")]
    with translation.override(language):
        assert [table_cell(value) for value in values] == [intcomma(value) for value in values]
