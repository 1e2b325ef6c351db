"""The team table and the stage flow against a world whose times are known.

The period is 1–11 March 2026 in New York (business hours Monday–Friday 08:00–17:00); NOW is
11 March, 15:00 UTC. "Amy First" is the world's rep, "Zoe Second" another rep.

Follow-ups (30-minute slots):
| FU1 | Amy | 2 Mar 10:00 | done 10:20             | on time |
| FU2 | Amy | 3 Mar 10:00 | done 11:00             | late |
| FU3 | Amy | 10 Mar 10:00 | still pending         | overdue |
| FU4 | Zoe | 4 Mar 10:00 | the sweep marked it missed | missed |
| FU5 | Amy | 5 Mar 10:00 | cancelled             | not counted |
| FU6 | Zoe | 12 Mar 10:00 | pending              | after the period |
| FU7 | Amy | 11 Mar 14:00 | pending (not due yet) | not counted |

Tickets (the customer's first message starts the first-response clock):
| T1 | Amy | normal | wrote 2 Mar 10:00, answered 10:30 | met, 30 min |
| T2 | Amy | urgent (1 business hour) | wrote 3 Mar 10:00, answered 13:00 | late, 3 h |
| T3 | Zoe | normal | wrote 4 Mar 10:00, answered 11:00 | met, 1 h |
| T4 | Amy | urgent | wrote 27 Feb 10:00, answered 2 Mar 09:00 | late; clock started before the period |
| T5 | Zoe | normal | wrote 10 Mar 10:00, not answered | nothing yet |

Stage visits (residential roofing):
| S1 | Amy | New lead 2 Mar 10:00 → Contacted 12:00 → Inspection scheduled 4 Mar 12:00 |
| S2 | Amy | New lead 3 Mar 10:00 → lost 16:00 |
| S3 | Zoe | New lead 5 Mar 10:00, still there |
| S4 | Amy | New lead 20 Feb → Contacted 1 Mar 10:00, still there |
| S5 | Zoe | New lead 6 Mar 10:00 → Contacted 11:00 → back to New lead 12:00, still there |
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from crm.models import Role
from crm.tenancy.sweeps import sweep_inline
from dashboards.models import StageFlowDay, StageFlowMonth, StageFlowRollup
from dashboards.selectors.people import team_members
from dashboards.selectors.stage_flow import Flow, flow_rows
from dashboards.selectors.team import stage_flow_figures, team_figures
from dashboards.services.rollups import stage_flow_roll_up
from dashboards.tasks import roll_up_stage_flow
from followups.models import Outcome
from followups.services.followups import (
    follow_up_cancel,
    follow_up_complete,
    follow_up_create,
    follow_up_type_get,
)
from followups.services.missed import follow_ups_mark_missed
from leads.models import LostReason
from leads.services.leads import lead_create
from leads.services.stages import lead_mark_lost, lead_move_to_stage
from tests.dashboards.scopes import scope_for
from tests.factories import BrandFactory, MembershipFactory, lead_for, pipeline_for, stage_named
from tickets.models import Priority
from tickets.services import configuration, sla
from tickets.services.threading import ticket_open

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
PERIOD = (dt.datetime(2026, 3, 1, tzinfo=NEW_YORK), dt.datetime(2026, 3, 12, tzinfo=NEW_YORK))


def march(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def _follow_ups(world, amy, zoe):
    call = follow_up_type_get(tenant=world.tenant, key="call")

    def follow_up(assignee, at):
        with time_machine.travel(march(1, 8), tick=False):
            return follow_up_create(
                tenant=world.tenant,
                actor=None,
                subject="Call back",
                contact=world.contact,
                assignee=assignee,
                scheduled_at=at,
                type=call,
            )

    def done(item, at):
        with time_machine.travel(at, tick=False):
            follow_up_complete(
                tenant=world.tenant,
                actor=item.assignee.user,
                follow_up=item,
                outcome=Outcome.SUCCESSFUL,
                now=at,
            )

    done(follow_up(amy, march(2, 10)), march(2, 10, 20))
    done(follow_up(amy, march(3, 10)), march(3, 11))
    follow_up(amy, march(10, 10))
    follow_up(zoe, march(4, 10))
    with time_machine.travel(march(5, 9), tick=False):
        follow_ups_mark_missed(tenant=world.tenant, now=march(5, 9))
    cancelled = follow_up(amy, march(5, 10))
    follow_up_cancel(tenant=world.tenant, actor=amy.user, follow_up=cancelled)
    follow_up(zoe, march(12, 10))
    follow_up(amy, march(11, 14))


def _tickets(world, amy, zoe):
    inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Support")

    def ticket(assignee, priority, wrote, answered=None):
        opened = ticket_open(
            tenant=world.tenant,
            contact=world.contact,
            inbox=inbox,
            subject="Leak",
            lead=None,
            opened_at=wrote,
        )
        opened.assignee, opened.priority = assignee, priority
        sla.sla_customer_wrote(tenant=world.tenant, ticket=opened, at=wrote)
        if answered:
            sla.sla_answered(tenant=world.tenant, ticket=opened, at=answered)
        opened.save()

    ticket(amy, Priority.NORMAL, march(2, 10), march(2, 10, 30))
    ticket(amy, Priority.URGENT, march(3, 10), march(3, 13))
    ticket(zoe, Priority.NORMAL, march(4, 10), march(4, 11))
    ticket(amy, Priority.URGENT, march(27, 10, month=2), march(2, 9))
    ticket(zoe, Priority.NORMAL, march(10, 10))


def _stage_visits(world, amy, zoe):
    pipeline = pipeline_for(world.tenant)
    stage = {name: stage_named(pipeline, name) for name in ("Contacted", "Inspection scheduled")}
    new_lead = stage_named(pipeline, "New lead")

    def lead(owner, created):
        return lead_create(
            tenant=world.tenant,
            actor=None,
            contact=world.contact,
            pipeline=pipeline,
            owner=owner,
            announce=False,
            notify_owner=False,
            now=created,
        )

    def move(item, to, at):
        return lead_move_to_stage(tenant=world.tenant, actor=None, lead=item, stage=to, now=at)

    s1 = lead(amy, march(2, 10))
    s1 = move(s1, stage["Contacted"], march(2, 12))
    move(s1, stage["Inspection scheduled"], march(4, 12))
    s2 = lead(amy, march(3, 10))
    lead_mark_lost(
        tenant=world.tenant, actor=None, lead=s2, reason=LostReason.PRICE, now=march(3, 16)
    )
    lead(zoe, march(5, 10))
    move(lead(amy, march(20, 10, month=2)), stage["Contacted"], march(1, 10))
    s5 = move(lead(zoe, march(6, 10)), stage["Contacted"], march(6, 11))
    move(s5, new_lead, march(6, 12))
    return pipeline


@pytest.fixture
def team_world(world):
    world.rep.user.full_name = "Amy First"
    world.rep.user.save(update_fields=["full_name"])
    zoe = MembershipFactory(tenant=world.tenant, role=Role.REP, user__full_name="Zoe Second")
    with world.active(), time_machine.travel(NOW, tick=False):
        _follow_ups(world, world.rep, zoe)
        _tickets(world, world.rep, zoe)
        world.pipeline = _stage_visits(world, world.rep, zoe)
    world.zoe = zoe
    return world


def _team(world, **filters):
    with world.active():
        rows = team_figures(scope_for(world, *PERIOD, **filters), now=NOW).reps
    return {row.name: row for row in rows}


def test_follow_ups_on_time_late_overdue_and_missed(team_world):
    rows = _team(team_world)
    amy, zoe = rows["Amy First"], rows["Zoe Second"]
    follow_ups = (
        "follow_ups_on_time",
        "follow_ups_late",
        "follow_ups_overdue",
        "follow_ups_missed",
    )
    assert [getattr(amy, name) for name in follow_ups] == [1, 1, 1, 0]
    assert [getattr(zoe, name) for name in follow_ups] == [0, 0, 0, 1]
    assert amy.follow_ups_due == 3


def test_tickets_answered_within_sla_and_the_median_first_response(team_world):
    rows = _team(team_world)
    amy, zoe = rows["Amy First"], rows["Zoe Second"]
    assert (amy.sla_met, amy.sla_late, amy.first_responses) == (1, 2, 2)
    assert amy.median_first_response == dt.timedelta(hours=1, minutes=45)
    assert (zoe.sla_met, zoe.sla_late, zoe.first_responses) == (1, 0, 1)
    assert zoe.median_first_response == dt.timedelta(hours=1)


def test_open_leads_now_and_every_active_rep_has_a_row(team_world):
    extra = MembershipFactory(tenant=team_world.tenant, role=Role.REP, user__full_name="Yan Idle")
    rows = _team(team_world)
    assert (rows["Amy First"].open_leads, rows["Zoe Second"].open_leads) == (2, 2)
    assert list(rows) == ["Amy First", "Yan Idle", "Zoe Second"]
    assert rows["Yan Idle"].follow_ups_due == 0
    assert extra.is_active


def test_the_team_table(team_world):
    with team_world.active():
        table = team_figures(scope_for(team_world, *PERIOD), now=NOW).table()
    amy = [str(cell) for cell in table.rows[0]]
    assert amy == ["Amy First", "2", "1", "1", "1", "0", "33%", "1", "3", "0", "33%", "1h 45m"]
    zoe = [str(cell) for cell in table.rows[1]]
    assert zoe == ["Zoe Second", "2", "0", "0", "0", "1", "0%", "1", "1", "0", "100%", "1h"]


def test_a_rep_sees_only_their_row(team_world):
    rows = _team(team_world, rep=team_world.zoe)
    assert list(rows) == ["Zoe Second"]
    assert rows["Zoe Second"].follow_ups_missed == 1
    assert rows["Zoe Second"].sla_met == 1


def _stage_rows(world, *, rep=None):
    with world.active():
        figures = stage_flow_figures(scope_for(world, *PERIOD, rep=rep), now=NOW)
    return figures, {
        row.stage.name: row for row in figures.rows if row.stage.pipeline_id == world.pipeline.pk
    }


def _flow(row) -> tuple:
    return (row.flow.entered, row.flow.left, row.flow.moved_on, row.conversion, row.average_days)


# New lead: entered S1, S2, S3, S5 twice = 5; left S1 (2 h, on), S2 (6 h, lost), S4 (9 days, on),
# S5's first (1 h, on) = 4, 3 moved on, 225 hours = 2.3 days on average.
# Contacted: entered S4, S1, S5 = 3; left S1 (2 days, on), S5 (1 h, back) = 2, 1 moved on, 24.5 h.
# Inspection scheduled: entered S1, nobody left.
EXPECTED_FLOW = {
    "New lead": (5, 4, 3, 75, 2.3),
    "Contacted": (3, 2, 1, 50, 1.0),
    "Inspection scheduled": (1, 0, 0, None, None),
}


def test_stage_conversion_and_days_in_stage(team_world):
    figures, rows = _stage_rows(team_world)
    assert {name: _flow(rows[name]) for name in EXPECTED_FLOW} == EXPECTED_FLOW
    assert rows["New lead"].flow.time_in_stage == dt.timedelta(hours=225)
    assert "Lost" not in rows
    table_row = next(
        [str(cell) for cell in row] for row in figures.table().rows if row[1] == "New lead"
    )
    assert table_row == ["Residential roofing", "New lead", "5", "4", "3", "1", "75%", "2.3"]
    assert [row[1] for row in figures.table().rows] == list(EXPECTED_FLOW)  # stages with flow


def test_stage_conversion_for_a_rep(team_world):
    _, rows = _stage_rows(team_world, rep=team_world.zoe)
    # Zoe's S3 and S5: three visits began, one ended (moved on after an hour).
    assert _flow(rows["New lead"]) == (3, 1, 1, 100, 0.0)
    assert _flow(rows["Contacted"]) == (1, 1, 0, 0, 0.0)


def test_the_rollup_stores_finished_days_and_the_figures_do_not_change(team_world):
    with team_world.active():
        days = stage_flow_roll_up(tenant=team_world.tenant, now=NOW)
        stored = StageFlowDay.objects.filter(tenant=team_world.tenant)
        state = StageFlowRollup.objects.get(tenant=team_world.tenant)
        assert (state.rolled_through, state.counted_through) == (march(10, 0).date(), NOW)
        assert stored.filter(day=march(6, 0).date(), stage__name="Contacted").get().left == 1
        # From the oldest lead (S4, 20 February) to today, 11 March.
        assert days == 20
        assert stage_flow_roll_up(tenant=team_world.tenant, now=NOW) == 0  # nothing new
        rolled_rows = stored.count()
    assert rolled_rows > 0
    _, rows = _stage_rows(team_world)
    assert {name: _flow(rows[name]) for name in EXPECTED_FLOW} == EXPECTED_FLOW
    _, zoe = _stage_rows(team_world, rep=team_world.zoe)
    assert _flow(zoe["New lead"]) == (3, 1, 1, 100, 0.0)


def test_the_rollup_stores_the_live_flow_even_of_moves_at_one_moment(team_world):
    pipeline = team_world.pipeline
    contacted = stage_named(pipeline, "Contacted")
    with team_world.active(), time_machine.travel(NOW, tick=False):
        item = lead_create(
            tenant=team_world.tenant,
            actor=None,
            contact=team_world.contact,
            pipeline=pipeline,
            owner=team_world.zoe,
            announce=False,
            notify_owner=False,
            now=march(7, 10),
        )
        # Two moves with one timestamp: Contacted is entered and left at 14:00, and the visit to
        # Inspection scheduled follows it (not the New lead visit that ended at 14:00 too).
        for name in ("Contacted", "Inspection scheduled"):
            item = lead_move_to_stage(
                tenant=team_world.tenant,
                actor=None,
                lead=item,
                stage=stage_named(pipeline, name),
                now=march(7, 14),
            )
        live = flow_rows(tenant=team_world.tenant, start=march(20, 0, month=2), end=march(11, 0))
        stage_flow_roll_up(tenant=team_world.tenant, now=NOW)
        stored = {
            (row.day, row.stage_id, row.owner_id, row.brand_id): Flow(
                row.entered, row.left, row.moved_on, row.time_in_stage
            )
            for row in StageFlowDay.objects.filter(tenant=team_world.tenant)
        }
    assert stored == live
    key = (march(7, 0).date(), contacted.pk, team_world.zoe.pk, item.brand_id)
    assert stored[key] == Flow(entered=1, left=1, moved_on=1, time_in_stage=dt.timedelta())
    new_lead = (march(7, 0).date(), stage_named(pipeline, "New lead").pk, *key[2:])
    assert stored[new_lead] == Flow(1, 1, 1, dt.timedelta(hours=4))


def test_days_after_the_rollup_are_read_live(team_world):
    with team_world.active():
        stage_flow_roll_up(tenant=team_world.tenant, now=march(4, 0))  # through 3 March
        StageFlowDay.objects.filter(tenant=team_world.tenant, day=march(2, 0).date()).delete()
    _, rows = _stage_rows(team_world)
    # Rolled 1–3 March without 2 March's rows (S1 entered New lead, left it for Contacted),
    # live from 4 March on.
    assert _flow(rows["New lead"])[:3] == (4, 3, 2)


def test_finished_months_are_stored_from_their_days_and_read_as_the_days(team_world):
    """February's rows are summed into its month when the sweep stores its last day; a period
    over whole months reads the month's row (its days deleted, the figures stay) and the days
    around it, as the days alone read."""
    world = team_world
    february = dt.date(2026, 2, 1)
    with world.active():
        stage_flow_roll_up(tenant=world.tenant, now=march(4, 0))  # through 3 March
        february_days = StageFlowDay.objects.filter(tenant=world.tenant, day__lt=march(1, 0).date())
        by_key = {
            (row.stage_id, row.owner_id, row.brand_id): Flow(
                row.entered, row.left, row.moved_on, row.time_in_stage
            )
            for row in february_days
        }
        months = StageFlowMonth.objects.filter(tenant=world.tenant)
        assert by_key == {
            (row.stage_id, row.owner_id, row.brand_id): Flow(
                row.entered, row.left, row.moved_on, row.time_in_stage
            )
            for row in months
        }
        assert set(months.values_list("month", flat=True)) == {february}
        assert stage_flow_roll_up(tenant=world.tenant, now=march(4, 12)) == 1  # today only
        assert set(months.values_list("month", flat=True)) == {february}
    periods = [
        (march(1, 0, month=2), march(12, 0)),
        (march(15, 0, month=1), march(12, 0)),
        (march(1, 0, month=2), march(1, 0)),
        PERIOD,
    ]
    scopes = [{}, {"rep": world.rep}, {"rep": world.zoe}, {"pipeline": world.pipeline}]

    def figures(**filters):
        with world.active():
            return [
                [
                    (row.stage.pk, _flow(row))
                    for row in stage_flow_figures(
                        scope_for(world, start, end, **filters), now=NOW
                    ).rows
                ]
                for start, end in periods
            ]

    with world.active():
        february_days.delete()
    from_months = [figures(**filters) for filters in scopes]
    with world.active():
        StageFlowRollup.objects.filter(tenant=world.tenant).delete()
    assert from_months == [figures(**filters) for filters in scopes]


def _move_today(world, lead, name: str, at: dt.datetime):
    return lead_move_to_stage(
        tenant=world.tenant, actor=None, lead=lead, stage=stage_named(world.pipeline, name), now=at
    )


def test_today_is_kept_by_the_minute_sweep_and_reads_as_counted(team_world, other_world):
    """Today's visits are stored by the sweep, those since counted live: each view (the team, a
    rep's own, a pipeline, a brand) reads what flow_rows counts from the visits alone."""
    world = team_world
    with world.active():
        brand = BrandFactory(tenant=world.tenant)
        today = lead_create(
            tenant=world.tenant,
            actor=None,
            contact=world.contact,
            pipeline=world.pipeline,
            owner=world.zoe,
            brand=brand,
            announce=False,
            notify_owner=False,
            now=march(11, 8),
        )
        # Before the sweep at 10:00 (New York): entered Contacted at 9:00; after it, Inspection.
        today = _move_today(world, today, "Contacted", march(11, 9))
        stage_flow_roll_up(tenant=world.tenant, now=march(11, 10))
        _move_today(world, today, "Inspection scheduled", march(11, 10, 30))
    with time_machine.travel(march(11, 9, 45), tick=False):
        other_lead = lead_for(other_world, owner=other_world.rep)
    with other_world.active():
        stage_flow_roll_up(tenant=other_world.tenant, now=march(11, 10))
    now = march(11, 11)
    with world.active():
        stored_today = StageFlowDay.objects.filter(day=march(11, 0).date())
        assert {row.stage_id for row in stored_today} == {
            stage_named(world.pipeline, name).pk for name in ("New lead", "Contacted")
        }
    assert other_lead.brand_id != brand.pk
    scopes = [
        {},
        {"rep": world.zoe},
        {"rep": world.rep},
        {"pipeline": world.pipeline},
        {"brand": brand},
        {"pipeline": world.pipeline, "rep": world.zoe},
    ]
    periods = [PERIOD, (march(11, 0), march(12, 0)), (march(10, 0), march(11, 0))]

    def figures(**filters):
        with world.active():
            return {
                (start, end, tuple(filters)): [
                    (row.stage.pk, _flow(row))
                    for row in stage_flow_figures(
                        scope_for(world, start, end, **filters), now=now
                    ).rows
                ]
                for start, end in periods
            }

    from_rollup = [figures(**filters) for filters in scopes]
    with world.active():
        StageFlowRollup.objects.filter(tenant=world.tenant).delete()
    assert from_rollup == [figures(**filters) for filters in scopes]
    # Today's Contacted: entered at 9:00 (stored), left for Inspection at 10:30 (read live).
    with world.active():
        rows = {
            row.stage.name: row
            for row in stage_flow_figures(
                scope_for(world, march(11, 0), march(12, 0), rep=world.zoe), now=now
            ).rows
        }
    assert _flow(rows["Contacted"])[:3] == (1, 1, 1)


def test_the_beat_task_rolls_up_every_tenant(team_world, other_world):
    with time_machine.travel(march(10, 12), tick=False):
        lead_for(other_world, owner=other_world.rep)
    with time_machine.travel(NOW, tick=False):
        # 20 February to 11 March here; 10 and 11 March in the other tenant.
        assert sweep_inline(roll_up_stage_flow) == 20 + 2


def test_the_members_are_read_once_per_scope(world, django_assert_num_queries):
    """Every section of a page names people: one query serves them all, and another scope (the
    previous period, another rep's) reads its own."""
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    scope = scope_for(world, start, start + dt.timedelta(days=31))
    with world.active():
        with django_assert_num_queries(1):
            members = team_members(scope)
            assert team_members(scope) is members
        assert world.rep.pk in members
        with django_assert_num_queries(1):
            assert team_members(scope.previous()) == members
        with django_assert_num_queries(1):
            assert set(team_members(scope_for(world, start, start, rep=world.rep))) == {
                world.rep.pk
            }
