"""The SLA's words read in the reader's language: the short clocks and cells ("2u 05m" in Dutch),
and the SLA events' details, which are stored as messages ("9 minuten te laat") while the row
keeps its English sentence."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from crm.kit.formatting import duration, short_clock
from crm.models import Role
from tests.conftest import sign_in
from tests.tickets.test_inbox_views import TUESDAY, _desk, _ticket
from tickets.models import SlaEvent, SlaEventKind
from tickets.services import sla
from tickets.services.changes import ticket_change


@pytest.mark.parametrize(
    ("language", "clock", "cell", "days"),
    [
        ("en", "2h 05m", "1h 15m", "11d 18h"),
        ("nl", "2u 05m", "1u 15m", "11d 18u"),
        ("es", "2 h 05 min", "1 h 15 min", "11 d 18 h"),
    ],
)
def test_short_clocks_and_cells_speak_the_readers_language(language, clock, cell, days):
    with translation.override(language):
        assert short_clock(dt.timedelta(hours=2, minutes=5)) == clock
        assert duration(75, short=True) == cell
        assert duration(16937, short=True) == days


def _events(world, ticket) -> dict[str, SlaEvent]:
    with world.active():
        return {e.kind: e for e in SlaEvent.objects.filter(tenant=world.tenant, ticket=ticket)}


@pytest.mark.django_db
def test_sla_event_details_read_in_the_readers_language(world):
    desk = _desk(world)
    ticket = _ticket(desk, priority="normal")
    with world.active(), time_machine.travel(TUESDAY, tick=False):
        sla.sla_customer_wrote(tenant=world.tenant, ticket=ticket, at=TUESDAY)
        ticket.sla_due_at = TUESDAY + dt.timedelta(minutes=62)
        sla.sla_pause(tenant=world.tenant, ticket=ticket, at=TUESDAY)
        sla.sla_resume(tenant=world.tenant, ticket=ticket, at=TUESDAY)
        ticket.sla_due_at = TUESDAY - dt.timedelta(minutes=9)
        sla.sla_answered(tenant=world.tenant, ticket=ticket, at=TUESDAY)
        ticket.save()
        ticket_change(tenant=world.tenant, actor=world.manager.user, ticket=ticket, priority="high")
    events = _events(world, ticket)
    started, paused, late, changed = (
        events[kind]
        for kind in (
            SlaEventKind.STARTED,
            SlaEventKind.PAUSED,
            SlaEventKind.ANSWERED_LATE,
            SlaEventKind.PRIORITY_CHANGED,
        )
    )
    name = world.manager.user.full_name
    # The row keeps the English sentence (exports, older readers).
    assert late.detail == "9 minutes late (business hours)"
    assert changed.detail == f"Set to High by {name}"
    with translation.override("nl"):
        assert started.shown_detail == "Eerste reactie verwacht"
        assert paused.shown_detail == "nog 1 uur 2 minuten (binnen openingstijden)"
        assert late.shown_detail == "9 minuten te laat (binnen openingstijden)"
        assert changed.shown_detail == f"Op Hoog gezet door {name}"
    with translation.override("es"):
        assert late.shown_detail == "9 minutos tarde (en horario laboral)"


@pytest.mark.django_db
def test_a_dutch_reader_sees_the_thread_sidebar_and_the_inbox_clock_in_dutch(client, world):
    desk = _desk(world)
    ticket = _ticket(desk)
    now = TUESDAY
    with world.active(), time_machine.travel(now, tick=False):
        sla.sla_customer_wrote(tenant=world.tenant, ticket=ticket, at=now)
        ticket.sla_due_at = now - dt.timedelta(minutes=122)
        sla.sla_answered(tenant=world.tenant, ticket=ticket, at=now)
        sla.sla_customer_wrote(tenant=world.tenant, ticket=ticket, at=now)
        ticket.sla_due_at = now + dt.timedelta(minutes=125)
        ticket.save()
    user = world.manager.user
    user.language = "nl"
    user.save(update_fields=["language"])
    assert world.manager.role in (Role.MANAGER, Role.ADMIN)
    sign_in(client, world.manager)
    with time_machine.travel(now, tick=False):
        thread = client.get(desk.url("detail", ticket)).content.decode()
        inbox = client.get("/inbox/?view=all").content.decode()
    assert "2 uur 2 minuten te laat (binnen openingstijden)" in thread
    assert "late (business hours)" not in thread
    assert "2u 05m" in inbox and "2h 05m" not in inbox
