"""Speed to lead read from the first-touch rollup (dashboards.FirstTouchDay and FirstTouchBin,
kept by the period sweep) equals what counting the leads gives, for
random leads and waits, any period, pipeline, brand or rep, in more than one time zone, before the
sweep recounts the days an edit touched and after it."""

import datetime as dt
import random
import statistics

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.kit.formatting import duration
from crm.models import Role
from dashboards.models import (
    TOUCH_BINS,
    FirstTouchBin,
    FirstTouchBinMonth,
    FirstTouchDay,
    FirstTouchMonth,
    PeriodChange,
    PeriodRollup,
)
from dashboards.selectors.first_touch import SPEED_WINDOW, Touches
from dashboards.selectors.histograms import BINS, bin_floor, wait_bin, wait_bucket
from dashboards.selectors.period_rollups import next_month
from dashboards.selectors.speed import speed_figures
from dashboards.services.period_rollups import period_roll_up
from leads.models import Lead
from tests.dashboards.scopes import scope_for
from tests.factories import BrandFactory, MembershipFactory, lead_for, pipeline_for

DAY = dt.timedelta(days=1)
WAITS = [
    *(30, 240, 600, 899, 900, 901, 1200),  # around the 15-minute window
    *(3599, 3600, 5400, 4 * 3600 + 17, 23 * 3600 + 59 * 60 + 59),
    *(86400, 86400 * 2 + 7, 86400 * 6 + 3601, 86400 * 9, 86400 * 30),
]


class TouchWorld:
    def __init__(self, world, now: dt.datetime, seed: int):
        rng = random.Random(seed)
        tenant = world.tenant
        self.world, self.now, self.rng = world, now, rng
        self.reps = [world.rep, *(MembershipFactory(tenant=tenant, role=Role.REP) for _ in (1, 2))]
        self.pipelines = [pipeline_for(tenant), pipeline_for(tenant, name="Commercial")]
        self.brands = [BrandFactory(tenant=tenant), None]
        self.leads = [
            self.new_lead(now - dt.timedelta(minutes=rng.randrange(0, 80 * 24 * 60)))
            for _ in range(90)
        ]
        # A few created minutes ago: not judged yet unless touched.
        self.leads += [self.new_lead(now - dt.timedelta(minutes=m)) for m in (2, 9, 40)]

    def new_lead(self, created, touched: bool | None = None):
        rng = self.rng
        lead = lead_for(
            self.world,
            rng.choice(self.pipelines),
            owner=rng.choice([*self.reps, None]),
            brand=rng.choice(self.brands),
            assign_automatically=False,
            announce=False,
            notify_owner=False,
            now=created,
        )
        if touched if touched is not None else rng.random() < 0.8:
            wait = rng.choice([*WAITS, rng.randrange(1, 5 * 86400)]) + rng.random()
            with self.world.active():
                Lead.objects.filter(pk=lead.pk).update(
                    first_touch_at=min(created + dt.timedelta(seconds=wait), self.now)
                )
        return lead

    def scopes(self):
        zone = self.world.tenant.zone
        today = timezone.localtime(self.now, zone).date()

        def midnight(day):
            return dt.datetime.combine(day, dt.time.min, tzinfo=zone)

        periods = [
            (today.replace(day=1), today + DAY),  # this month so far
            (today - 30 * DAY, today + 5 * DAY),  # today inside
            (today - 70 * DAY, today - 20 * DAY),  # all stored
            (today - 3 * DAY, today - 2 * DAY),  # one day
            (today - 365 * DAY, today + DAY),  # a year
        ]
        filters = [
            {},
            {"rep": self.reps[1]},
            {"pipeline": self.pipelines[1]},
            {"brand": self.brands[0]},
            {"pipeline": self.pipelines[0], "rep": self.reps[0]},
        ]
        return [
            scope_for(self.world, midnight(first), midnight(after), **more)
            for first, after in periods
            for more in filters
        ]


def _speed_cells(figures):
    return [[str(cell) for cell in row.cells()] for row in [*figures.reps, figures.total]]


def _counted(read, scope, now):
    """What the reader gives counted from the leads alone (the rollup's state removed)."""
    with transaction.atomic():
        PeriodRollup.objects.filter(tenant=scope.tenant).delete()
        counted = read(scope, now=now)
        transaction.set_rollback(True)
    return counted


def _speed_by_hand(scope, now):
    """Speed to lead for the team, counted in Python from the leads (the median exact, shown as
    the page shows it)."""
    leads = list(
        scope.leads().filter(created_at__gte=scope.start, created_at__lt=scope.end).values()
    )
    waits = [
        (lead["first_touch_at"] - lead["created_at"]).total_seconds()
        for lead in leads
        if lead["first_touch_at"] is not None
    ]
    judged = [
        lead
        for lead in leads
        if lead["first_touch_at"] is not None or lead["created_at"] <= now - SPEED_WINDOW
    ]
    median = statistics.median(waits) if waits else None
    return (
        len(leads),
        len(judged),
        sum(wait <= SPEED_WINDOW.total_seconds() for wait in waits),
        len(waits),
        "—" if median is None else duration(dt.timedelta(seconds=median), short=True),
    )


def _assert_reads_equal_counts(touch_world, now):
    with touch_world.world.active():
        assert PeriodRollup.objects.filter(tenant=touch_world.world.tenant).exists()
        for scope in touch_world.scopes():
            speed = speed_figures(scope, now=now)
            assert _speed_cells(speed) == _speed_cells(_counted(speed_figures, scope, now)), scope
            total = speed.total
            shown = "—" if total.median_first_touch is None else str(total.cells()[5])
            assert (
                total.new_leads,
                total.judged,
                total.within_window,
                total.touched,
                shown,
            ) == _speed_by_hand(scope, now), scope


def _edit(touch_world, now):
    """Old leads touched for the first time, touched again earlier, reassigned, moved to
    another pipeline or brand, deleted, and new leads today."""
    world, rng = touch_world.world, touch_world.rng
    with world.active():
        old = [lead for lead in touch_world.leads if lead.created_at < now - 3 * DAY]
        picked = rng.sample(old, 12)
        for lead in picked[:3]:
            Lead.objects.filter(pk=lead.pk).update(first_touch_at=None)
        for lead in picked[3:6]:
            Lead.objects.filter(pk=lead.pk).update(
                first_touch_at=lead.created_at + dt.timedelta(seconds=rng.choice(WAITS) + 0.25)
            )
        for lead in picked[6:8]:
            Lead.objects.filter(pk=lead.pk).update(owner=touch_world.reps[2])
        Lead.objects.filter(pk=picked[8].pk).update(
            pipeline=touch_world.pipelines[1], brand=touch_world.brands[0]
        )
        Lead.objects.filter(pk__in=[lead.pk for lead in picked[9:11]]).delete()
    for minutes in (1, 20, 200):
        touch_world.leads.append(touch_world.new_lead(now - dt.timedelta(minutes=minutes)))


@pytest.mark.parametrize(
    ("zone", "seed"), [("America/New_York", 1), ("Asia/Kolkata", 2), ("Pacific/Auckland", 3)]
)
def test_the_rollup_reads_what_counting_counts(world, zone, seed):
    world.tenant.time_zone = zone
    world.tenant.save(update_fields=["time_zone"])
    now = timezone.now()
    touch_world = TouchWorld(world, now, seed)
    with world.active():
        period_roll_up(tenant=world.tenant, now=now)
        assert FirstTouchDay.objects.filter(tenant=world.tenant).count() > 30
        assert not PeriodChange.objects.exists()
    _assert_reads_equal_counts(touch_world, now)

    later = timezone.now()
    _edit(touch_world, later)
    with world.active():
        assert PeriodChange.objects.exists()
    _assert_reads_equal_counts(touch_world, later)  # the changed days counted live
    with world.active():
        assert period_roll_up(tenant=world.tenant, now=later) > 0
        assert not PeriodChange.objects.exists()
    _assert_reads_equal_counts(touch_world, later)
    # Half an hour on: the leads created minutes ago are judged now, from the same rows.
    _assert_reads_equal_counts(touch_world, later + dt.timedelta(minutes=30))


def test_the_rows_hold_each_lead_once_in_its_bin_and_bucket(world):
    now = timezone.now()
    touch_world = TouchWorld(world, now, 4)
    with world.active():
        period_roll_up(tenant=world.tenant, now=now)
        rows = list(FirstTouchDay.objects.filter(tenant=world.tenant))
        leads = Lead.objects.filter(tenant=world.tenant)
        assert sum(row.leads for row in rows) == leads.count() == len(touch_world.leads)
        assert sum(row.touched for row in rows) == leads.exclude(first_touch_at=None).count()
        fine = {
            (row.day, row.pipeline_id, row.brand_id, row.owner_id, row.bin): row.buckets
            for row in FirstTouchBin.objects.filter(tenant=world.tenant)
        }
        for row in rows:
            bins = [getattr(row, f"bin_{index}") for index in range(TOUCH_BINS)]
            assert sum(bins) == row.touched
            for index, count in enumerate(bins):
                buckets = fine.pop(
                    (row.day, row.pipeline_id, row.brand_id, row.owner_id, index), {}
                )
                assert sum(kept[0] for kept in buckets.values()) == count
                assert {wait_bin(int(bucket)) for bucket in buckets} <= {index}
        assert not fine  # no bin without its day row


def test_a_month_held_whole_is_read_from_its_month_rows(world):
    """The figures and buckets of a month with no day read live come from FirstTouchMonth and
    FirstTouchBinMonth, the sums of its day rows; the reads equal the counts
    (test_the_rollup_reads_what_counting_counts)."""
    now = timezone.now()
    touch_world = TouchWorld(world, now, 7)
    year = touch_world.scopes()[-5]
    with world.active():
        period_roll_up(tenant=world.tenant, now=now)
        months = FirstTouchBinMonth.objects.filter(tenant=world.tenant)
        for month in months:
            days = FirstTouchBin.objects.filter(
                tenant=world.tenant,
                day__gte=month.month,
                day__lt=next_month(month.month),
                bin=month.bin,
                pipeline_id=month.pipeline_id,
                brand_id=month.brand_id,
                owner_id=month.owner_id,
            )
            summed = {}
            for buckets in days.values_list("buckets", flat=True):
                for bucket, (count, shortest, longest) in buckets.items():
                    was = summed.get(bucket, [0, shortest, longest])
                    summed[bucket] = [was[0] + count, min(was[1], shortest), max(was[2], longest)]
            assert month.buckets == summed
        this_month = timezone.localtime(now, world.tenant.zone).date().replace(day=1)
        assert len({month.month for month in months}) >= 2
        assert max(month.month for month in months) < this_month  # only months over
        _assert_month_sums_are_their_days(world)
        with CaptureQueriesContext(connection) as queries:
            speed_figures(year, now=now)
    assert any("dashboards_firsttouchbinmonth" in query["sql"] for query in queries)
    assert any("dashboards_firsttouchmonth" in query["sql"] for query in queries)

    # The first run of the next month writes this month's rows; the reads still equal the counts.
    next_month_now = timezone.make_aware(
        dt.datetime.combine(next_month(this_month), dt.time(1)), world.tenant.zone
    )
    with world.active():
        period_roll_up(tenant=world.tenant, now=next_month_now)
        assert PeriodRollup.objects.get(tenant=world.tenant).touch_months_until == next_month(
            this_month
        )
        assert FirstTouchBinMonth.objects.filter(tenant=world.tenant, month=this_month).exists()
        assert FirstTouchMonth.objects.filter(tenant=world.tenant, month=this_month).exists()
        _assert_month_sums_are_their_days(world)
    _assert_reads_equal_counts(touch_world, next_month_now)


def _bin_months(world) -> dict[tuple, tuple]:
    rows = FirstTouchBinMonth.objects.filter(tenant=world.tenant)
    return {
        (row.month, row.bin, row.pipeline_id, row.brand_id, row.owner_id): (row.pk, row.buckets)
        for row in rows
    }


def test_a_recount_writes_again_only_the_month_groups_whose_days_changed(world):
    """After old leads are touched, touched again, reassigned, moved and deleted, the recount
    rewrites only the FirstTouchBinMonth rows of the groups (month, bin, key) whose day rows
    changed, and FirstTouchMonth's rows are still the sums of their days; every month row is then
    what a build from scratch writes."""
    now = timezone.now()
    touch_world = TouchWorld(world, now, 11)
    with world.active():
        period_roll_up(tenant=world.tenant, now=now)
        built = _bin_months(world)
    later = timezone.now()
    _edit(touch_world, later)
    with world.active():
        period_roll_up(tenant=world.tenant, now=later)
        recounted = _bin_months(world)
        _assert_month_sums_are_their_days(world)  # FirstTouchMonth moved by the change
        PeriodRollup.objects.filter(tenant=world.tenant).delete()
        period_roll_up(tenant=world.tenant, now=later)  # a build from scratch
        rebuilt = _bin_months(world)
        _assert_month_sums_are_their_days(world)
    assert {group: buckets for group, (_pk, buckets) in recounted.items()} == {
        group: buckets for group, (_pk, buckets) in rebuilt.items()
    }
    kept = [group for group in recounted if recounted[group][0] == built.get(group, (None,))[0]]
    rewritten = set(recounted) - set(kept)
    assert kept and rewritten  # some groups changed, most did not
    assert len(kept) > len(rewritten)
    assert all(built[group][1] == recounted[group][1] for group in kept)


def _assert_month_sums_are_their_days(world) -> None:
    """Each FirstTouchMonth row is its month's day rows summed, and the months are those
    FirstTouchBinMonth holds."""
    keys = ("pipeline_id", "brand_id", "owner_id")
    figures = ("leads", "touched", "within_window", "bin_0", "bin_5", "bin_31")
    months = FirstTouchMonth.objects.filter(tenant=world.tenant)
    assert {row.month for row in months} == set(
        FirstTouchBinMonth.objects.filter(tenant=world.tenant).values_list("month", flat=True)
    )
    for month in months:
        days = FirstTouchDay.objects.filter(
            tenant=world.tenant,
            day__gte=month.month,
            day__lt=next_month(month.month),
            **{key: getattr(month, key) for key in keys},
        ).aggregate(*(Sum(name) for name in figures))
        assert [days[f"{name}__sum"] for name in figures] == [
            getattr(month, name) for name in figures
        ]


def test_a_wait_of_whole_seconds_is_kept_as_a_float(world):
    # The rows are written in SQL, as json.dumps wrote them when they were put together in Python
    # (120.0, not PostgreSQL's 120).
    now = timezone.now()
    touch_world = TouchWorld(world, now, 6)
    lead = touch_world.new_lead(now - 3 * DAY, touched=False)
    with world.active():
        Lead.objects.filter(pk=lead.pk).update(
            first_touch_at=lead.created_at + dt.timedelta(seconds=120)
        )
        period_roll_up(tenant=world.tenant, now=now)
        kept = [
            buckets["2"]
            for buckets in FirstTouchBin.objects.filter(tenant=world.tenant).values_list(
                "buckets", flat=True
            )
            if "2" in buckets
        ]
    assert any(shortest == 120 for _, shortest, _ in kept)
    assert all(isinstance(shortest, float) for _, shortest, _ in kept)


def test_the_median_from_two_levels_shows_the_exact_one():
    rng = random.Random(5)
    for _ in range(200):
        waits = [
            rng.choice([*WAITS, rng.uniform(-60, 86400 * 12)]) for _ in range(rng.randint(1, 9))
        ]
        touches = Touches()
        for wait in waits:
            touches.add_bucket(wait_bucket(wait), 1, wait, wait)
        shown = duration(touches.median(), short=True)
        assert shown == duration(dt.timedelta(seconds=statistics.median(waits)), short=True)
    assert Touches().median() is None


def test_a_year_is_read_in_a_few_queries(world, django_assert_max_num_queries):
    now = timezone.now()
    touch_world = TouchWorld(world, now, 6)
    with world.active():
        period_roll_up(tenant=world.tenant, now=now)
        year = touch_world.scopes()[20]
        # The rollup's state, the changed days, the bins, the leads read live, the medians'
        # buckets (with the parallel workers off and on again around them), the names.
        with django_assert_max_num_queries(9) as queries:
            speed_figures(year, now=now)
        assert any("jsonb_each" in query["sql"] for query in queries.captured_queries)


def test_each_coarse_bin_starts_at_its_floor_and_the_first_hour_is_in_five_minutes():
    assert [wait_bin(bin_floor(index)) for index in range(BINS)] == list(range(BINS))
    assert [wait_bin(minutes) for minutes in (-3, 0, 4, 5, 59, 60, 719, 720, 1439)] == [
        0,
        0,
        0,
        1,
        11,
        12,
        22,
        23,
        28,
    ]
    assert [wait_bin(days * 1440) for days in (1, 2, 3, 6, 7, 30)] == [29, 29, 30, 30, 31, 31]
