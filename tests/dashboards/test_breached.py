"""Tickets breached right now: the first screen lists them, and the team's SLA figure counts them,
so "Within SLA" never reads 100 % beside tickets that are weeks past their SLA.

The team world of test_team.py (1–11 March 2026 in New York, NOW 11 March 15:00 UTC; its T5, which
Zoe owes since 10 March, is not due until 12 March) plus two tickets nobody answered: Zoe's
written on 2 January, breached since 6 January, and Amy's written on 2 February.
"""

import datetime as dt

import pytest
import time_machine

from dashboards.selectors.breached import breached_figures
from dashboards.selectors.figures import Figures
from tests.conftest import sign_in
from tests.dashboards.scopes import scope_for
from tests.dashboards.test_team import NOW, PERIOD, march
from tests.dashboards.test_team import team_world as team_world  # a fixture, used by name
from tickets.models import Priority
from tickets.services import configuration, sla
from tickets.services.threading import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def breached_world(team_world):
    world = team_world
    with world.active(), time_machine.travel(NOW, tick=False):
        inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Sales")

        def unanswered(assignee, subject, wrote):
            ticket = ticket_open(
                tenant=world.tenant,
                contact=world.contact,
                inbox=inbox,
                subject=subject,
                lead=None,
                opened_at=wrote,
            )
            ticket.assignee, ticket.priority = assignee, Priority.NORMAL
            sla.sla_customer_wrote(tenant=world.tenant, ticket=ticket, at=wrote)
            ticket.save()
            return ticket

        world.forgotten = unanswered(world.zoe, "Where is my quote?", march(2, 10, month=1))
        unanswered(world.rep, "Call me back", march(2, 10, month=2))
        sla.sla_breaches_sweep(tenant=world.tenant, now=NOW)
    return world


def _figures(world, start, end, **filters) -> Figures:
    return Figures(scope_for(world, start, end, **filters), now=NOW)


def test_the_breached_tickets_are_listed_longest_overdue_first(breached_world):
    world = breached_world
    with world.active():
        breached = breached_figures(scope_for(world, *PERIOD), now=NOW)
    assert breached.total == 2
    assert breached.by_assignee == {world.zoe.pk: 1, world.rep.pk: 1}
    assert [ticket.subject for ticket in breached.oldest] == ["Where is my quote?", "Call me back"]
    assert breached.overdue(breached.oldest[0]) > dt.timedelta(days=60)


def test_the_team_sla_figure_counts_the_tickets_breached_now(breached_world):
    world = breached_world
    with world.active():
        figures = _figures(world, *PERIOD)
        rows = {row.name: row for row in figures.team().reps}
        listed = figures["breached"].total
        table = figures.team().table()
    zoe, amy = rows["Zoe Second"], rows["Amy First"]
    # Zoe answered one ticket in time and owes one 64 days past its SLA: half, not 100 %.
    assert (zoe.sla_met, zoe.sla_late, zoe.sla_breached) == (1, 0, 1)
    assert (amy.sla_met, amy.sla_late, amy.sla_breached) == (1, 2, 1)
    assert sum(row.sla_breached for row in rows.values()) == listed == 2
    cells = {str(row[0]): [str(cell) for cell in row] for row in table.rows}
    within = table.headers.index("Within SLA")
    breached = table.headers.index("Breached, unanswered")
    assert (cells["Zoe Second"][within], cells["Zoe Second"][breached]) == ("50%", "1")
    assert (cells["Amy First"][within], cells["Amy First"][breached]) == ("25%", "1")


def test_a_period_that_has_ended_keeps_its_own_answers(breached_world):
    world = breached_world
    february = (march(1, 0, month=2), march(1, 0))
    with world.active():
        rows = {row.name: row for row in _figures(world, *february).team().reps}
    assert all(row.sla_breached == 0 for row in rows.values())


def test_a_reps_breached_tickets_are_their_own(breached_world):
    world = breached_world
    with world.active():
        amy = breached_figures(scope_for(world, *PERIOD, rep=world.rep), now=NOW)
        zoe = breached_figures(scope_for(world, *PERIOD, rep=world.zoe), now=NOW)
    assert (amy.total, zoe.total) == (1, 1)
    assert [ticket.subject for ticket in zoe.oldest] == ["Where is my quote?"]


def test_another_tenants_breached_tickets_never_show(breached_world, other_world):
    with other_world.active():
        theirs = breached_figures(scope_for(other_world, *PERIOD), now=NOW)
    assert theirs.total == 0 and theirs.oldest == []


def test_the_first_screen_lists_them_and_links_to_the_inbox(client, breached_world):
    world = breached_world
    sign_in(client, world.manager)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/dashboard/").content.decode()
    assert world.forgotten.reference in page
    assert "All 2 breached tickets in the inbox" in page
    assert "/inbox/?view=breached" in page
