"""The dashboard's minute sweeps and the kept figures visit only the tenants with work (one query
across tenants each, dashboards.selectors.sweeps): a tenant with nothing to count gets no task."""

import datetime as dt

import time_machine

from dashboards import tasks
from dashboards.selectors import sweeps as due
from dashboards.services.moment import moment_keep
from dashboards.services.period_rollups import period_roll_up
from dashboards.services.rollups import stage_flow_roll_up
from dashboards.services.team_rollup import CHANGES_OVERLAP, team_day_changed, team_roll_up
from followups.models import FollowUp
from followups.services.followups import follow_up_type_get
from tests.factories import lead_for

NOW = dt.datetime(2026, 3, 11, 15, 7, tzinfo=dt.UTC)


def _due(task, now) -> set[int]:
    return set(task.sweep.tenant_ids(now))


def _two_minutes_off_turn(tenants, after: dt.datetime) -> dt.datetime:
    """The first of two minutes after `after` that are neither tenant's turn: a small tenant's
    moment is counted again with nothing new one minute in ten, by its id (dashboards migration
    0028), so a test of what else makes it due keeps out of those minutes."""
    turns = due.MOMENT_STALE_AFTER // dt.timedelta(minutes=1)
    taken = {tenant.pk % turns for tenant in tenants}
    for n in range(1, turns - 1):
        minute = int((after + dt.timedelta(minutes=n)).timestamp() // 60)
        if not {minute % turns, (minute + 1) % turns} & taken:
            return after + dt.timedelta(minutes=n)
    raise AssertionError("no two minutes off both turns")


def test_the_period_rollup_visits_tenants_not_built_or_with_a_noted_change(
    world, other_world, django_assert_num_queries
):
    both = {world.tenant.pk, other_world.tenant.pk}
    assert _due(tasks.roll_up_periods, NOW) == both  # never built
    for one in (world, other_world):
        with one.active():
            period_roll_up(tenant=one.tenant, now=NOW)
    with django_assert_num_queries(1):
        assert _due(tasks.roll_up_periods, NOW) == set()
    lead_for(world, owner=world.rep)  # the triggers note its day
    assert _due(tasks.roll_up_periods, NOW) == {world.tenant.pk}
    with world.active():
        period_roll_up(tenant=world.tenant, now=NOW)
    assert _due(tasks.roll_up_periods, NOW) == set()
    other_world.tenant.time_zone = "Europe/Paris"
    other_world.tenant.save(update_fields=["time_zone"])
    assert _due(tasks.roll_up_periods, NOW) == {other_world.tenant.pk}  # rebuilt in its zone


def _follow_up(world, lead, scheduled_at: dt.datetime) -> FollowUp:
    with world.active():
        return FollowUp.objects.create(
            tenant=world.tenant,
            subject="Call",
            type=follow_up_type_get(tenant=world.tenant, key="call"),
            scheduled_at=scheduled_at,
            duration_minutes=30,
            assignee=world.rep,
            contact=world.contact,
            lead=lead,
        )


def test_the_team_rollup_visits_tenants_with_a_change_or_a_day_that_ended(
    world, other_world, django_assert_num_queries
):
    both = {world.tenant.pk, other_world.tenant.pk}
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        lead = lead_for(world, owner=world.rep)
    assert _due(tasks.roll_up_team, NOW) == both  # never built
    for one in (world, other_world):
        with one.active():
            team_roll_up(tenant=one.tenant, now=NOW)
    later = NOW + dt.timedelta(minutes=10)
    with django_assert_num_queries(1):
        assert _due(tasks.roll_up_team, later) == set()
    # A lead saved is no change of the team's figures (another pipeline or brand marks its
    # days itself: tests/dashboards/test_team_rollup.py).
    with time_machine.travel(later, tick=False), world.active():
        lead.save()
    assert _due(tasks.roll_up_team, later) == set()
    # A follow-up saved since the last run.
    with time_machine.travel(later, tick=False):
        _follow_up(world, lead, NOW - dt.timedelta(days=1))
    assert _due(tasks.roll_up_team, later) == {world.tenant.pk}
    with world.active():
        team_roll_up(tenant=world.tenant, now=later + dt.timedelta(minutes=6))
    assert _due(tasks.roll_up_team, later + dt.timedelta(minutes=7)) == set()
    # A day marked by a rescheduled follow-up.
    with other_world.active():
        team_day_changed(tenant=other_world.tenant, day=NOW.date())
    assert _due(tasks.roll_up_team, later) == {other_world.tenant.pk}
    # Every tenant when its day ends (the ended day is counted from then on).
    assert _due(tasks.roll_up_team, NOW + dt.timedelta(days=1)) == both


def test_the_team_rollup_visits_a_change_once_and_again_when_its_overlap_has_passed(
    world, other_world
):
    """A change makes its tenant due in the next round only, not in every round of the overlap
    the visit looks back over (dashboards migration 0029). Once the overlap has passed since
    that visit, the tenant is visited once more: a transaction open at the visit, which wrote
    with an earlier time and committed after it, is counted then."""
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        lead = lead_for(world, owner=world.rep)
    for one in (world, other_world):
        with one.active():
            team_roll_up(tenant=one.tenant, now=NOW)
    changed = NOW + dt.timedelta(minutes=10)
    with time_machine.travel(changed, tick=False):
        _follow_up(world, lead, NOW - dt.timedelta(days=1))
    visit = changed + dt.timedelta(minutes=1)
    assert _due(tasks.roll_up_team, visit) == {world.tenant.pk}
    with world.active():
        assert team_roll_up(tenant=world.tenant, now=visit) == 1  # the follow-up's day
    # A follow-up written before the visit by a transaction that commits after it.
    with time_machine.travel(visit - dt.timedelta(seconds=30), tick=False):
        _follow_up(world, lead, NOW - dt.timedelta(days=3))
    overlap = visit + CHANGES_OVERLAP
    for minutes in range(1, 5):
        assert _due(tasks.roll_up_team, visit + dt.timedelta(minutes=minutes)) == set()
    assert _due(tasks.roll_up_team, overlap) == {world.tenant.pk}
    with world.active():
        # Both days the overlap holds: the late follow-up's is among them.
        assert team_roll_up(tenant=world.tenant, now=overlap) == 2
    for minutes in (1, 5, 10):
        assert _due(tasks.roll_up_team, overlap + dt.timedelta(minutes=minutes)) == set()


def test_the_stage_flow_visits_tenants_with_a_lead_saved_or_a_day_that_ended(
    world, other_world, django_assert_num_queries
):
    both = {world.tenant.pk, other_world.tenant.pk}
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        lead = lead_for(world, owner=world.rep)
        lead_for(other_world, owner=other_world.rep)
    assert _due(tasks.roll_up_stage_flow, NOW) == both  # never built
    for one in (world, other_world):
        with one.active():
            stage_flow_roll_up(tenant=one.tenant, now=NOW)
    later = NOW + dt.timedelta(minutes=10)
    with django_assert_num_queries(1):
        assert _due(tasks.roll_up_stage_flow, later) == set()
    # A lead saved since the last run (a stage move saves its lead).
    with time_machine.travel(later, tick=False), world.active():
        lead.save()
    assert _due(tasks.roll_up_stage_flow, later) == {world.tenant.pk}
    with world.active():
        stage_flow_roll_up(tenant=world.tenant, now=later + dt.timedelta(minutes=1))
    assert _due(tasks.roll_up_stage_flow, later + dt.timedelta(minutes=2)) == set()
    # Every tenant when its local day ends (the day is counted again whole).
    assert _due(tasks.roll_up_stage_flow, NOW + dt.timedelta(days=1)) == both


def test_the_kept_figures_are_recounted_for_the_tenants_large_enough(
    world, other_world, monkeypatch
):
    monkeypatch.setattr(due, "KEEP_FIGURES_FROM_LEADS", 2)
    for _ in range(2):
        lead_for(world, owner=world.rep)
    lead_for(other_world, owner=other_world.rep)
    assert _due(tasks.keep_figures_fresh, NOW) == {world.tenant.pk}


def _turn(tenant, after: dt.datetime) -> dt.datetime:
    """The first minute from `after` on when the tenant's figures of the moment are counted for
    the clock alone (dashboards migration 0028: one minute in ten, by its id)."""
    return next(
        at
        for at in (after + dt.timedelta(minutes=n) for n in range(10))
        if int(at.timestamp() // 60) % 10 == tenant.pk % 10
    )


def test_the_moment_is_counted_for_large_tenants_changed_ones_and_stale_ones(
    world, other_world, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(due, "KEEP_FIGURES_FROM_LEADS", 2)
    # Five minutes past the small tenant's turn: the next is five minutes on.
    now = _turn(world.tenant, NOW) + dt.timedelta(minutes=5)
    with time_machine.travel(now - dt.timedelta(days=2), tick=False):
        lead = lead_for(world, owner=world.rep)
        for _ in range(2):
            lead_for(other_world, owner=other_world.rep)
    both = {world.tenant.pk, other_world.tenant.pk}
    assert _due(tasks.count_the_moment, now) == both  # never counted
    for one in (world, other_world):
        with one.active():
            moment_keep(tenant=one.tenant, now=now)
    later = now + dt.timedelta(minutes=1)
    # The large tenant every minute; the small one has nothing new.
    with django_assert_num_queries(1):
        assert _due(tasks.count_the_moment, later) == {other_world.tenant.pk}
    with time_machine.travel(later, tick=False), world.active():
        lead.save()
    assert _due(tasks.count_the_moment, later) == both
    with world.active():
        moment_keep(tenant=world.tenant, now=later + dt.timedelta(seconds=1))
    assert _due(tasks.count_the_moment, later + dt.timedelta(minutes=1)) == {other_world.tenant.pk}
    # The small tenant's colours are counted again with nothing written at its turn, one minute
    # in ten, and in none of the nine others.
    minutes = [later + dt.timedelta(minutes=n) for n in range(2, 12)]
    turns = [at for at in minutes if _due(tasks.count_the_moment, at) == both]
    assert turns == [now + dt.timedelta(minutes=5)]
    assert _due(tasks.count_the_moment, turns[0] + due.MOMENT_STALE_AFTER) == both


def test_the_moment_counts_the_stale_tenants_a_tenth_at_a_time(world, other_world):
    """After an outage every tenant's figures are stale: each is counted at its turn over the
    next ten minutes, not all of them in the first round."""
    for one in (world, other_world):
        with one.active():
            moment_keep(tenant=one.tenant, now=NOW - dt.timedelta(days=1))
    assert world.tenant.pk % 10 != other_world.tenant.pk % 10
    rounds = [_due(tasks.count_the_moment, NOW + dt.timedelta(minutes=n)) for n in range(10)]
    assert sorted(len(tenants) for tenants in rounds) == [0] * 8 + [1, 1]
    assert set().union(*rounds) == {world.tenant.pk, other_world.tenant.pk}


def test_the_moment_is_counted_again_for_a_neglect_flag_raised_or_cleared_since(
    world, other_world, django_assert_num_queries
):
    """A flag raised since the count (the latest open one) or cleared since (the latest clearing)
    makes the tenant due; each is one probe of its index (dashboards migration 0027)."""
    from followups.models import NeglectFlag

    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        lead = lead_for(world, owner=world.rep)
    for one in (world, other_world):
        with one.active():
            moment_keep(tenant=one.tenant, now=NOW)
    later = _two_minutes_off_turn([world.tenant, other_world.tenant], after=NOW)
    assert _due(tasks.count_the_moment, later) == set()
    with world.active():
        flag = NeglectFlag.objects.create(
            tenant=world.tenant,
            contact=world.contact,
            lead=lead,
            owner=world.rep,
            last_touch_at=NOW - dt.timedelta(days=2),
            flagged_at=NOW + dt.timedelta(seconds=30),
        )
    with django_assert_num_queries(1):
        assert _due(tasks.count_the_moment, later) == {world.tenant.pk}
    with world.active():
        moment_keep(tenant=world.tenant, now=later)
    assert _due(tasks.count_the_moment, later) == set()
    with world.active():
        flag.cleared_at = later + dt.timedelta(seconds=30)
        flag.save(update_fields=["cleared_at"])
    two_later = later + dt.timedelta(minutes=1)
    assert _due(tasks.count_the_moment, two_later) == {world.tenant.pk}
    with world.active():
        moment_keep(tenant=world.tenant, now=two_later)
    assert _due(tasks.count_the_moment, two_later) == set()
