"""The dashboard's follow-ups widget read from the team rollup (dashboards.selectors.follow_ups)
equals what follow_up_stats counts from the follow-ups, for random follow-ups, the team and each
rep, readers in the tenant's time zone and in others, before the first sweep and after edits
once the sweep has run."""

import datetime as dt
import random
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from dashboards.models import TeamMonth, TeamRollup
from dashboards.selectors.follow_ups import follow_up_widget
from dashboards.services.team_rollup import team_roll_up
from followups.models import FollowUp, Status
from followups.selectors.widgets import follow_up_stats
from followups.services.followups import follow_up_reschedule
from tests.dashboards.test_team_rollup import _world_data

DAY = dt.timedelta(days=1)
ZONES = ("America/New_York", "Asia/Kolkata", "Pacific/Auckland")


def _assert_equal(world, reps, now):
    for zone in ZONES:
        for assignee in [None, *reps]:
            arguments = {
                "tenant": world.tenant,
                "zone": zoneinfo.ZoneInfo(zone),
                "assignee": assignee,
                "now": now,
            }
            assert follow_up_widget(**arguments) == follow_up_stats(**arguments), (zone, assignee)


@pytest.mark.parametrize(
    ("zone", "seed", "now"),
    [
        ("America/New_York", 1, dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)),
        # The morning after a daylight-saving change (a 23-hour day), in New York.
        ("America/New_York", 2, dt.datetime(2026, 3, 9, 4, 30, tzinfo=dt.UTC)),
        ("Asia/Kolkata", 3, dt.datetime(2026, 3, 11, 19, 0, tzinfo=dt.UTC)),
        ("Pacific/Auckland", 4, dt.datetime(2026, 3, 11, 11, 30, tzinfo=dt.UTC)),
    ],
)
def test_the_widget_from_the_rollup_equals_the_count(world, zone, seed, now):
    world.tenant.time_zone = zone
    world.tenant.save(update_fields=["time_zone"])
    with time_machine.travel(now - 60 * DAY, tick=False):
        reps, _pipelines, _brands = _world_data(world, now, seed)
    with world.active():
        assert not TeamRollup.objects.exists()
        _assert_equal(world, reps, now)  # counted: no rollup yet
        team_roll_up(tenant=world.tenant, now=now)
        _assert_equal(world, reps, now)

    # Edits a minute later (done, missed, cancelled, reassigned, moved, new), then the sweep
    # (a move through the service, which marks the day the follow-up left).
    later = now + dt.timedelta(minutes=1)
    rng = random.Random(seed)
    with world.active(), time_machine.travel(later, tick=False):
        follow_ups = list(FollowUp.objects.filter(tenant=world.tenant))
        picked = rng.sample(follow_ups, 24)
        for follow_up in picked[:16]:
            follow_up.status = rng.choice(
                [Status.COMPLETED, Status.MISSED, Status.CANCELLED, Status.PENDING]
            )
            follow_up.completed_at = later if follow_up.status == Status.COMPLETED else None
            follow_up.assignee = rng.choice(reps)
            follow_up.save()
        for follow_up in picked[16:]:
            if follow_up.status in (Status.PENDING, Status.MISSED):
                follow_up_reschedule(
                    tenant=world.tenant,
                    actor=None,
                    follow_up=follow_up,
                    scheduled_at=follow_up.scheduled_at + rng.choice([1, -1, 3]) * DAY,
                )
        FollowUp.objects.create(
            tenant=world.tenant,
            subject="Call",
            type=follow_ups[0].type,
            scheduled_at=later + dt.timedelta(hours=2),
            duration_minutes=30,
            status=Status.PENDING,
            assignee=reps[0],
            contact=world.contact,
        )
    with world.active():
        team_roll_up(tenant=world.tenant, now=later + dt.timedelta(minutes=1))
        _assert_equal(world, reps, later + dt.timedelta(minutes=1))
        # The next days, before and after their first sweep.
        for days in (1, 2, 9):
            moment = later + days * DAY
            _assert_equal(world, reps, moment)
            team_roll_up(tenant=world.tenant, now=moment)
            _assert_equal(world, reps, moment)


def test_four_queries(world, django_assert_max_num_queries):
    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    with time_machine.travel(now - 60 * DAY, tick=False):
        _world_data(world, now, 5)
    with world.active():
        team_roll_up(tenant=world.tenant, now=now)
        with django_assert_max_num_queries(4):
            follow_up_widget(tenant=world.tenant, zone=world.tenant.zone, now=now)


def test_the_months_over_are_read_from_their_month_rows(world):
    """Follow-ups of the autumn and winter before: their months are summed from TeamMonth, kept
    current when an old follow-up changes, and equal to the count."""
    now = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
    rng = random.Random(7)
    with time_machine.travel(now - 200 * DAY, tick=False):
        reps, _pipelines, _brands = _world_data(world, now, 6)
    with world.active():
        template = FollowUp.objects.filter(tenant=world.tenant).first()
        for _ in range(120):
            at = now - dt.timedelta(minutes=rng.randrange(45 * 24 * 60, 150 * 24 * 60))
            status = rng.choice([Status.PENDING, Status.COMPLETED, Status.MISSED])
            FollowUp.objects.create(
                tenant=world.tenant,
                subject="Call",
                type=template.type,
                scheduled_at=at,
                duration_minutes=30,
                status=status,
                assignee=rng.choice(reps),
                contact=world.contact,
                completed_at=at + dt.timedelta(minutes=20) if status == Status.COMPLETED else None,
            )
        team_roll_up(tenant=world.tenant, now=now)
        months = set(TeamMonth.objects.filter(tenant=world.tenant).values_list("month", flat=True))
        assert {dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)} <= months
        _assert_equal(world, reps, now)

    # An old follow-up done months late, another marked missed: the sweep writes their months
    # again.
    later = now + dt.timedelta(minutes=1)
    with world.active(), time_machine.travel(later, tick=False):
        old = FollowUp.objects.filter(
            tenant=world.tenant, status=Status.PENDING, scheduled_at__lt=now - 60 * DAY
        ).order_by("scheduled_at")
        first, second = old[0], old[1]
        first.status, first.completed_at = Status.COMPLETED, later
        first.save()
        second.status = Status.MISSED
        second.save()
    with world.active():
        team_roll_up(tenant=world.tenant, now=later + dt.timedelta(minutes=1))
        _assert_equal(world, reps, later + dt.timedelta(minutes=1))

        # The month rows are what is read: one changed by hand shows.
        arguments = {"tenant": world.tenant, "zone": world.tenant.zone, "now": later}
        before = follow_up_widget(**arguments)
        month = timezone.localdate(first.scheduled_at, world.tenant.zone).replace(day=1)
        row = TeamMonth.objects.filter(tenant=world.tenant, month=month).first()
        row.follow_ups_open += 1000
        row.save()
        after = follow_up_widget(**arguments)
        assert (after.pending, after.overdue) == (before.pending + 1000, before.overdue + 1000)
