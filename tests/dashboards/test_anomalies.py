"""Anomalies: a spike is flagged with the comparison that raised it, a steady series is not.

"Now" is Wednesday 25 March 2026, noon in New York; the period is March, so its weeks are the
four weeks of whole local days ending at midnight this morning (the first reaches back into
February) and each is compared with the eight weeks before it. Week k is the seven local days
before 25 March - 7k days (summer time began on 8 March: that week is an hour shorter); the
fixtures put their rows in the middle of each week.
"""

import csv
import datetime as dt
import io
import statistics
import zoneinfo

import pytest

from crm.models import TimelineEvent
from dashboards.period import Scope
from dashboards.selectors.anomalies import (
    METRICS,
    Comparison,
    anomalies_table,
    anomaly_charts,
    anomaly_report,
    is_unusual,
    sample_spread,
)
from leads.models import Lead, LeadStatus
from tests.conftest import sign_in
from tests.dashboards.scopes import scope_for
from tests.factories import lead_for, pipeline_for
from tickets.models import Direction, Inbox, Ticket, TicketMessage

NY = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 25, 12, 0, tzinfo=NY)
MARCH = (dt.datetime(2026, 3, 1, tzinfo=NY), dt.datetime(2026, 4, 1, tzinfo=NY))
WEEK = dt.timedelta(days=7)


def week_end(weeks_back: int) -> dt.datetime:
    """The end of week `weeks_back`: a local midnight."""
    return dt.datetime.combine(NOW.date() - weeks_back * WEEK, dt.time.min, tzinfo=NY)


def middle_of_week(weeks_back: int) -> dt.datetime:
    return week_end(weeks_back) - dt.timedelta(days=3, hours=12)


def add_leads(world, per_week_oldest_first, *, touch_after=dt.timedelta(minutes=10), **fields):
    """Leads created in each of the last len(...) weeks, touched `touch_after` later."""
    pipeline = pipeline_for(world.tenant)
    weeks = len(per_week_oldest_first)
    with world.active():
        last = Lead.objects.filter(tenant=world.tenant).count()
        leads = []
        for index, count in enumerate(per_week_oldest_first):
            created = middle_of_week(weeks - 1 - index)
            delay = touch_after(index) if callable(touch_after) else touch_after
            for _ in range(count):
                last += 1
                leads.append(
                    Lead(
                        tenant=world.tenant,
                        number=last,
                        contact=world.contact,
                        pipeline=pipeline,
                        created_at=created,
                        first_touch_at=created + delay,
                        **fields,
                    )
                )
        Lead.objects.bulk_create(leads)


def report_for(world, **filters):
    with world.active():
        return anomaly_report(scope_for(world, *MARCH, **filters), now=NOW)


def comparison(report, key: str, weeks_back: int = 0) -> Comparison:
    end = week_end(weeks_back)
    return next(c for c in report.comparisons if c.metric.key == key and c.week_end == end)


def test_a_drop_in_new_leads_is_flagged_with_its_comparison(world):
    add_leads(world, [15, 21, 18, 15, 21, 18, 15, 21, 18, 15, 21, 4])

    report = report_for(world)

    assert report.period_weeks == 4
    assert [(c.metric.key, c.week_end) for c in report.flags] == [("new_leads", week_end(0))]
    (flag,) = report.flags
    assert flag.sentence == "New leads: 4 in the week to Mar 24 vs 18 ± 3 over the previous 8 weeks"
    assert flag.mean == 18
    assert flag.spread == pytest.approx(2.777, abs=0.001)
    assert flag.z_score == pytest.approx(-5.04, abs=0.01)
    assert (flag.direction, flag.tone) == ("down", "bad")
    # The period's earlier weeks were within their usual range.
    assert not comparison(report, "new_leads", 1).flagged
    assert comparison(report, "new_leads", 3).value == 18


def test_a_steady_series_is_not_flagged(world):
    add_leads(world, [10] * 12)

    report = report_for(world)

    assert report.flags == []
    assert len(report.comparisons) == 4 * len(METRICS)
    steady = comparison(report, "new_leads")
    assert (steady.value, steady.usual) == (10, "10 every week")
    response = comparison(report, "first_response")
    assert (response.value, response.usual) == (10, "10m every week")


def test_slower_first_responses_are_flagged_as_bad(world):
    last_week = 11
    add_leads(
        world,
        [10] * 12,
        touch_after=lambda week: dt.timedelta(minutes=90 if week == last_week else 10),
    )

    (flag,) = report_for(world).flags

    assert flag.metric.key == "first_response"
    assert flag.sentence == (
        "Median first response: 1h 30m in the week to Mar 24 vs 10m every week "
        "over the previous 8 weeks"
    )
    assert flag.tone == "bad"


def test_a_week_with_too_few_touched_leads_has_no_median(world):
    add_leads(world, [10] * 11 + [2])

    response = comparison(report_for(world), "first_response")

    assert response.value is None and not response.flagged


def test_won_leads_and_calls_count_by_their_own_dates(world):
    add_leads(world, [5] * 12)
    pipeline = pipeline_for(world.tenant)
    with world.active():
        # Two sales in each earlier week; eight in the latest.
        for weeks_back in range(12):
            for number in range(8 if weeks_back == 0 else 2):
                Lead.objects.create(
                    tenant=world.tenant,
                    number=10_000 + weeks_back * 10 + number,
                    contact=world.contact,
                    pipeline=pipeline,
                    created_at=NOW - 30 * WEEK,
                    status=LeadStatus.WON,
                    won_at=middle_of_week(weeks_back),
                )
        # Calls: none for months, then six last week.
        for _ in range(6):
            TimelineEvent.objects.create(
                tenant=world.tenant,
                kind="lead.call",
                summary="Call: Reached them",
                contact=world.contact,
                occurred_at=middle_of_week(0),
            )

    report = report_for(world)

    won, calls = comparison(report, "won"), comparison(report, "calls")
    assert (won.value, won.flagged, won.tone) == (8, True, "good")
    assert won.sentence == (
        "Sales (won leads): 8 in the week to Mar 24 vs 2 every week over the previous 8 weeks"
    )
    assert (calls.value, calls.flagged) == (6, True)
    assert calls.usual == "0 every week"
    assert report.series["won"] == [2] * 11 + [8]


def test_messages_both_ways_and_a_reps_scope(world):
    with world.active():
        inbox = Inbox.objects.create(tenant=world.tenant, name="Sales", brand=world.brand)
        mine = Ticket.objects.create(
            tenant=world.tenant, number=1, inbox=inbox, contact=world.contact, assignee=world.rep
        )
        theirs = Ticket.objects.create(
            tenant=world.tenant, number=2, inbox=inbox, contact=world.contact
        )
        for ticket, direction, author, count in [
            (mine, Direction.OUTBOUND, world.rep.user, 3),
            (mine, Direction.INBOUND, None, 2),
            (theirs, Direction.OUTBOUND, world.manager.user, 4),
            (theirs, Direction.INTERNAL, world.manager.user, 5),
        ]:
            for _ in range(count):
                TicketMessage.objects.create(
                    tenant=world.tenant,
                    ticket=ticket,
                    direction=direction,
                    channel="email",
                    author=author,
                    sent_at=middle_of_week(1),
                )

    everyone = report_for(world)
    assert everyone.series["messages_sent"][-2:] == [7, 0]
    assert everyone.series["messages_received"][-2:] == [2, 0]
    rep = report_for(world, rep=world.rep)
    assert rep.series["messages_sent"][-2:] == [3, 0]
    assert rep.series["messages_received"][-2:] == [2, 0]
    assert report_for(world, brand=world.brand).series["messages_sent"][-2] == 7


def test_the_pipeline_filter_and_the_tenant_wall(world, other_world):
    add_leads(world, [10] * 12)
    add_leads(other_world, [50] * 12)
    gutters = pipeline_for(world.tenant, name="Gutters")
    lead_for(world, gutters, owner=world.rep, now=middle_of_week(0), announce=False)

    assert report_for(world).series["new_leads"][-1] == 11
    assert report_for(world, pipeline=gutters).series["new_leads"] == [0] * 11 + [1]


def test_six_queries_whatever_the_length_of_the_period(world, django_assert_num_queries):
    year = (dt.datetime(2025, 4, 1, tzinfo=NY), dt.datetime(2026, 4, 1, tzinfo=NY))
    # No rollup yet (test_activity.py has them): the states, then everything counted live.
    with world.active(), django_assert_num_queries(6):
        report = anomaly_report(scope_for(world, *year), now=NOW)
    assert report.period_weeks == 52


def test_a_period_that_has_not_started_compares_nothing(world):
    april = Scope(
        tenant=world.tenant,
        start=dt.datetime(2026, 4, 1, tzinfo=NY),
        end=dt.datetime(2026, 5, 1, tzinfo=NY),
        pipeline_id=None,
        brand_id=None,
        rep=None,
        label="April",
    )
    with world.active():
        report = anomaly_report(april, now=NOW)

    assert report.period_weeks == 0 and report.comparisons == []
    assert len(report.week_ends) == 8


def test_a_past_period_names_its_weeks_by_their_last_day(world):
    february = (dt.datetime(2026, 2, 1, tzinfo=NY), dt.datetime(2026, 3, 1, tzinfo=NY))
    with world.active():
        report = anomaly_report(scope_for(world, *february), now=NOW)

    assert report.period_weeks == 4
    assert report.comparisons[0].week_label == "the week to Feb 28"
    assert report.week_labels[-1] == "Feb 28"


def test_a_past_period_across_a_daylight_saving_change_counts_whole_local_days(world):
    # November 2025 and its eight trailing weeks reach back into summer time: the first week
    # starts at the local midnight of Sep 1 (EDT) all the same, so a lead created at 00:30 that
    # night is in it, as one at 01:30.
    november = (dt.datetime(2025, 11, 1, tzinfo=NY), dt.datetime(2025, 12, 1, tzinfo=NY))
    pipeline = pipeline_for(world.tenant)
    with world.active():
        for number, created in enumerate(
            [dt.datetime(2025, 9, 1, 0, 30, tzinfo=NY), dt.datetime(2025, 9, 1, 1, 30, tzinfo=NY)],
            start=1,
        ):
            Lead.objects.create(
                tenant=world.tenant,
                number=number,
                contact=world.contact,
                pipeline=pipeline,
                created_at=created,
            )
        report = anomaly_report(scope_for(world, *november), now=NOW)

    assert report.period_weeks == 5
    assert report.series["new_leads"] == [2] + [0] * 12


@pytest.mark.parametrize(
    ("key", "value", "baseline", "unusual"),
    [
        ("new_leads", 4, [15, 21, 18, 15, 21, 18, 15, 21], True),
        ("new_leads", 12, [15, 21, 18, 15, 21, 18, 15, 21], False),  # z = -2.2
        ("new_leads", 3, [0, 0, 0, 0, 0, 0, 0, 1], False),  # too few to read
        ("new_leads", 20, [10] * 8, True),  # no spread: twice the usual
        ("new_leads", 15, [10] * 8, False),  # no spread: not twice
        ("new_leads", 6, [10] * 8, False),  # no spread: not half
        ("new_leads", 5, [10] * 8, True),  # no spread: half
        ("new_leads", 40, [10, 10, 10], False),  # fewer than four weeks to compare with
        ("new_leads", None, [10] * 8, False),
    ],
)
def test_when_a_number_is_unusual(key, value, baseline, unusual):
    metric = next(m for m in METRICS if m.key == key)
    assert is_unusual(metric, value, baseline) is unusual


@pytest.mark.parametrize(
    "values",
    [
        [15, 21, 18, 15, 21, 18, 15, 21],
        [0, 0, 0, 0, 0, 0, 0, 1],
        [2.5, 3.75, 61.0, 12.25, 7.0],
        [1e9, 1e9 + 1, 1e9 + 2],
        [4, 9],
    ],
)
def test_the_spread_is_statistics_stdev(values):
    assert sample_spread(values) == pytest.approx(statistics.stdev(values), rel=1e-12)


@pytest.mark.parametrize("count", [2, 5, 6, 7, 8])
def test_equal_values_have_no_spread(count):
    # A float mean of equal values can miss them by the last digit: no spread all the same.
    for value in (0.1, 1 / 3, 42.7, 1e-7, 10):
        assert sample_spread([value] * count) == 0.0


def test_the_table_and_charts(world):
    add_leads(world, [15, 21, 18, 15, 21, 18, 15, 21, 18, 15, 21, 4])
    report = report_for(world)

    table = anomalies_table(report)
    assert table.headers == ["Metric", "Week", "Value", "Previous 8 weeks", "z-score", "Flag"]
    assert table.rows[0] == [
        "New leads",
        "Week to Mar 24",
        "4",
        "18 ± 3",
        "\N{MINUS SIGN}5.0",
        "Unusually low",
    ]
    assert ["Calls logged", "Week to Mar 24", "0", "0 every week", "—", ""] in table.rows
    assert len(table.rows) == 4 * len(METRICS)
    # A typographic minus: the CSV keeps the number as it is, no formula quote needed.
    assert list(table.csv_rows())[1][4] == "\N{MINUS SIGN}5.0"

    charts = {chart.key: chart for chart in anomaly_charts(report)}
    new_leads = charts["anomaly-new_leads"]
    assert len(new_leads.lines[0].points) == 12
    assert [p.highlighted for p in new_leads.lines[0].points] == [False] * 11 + [True]
    assert not any(p.highlighted for p in charts["anomaly-won"].lines[0].points)


def test_the_page_shows_each_flag_with_its_comparison(client, world, time_machine):
    time_machine.move_to(NOW, tick=False)
    add_leads(world, [15, 21, 18, 15, 21, 18, 15, 21, 18, 15, 21, 4])
    sign_in(client, world.manager)

    page = client.get("/dashboard/?tab=trends").content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get("/dashboard/export/anomalies.csv").streaming_content).decode()
            )
        )
    )

    assert "New leads: 4 in the week to Mar 24 vs 18 ± 3 over the previous 8 weeks" in page
    assert page.count('class="anomaly ') == 1
    assert page.count("chart-point-highlight") == 1
    assert rows[1] == [
        "New leads",
        "Week to Mar 24",
        "4",
        "18 ± 3",
        "\N{MINUS SIGN}5.0",
        "Unusually low",
    ]
