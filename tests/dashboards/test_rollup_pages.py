"""With every rollup built, each tab of the dashboard runs the same number of queries however
much data the tenant holds, for a manager and a rep: the request reads rows, it never counts
history (the first-touch rollup for speed to lead, the team rollup for the team and the
follow-ups widget, the period rollups, the figures of the moment)."""

import datetime as dt
import random

import pytest
import time_machine

from crm.models import Role
from dashboards.sections import TABS
from dashboards.services.moment import moment_keep
from dashboards.services.period_rollups import period_roll_up
from dashboards.services.rollups import activity_roll_up, stage_flow_roll_up
from dashboards.services.team_rollup import team_roll_up
from followups.models import FollowUp, Status
from followups.services.followups import follow_up_type_get
from leads.models import Lead
from tests.conftest import queries_for, sign_in
from tests.dashboards.test_team_rollup import _world_data
from tests.factories import MembershipFactory, lead_for, pipeline_for

NOW = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _leads(world, reps, count: int, seed: int):
    """Leads created over the last forty days, most of them touched after a random wait."""
    rng = random.Random(seed)
    pipeline = pipeline_for(world.tenant, name=f"Pipeline {seed}")
    for _ in range(count):
        created = NOW - dt.timedelta(minutes=rng.randrange(10, 40 * 24 * 60))
        lead = lead_for(
            world, pipeline, owner=rng.choice(reps), announce=False, notify_owner=False, now=created
        )
        if rng.random() < 0.8:
            with world.active():
                Lead.objects.filter(pk=lead.pk).update(
                    first_touch_at=created + dt.timedelta(seconds=rng.randrange(30, 2 * 86400))
                )


def _follow_ups(world, reps, count: int, seed: int):
    """More follow-ups over the same forty days, in random states."""
    rng = random.Random(seed)
    with world.active():
        call = follow_up_type_get(tenant=world.tenant, key="call")
        for _ in range(count):
            at = NOW + dt.timedelta(minutes=rng.randrange(-40 * 24 * 60, 10 * 24 * 60))
            status = rng.choice([Status.PENDING, Status.COMPLETED, Status.MISSED])
            FollowUp.objects.create(
                tenant=world.tenant,
                subject="Call",
                type=call,
                scheduled_at=at,
                duration_minutes=30,
                status=status,
                assignee=rng.choice(reps),
                contact=world.contact,
                completed_at=at + dt.timedelta(minutes=20) if status == Status.COMPLETED else None,
            )


def _roll_up(world):
    with world.active():
        for keep in (
            stage_flow_roll_up,
            activity_roll_up,
            period_roll_up,
            team_roll_up,
            moment_keep,
        ):
            keep(tenant=world.tenant, now=NOW)


@pytest.mark.parametrize("tab", [tab.slug for tab in TABS])
def test_each_tab_reads_the_rollups_in_the_same_queries_however_much_data(client, world, tab):
    with time_machine.travel(NOW - 60 * DAY, tick=False):
        reps, _pipelines, _brands = _world_data(world, NOW, 1)
    _leads(world, reps, 12, 1)
    _roll_up(world)
    url = f"/dashboard/?tab={tab}&period=year"
    with time_machine.travel(NOW, tick=False):
        sign_in(client, world.manager)
        few = queries_for(client, url)
        sign_in(client, world.rep)
        few_rep = queries_for(client, url)
    more_reps = [MembershipFactory(tenant=world.tenant, role=Role.REP) for _ in range(3)]
    _leads(world, [*reps, *more_reps], 60, 2)
    _follow_ups(world, [*reps, *more_reps], 120, 2)
    _roll_up(world)
    with time_machine.travel(NOW, tick=False):
        sign_in(client, world.manager)
        assert queries_for(client, url) == few
        sign_in(client, world.rep)
        assert queries_for(client, url) == few_rep
