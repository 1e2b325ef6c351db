"""Lead sources against a hand-computed world.

The world (America/New_York, USD), period 1 Feb – 1 Apr 2026:

| lead | source    | created         | cost | outcome                                              |
| G1   | Google    | Feb 10          |  50  | won; accepted quote 12,000 (estimate 10,000)          |
| G2   | Google    | Feb 20          |  50  | won; no quote, estimate 8,000                         |
| G3   | Google    | Mar 5           |  60  | lost: job we don't do                                 |
| G4   | Google    | Mar 31 23:30    |  50  | open (Apr 1 in UTC: still March where the business is) |
| R1   | Referral  | Mar 2           |   0  | won; accepted quote 4,500 (estimate 5,000)            |
| H1   | Home show | Mar 10          | 200  | lost: price                                           |
| H2   | Home show | Mar 11          | 200  | lost: out of service area                             |
| N1   | (none)    | Mar 12          |   0  | open                                                  |
| out  | Google    | Jan 31 23:00 and Apr 1 00:30, and another tenant's lead: not counted |

G1 is the manager's lead; every other lead is the rep's.
"""

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest

from dashboards.selectors.sources import (
    sources_by_month_table,
    sources_charts,
    sources_report,
    sources_table,
    wrong_jobs_table,
)
from leads.models import LeadSource, LostReason, Quote, QuoteStatus
from leads.pipeline_templates import COMMERCIAL_ROOFING
from leads.services.stages import lead_mark_lost, lead_move_to_stage
from tests.conftest import sign_in
from tests.dashboards.scopes import scope_for
from tests.factories import lead_for, pipeline_for, stage_named

NY = zoneinfo.ZoneInfo("America/New_York")


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY)


PERIOD = (at(2, 1, 0), at(4, 1, 0))


def add_quote(world, lead, total: str, status: str, number: int = 1) -> None:
    Quote.objects.create(
        tenant=world.tenant,
        lead=lead,
        number=number,
        status=status,
        valid_until=dt.date(2026, 4, 30),
        total=Decimal(total),
    )


class SourcesWorld:
    def __init__(self, world, other_world):
        self.world = world
        self.pipeline = pipeline_for(world.tenant)
        won_stage = stage_named(self.pipeline, "Won")
        with world.active():
            self.google = LeadSource.objects.create(
                tenant=world.tenant, name="Google Ads", default_cost=Decimal("50")
            )
            self.referral = LeadSource.objects.create(
                tenant=world.tenant, name="Referral", default_cost=Decimal("0")
            )
            self.home_show = LeadSource.objects.create(
                tenant=world.tenant, name="Home show", default_cost=Decimal("200")
            )

        def lead(source, created, owner=None, **fields):
            return lead_for(
                world,
                self.pipeline,
                owner=owner or world.rep,
                source=source,
                now=created,
                announce=False,
                **fields,
            )

        def win(won_lead, when):
            with world.active():
                lead_move_to_stage(
                    tenant=world.tenant, actor=None, lead=won_lead, stage=won_stage, now=when
                )

        def lose(lost_lead, reason, when):
            with world.active():
                lead_mark_lost(
                    tenant=world.tenant, actor=None, lead=lost_lead, reason=reason, now=when
                )

        g1 = lead(self.google, at(2, 10), owner=world.manager, estimated_value=Decimal("10000"))
        g2 = lead(self.google, at(2, 20), estimated_value=Decimal("8000"))
        g3 = lead(self.google, at(3, 5), cost=Decimal("60"))
        lead(self.google, at(3, 31, 23, 30))
        r1 = lead(self.referral, at(3, 2), estimated_value=Decimal("5000"))
        h1 = lead(self.home_show, at(3, 10))
        h2 = lead(self.home_show, at(3, 11))
        lead(None, at(3, 12))
        lead(self.google, at(1, 31, 23, 0))
        lead(self.google, at(4, 1, 0, 30))
        with world.active():
            add_quote(world, g1, "12000", QuoteStatus.ACCEPTED)
            add_quote(world, g1, "15000", QuoteStatus.REJECTED, number=2)
            add_quote(world, r1, "4500", QuoteStatus.ACCEPTED)
        win(g1, at(3, 1))
        win(g2, at(3, 2))
        win(r1, at(3, 20))
        lose(g3, LostReason.NOT_OUR_WORK, at(3, 6))
        lose(h1, LostReason.PRICE, at(3, 12))
        lose(h2, LostReason.OUT_OF_AREA, at(3, 12))
        elsewhere = pipeline_for(other_world.tenant)
        with other_world.active():
            other_source = LeadSource.objects.create(
                tenant=other_world.tenant, name="Google Ads", default_cost=Decimal("999")
            )
        lead_for(other_world, elsewhere, owner=other_world.rep, source=other_source, now=at(3, 3))

    def report(self, **filters):
        with self.world.active():
            return sources_report(scope_for(self.world, *PERIOD, **filters))


@pytest.fixture
def sources_world(world, other_world) -> SourcesWorld:
    return SourcesWorld(world, other_world)


def test_every_figure_per_source(sources_world):
    report = sources_world.report()

    assert sources_table(report).rows == [
        [
            "Google Ads",
            4,
            "$210",
            "$52.50",
            2,
            "50%",
            "$20,000",
            "$105",
            "95.2\N{MULTIPLICATION SIGN}",
        ],
        ["Home show", 2, "$400", "$200", 0, "0%", "$0", "—", "0.0\N{MULTIPLICATION SIGN}"],
        ["Referral", 1, "$0", "$0", 1, "100%", "$4,500", "$0", "—"],
        ["No source", 1, "$0", "$0", 0, "0%", "$0", "—", "—"],
        [
            "All sources",
            8,
            "$610",
            "$76.25",
            3,
            "38%",
            "$24,500",
            "$203.33",
            "40.2\N{MULTIPLICATION SIGN}",
        ],
    ]
    assert sources_table(report).headers == [
        "Source",
        "Leads",
        "Cost",
        "Cost per lead",
        "Won",
        "Conversion",
        "Won value",
        "Cost per acquisition",
        "Return on spend",
    ]
    google = report.by_source[0]
    assert google.cost == Decimal("210") and google.won_value == Decimal("20000")
    assert google.cost_per_lead == Decimal("52.50")
    assert google.return_on_spend == Decimal("95.2")


def test_months_are_the_tenants_months(sources_world):
    report = sources_world.report()

    assert report.months == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert sources_by_month_table(report).rows == [
        ["Feb 2026", 2, "$100", "$50", 2, "100%", "$20,000", "$50", "200.0\N{MULTIPLICATION SIGN}"],
        ["Mar 2026", 6, "$510", "$85", 1, "17%", "$4,500", "$510", "8.8\N{MULTIPLICATION SIGN}"],
    ]


def test_sources_that_bring_jobs_we_dont_do(sources_world):
    report = sources_world.report()

    assert wrong_jobs_table(report).rows == [
        ["Home show", 2, 0, 1, "50%"],
        ["Google Ads", 4, 1, 0, "25%"],
    ]


def test_one_query_whatever_the_number_of_sources(sources_world, django_assert_num_queries):
    # And one to see that the period rollups are not built (test_period_rollups.py reads them).
    with sources_world.world.active(), django_assert_num_queries(2):
        sources_report(scope_for(sources_world.world, *PERIOD))


def test_a_reps_scope_counts_their_own_leads(sources_world):
    report = sources_world.report(rep=sources_world.world.rep)

    google = report.by_source[0]
    assert (google.name, google.leads, google.cost, google.won, google.won_value) == (
        "Google Ads",
        3,
        Decimal("160"),
        1,
        Decimal("8000"),
    )
    assert report.total.leads == 7


def test_pipeline_and_brand_filters(sources_world):
    world = sources_world.world
    commercial = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
    lead_for(
        world,
        commercial,
        owner=world.rep,
        source=sources_world.referral,
        now=at(3, 15),
        brand=world.brand,
    )

    assert sources_world.report().total.leads == 9
    assert sources_world.report(pipeline=sources_world.pipeline).total.leads == 8
    assert sources_world.report(pipeline=commercial).total.leads == 1
    by_brand = sources_world.report(brand=world.brand)
    assert [(f.name, f.leads) for f in by_brand.by_source] == [("Referral", 1)]


def test_an_empty_period_has_empty_tables_and_charts(world):
    with world.active():
        report = sources_report(scope_for(world, at(2, 1, 0), at(3, 1, 0)))

    assert report.by_source == [] and report.total.leads == 0
    assert sources_table(report).rows == []
    assert sources_by_month_table(report).rows == [
        ["Feb 2026", 0, "$0", "—", 0, "—", "$0", "—", "—"]
    ]
    assert all(chart.is_empty for chart in sources_charts(report))


def test_charts_follow_the_table(sources_world):
    leads_chart, money_chart, months_chart = sources_charts(sources_world.report())

    assert [row.full_text for row in leads_chart.rows] == [
        "Google Ads",
        "Home show",
        "Referral",
        "No source",
    ]
    assert [row.value_text for row in leads_chart.rows] == ["4", "2", "1", "1"]
    assert [bar.title for bar in money_chart.bars[:2]] == [
        "Google Ads, Cost: $210",
        "Google Ads, Won value: $20,000",
    ]
    assert [tick.label for tick in months_chart.x_labels] == ["Feb", "Mar"]


def test_the_csv_export_writes_the_table(client, sources_world):
    world = sources_world.world
    sign_in(client, world.manager)

    response = client.get(
        "/dashboard/export/sources.csv?period=custom&start=2026-02-01&end=2026-03-31"
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Source", "Leads", "Cost"]
    assert rows[1] == [
        "Google Ads",
        "4",
        "$210",
        "$52.50",
        "2",
        "50%",
        "$20,000",
        "$105",
        "95.2\N{MULTIPLICATION SIGN}",
    ]
    assert rows[-1][0] == "All sources"
    wrong = client.get(
        "/dashboard/export/sources-wrong-jobs.csv?period=custom&start=2026-02-01&end=2026-03-31"
    )
    assert b"Home show,2,0,1,50%" in b"".join(wrong.streaming_content)


def test_the_page_shows_the_headline_charts_and_tables(client, sources_world):
    sign_in(client, sources_world.world.manager)

    page = client.get("/dashboard/?period=custom&start=2026-02-01&end=2026-03-31&tab=sources")
    html = page.content.decode()

    assert page.context["sources"].total.leads == 8
    assert "<strong>$610</strong><span>spent on leads</span>" in html
    assert "<strong>38%</strong><span>won (3) · $203.33 per sale</span>" in html
    assert 'aria-labelledby="chart-leads-by-source-title chart-leads-by-source-desc"' in html
    assert "<title>Google Ads, Won value: $20,000</title>" in html
    assert 'id="sources-months-title"' in html  # two months: the month table shows
    assert 'id="wrong-jobs-title"' in html
