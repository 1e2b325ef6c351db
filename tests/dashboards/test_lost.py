"""Lost reasons against a hand-computed world.

Period 1 Feb – 1 Apr 2026 (America/New_York, USD). Leads lost:

| lead | source   | owner  | reason          | lost          | value                                               |
| L1   | Google   | rep    | price           | Mar 3         | 9,000: latest offered quote (rejected), not the     |
|      |          |        |                 |               | newer draft of 20,000 nor the estimate of 10,000    |
| L2   | Google   | rep    | price           | Mar 20        | 5,000: the estimate, no quote                       |
| L3   | Referral | rep 2  | competitor      | Feb 15        | 6,500: the later of two offered quotes (7,000 sent) |
| L4   | (none)   | nobody | job we don't do | Mar 31 23:59  | 0: neither quote nor estimate                       |
| not counted: L5 lost Mar 4 then reopened; L6 lost Jan 31 (Feb 1 in UTC); L7 lost Apr 1;  |
| and another tenant's lost lead.                                                           |
"""

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest

from crm.models import Role, User
from dashboards.selectors.lost import (
    lost_by_month_table,
    lost_by_reason_table,
    lost_by_rep_table,
    lost_by_source_table,
    lost_charts,
    lost_report,
)
from leads.models import LeadSource, LostReason, Quote, QuoteStatus
from leads.services.stages import lead_mark_lost, lead_reopen
from tests.conftest import sign_in
from tests.dashboards.scopes import scope_for
from tests.factories import MembershipFactory, lead_for, pipeline_for

NY = zoneinfo.ZoneInfo("America/New_York")


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NY)


PERIOD = (at(2, 1, 0), at(4, 1, 0))


class LostWorld:
    def __init__(self, world, other_world):
        self.world = world
        self.pipeline = pipeline_for(world.tenant)
        self.rep2 = MembershipFactory(
            tenant=world.tenant, role=Role.REP, user__full_name="Rita Second"
        )
        User.objects.filter(pk=world.rep.user_id).update(full_name="Ray First")
        world.rep.user.refresh_from_db()
        with world.active():
            google = LeadSource.objects.create(tenant=world.tenant, name="Google Ads")
            referral = LeadSource.objects.create(tenant=world.tenant, name="Referral")

        def lead(source, owner, **fields):
            return lead_for(
                world,
                self.pipeline,
                owner=owner,
                assign_automatically=False,
                source=source,
                now=at(1, 5),
                announce=False,
                **fields,
            )

        def quote(for_lead, total, status, number, created):
            Quote.objects.create(
                tenant=world.tenant,
                lead=for_lead,
                number=number,
                status=status,
                valid_until=dt.date(2026, 4, 30),
                total=Decimal(total),
                created_at=created,
            )

        def lose(lost_lead, reason, when):
            lead_mark_lost(
                tenant=world.tenant,
                actor=None,
                lead=lost_lead,
                reason=reason,
                note="other" if reason == LostReason.OTHER else "",
                now=when,
            )

        l1 = lead(google, world.rep, estimated_value=Decimal("10000"))
        l2 = lead(google, world.rep, estimated_value=Decimal("5000"))
        l3 = lead(referral, self.rep2)
        l4 = lead(None, None)
        l5 = lead(google, self.rep2, estimated_value=Decimal("3000"))
        l6 = lead(google, world.rep, estimated_value=Decimal("1000"))
        l7 = lead(google, world.rep, estimated_value=Decimal("1000"))
        with world.active():
            quote(l1, "9000", QuoteStatus.REJECTED, 1, at(2, 20))
            quote(l1, "20000", QuoteStatus.DRAFT, 2, at(2, 25))
            quote(l3, "7000", QuoteStatus.SENT, 1, at(1, 20))
            quote(l3, "6500", QuoteStatus.REJECTED, 2, at(2, 1))
            lose(l1, LostReason.PRICE, at(3, 3))
            lose(l2, LostReason.PRICE, at(3, 20))
            lose(l3, LostReason.COMPETITOR, at(2, 15))
            lose(l4, LostReason.NOT_OUR_WORK, at(3, 31, 23, 59))
            lose(l5, LostReason.PRICE, at(3, 4))
            lead_reopen(tenant=world.tenant, actor=None, lead=l5)
            lose(l6, LostReason.PRICE, at(1, 31, 23, 0))
            lose(l7, LostReason.PRICE, at(4, 1, 0, 30))
        elsewhere = lead_for(
            other_world, pipeline_for(other_world.tenant), owner=other_world.rep, now=at(1, 5)
        )
        with other_world.active():
            lead_mark_lost(
                tenant=other_world.tenant,
                actor=None,
                lead=elsewhere,
                reason=LostReason.PRICE,
                now=at(3, 3),
            )

    def report(self, **filters):
        with self.world.active():
            return lost_report(scope_for(self.world, *PERIOD, **filters))


@pytest.fixture
def lost_world(world, other_world) -> LostWorld:
    return LostWorld(world, other_world)


def test_by_reason(lost_world):
    report = lost_world.report()

    assert (report.total.count, report.total.value) == (4, Decimal("20500"))
    assert lost_by_reason_table(report).rows == [
        ["Price", 2, "50%", "$14,000"],
        ["Chose a competitor", 1, "25%", "$6,500"],
        ["Job we don't do", 1, "25%", "$0"],
    ]


def test_by_source(lost_world):
    assert lost_by_source_table(lost_world.report()).rows == [
        ["Google Ads", 2, "$14,000", "Price"],
        ["Referral", 1, "$6,500", "Chose a competitor"],
        ["No source", 1, "$0", "Job we don't do"],
    ]


def test_by_rep(lost_world):
    assert lost_by_rep_table(lost_world.report()).rows == [
        ["Ray First", 2, "$14,000", "Price"],
        ["Rita Second", 1, "$6,500", "Chose a competitor"],
        ["Unassigned", 1, "$0", "Job we don't do"],
    ]


def test_by_month_in_the_tenants_time_zone(lost_world):
    assert lost_by_month_table(lost_world.report()).rows == [
        ["Feb 2026", 1, "$6,500", "Chose a competitor"],
        ["Mar 2026", 3, "$14,000", "Price"],
    ]


def test_a_reps_scope_and_a_pipeline_filter(lost_world):
    mine = lost_world.report(rep=lost_world.world.rep)
    assert (mine.total.count, mine.total.value) == (2, Decimal("14000"))
    assert [g.name for g in mine.by_rep] == ["Ray First"]

    other_pipeline = pipeline_for(lost_world.world.tenant, name="Gutters")
    assert lost_world.report(pipeline=other_pipeline).total.count == 0
    assert lost_world.report(pipeline=lost_world.pipeline).total.count == 4


def test_two_queries(lost_world, django_assert_num_queries):
    # And one to see that the period rollups are not built (test_period_rollups.py reads them).
    with lost_world.world.active(), django_assert_num_queries(3):
        lost_report(scope_for(lost_world.world, *PERIOD))


def test_charts(lost_world):
    by_reason, value_by_reason, by_month = lost_charts(lost_world.report())

    assert [row.value_text for row in by_reason.rows] == ["2", "1", "1"]
    assert [row.value_text for row in value_by_reason.rows] == ["$14,000", "$6,500", "$0"]
    # Months stacked by reason: Feb holds the competitor, March two price and one not-our-work.
    assert [item.name for item in by_month.legend] == [
        "Price",
        "Chose a competitor",
        "Job we don't do",
    ]
    assert [row.value_text for row in by_month.rows] == ["1", "3"]


def test_nothing_lost(world):
    with world.active():
        report = lost_report(scope_for(world, *PERIOD))

    assert report.total.count == 0
    assert lost_by_reason_table(report).rows == []
    assert lost_by_month_table(report).rows == [
        ["Feb 2026", 0, "$0", "—"],
        ["Mar 2026", 0, "$0", "—"],
    ]
    assert lost_charts(report)[0].is_empty


def test_the_csv_exports_and_the_page(client, lost_world):
    world = lost_world.world
    sign_in(client, world.manager)
    query = "?period=custom&start=2026-02-01&end=2026-03-31"

    by_rep = _csv(client.get("/dashboard/export/lost-by-rep.csv" + query))
    by_reason = _csv(client.get("/dashboard/export/lost.csv" + query))
    by_month = _csv(client.get("/dashboard/export/lost-by-month.csv" + query))
    page = client.get("/dashboard/" + query + "&tab=lost").content.decode()

    assert by_rep == [
        ["Rep", "Lost leads", "Value", "Main reason"],
        ["Ray First", "2", "$14,000", "Price"],
        ["Rita Second", "1", "$6,500", "Chose a competitor"],
        ["Unassigned", "1", "$0", "Job we don't do"],
    ]
    assert by_reason[1] == ["Price", "2", "50%", "$14,000"]
    assert by_month[1:] == [
        ["Feb 2026", "1", "$6,500", "Chose a competitor"],
        ["Mar 2026", "3", "$14,000", "Price"],
    ]
    assert "4 leads lost in the period, worth $20,500" in page
    assert 'aria-labelledby="chart-lost-leads-by-month-and-reason-title' in page


def test_a_rep_sees_no_by_rep_table(client, lost_world):
    sign_in(client, lost_world.world.rep)

    page = client.get("/dashboard/?period=custom&start=2026-02-01&end=2026-03-31&tab=lost")

    assert page.context["lost"].total.count == 2
    assert 'id="lost-reps-title"' not in page.content.decode()


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
