"""The inbox list and a thread run a fixed number of queries: the same on the first page and deeper
ones, with few tickets or many, for a manager and a rep."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.pagination import encode_cursor
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.tickets.test_inbox_views import _desk, _ticket
from tickets.models import InboxAgent, TicketMessage

pytestmark = pytest.mark.django_db

INBOX = reverse("tickets:inbox")
# The queries of a page (with the test transaction's savepoints): session, user, membership,
# tenant settings, the page's rows, the bulk form's members.
MANAGER_BUDGET = 12
REP_BUDGET = 12
# The thread page: the session's user and membership, the ticket, the contact's addresses (one
# statement: tickets.selectors.inbox.contact_reach), the messages with their outbox rows and their
# attachments, the templates with their variants, the sidebar's lists (one statement), and the
# test's savepoints.
THREAD_BUDGET = 10


def _tickets(desk, count: int, **fields) -> list:
    world = desk.world
    made = []
    for number in range(count):
        with world.active():
            contact = factories.ContactFactory(tenant=world.tenant)
        lead = factories.lead_for(world, contact=contact, owner=world.rep)
        made.append(
            _ticket(
                desk,
                contact=contact,
                lead=lead,
                last_message_at=timezone.now() - dt.timedelta(minutes=number),
                **fields,
            )
        )
    return made


@pytest.mark.parametrize("view", ["", "?view=unassigned", "?view=all&status=any", "?view=mine"])
def test_the_inbox_list_runs_the_same_queries_at_any_depth(client, world, view):
    desk = _desk(world)
    sign_in(client, world.manager)
    first = _tickets(desk, 2)
    few = queries_for(client, INBOX + view)
    _tickets(desk, 6, assignee=world.rep)
    many = queries_for(client, INBOX + view)
    after = encode_cursor([first[0].last_message_at, first[0].pk])
    deep = queries_for(client, INBOX + (view or "?") + f"&after={after}")
    assert few == many == deep <= MANAGER_BUDGET


@pytest.mark.parametrize("view", ["", "?view=all", "?view=unassigned"])
def test_a_reps_inbox_list_runs_the_same_queries_at_any_depth(client, world, view):
    desk = _desk(world)
    sign_in(client, world.rep)
    first = _tickets(desk, 2, assignee=world.rep)
    few = queries_for(client, INBOX + view)
    _tickets(desk, 6)
    many = queries_for(client, INBOX + view)
    after = encode_cursor([first[0].last_message_at, first[0].pk])
    deep = queries_for(client, INBOX + (view or "?") + f"&after={after}")
    assert few == many == deep <= REP_BUDGET


def test_a_rep_sees_the_tickets_of_their_leads_and_not_of_others(client, world):
    desk = _desk(world)
    with world.active():
        rep2 = factories.MembershipFactory(tenant=world.tenant, role=world.rep.role)
    theirs = factories.lead_for(world, owner=world.rep)
    others = factories.lead_for(world, owner=rep2)
    mine = _ticket(desk, lead=theirs, assignee=rep2)
    not_mine = _ticket(desk, lead=others, assignee=rep2)
    sign_in(client, world.rep)
    # The inbox the rep answers is not theirs here: only the lead's owner reaches the ticket.
    with world.active():
        InboxAgent.objects.filter(tenant=world.tenant, inbox=desk.inbox).delete()
    listed = [row.ticket.pk for row in client.get(INBOX + "?view=all").context["rows"]]
    assert mine.pk in listed and not_mine.pk not in listed


def test_a_thread_runs_the_same_queries_for_few_messages_and_many(client, world):
    desk = _desk(world)
    ticket = _ticket(desk, assignee=world.rep)
    url = reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk})

    def add_messages(count: int) -> None:
        with world.active():
            for number in range(count):
                TicketMessage.objects.create(
                    tenant=world.tenant,
                    ticket=ticket,
                    direction="in" if number % 2 == 0 else "out",
                    channel="sms",
                    body_text=f"Message {number}",
                    sent_at=timezone.now() - dt.timedelta(minutes=60 - number),
                )

    sign_in(client, world.rep)
    add_messages(2)
    few = queries_for(client, url)
    add_messages(6)
    assert queries_for(client, url) == few <= THREAD_BUDGET
