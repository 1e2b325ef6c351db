"""Calls and messages per week for the anomalies: the daily rollup gives the figures counting the
rows gives, whatever the scope, and a late message within the settling days is still counted.

"Now" is Wednesday 25 March 2026, noon in New York; the period is March: twelve weeks of whole
local days ending at midnight this morning, week k being the seven days before 25 March - 7k
days. The first one compared starts on 31 December 2025. Hand-counted fixture (week numbers, 0 =
18 to 24 March):

| when (New York)         | what                                   | week |
| ----------------------- | -------------------------------------- | ---- |
| 25 Mar 11:00 (today)    | call by the rep on the gutters lead    | —    |
| 24 Mar 23:30            | message received, the rep's ticket     | 0    |
| 20 Mar 09:00            | call by the rep on the roofing lead    | 0    |
| 18 Mar 12:00            | call by the manager                    | 0    |
| 18 Mar 11:59            | call by the manager                    | 0    |
| 15 Mar 10:00            | message sent by the rep, their ticket  | 1    |
| 15 Mar 10:05            | internal note (not a message)          | —    |
| 1 Jan 08:00             | message received, unassigned ticket    | 11   |
| 31 Dec 11:00            | message received, unassigned ticket    | 11   |
| 31 Dec 10:59            | message received, unassigned ticket    | 11   |
"""

import datetime as dt
import zoneinfo

import time_machine

from crm.models import TimelineEvent
from crm.tenancy.sweeps import sweep_inline
from dashboards.models import ActivityDay, ActivityRollup
from dashboards.selectors.activity import ACTIVITY, weekly_activity
from dashboards.selectors.anomalies import anomaly_report
from dashboards.services.rollups import activity_roll_up
from dashboards.tasks import roll_up_activity
from tests.dashboards.scopes import scope_for
from tests.factories import lead_for, pipeline_for
from tickets.models import Direction, Inbox, Ticket, TicketMessage

NY = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 25, 12, 0, tzinfo=NY)
MARCH = (dt.datetime(2026, 3, 1, tzinfo=NY), dt.datetime(2026, 4, 1, tzinfo=NY))
WEEKS = 12


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY)


def series(**by_week: int) -> list[int]:
    """Oldest first, as the report's series: {"w0": 3, "w11": 2} -> [2, 0, …, 0, 3]."""
    values = [0] * WEEKS
    for name, value in by_week.items():
        values[WEEKS - 1 - int(name[1:])] = value
    return values


def call(world, lead, actor, when):
    TimelineEvent.objects.create(
        tenant=world.tenant,
        kind="lead.call",
        summary="Call: Reached them",
        contact=world.contact,
        lead_id=lead.pk,
        actor=actor,
        occurred_at=when,
    )


def message(world, ticket, direction, when, author=None):
    return TicketMessage.objects.create(
        tenant=world.tenant,
        ticket=ticket,
        direction=direction,
        channel="email",
        author=author,
        sent_at=when,
    )


def build_activity(world):
    roofing = pipeline_for(world.tenant)
    gutters = pipeline_for(world.tenant, name="Gutters")
    early = at(1, 1, 0)
    roof_lead = lead_for(
        world, roofing, owner=world.rep, brand=world.brand, now=early, announce=False
    )
    gutter_lead = lead_for(world, gutters, owner=world.rep, now=early, announce=False)
    rep, manager = world.rep.user, world.manager.user
    with world.active():
        inbox = Inbox.objects.create(tenant=world.tenant, name="Sales", brand=world.brand)
        mine = Ticket.objects.create(
            tenant=world.tenant,
            number=1,
            inbox=inbox,
            contact=world.contact,
            assignee=world.rep,
            lead=roof_lead,
        )
        nobodys = Ticket.objects.create(
            tenant=world.tenant, number=2, inbox=inbox, contact=world.contact, lead=gutter_lead
        )
        call(world, gutter_lead, rep, at(3, 25, 11))
        message(world, mine, Direction.INBOUND, at(3, 24, 23, 30))
        call(world, roof_lead, rep, at(3, 20, 9))
        call(world, roof_lead, manager, at(3, 18, 12))
        call(world, roof_lead, manager, at(3, 18, 11, 59))
        message(world, mine, Direction.OUTBOUND, at(3, 15, 10), author=rep)
        message(world, mine, Direction.INTERNAL, at(3, 15, 10, 5), author=rep)
        message(world, nobodys, Direction.INBOUND, at(1, 1, 8))
        message(world, nobodys, Direction.INBOUND, at(12, 31, 11, year=2025))
        message(world, nobodys, Direction.INBOUND, at(12, 31, 10, 59, year=2025))
    return roofing, gutters


def activity(world, **filters) -> dict[str, list[int]]:
    with world.active():
        report = anomaly_report(scope_for(world, *MARCH, **filters), now=NOW)
    return {key: report.series[key] for key in ACTIVITY}


def test_the_weeks_counted_from_the_rows_and_from_the_rollup(world, other_world):
    roofing, gutters = build_activity(world)
    build_activity(other_world)  # the same again, in another tenant: never counted here
    expected = {
        "team": {
            "calls": series(w0=3),
            "messages_sent": series(w1=1),
            "messages_received": series(w0=1, w11=3),
        },
        "rep": {
            "calls": series(w0=1),
            "messages_sent": series(w1=1),
            "messages_received": series(w0=1),
        },
        "roofing": {
            "calls": series(w0=3),
            "messages_sent": series(w1=1),
            "messages_received": series(w0=1),
        },
        "gutters": {
            "calls": series(),
            "messages_sent": series(),
            "messages_received": series(w11=3),
        },
        # Calls by their lead's brand (the gutters lead has none), messages by their inbox's.
        "brand": {
            "calls": series(w0=3),
            "messages_sent": series(w1=1),
            "messages_received": series(w0=1, w11=3),
        },
    }
    scopes = {
        "team": {},
        "rep": {"rep": world.rep},
        "roofing": {"pipeline": roofing},
        "gutters": {"pipeline": gutters},
        "brand": {"brand": world.brand},
    }

    assert {name: activity(world, **scope) for name, scope in scopes.items()} == expected

    with world.active():
        # From the first message (31 December) to yesterday.
        assert activity_roll_up(tenant=world.tenant, now=NOW) == 84
        assert ActivityRollup.objects.get(tenant=world.tenant).rolled_through == dt.date(
            2026, 3, 24
        )
        assert (
            ActivityDay.objects.filter(tenant=world.tenant, day=dt.date(2026, 3, 18)).count() == 1
        )
    assert {name: activity(world, **scope) for name, scope in scopes.items()} == expected


def test_every_day_of_the_weeks_is_read_from_the_rollup(world):
    build_activity(world)
    with world.active():
        activity_roll_up(tenant=world.tenant, now=NOW)
        # 18 March's two calls, stored as a hundred: the weeks end at midnight, no day is cut.
        ActivityDay.objects.filter(tenant=world.tenant, day=dt.date(2026, 3, 18)).update(calls=100)
    assert activity(world)["calls"] == series(w0=100 + 1)


def test_six_queries_whatever_the_length_of_the_period(world, django_assert_num_queries):
    build_activity(world)
    year = (dt.datetime(2025, 4, 1, tzinfo=NY), dt.datetime(2026, 4, 1, tzinfo=NY))
    with world.active():
        activity_roll_up(tenant=world.tenant, now=NOW)
        # The period rollups' state (none: new leads and sales counted), the activity rollup's
        # state and days; yesterday is rolled up, so nothing else is counted.
        with django_assert_num_queries(5):
            anomaly_report(scope_for(world, *year), now=NOW)


def test_a_past_period_reads_every_day_from_the_rollup(world, django_assert_num_queries):
    build_activity(world)
    february = (dt.datetime(2026, 2, 1, tzinfo=NY), dt.datetime(2026, 3, 1, tzinfo=NY))
    with world.active():
        activity_roll_up(tenant=world.tenant, now=NOW)
        # None of its days is after the rollup: nothing is counted live.
        with django_assert_num_queries(2):
            counts = weekly_activity(
                scope_for(world, *february), end_day=dt.date(2026, 3, 1), weeks=12
            )
    # Week 8 before 1 March is 28 December to 3 January: both days of the first messages.
    assert counts["messages_received"][8] == 3


def test_late_messages_within_the_settling_days_are_counted(world):
    build_activity(world)
    with world.active():
        mine = Ticket.objects.get(tenant=world.tenant, number=1)
        activity_roll_up(tenant=world.tenant, now=NOW)
        # Two emails whose Date headers are in the past arrive after that run.
        message(world, mine, Direction.INBOUND, at(3, 22, 9))  # 3 days ago: counted again
        message(world, mine, Direction.INBOUND, at(3, 10, 9))  # 15 days ago: stored already
        assert activity_roll_up(tenant=world.tenant, now=NOW + dt.timedelta(hours=1)) == 3
        stored = ActivityDay.objects.filter(tenant=world.tenant)
        assert sum(row.messages_received for row in stored.filter(day=dt.date(2026, 3, 22))) == 1
        assert not stored.filter(day=dt.date(2026, 3, 10)).exists()
    assert activity(world)["messages_received"] == series(w0=2, w11=3)


def test_the_beat_task_rolls_up_every_tenant(world, other_world):
    build_activity(world)
    other_lead = lead_for(other_world, owner=other_world.rep, now=at(3, 20, 9), announce=False)
    with other_world.active():
        call(other_world, other_lead, other_world.rep.user, at(3, 20, 10))
    with time_machine.travel(NOW, tick=False):
        # 31 December to 24 March here; 20 to 24 March in the other tenant.
        assert sweep_inline(roll_up_activity) == 84 + 5
    with world.active():
        mine = set(ActivityDay.objects.values_list("tenant_id", flat=True))
    with other_world.active():
        theirs = set(ActivityDay.objects.values_list("tenant_id", flat=True))
    # Row-level security: each tenant's context sees its own rows only.
    assert mine == {world.tenant.pk} and theirs == {other_world.tenant.pk}
