"""The inbox search finds tickets by the text of their messages (subject and body, inbound,
outbound and internal notes), accent- and case-folded, through the message index, in a fixed
number of queries."""

import datetime as dt

import pytest
from django.db import connections, transaction
from django.utils import timezone

from crm.pagination import encode_cursor
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.tickets.test_inbox_queries import INBOX, MANAGER_BUDGET
from tests.tickets.test_inbox_views import _desk, _listed, _ticket
from tickets.models import TicketMessage
from tickets.services import configuration

pytestmark = pytest.mark.django_db

# The search box's three reads (subject, customer, message text) on top of a list's page.
SEARCH_QUERIES = 3


def _message(desk, ticket, *, direction="in", **fields) -> TicketMessage:
    world = desk.world
    with world.active():
        return TicketMessage.objects.create(
            tenant=world.tenant, ticket=ticket, direction=direction, channel="email", **fields
        )


def _searched(client, text: str) -> list[int]:
    return _listed(client.get(INBOX, {"view": "all", "status": "any", "q": text}))


def test_the_inbox_finds_a_ticket_by_the_words_of_any_of_its_messages(client, world):
    desk = _desk(world)
    inbound = _ticket(desk, subject="Quote")
    outbound = _ticket(desk, subject="Quote")
    noted = _ticket(desk, subject="Quote")
    subject = _ticket(desk, subject="Quote")
    nothing = _ticket(desk, subject="Quote")
    _message(desk, inbound, body_text="The skylight above the attic drips")
    _message(desk, outbound, direction="out", body_text="We will bring tarpaulins tomorrow")
    _message(desk, noted, direction="internal", body_text="Customer prefers Thursdays")
    _message(desk, subject, subject="Gutter replacement in Hoboken")
    _message(desk, nothing, body_text="Nothing to see here")
    sign_in(client, world.manager)
    assert _searched(client, "skyl attic") == [inbound.pk]
    assert _searched(client, "tarpaulin") == [outbound.pk]
    assert _searched(client, "THURSDAYS") == [noted.pk]
    assert _searched(client, "hoboken gutter") == [subject.pk]
    assert _searched(client, "skylight tarpaulins") == []


def test_message_words_are_folded_and_the_quoted_history_is_not_searched(client, world):
    desk = _desk(world)
    ticket = _ticket(desk, subject="Call back")
    quoted = _ticket(desk, subject="Call back")
    _message(desk, ticket, body_text="Regards, José Peña")
    _message(
        desk,
        quoted,
        reply_text="Thanks, see you then",
        body_text="Thanks, see you then\n> On Monday Señor Ibáñez wrote: ...",
    )
    sign_in(client, world.manager)
    assert _searched(client, "jose pena") == [ticket.pk]
    assert _searched(client, "JOSÉ peñ") == [ticket.pk]
    assert _searched(client, "ibanez") == []
    assert _searched(client, "see you") == [quoted.pk]


def test_a_rep_finds_by_message_text_only_the_tickets_they_see(client, world):
    desk = _desk(world)
    with world.active():
        other = factories.MembershipFactory(tenant=world.tenant, role=world.rep.role)
        sales = configuration.inbox_save(tenant=world.tenant, actor=None, name="Sales")
    theirs = _ticket(desk, assignee=world.rep)
    not_theirs = _ticket(desk, inbox=sales, assignee=other)
    for ticket in (theirs, not_theirs):
        _message(desk, ticket, body_text="The chimney flashing is loose")
    sign_in(client, world.rep)
    assert _searched(client, "chimney") == [theirs.pk]


def test_another_tenants_messages_are_not_found(client, world, other_world):
    desk, elsewhere = _desk(world), _desk(other_world, sms="+13055550111", email="o@o.test")
    _message(elsewhere, _ticket(elsewhere), body_text="Solar panels quote")
    mine = _ticket(desk)
    _message(desk, mine, body_text="Solar panels invoice")
    sign_in(client, world.manager)
    assert _searched(client, "solar panels") == [mine.pk]


def test_a_searched_list_runs_the_same_queries_at_any_depth(client, world):
    desk = _desk(world)
    sign_in(client, world.manager)

    def found_tickets(count: int) -> list:
        made = []
        for number in range(count):
            ticket = _ticket(desk, last_message_at=timezone.now() - dt.timedelta(minutes=number))
            _message(desk, ticket, body_text=f"Shingles order {number}")
            made.append(ticket)
        return made

    url = INBOX + "?view=all&q=shingles"
    first = found_tickets(2)
    few = queries_for(client, url)
    found_tickets(6)
    many = queries_for(client, url)
    deep = queries_for(
        client, url + f"&after={encode_cursor([first[0].last_message_at, first[0].pk])}"
    )
    assert few == many == deep <= MANAGER_BUDGET + SEARCH_QUERIES


@pytest.mark.django_db(databases=["default", "owner"])
def test_the_message_search_reads_its_index():
    """Planned as the function runs it, the message search uses the GIN index: the index's
    expression is written exactly as the function's."""
    owner = connections["owner"]
    with owner.cursor() as cursor:
        cursor.execute(
            "SELECT prosrc FROM pg_proc WHERE oid = "
            "'threadline_ticket_message_search(tsquery)'::regprocedure"
        )
        body = cursor.fetchone()[0].strip().rstrip(";")
        body = body.replace("@@ query", "@@ to_tsquery('simple', 'shingle:*')")
        # Without the tenant's condition only the search index can serve the words (an empty
        # table's plan would otherwise read the tenant's own index as cheaply).
        tenant = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"
        body = body.replace(tenant, "true")
        with transaction.atomic(using="owner"):
            cursor.execute("SET LOCAL enable_seqscan = off")
            # Nor a walk of another index in ticket order (a GIN index is read by bitmap only).
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {body}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_message_words" in plan, plan
