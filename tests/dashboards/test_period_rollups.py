"""The period rollups give exactly what counting the leads gives: any period, pipeline, brand or
rep, before the sweep recounts what changed and after it.

The data: the sources world of test_sources.py (Jan–Apr 2026, New York), plus leads of a second pipeline and a brand spread over 2025 and 2026, some won or
lost months after they came in.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from crm.models import Role, Tenant
from dashboards.models import (
    LeadCohortDay,
    LeadCohortMonth,
    LostDay,
    LostMonth,
    PeriodChange,
    PeriodRollup,
)
from dashboards.selectors.lost import lost_report
from dashboards.selectors.sources import sources_report
from dashboards.services import period_rollups
from dashboards.services.period_rollups import period_roll_up, period_roll_up_step
from leads.models import Lead, LeadSource, LostReason, Quote, QuoteStatus
from leads.pipeline_templates import COMMERCIAL_ROOFING
from leads.services.quotes import quotes_expire_due
from leads.services.stages import lead_mark_lost, lead_move_to_stage, lead_reopen
from tests.dashboards.scopes import scope_for
from tests.dashboards.stored import stored_rows
from tests.dashboards.test_sources import NY, SourcesWorld
from tests.factories import BrandFactory, MembershipFactory, lead_for, pipeline_for, stage_named


def local(year, month, day, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=NY)


class MixedWorld:
    def __init__(self, world, other_world):
        self.world = world
        self.sources = SourcesWorld(world, other_world)
        self.rep2 = MembershipFactory(tenant=world.tenant, role=Role.REP)
        self.residential = self.sources.pipeline
        self.commercial = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
        self.brand = BrandFactory(tenant=world.tenant)
        self.won_stage = stage_named(self.commercial, "Won")
        with world.active():
            self.web = LeadSource.objects.create(
                tenant=world.tenant, name="Website", default_cost=Decimal("12.50")
            )
        self.leads = []
        days = [local(2025, 3, 3), local(2025, 11, 30, 23), local(2026, 1, 15), local(2026, 2, 28)]
        for index, created in enumerate(days * 3):
            self.leads.append(
                lead_for(
                    world,
                    self.commercial if index % 2 else self.residential,
                    owner=(world.rep, world.manager, self.rep2)[index % 3],
                    assign_automatically=False,
                    source=self.web if index % 4 else None,
                    brand=self.brand if index % 3 == 0 else None,
                    estimated_value=Decimal(1000 + index),
                    now=created,
                    announce=False,
                )
            )
        with world.active():
            for index, lead in enumerate(self.leads[:6]):
                Quote.objects.create(
                    tenant=world.tenant,
                    lead=lead,
                    number=1,
                    status=QuoteStatus.SENT if index % 2 else QuoteStatus.ACCEPTED,
                    valid_until=dt.date(2027, 1, 1),
                    total=Decimal(700 + index),
                    created_at=lead.created_at,
                )
                when = lead.created_at + dt.timedelta(days=40 + index)
                if index % 2:
                    lead_mark_lost(
                        tenant=world.tenant,
                        actor=None,
                        lead=lead,
                        reason=LostReason.PRICE if index % 3 else LostReason.OUT_OF_AREA,
                        now=when,
                    )
                elif lead.pipeline_id == self.commercial.pk:
                    lead_move_to_stage(
                        tenant=world.tenant, actor=None, lead=lead, stage=self.won_stage, now=when
                    )

    def scopes(self):
        world = self.world
        today = timezone.localtime(timezone.now(), NY).date()
        periods = [
            (dt.date(2026, 2, 1), dt.date(2026, 4, 1)),  # two whole months
            (dt.date(2026, 2, 15), dt.date(2026, 3, 20)),  # parts of two months
            (dt.date(2026, 3, 12), dt.date(2026, 3, 13)),  # one day
            (dt.date(2025, 1, 1), dt.date(2026, 1, 1)),  # a calendar year
            (dt.date(2025, 11, 20), dt.date(2026, 11, 20)),  # a custom year
            (dt.date(2025, 6, 1), today + dt.timedelta(days=2)),  # up to after today
        ]
        # Local midnights in the tenant's time zone, as every dashboard period.
        zone = world.tenant.zone
        periods = [
            (
                dt.datetime.combine(first, dt.time.min, zone),
                dt.datetime.combine(after, dt.time.min, zone),
            )
            for first, after in periods
        ]
        filters = [
            {},
            {"rep": world.rep},
            {"rep": self.rep2},
            {"pipeline": self.commercial},
            {"pipeline": self.residential},
            {"brand": self.brand},
        ]
        return [scope_for(world, *period, **f) for period in periods for f in filters]


def live(report, scope):
    """The report counted from the leads, as without the rollup."""
    with transaction.atomic():
        PeriodRollup.objects.filter(tenant=scope.tenant).delete()
        counted = report(scope)
        transaction.set_rollback(True)
    return counted


def assert_rollup_matches_live(mixed):
    with mixed.world.active():
        assert PeriodRollup.objects.filter(tenant=mixed.world.tenant).exists()
        for scope in mixed.scopes():
            for report in (sources_report, lost_report):
                assert report(scope) == live(report, scope), (report.__name__, scope)


@pytest.fixture
def mixed(world, other_world) -> MixedWorld:
    return MixedWorld(world, other_world)


def roll_up(mixed) -> int:
    with mixed.world.active():
        return period_roll_up(tenant=mixed.world.tenant)


def test_the_first_build_matches_the_count(mixed):
    roll_up(mixed)
    with mixed.world.active():
        assert LeadCohortDay.objects.exists() and LeadCohortMonth.objects.exists()
        assert LostDay.objects.exists()
        assert not PeriodChange.objects.exists()
    assert_rollup_matches_live(mixed)


def test_without_a_build_the_figures_are_counted(mixed):
    with mixed.world.active():
        scope = mixed.scopes()[0]
        assert sources_report(scope).total.leads == 11


def changes(mixed):
    """A lead of an old cohort won today, a lost one reopened, another lost today, a rep and a
    source changed, a quote accepted, a lead deleted and one created today."""
    world, leads = mixed.world, mixed.leads
    with world.active():
        lead_move_to_stage(
            tenant=world.tenant, actor=None, lead=leads[6 + 1], stage=mixed.won_stage
        )
        lead_reopen(tenant=world.tenant, actor=None, lead=Lead.objects.get(pk=leads[1].pk))
        lead_mark_lost(tenant=world.tenant, actor=None, lead=leads[8], reason=LostReason.COMPETITOR)
        Lead.objects.filter(pk=leads[4].pk).update(owner=mixed.rep2, cost=Decimal("99"))
        Lead.objects.filter(pk=leads[5].pk).update(source=mixed.sources.google)
        Quote.objects.create(
            tenant=world.tenant,
            lead=leads[7],
            number=1,
            status=QuoteStatus.ACCEPTED,
            valid_until=dt.date(2027, 1, 1),
            total=Decimal("4321.00"),
        )
        Quote.objects.filter(lead=leads[3]).delete()
        Lead.objects.filter(pk=leads[9].pk).delete()
        lead_for(world, mixed.commercial, owner=world.rep, source=mixed.web, announce=False)


def test_changes_are_counted_live_until_the_sweep_then_from_the_rollup(mixed):
    roll_up(mixed)
    changes(mixed)
    with mixed.world.active():
        assert PeriodChange.objects.exists()
    assert_rollup_matches_live(mixed)
    assert roll_up(mixed) > 0
    with mixed.world.active():
        assert not PeriodChange.objects.exists()
    assert_rollup_matches_live(mixed)


def test_a_change_of_cohort_days_only_rewrites_no_lost_month(mixed):
    """A first touch or a new owner of an open lead names its cohort day and no closing day: the
    lost months stay the rows they were (rewriting them every minute was work and dead rows)."""
    roll_up(mixed)
    world, open_lead = mixed.world, mixed.leads[2]  # of January 2026, when a lead was lost
    with world.active():
        lost_months = sorted(LostMonth.objects.values_list("pk", flat=True))
        cohort_months = sorted(LeadCohortMonth.objects.values_list("pk", flat=True))
        assert lost_months and open_lead.status == "open"
        Lead.objects.filter(pk=open_lead.pk).update(owner=world.rep)

    assert roll_up(mixed) == 1
    with world.active():
        assert sorted(LostMonth.objects.values_list("pk", flat=True)) == lost_months
        assert sorted(LeadCohortMonth.objects.values_list("pk", flat=True)) != cohort_months
    assert_rollup_matches_live(mixed)


def test_a_step_recounts_at_most_its_days_and_leaves_the_rest_counted_live(mixed, monkeypatch):
    monkeypatch.setattr(period_rollups, "DAYS_PER_RUN", 2)
    roll_up(mixed)
    changes(mixed)
    steps = []
    while True:
        with mixed.world.active():
            counted, left = period_roll_up_step(tenant=mixed.world.tenant)
        steps.append(counted)
        assert_rollup_matches_live(mixed)  # the days not yet recounted are counted live
        if not left:
            break

    assert len(steps) > 2 and max(steps) <= 2
    with mixed.world.active():
        assert not PeriodChange.objects.exists()


def test_quotes_viewed_or_expired_move_no_figure_and_note_no_change(mixed):
    """A lost lead's value is its latest offered quote's: viewed and expired are offered still."""
    roll_up(mixed)
    world = mixed.world
    with world.active():
        offered = Quote.objects.filter(tenant=world.tenant, status=QuoteStatus.SENT)
        assert offered.exists()
        offered.filter(pk=offered.first().pk).update(status=QuoteStatus.VIEWED)
        offered.update(valid_until=dt.date(2026, 1, 1))
        expired, _more = quotes_expire_due(tenant=world.tenant, today=dt.date(2026, 1, 2))
        assert expired > 0
        assert not PeriodChange.objects.exists()
    assert_rollup_matches_live(mixed)


def test_a_quote_accepted_or_back_to_draft_is_noted_and_recounted(mixed):
    roll_up(mixed)
    world = mixed.world
    with world.active():
        lost_lead_quote = Quote.objects.filter(tenant=world.tenant, status=QuoteStatus.SENT).first()
        Quote.objects.filter(pk=lost_lead_quote.pk).update(status=QuoteStatus.DRAFT)
        accepted = Quote.objects.filter(tenant=world.tenant, status=QuoteStatus.ACCEPTED).first()
        Quote.objects.filter(pk=accepted.pk).update(status=QuoteStatus.REJECTED)
        assert PeriodChange.objects.count() == 2
    assert_rollup_matches_live(mixed)
    roll_up(mixed)
    assert_rollup_matches_live(mixed)


def test_a_change_of_time_zone_counts_live_until_the_rollup_is_built_again(mixed):
    roll_up(mixed)
    Tenant.objects.filter(pk=mixed.world.tenant.pk).update(time_zone="Asia/Tokyo")
    mixed.world.tenant.refresh_from_db()
    with mixed.world.active():
        scope = mixed.scopes()[1]
        with transaction.atomic():
            counted = sources_report(scope)
        assert counted == live(sources_report, scope)
    roll_up(mixed)
    with mixed.world.active():
        assert PeriodRollup.objects.get().zone == "Asia/Tokyo"
    assert_rollup_matches_live(mixed)


def test_a_year_is_read_in_a_few_queries(mixed, django_assert_max_num_queries):
    roll_up(mixed)
    changes(mixed)
    with mixed.world.active():
        scope = mixed.scopes()[4]
        # The state, the changed days, month rows, day rows, source names, the changed days live.
        with django_assert_max_num_queries(6):
            sources_report(scope)
        # The same, and the reps' names.
        with django_assert_max_num_queries(7):
            lost_report(scope)


ROLLUP_ROWS = {
    LeadCohortDay: ("day", "pipeline_id", "brand_id", "owner_id", "source_id"),
    LeadCohortMonth: ("month", "pipeline_id", "brand_id", "owner_id", "source_id"),
    LostDay: ("day", "pipeline_id", "brand_id", "owner_id", "source_id", "reason"),
    LostMonth: ("month", "pipeline_id", "brand_id", "owner_id", "source_id", "reason"),
}


def test_a_recount_writes_only_the_rows_that_changed_and_moves_their_months(mixed):
    """The recount leaves every cohort and lost row, day or month, that the changes did not
    move where it was stored, and then holds what a build from scratch holds."""
    roll_up(mixed)
    built = stored_rows(mixed.world, ROLLUP_ROWS)
    changes(mixed)
    roll_up(mixed)
    recounted = stored_rows(mixed.world, ROLLUP_ROWS)
    with mixed.world.active():
        PeriodRollup.objects.filter(tenant=mixed.world.tenant).delete()
    roll_up(mixed)  # a build from scratch
    rebuilt = stored_rows(mixed.world, ROLLUP_ROWS)
    assert {key: row for key, (_at, row) in recounted.items()} == {
        key: row for key, (_at, row) in rebuilt.items()
    }
    same = {key for key in recounted if key in built and built[key][1] == recounted[key][1]}
    assert all(built[key][0] == recounted[key][0] for key in same)  # left where they were
    changed = set(recounted) - same
    assert {key[0] for key in changed} == {model.__name__ for model in ROLLUP_ROWS}
    assert set(built) - set(recounted)  # rows gone: the deleted lead's, the reopened one's
