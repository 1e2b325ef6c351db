"""Speed to lead against leads whose creation and first touch are known.

The period is 1–11 March 2026 in New York (the tenant's zone); NOW is 11 March, 15:00 UTC.

| lead | owner | created          | first touch (by)             | counts as |
| A    | rep   | 2 Mar 10:00      | +5 min (call logged)         | within 15 min |
| B    | rep   | 3 Mar 10:00      | +20 min (follow-up done)     | judged, late |
| C    | rep2  | 4 Mar 10:00      | +15 min exactly (call)       | within 15 min |
| D    | rep2  | 5 Mar 10:00      | never                        | judged, late |
| E    | rep   | NOW - 5 min      | never                        | not judged yet |
| F    | rep   | 27 Feb 10:00     | +1 min                       | before the period |
| G    | rep   | 6 Mar 10:00      | an automatic message only    | judged, late |

Team: 6 new leads, 5 judged, 2 within 15 minutes (40 %), median first touch of 5, 15 and 20
minutes = 15 minutes, 3 not touched yet.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from crm.models import Role
from dashboards.selectors.speed import speed_figures
from followups.models import Outcome
from followups.services.followups import follow_up_complete, follow_up_create, follow_up_type_get
from leads.models import CallOutcome, Lead
from leads.services.activity import lead_log_call
from leads.services.leads import lead_create
from messaging.models import OutboundMessage
from tests.dashboards.scopes import scope_for
from tests.factories import MembershipFactory, pipeline_for

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
PERIOD = (
    dt.datetime(2026, 3, 1, tzinfo=NEW_YORK),
    dt.datetime(2026, 3, 12, tzinfo=NEW_YORK),
)


def march(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def speed_world(world):
    world.rep.user.full_name = "Amy First"
    world.rep.user.save(update_fields=["full_name"])
    rep2 = MembershipFactory(tenant=world.tenant, role=Role.REP, user__full_name="Zoe Second")
    pipeline = pipeline_for(world.tenant)

    def lead(owner, created):
        with time_machine.travel(created, tick=False):
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

    def call(lead, at, membership):
        with time_machine.travel(at, tick=False):
            lead_log_call(
                tenant=world.tenant,
                actor=membership.user,
                lead=lead,
                outcome=CallOutcome.REACHED,
            )

    with world.active():
        a = lead(world.rep, march(2, 10))
        call(a, march(2, 10, 5), world.rep)
        b = lead(world.rep, march(3, 10))
        with time_machine.travel(march(3, 9), tick=False):
            follow_up = follow_up_create(
                tenant=world.tenant,
                actor=world.rep.user,
                subject="Call back",
                contact=world.contact,
                assignee=world.rep,
                scheduled_at=march(3, 10, 15),
                type=follow_up_type_get(tenant=world.tenant, key="call"),
                lead=b,
            )
        with time_machine.travel(march(3, 10, 20), tick=False):
            follow_up_complete(
                tenant=world.tenant,
                actor=world.rep.user,
                follow_up=follow_up,
                outcome=Outcome.SUCCESSFUL,
                now=march(3, 10, 20),
            )
        c = lead(rep2, march(4, 10))
        call(c, march(4, 10, 15), rep2)
        lead(rep2, march(5, 10))
        lead(world.rep, NOW - dt.timedelta(minutes=5))
        f = lead(world.rep, march(27, 10, month=2))
        call(f, march(27, 10, 1, month=2), world.rep)
        g = lead(world.rep, march(6, 10))
        # An automatic message moves last_outbound_at, not the speed-to-lead clock.
        Lead.objects.filter(pk=g.pk).update(last_outbound_at=march(6, 10, 1))
        assert not OutboundMessage.objects.filter(lead=g).exists()
    world.rep2 = rep2
    return world


def _figures(world, **filters):
    with world.active():
        return speed_figures(scope_for(world, *PERIOD, **filters), now=NOW)


def test_the_team_share_touched_within_15_minutes_and_the_median(speed_world):
    total = _figures(speed_world).total
    assert (total.new_leads, total.judged, total.within_window, total.touched) == (6, 5, 2, 3)
    assert total.share == 40
    assert not total.meets_target
    assert total.median_first_touch == dt.timedelta(minutes=15)
    assert total.untouched == 3


def test_per_rep(speed_world):
    reps = {row.name: row for row in _figures(speed_world).reps}
    mine = reps["Amy First"]
    assert (mine.new_leads, mine.judged, mine.within_window, mine.share) == (4, 3, 1, 33)
    assert mine.median_first_touch == dt.timedelta(minutes=12, seconds=30)
    zoe = reps["Zoe Second"]
    assert (zoe.new_leads, zoe.judged, zoe.within_window, zoe.share) == (2, 2, 1, 50)
    assert zoe.median_first_touch == dt.timedelta(minutes=15)


def test_the_table_rows_and_the_target(speed_world):
    table = _figures(speed_world).table()
    rows = [[str(cell) for cell in row] for row in table.rows]
    assert rows[-1] == ["Team", "6", "40%", "2", "5", "15m", "3"]
    assert rows[0][:3] == ["Amy First", "4", "33%"]
    assert table.rows[-1][2].tone == "danger"


def test_a_rep_sees_their_own_leads_only(speed_world):
    figures = _figures(speed_world, rep=speed_world.rep2)
    assert [row.name for row in figures.reps] == ["Zoe Second"]
    assert (figures.total.new_leads, figures.total.share) == (2, 50)
    assert len(figures.table().rows) == 1  # no team total beside a single row


def test_a_period_without_leads_has_no_share(speed_world):
    with speed_world.active():
        figures = speed_figures(
            scope_for(speed_world, march(1, 0, month=1), march(2, 0, month=1)), now=NOW
        )
    assert (figures.total.new_leads, figures.total.share, figures.total.median_first_touch) == (
        0,
        None,
        None,
    )
    assert figures.table().rows[-1][2].value == "—"
