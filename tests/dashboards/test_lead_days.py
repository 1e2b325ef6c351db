"""The anomalies' new leads, median first response and sales read from LeadDay (kept by the period
sweep) are the figures counted from the leads, for every filter and period, in a tenant far from
UTC, before and after the sweep and with changes it has not recounted yet (a lead touched, others
won, one created today); another tenant's leads never count."""

import datetime as dt
import random
import zoneinfo

from crm.models import Role
from dashboards.models import LeadDay, LeadDayBin, PeriodRollup
from dashboards.selectors.anomalies import anomaly_report
from dashboards.services.period_rollups import period_roll_up
from leads.models import Lead, LeadStatus
from tests.dashboards.scopes import scope_for
from tests.dashboards.stored import stored_rows
from tests.factories import BrandFactory, MembershipFactory, pipeline_for

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")
# Just after 9:00 on Wednesday 25 March 2026 in Auckland: still the 24th in UTC.
NOW = dt.datetime(2026, 3, 25, 9, 7, tzinfo=AUCKLAND)
LEAD_KEYS = ("new_leads", "won", "first_response")


def _local(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=AUCKLAND)


def _leads(world, pipelines, brands, owners, count: int, seed: int) -> None:
    """Leads created over the last 100 days, most touched after a random wait, some won."""
    rng = random.Random(seed)
    with world.active():
        last = Lead.objects.filter(tenant=world.tenant).count()
        leads = []
        for number in range(last + 1, last + count + 1):
            created = NOW - dt.timedelta(minutes=rng.randrange(5, 100 * 24 * 60))
            touched = created + dt.timedelta(seconds=rng.randrange(20, 3 * 86400))
            won = created + dt.timedelta(hours=rng.randrange(1, 20 * 24))
            is_won = rng.random() < 0.25 and won < NOW
            leads.append(
                Lead(
                    tenant=world.tenant,
                    number=number,
                    contact=world.contact,
                    pipeline=rng.choice(pipelines),
                    brand=rng.choice([*brands, None]),
                    owner=rng.choice([*owners, None]),
                    created_at=created,
                    first_touch_at=touched if rng.random() < 0.8 and touched < NOW else None,
                    status=LeadStatus.WON if is_won else LeadStatus.OPEN,
                    won_at=won if is_won else None,
                )
            )
        Lead.objects.bulk_create(leads)


def _reports(world, filters: dict) -> dict:
    """Each period's series of the lead metrics, and the flags, for every filter."""
    today = NOW.date()
    periods = {
        "this month": (_local(today.replace(day=1)), _local(dt.date(2026, 4, 1))),
        "February": (_local(dt.date(2026, 2, 1)), _local(dt.date(2026, 3, 1))),
        "the week from today": (_local(today), _local(today + dt.timedelta(days=7))),
    }
    found = {}
    with world.active():
        for filter_name, scope_filters in filters.items():
            for period_name, (start, end) in periods.items():
                report = anomaly_report(scope_for(world, start, end, **scope_filters), now=NOW)
                found[(filter_name, period_name)] = (
                    report.period_weeks,
                    {key: report.series[key] for key in LEAD_KEYS},
                    [(c.metric.key, c.flagged) for c in report.comparisons],
                )
    return found


def _counted(world, filters: dict) -> dict:
    """The same, counted from the leads: without the rollups' state every day is counted."""
    with world.active():
        state = PeriodRollup.objects.get(tenant=world.tenant)
        state.delete()
    found = _reports(world, filters)
    with world.active():
        PeriodRollup.objects.create(tenant=world.tenant, built_at=state.built_at, zone=state.zone)
    return found


def test_lead_days_read_as_counted_for_every_filter(world, other_world):
    world.tenant.time_zone = "Pacific/Auckland"
    world.tenant.save(update_fields=["time_zone"])
    other_rep = MembershipFactory(tenant=world.tenant, role=Role.REP)
    owners = [world.rep, other_rep]
    brands = [world.brand, BrandFactory(tenant=world.tenant)]
    pipelines = [pipeline_for(world.tenant), pipeline_for(world.tenant, name="Gutters")]
    _leads(world, pipelines, brands, owners, 400, seed=21)
    _leads(
        other_world,
        [pipeline_for(other_world.tenant)],
        [other_world.brand],
        [other_world.rep],
        200,
        seed=22,
    )
    filters = {
        "team": {},
        "a rep's own": {"rep": world.rep},
        "a pipeline": {"pipeline": pipelines[1]},
        "a brand": {"brand": brands[0]},
        "a pipeline and a rep": {"pipeline": pipelines[0], "rep": other_rep},
        "a brand and a rep": {"brand": brands[1], "rep": world.rep},
    }
    counted_before = _reports(world, filters)  # nothing built: all counted
    with world.active():
        period_roll_up(tenant=world.tenant, now=NOW)
        assert LeadDay.objects.filter(tenant=world.tenant).exists()
    assert _reports(world, filters) == counted_before

    # Changes the sweep has not seen: a lead of yesterday touched, one of last week won
    # yesterday, one won today, one created today. Their days are counted live.
    yesterday = NOW - dt.timedelta(days=1)
    with world.active():
        leads = Lead.objects.filter(tenant=world.tenant, status=LeadStatus.OPEN)
        untouched = leads.filter(first_touch_at__isnull=True).order_by("created_at").last()
        Lead.objects.filter(pk=untouched.pk).update(first_touch_at=NOW - dt.timedelta(minutes=3))
        older = leads.filter(created_at__lt=NOW - dt.timedelta(days=7)).order_by("pk")
        Lead.objects.filter(pk=older[0].pk).update(status=LeadStatus.WON, won_at=yesterday)
        Lead.objects.filter(pk=older[1].pk).update(status=LeadStatus.WON, won_at=NOW)
        Lead.objects.create(
            tenant=world.tenant,
            number=10_000,
            contact=world.contact,
            pipeline=pipelines[0],
            owner=world.rep,
            created_at=NOW - dt.timedelta(minutes=1),
        )
    live = _reports(world, filters)
    assert live == _counted(world, filters)
    assert live != counted_before
    with world.active():
        period_roll_up(tenant=world.tenant, now=NOW)
    assert _reports(world, filters) == live


LEAD_DAY_ROWS = {
    LeadDay: ("day", "any_of", "pipeline_id", "brand_id", "owner_id"),
    LeadDayBin: ("day", "any_of", "pipeline_id", "brand_id", "owner_id", "bin"),
}


def test_a_recount_writes_only_the_lead_day_rows_that_changed(world):
    """Leads touched, won, reassigned, deleted and created on old days: the sweep's recount of
    those days leaves every row that is the same alone (its id kept), and then holds what a
    build from scratch holds."""
    pipelines = [pipeline_for(world.tenant), pipeline_for(world.tenant, name="Gutters")]
    owners = [world.rep, MembershipFactory(tenant=world.tenant, role=Role.REP)]
    _leads(world, pipelines, [world.brand], owners, 300, seed=31)
    with world.active():
        period_roll_up(tenant=world.tenant, now=NOW)
    built = stored_rows(world, LEAD_DAY_ROWS)
    with world.active():
        old = Lead.objects.filter(tenant=world.tenant, created_at__lt=NOW - dt.timedelta(days=20))
        untouched = old.filter(first_touch_at__isnull=True).order_by("pk")
        Lead.objects.filter(pk=untouched[0].pk).update(first_touch_at=NOW)
        open_leads = old.filter(status=LeadStatus.OPEN).order_by("-pk")
        Lead.objects.filter(pk=open_leads[0].pk).update(
            status=LeadStatus.WON, won_at=NOW - dt.timedelta(days=2)
        )
        Lead.objects.filter(pk=open_leads[1].pk).update(owner=owners[1])
        Lead.objects.filter(pk=open_leads[2].pk).delete()
        Lead.objects.create(
            tenant=world.tenant,
            number=20_000,
            contact=world.contact,
            pipeline=pipelines[1],
            created_at=NOW - dt.timedelta(days=40),
        )
        period_roll_up(tenant=world.tenant, now=NOW)
    recounted = stored_rows(world, LEAD_DAY_ROWS)
    with world.active():
        PeriodRollup.objects.filter(tenant=world.tenant).delete()
        period_roll_up(tenant=world.tenant, now=NOW)  # a build from scratch
    rebuilt = stored_rows(world, LEAD_DAY_ROWS)
    assert {key: row for key, (_id, row) in recounted.items()} == {
        key: row for key, (_id, row) in rebuilt.items()
    }
    same = {key for key in recounted if key in built and built[key][1] == recounted[key][1]}
    assert all(built[key][0] == recounted[key][0] for key in same)  # left where they were
    assert 0 < len(set(recounted) - same) < len(same) / 5
    assert set(built) - set(recounted)  # a row gone (the deleted lead's, the reassigned's)
