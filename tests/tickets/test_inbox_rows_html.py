"""The inbox list's rows, built in Python (tickets/rows.py), are the markup the template that drew
them produced: the old template (fixtures/old_inbox_rows.html, copied as it was) and the new code
render the same tickets in each language and time zone and are compared, CSRF tokens and
insignificant whitespace aside."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation

from crm.models import Role
from tests import factories
from tests.conftest import sign_in
from tests.followups.test_rows_html import in_readers_order, normalized
from tests.tickets.test_inbox_views import _desk, _ticket
from tickets.models import Priority, Ticket, TicketStatus
from tickets.rows import InboxRows

pytestmark = pytest.mark.django_db

OLD_ROWS = (Path(__file__).parent / "fixtures" / "old_inbox_rows.html").read_text()
# A Tuesday afternoon in Miami, inside business hours: the SLA clocks run.
NOW = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
LANGUAGES = ["en", "nl", "es"]


def _tickets(desk) -> list[Ticket]:
    """One of each shape a row takes: awaiting an answer, sent by us, a logged call, waiting on
    the customer (a paused clock), resolved, without a subject or a snippet or a channel,
    assigned or not, a VIP, overdue, names and texts that need escaping."""
    world = desk.world
    hour = dt.timedelta(hours=1)
    other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    other_rep.user.full_name = 'Bo "B" <Smith> & Co'
    other_rep.user.save()
    with world.active():
        odd = factories.ContactFactory(
            tenant=world.tenant, first_name='Ann <b>"&', last_name="O'Neil", is_vip=True
        )
    return [
        _ticket(
            desk,
            subject='Tile & "slate" <roof> it\'s',
            last_message_snippet="<script>x</script> & more",
            sla_target="first",
            sla_started_at=NOW - hour,
            sla_due_at=NOW + hour,
            priority=Priority.URGENT,
        ),
        _ticket(
            desk,
            contact=odd,
            assignee=other_rep,
            last_message_direction="out",
            last_message_channel="email",
            sla_target="next",
            sla_started_at=NOW - 3 * hour,
            sla_due_at=NOW - 2 * hour,
        ),
        _ticket(desk, last_message_channel="phone", last_message_direction="out", subject=""),
        _ticket(
            desk,
            status=TicketStatus.WAITING,
            assignee=world.rep,
            sla_target="first",
            sla_paused_minutes_left=75,
            last_message_channel="whatsapp",
        ),
        _ticket(
            desk,
            status=TicketStatus.RESOLVED,
            last_message_snippet="",
            last_message_channel="",
            last_message_direction="",
            priority=Priority.LOW,
        ),
        _ticket(desk, last_message_channel="portal", last_message_at=NOW - 400 * hour),
        _ticket(desk, last_message_channel="note", status=TicketStatus.CLOSED),
    ]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("signed_in", ["rep", "manager"])
@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Amsterdam"])
def test_the_inbox_rows_are_the_markup_the_old_template_drew(client, world, signed_in, zone):
    desk = _desk(world)
    made = _tickets(desk)
    reader = getattr(world, signed_in)
    reader.user.time_zone = zone
    reader.user.save()
    sign_in(client, reader)
    response = client.get(reverse("tickets:inbox"), {"view": "all", "status": "any"})
    rows = response.context["rows"]
    assert {row.ticket.pk for row in rows} == {ticket.pk for ticket in made}, [
        row.ticket.subject for row in rows
    ]
    request = response.wsgi_request
    # The page carries the rows the renderer drew, and they are the old template's.
    assert normalized(response.context["rows_html"]) in normalized(response.content.decode())
    for language in LANGUAGES:
        with translation.override(language), timezone.override(request.zone):
            old_rows = in_readers_order(OLD_ROWS, language)
            old = engines["django"].from_string(old_rows).render({"rows": rows}, request)
            new = InboxRows().rows(rows)
        assert normalized(new) == normalized(old), language
    assert "&lt;script&gt;" in new and "<script>" not in new


@time_machine.travel(NOW, tick=False)
def test_the_next_page_and_an_empty_view_keep_their_markup(client, world):
    desk = _desk(world)
    for _ in range(3):
        _ticket(desk)
    sign_in(client, world.manager)
    first = client.get(reverse("tickets:inbox"), {"view": "all"})
    assert first.content.decode().count('class="ticket-row') == 3
    empty = client.get(reverse("tickets:inbox"), {"view": "all", "q": "no such words"})
    assert "No tickets in this view match “no such words”." in empty.content.decode()
    assert 'class="ticket-row' not in empty.content.decode()
