"""The team figures read from the per-day rollup (dashboards.services.team_rollup) equal those
counted from the follow-ups and SLA events themselves, for any period, pipeline, brand and rep,
in more than one time zone, and still after changes to days already stored."""

import datetime as dt
import random
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.kit.formatting import duration
from crm.models import Role
from crm.tenancy.sweeps import sweep_inline
from dashboards.models import (
    TeamDay,
    TeamDayChanged,
    TeamMonth,
    TeamResponseBin,
    TeamResponseMonthBin,
    TeamRollup,
)
from dashboards.selectors.period_rollups import next_month
from dashboards.selectors.team import (
    buckets_add,
    buckets_median,
    team_figures,
    team_figures_counted,
    wait_bucket,
)
from dashboards.services.team_rollup import team_roll_up
from dashboards.tasks import roll_up_team
from followups.models import OPEN_STATUSES, FollowUp, Status
from followups.services.followups import follow_up_reschedule, follow_up_type_get
from leads.models import Lead, Stage
from leads.services.leads import lead_update
from leads.services.stages import lead_move_to_stage
from tests.dashboards.scopes import scope_for
from tests.factories import BrandFactory, MembershipFactory, lead_for, pipeline_for
from tickets.models import Inbox, SlaEvent, SlaEventKind, SlaTarget, Ticket
from tickets.services.threading import ticket_open

DAY = dt.timedelta(days=1)


def _cells(figures) -> list:
    """What the page and the CSV show of each row (the median as displayed)."""
    return [[str(cell) for cell in row.cells()] for row in figures.reps]


def _world_data(world, now: dt.datetime, seed: int):
    """Forty days of follow-ups and tickets either side of `now` for three reps, two pipelines and
    two brands, in random states; returns what the scopes filter on."""
    rng = random.Random(seed)
    tenant = world.tenant
    reps = [world.rep, *(MembershipFactory(tenant=tenant, role=Role.REP) for _ in range(2))]
    pipelines = [pipeline_for(tenant), pipeline_for(tenant, name="Commercial")]
    brands = [world.brand, BrandFactory(tenant=tenant)]
    with world.active():
        leads = [
            lead_for(world, pipelines[n % 2], owner=reps[n % 3], brand=brands[n // 2 % 2])
            for n in range(6)
        ]
        inboxes = [
            Inbox.objects.create(tenant=tenant, name=f"Inbox {n}", brand=brands[n]) for n in (0, 1)
        ]
        call = follow_up_type_get(tenant=tenant, key="call")
        for _ in range(160):
            at = now + dt.timedelta(minutes=rng.randrange(-40 * 24 * 60, 10 * 24 * 60))
            status = rng.choice(
                [
                    Status.PENDING,
                    Status.COMPLETED,
                    Status.COMPLETED,
                    Status.MISSED,
                    Status.CANCELLED,
                ]
            )
            FollowUp.objects.create(
                tenant=tenant,
                subject="Call",
                type=call,
                scheduled_at=at,
                duration_minutes=30,
                status=status,
                assignee=rng.choice(reps),
                contact=world.contact,
                lead=rng.choice([*leads, None]),
                completed_at=at + dt.timedelta(minutes=rng.choice([10, 25, 45, 300]))
                if status == Status.COMPLETED
                else None,
            )
        for _ in range(70):
            wrote = now + dt.timedelta(minutes=rng.randrange(-40 * 24 * 60, 0))
            ticket = ticket_open(
                tenant=tenant,
                contact=world.contact,
                inbox=rng.choice(inboxes),
                subject="Leak",
                lead=rng.choice([*leads, None]),
                opened_at=wrote,
            )
            wait = dt.timedelta(seconds=rng.randrange(30, 3 * 24 * 3600))
            answered = wrote + wait if wait < now - wrote and rng.random() < 0.85 else None
            ticket.assignee = rng.choice([*reps, None])
            ticket.first_response_at = answered
            ticket.save()
            SlaEvent.objects.create(
                tenant=tenant,
                ticket=ticket,
                kind=SlaEventKind.STARTED,
                target=SlaTarget.FIRST,
                occurred_at=wrote,
            )
            if answered:
                SlaEvent.objects.create(
                    tenant=tenant,
                    ticket=ticket,
                    kind=rng.choice([SlaEventKind.MET, SlaEventKind.ANSWERED_LATE]),
                    target=SlaTarget.FIRST,
                    occurred_at=answered,
                )
    return reps, pipelines, brands


def _scopes(world, now, reps, pipelines, brands):
    zone = world.tenant.zone
    today = dt.datetime.combine(now.astimezone(zone).date(), dt.time.min, tzinfo=zone)
    periods = [
        (today - 30 * DAY, today + DAY),  # ends with today
        (today - 10 * DAY, today + 8 * DAY),  # today in the middle, days to come
        (today - 39 * DAY, today - 20 * DAY),  # all stored
        (today + DAY, today + 9 * DAY),  # all to come
        (today - 50 * DAY, today + 50 * DAY),
    ]
    filters = [
        {},
        {"pipeline": pipelines[1]},
        {"brand": brands[0]},
        {"rep": reps[1]},
        {"pipeline": pipelines[0], "brand": brands[1]},
    ]
    return [scope_for(world, start, end, **more) for start, end in periods for more in filters]


@pytest.mark.parametrize(
    ("zone", "seed"), [("America/New_York", 1), ("Asia/Kolkata", 2), ("Pacific/Auckland", 3)]
)
def test_the_rollup_reads_what_counting_counts(world, zone, seed):
    world.tenant.time_zone = zone
    world.tenant.save(update_fields=["time_zone"])
    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    with time_machine.travel(now - 60 * DAY, tick=False):
        reps, pipelines, brands = _world_data(world, now, seed)
    scopes = _scopes(world, now, reps, pipelines, brands)
    with world.active():
        assert team_roll_up(tenant=world.tenant, now=now) > 40
        assert TeamDay.objects.filter(tenant=world.tenant).exists()
        for scope in scopes:
            assert _cells(team_figures(scope, now=now)) == _cells(
                team_figures_counted(scope, now=now)
            ), scope

    # Changes after the day, then the sweep a minute later.
    later = now + dt.timedelta(minutes=1)
    rng = random.Random(seed)
    with world.active(), time_machine.travel(later, tick=False):
        old = list(FollowUp.objects.filter(tenant=world.tenant, scheduled_at__lt=now - 5 * DAY))
        for follow_up in rng.sample(old, 6):
            follow_up.status = Status.COMPLETED
            follow_up.completed_at = later
            follow_up.save()
        moving = [f for f in old if f.status in (Status.PENDING, Status.MISSED)][:3]
        for follow_up in moving:
            follow_up_reschedule(
                tenant=world.tenant,
                actor=None,
                follow_up=follow_up,
                scheduled_at=follow_up.scheduled_at + rng.choice([3, -2, 12]) * DAY,
            )
        for ticket in Ticket.objects.filter(tenant=world.tenant)[:5]:
            ticket.assignee = rng.choice(reps)
            ticket.save()
        # Moved to the other pipeline and brand as staff do (each publishes LeadRegrouped).
        lead = Lead.objects.filter(tenant=world.tenant, pipeline=pipelines[0]).first()
        stage = Stage.objects.filter(tenant=world.tenant, pipeline=pipelines[1]).first()
        lead = lead_move_to_stage(tenant=world.tenant, actor=None, lead=lead, stage=stage)
        lead_update(tenant=world.tenant, actor=world.admin.user, lead=lead, brand=brands[1])
        assert (lead.pipeline, lead.brand) == (pipelines[1], brands[1])
    with world.active():
        for scope in scopes[:5]:  # not stored again yet: what was stored, or read live
            team_figures(scope, now=later)
        team_roll_up(tenant=world.tenant, now=later)
        for scope in scopes:
            assert _cells(team_figures(scope, now=later)) == _cells(
                team_figures_counted(scope, now=later)
            ), scope

    # The next morning, before and after the first sweep of the day: yesterday is read live
    # until the sweep stores it.
    morning = later + DAY
    with world.active():
        for scope in scopes:
            assert _cells(team_figures(scope, now=morning)) == _cells(
                team_figures_counted(scope, now=morning)
            ), scope
        team_roll_up(tenant=world.tenant, now=morning)
        state = TeamRollup.objects.get(tenant=world.tenant)
        assert state.live_day == morning.astimezone(world.tenant.zone).date()
        for scope in scopes:
            assert _cells(team_figures(scope, now=morning)) == _cells(
                team_figures_counted(scope, now=morning)
            ), scope


def test_today_kept_by_the_sweep_and_what_happened_since_read_live(world):
    """The sweep keeps today's rows as of its time; a read half an hour later adds the follow-ups
    fallen due since and the SLA events recorded since, for every pipeline, brand and rep."""
    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    with time_machine.travel(now - 60 * DAY, tick=False):
        reps, pipelines, brands = _world_data(world, now, 11)
    scopes = _scopes(world, now, reps, pipelines, brands)
    tenant = world.tenant
    with world.active(), time_machine.travel(now - DAY, tick=False):
        call = follow_up_type_get(tenant=tenant, key="call")
        leads = list(Lead.objects.filter(tenant=tenant).order_by("pk"))
        for n, minutes in enumerate([5, 10, 20, 25, 40]):  # pending at the sweep
            FollowUp.objects.create(
                tenant=tenant,
                subject="Call",
                type=call,
                scheduled_at=now + dt.timedelta(minutes=minutes),
                duration_minutes=30,
                assignee=reps[n % 3],
                contact=world.contact,
                lead=leads[n % len(leads)],
            )
    with world.active():
        team_roll_up(tenant=tenant, now=now)
        today = now.astimezone(tenant.zone).date()
        assert TeamDay.objects.filter(tenant=tenant, day=today).exists()
        assert TeamRollup.objects.get(tenant=tenant).today_counted_at == now

    answered = now + dt.timedelta(minutes=12)
    with world.active(), time_machine.travel(answered, tick=False):
        inbox = Inbox.objects.filter(tenant=tenant, brand=brands[1]).first()
        for n, lead in enumerate(leads[:3]):
            wrote = now + dt.timedelta(minutes=3 + n)
            ticket = ticket_open(
                tenant=tenant,
                contact=world.contact,
                inbox=inbox,
                subject="Leak",
                lead=lead,
                opened_at=wrote,
            )
            ticket.assignee = reps[n]
            ticket.first_response_at = answered
            ticket.save()
            for kind, at in ((SlaEventKind.STARTED, wrote), (SlaEventKind.MET, answered)):
                SlaEvent.objects.create(
                    tenant=tenant, ticket=ticket, kind=kind, target=SlaTarget.FIRST, occurred_at=at
                )
    later = now + dt.timedelta(minutes=30)
    with world.active():
        for scope in scopes:
            assert _cells(team_figures(scope, now=later)) == _cells(
                team_figures_counted(scope, now=later)
            ), scope


def test_the_median_of_the_buckets_shows_the_exact_one():
    cases = ([59.5, 60.5], [10, 20, 30, 4000], [86400 * 2 + 7, 50, 3599.9, 3600.1], [42], [61, 179])
    for waits in cases:
        buckets: dict = {}
        for wait in waits:
            buckets_add(buckets, wait_bucket(wait), 1, wait, wait)
        ordered = sorted(waits)
        middle = (ordered[(len(waits) - 1) // 2] + ordered[len(waits) // 2]) / 2
        shown = duration(buckets_median(buckets), short=True)
        assert shown == duration(dt.timedelta(seconds=middle), short=True)
    assert buckets_median({}) is None


def test_the_sweep_counts_only_what_changed(world, django_assert_max_num_queries):
    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    with time_machine.travel(now - 60 * DAY, tick=False):
        _world_data(world, now, 7)
    with world.active():
        team_roll_up(tenant=world.tenant, now=now)
        assert team_roll_up(tenant=world.tenant, now=now + dt.timedelta(minutes=10)) == 0
    with time_machine.travel(now + dt.timedelta(minutes=11), tick=False), world.active():
        follow_up = FollowUp.objects.filter(tenant=world.tenant, scheduled_at__lt=now - DAY)[0]
        follow_up.status = Status.MISSED
        follow_up.save()
    with world.active():
        assert team_roll_up(tenant=world.tenant, now=now + dt.timedelta(minutes=20)) == 1


def test_a_finished_month_is_read_from_its_month_rows(world):
    """A month over before the sweep's day is summed into TeamMonth and TeamResponseMonthBin
    and read from there; the month that ends is read from its days until the first sweep after
    it, which writes its month rows. Every read equals the count."""
    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    with time_machine.travel(now - 60 * DAY, tick=False):
        reps, pipelines, brands = _world_data(world, now, 12)
    zone = world.tenant.zone
    year = [
        scope_for(world, dt.datetime(2025, 4, 1, tzinfo=zone), dt.datetime(2026, 4, 1, tzinfo=zone))
    ]
    year += [
        scope_for(world, year[0].start, year[0].end, **more)
        for more in ({"rep": reps[1]}, {"pipeline": pipelines[1]}, {"brand": brands[0]})
    ]

    def months() -> set[dt.date]:
        kept = set(TeamMonth.objects.filter(tenant=world.tenant).values_list("month", flat=True))
        assert kept == set(
            TeamResponseMonthBin.objects.filter(tenant=world.tenant).values_list("month", flat=True)
        )
        return kept

    def month_rows_are_their_days_summed() -> None:
        figures = ["follow_ups_on_time", "follow_ups_open", "sla_met", "response_bin_3"]
        for month in months():
            days = TeamDay.objects.filter(
                tenant=world.tenant, day__gte=month, day__lt=next_month(month)
            )
            in_month = TeamMonth.objects.filter(tenant=world.tenant, month=month)
            assert days.aggregate(*[Sum(name) for name in figures]) == in_month.aggregate(
                *[Sum(name) for name in figures]
            ), month

    def read_and_count(at: dt.datetime) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            for scope in year:
                assert _cells(team_figures(scope, now=at)) == _cells(
                    team_figures_counted(scope, now=at)
                ), scope
        return [query["sql"] for query in queries.captured_queries]

    with world.active():
        team_roll_up(tenant=world.tenant, now=now)
        assert dt.date(2026, 2, 1) in months()
        assert max(months()) == dt.date(2026, 2, 1)
        read = read_and_count(now)
        assert any(TeamMonth._meta.db_table in sql for sql in read)
        assert any(TeamResponseMonthBin._meta.db_table in sql for sql in read)
        month_rows_are_their_days_summed()

        # April has begun, March is not summed yet: its days are read (and its last ones live).
        april = dt.datetime(2026, 4, 1, 0, 30, tzinfo=zone)
        read_and_count(april)
        team_roll_up(tenant=world.tenant, now=april)
        assert max(months()) == dt.date(2026, 3, 1)
        read_and_count(april)

        # A ticket of February given to another rep: its month is summed again.
        ticket = (
            SlaEvent.objects.filter(
                tenant=world.tenant, kind=SlaEventKind.STARTED, occurred_at__month=2
            )
            .first()
            .ticket
        )
        ticket.assignee = reps[2] if ticket.assignee_id != reps[2].pk else reps[0]
        ticket.save()
        # And a February follow-up still open, marked missed.
        follow_up = FollowUp.objects.filter(
            tenant=world.tenant, scheduled_at__month=2, status__in=OPEN_STATUSES
        ).first()
        follow_up.status = Status.MISSED
        follow_up.save()
        later = april + dt.timedelta(minutes=5)
        team_roll_up(tenant=world.tenant, now=later)
        read_and_count(later)
        month_rows_are_their_days_summed()


def test_whole_seconds_of_the_waits_are_kept_as_floats(world):
    # The rows are written in SQL, as json.dumps wrote them when they were put together in Python
    # (120.0, not PostgreSQL's 120): the waits of _world_data are whole seconds.
    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    with time_machine.travel(now - 60 * DAY, tick=False):
        _world_data(world, now, 8)
    with world.active():
        team_roll_up(tenant=world.tenant, now=now)
        kept = [
            kept
            for buckets in TeamResponseBin.objects.filter(tenant=world.tenant).values_list(
                "buckets", flat=True
            )
            for kept in buckets.values()
        ]
    assert kept
    assert all(
        isinstance(count, int) and isinstance(shortest, float) and isinstance(longest, float)
        for count, shortest, longest in kept
    )


def test_the_beat_task_keeps_every_tenant(world, other_world):
    assert sweep_inline(roll_up_team) == 0  # nothing to count, but each tenant's watermark is set
    with world.active():
        assert TeamRollup.objects.filter(tenant=world.tenant).exists()
    with other_world.active():
        assert TeamRollup.objects.filter(tenant=other_world.tenant).exists()


def test_a_rep_page_reads_the_rollup(world, client, django_assert_max_num_queries):
    from tests.conftest import sign_in

    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    with time_machine.travel(now - 60 * DAY, tick=False):
        _world_data(world, now, 5)
    with world.active():
        team_roll_up(tenant=world.tenant, now=now)
    sign_in(client, world.rep)
    with time_machine.travel(now, tick=False):
        response = client.get("/dashboard/?tab=team")
    assert response.status_code == 200
    assert zoneinfo.ZoneInfo(world.tenant.time_zone)


def test_only_a_lead_moved_to_another_pipeline_or_brand_counts_its_days_again(world):
    """A lead is saved for every stage move and every edit: only another pipeline or brand
    changes what its days were counted under."""
    pipelines = [pipeline_for(world.tenant), pipeline_for(world.tenant, name="Commercial")]
    lead = lead_for(world, pipelines[0])
    with world.active():
        call = follow_up_type_get(tenant=world.tenant, key="call")
        for days_ago in (3, 40):
            FollowUp.objects.create(
                tenant=world.tenant,
                subject="Call",
                type=call,
                scheduled_at=timezone.now() - days_ago * DAY,
                duration_minutes=30,
                assignee=world.rep,
                contact=world.contact,
                lead=lead,
            )
        team_roll_up(tenant=world.tenant)
        same_pipeline = Stage.objects.filter(pipeline=pipelines[0]).exclude(pk=lead.stage_id)
        lead = lead_move_to_stage(
            tenant=world.tenant, actor=None, lead=lead, stage=same_pipeline.first()
        )
        lead = lead_update(tenant=world.tenant, actor=world.admin.user, lead=lead, title="Re-roof")
        assert not TeamDayChanged.objects.filter(tenant=world.tenant).exists()

        other = Stage.objects.filter(pipeline=pipelines[1]).first()
        lead_move_to_stage(tenant=world.tenant, actor=None, lead=lead, stage=other)
        zone = world.tenant.zone
        assert set(
            TeamDayChanged.objects.filter(tenant=world.tenant).values_list("day", flat=True)
        ) == {
            timezone.localtime(f.scheduled_at, zone).date()
            for f in FollowUp.objects.filter(tenant=world.tenant, lead=lead)
        }
