"""The SLA clock of a ticket: when it starts (a customer message, never an auto-reply), what it is
due by (the tenant's targets in its business hours), what pauses, resumes, moves and stops it,
and the sweep that breaches and escalates, once.

The tenant is in New York, open Monday to Friday 08:00–17:00. Messages come in through the real
ingest path (stored, then processed); agents act through the services."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine

from crm.models import Notification, NotificationLevel, Role, TimelineEvent
from tests import factories
from tickets import routing
from tickets.models import (
    InboxSettings,
    Priority,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.selectors.sla import sla_colour
from tickets.services import configuration, ingest, replies, sla
from tickets.services.assignment import ticket_assign
from tickets.services.changes import ticket_change

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
INBOX_NUMBER = "+17865550100"
INBOX_EMAIL = "help@gulfcoast.test"
CALM = "Hi, could you send me a quote for new gutters? Thanks"


def june(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A June 2026 wall-clock time in New York, as the UTC instant (8 June is a Monday)."""
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=NEW_YORK).astimezone(dt.UTC)


@pytest.fixture
def clock():
    """Frozen time, moved by hand: `clock(june(9, 10))`."""
    with time_machine.travel(june(9, 10), tick=False) as traveller:
        yield lambda when: traveller.move_to(when)


@pytest.fixture
def desk(world, clock):
    """The Support inbox (SMS and email) with the rep as its agent and a team lead."""
    team_lead = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    with world.active():
        inbox = configuration.inbox_save(
            tenant=world.tenant, actor=None, name="Support", team_lead=team_lead
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="sms", address=INBOX_NUMBER
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="email", address=INBOX_EMAIL
        )
        configuration.inbox_agent_set(tenant=world.tenant, inbox=inbox, membership=world.rep)
        phone = str(world.contact.phones.first().number)
        email = world.contact.emails.first().email
    return SimpleNamespace(inbox=inbox, team_lead=team_lead, phone=phone, email=email)


def _process(world, stored) -> Ticket:
    with world.active():
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
        assert outcome.startswith("ticket"), outcome
        return TicketMessage.objects.get(inbound_event_id=stored.event_id).ticket


def text_in(world, desk, body: str = CALM, *, sid: str) -> Ticket:
    payload = {"MessageSid": sid, "From": desk.phone, "To": INBOX_NUMBER, "Body": body}
    route = routing.route_for("sms", INBOX_NUMBER)
    return _process(world, ingest.twilio_inbound_store(route=route, payload=payload))


def email_in(world, desk, body: str = CALM, *, message_id: str, headers: str = "", **fields):
    subject = fields.get("subject", "Gutters")
    raw = (
        f"From: Jane Customer <{desk.email}>\r\nTo: {fields.get('to', INBOX_EMAIL)}\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\n{headers}\r\n{body}\r\n"
    ).encode()
    return _process(world, ingest.email_inbound_store(provider="postmark", raw=raw))


def reload(world, ticket) -> Ticket:
    with world.active():
        return Ticket.objects.select_related("inbox__team_lead__user", "assignee__user").get(
            tenant=world.tenant, pk=ticket.pk
        )


def events(world, ticket) -> list[str]:
    with world.active():
        return list(
            SlaEvent.objects.filter(tenant=world.tenant, ticket=ticket).values_list(
                "kind", flat=True
            )
        )


def reply(world, ticket, *, nonce: str, **options):
    with world.active():
        return replies.ticket_reply(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=reload(world, ticket),
            channel=options.pop("channel", "sms"),
            body="Thanks, we are on it.",
            nonce=nonce,
            **options,
        )


def change(world, ticket, **changes) -> Ticket:
    with world.active():
        return ticket_change(
            tenant=world.tenant, actor=world.rep.user, ticket=reload(world, ticket), **changes
        )


def sweep(world, now) -> int:
    with world.active():
        return sla.sla_breaches_sweep(tenant=world.tenant, now=now)


def set_default_priority(world, desk, priority: str) -> None:
    with world.active():
        configuration.inbox_save(
            tenant=world.tenant,
            actor=None,
            inbox=desk.inbox,
            name=desk.inbox.name,
            team_lead=desk.team_lead,
            default_priority=priority,
        )


def breach_alerts(world) -> list[tuple[str, str]]:
    """(recipient's email, level) of every SLA notification, in order."""
    with world.active():
        return list(
            Notification.objects.filter(tenant=world.tenant, kind="sla_breach")
            .order_by("pk")
            .values_list("recipient__email", "level")
        )


# --- Targets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "due"),
    [
        (Priority.URGENT, june(9, 11)),  # 1 h
        (Priority.HIGH, june(9, 14)),  # 4 h
        # 24 business hours from Tuesday 10:00: 7 on Tuesday, 9 on Wednesday, 8 on Thursday.
        (Priority.NORMAL, june(11, 16)),
        # 48: Tue 7 + Wed 9 + Thu 9 + Fri 9 + (weekend 0) Mon 9 + Tue 5.
        (Priority.LOW, june(16, 13)),
    ],
)
def test_first_response_is_due_by_the_default_target_in_business_hours(world, desk, priority, due):
    set_default_priority(world, desk, priority)
    ticket = text_in(world, desk, sid="SM1")
    assert ticket.priority == priority
    assert ticket.sla_target == SlaTarget.FIRST
    assert ticket.sla_started_at == june(9, 10)
    assert ticket.sla_due_at == due
    assert ticket.sla_breached_at is None
    with world.active():
        started = SlaEvent.objects.get(ticket=ticket)
    assert (started.kind, started.target, started.due_at) == (SlaEventKind.STARTED, "first", due)


def test_a_message_after_hours_starts_counting_at_the_next_opening(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    clock(june(12, 18, 30))  # Friday evening
    ticket = text_in(world, desk, sid="SM1")
    assert ticket.sla_due_at == june(15, 9)  # Monday 09:00


def test_the_tenants_policy_overrides_the_defaults(world, desk, clock):
    with world.active():
        configuration.sla_policies_ensure(tenant=world.tenant)
        SlaPolicy.objects.filter(tenant=world.tenant, priority=Priority.NORMAL).update(
            first_response_minutes=120, next_response_minutes=30
        )
        SlaPolicy.objects.filter(tenant=world.tenant, priority=Priority.URGENT).update(
            first_response_minutes=15
        )
    ticket = text_in(world, desk, sid="SM1")
    assert ticket.sla_due_at == june(9, 12)

    clock(june(9, 11))
    reply(world, ticket, nonce="a")
    clock(june(9, 16, 45))
    ticket = text_in(world, desk, "One more question", sid="SM2")
    assert ticket.sla_target == SlaTarget.NEXT
    assert ticket.sla_due_at == june(10, 8, 15)  # 15 minutes today, 15 tomorrow from 08:00

    change(world, ticket, priority=Priority.URGENT)  # urgent's next response is still the default
    assert reload(world, ticket).sla_due_at == june(10, 8, 45)  # 60 minutes from 16:45


def test_after_our_answer_the_customers_next_message_starts_the_next_response_clock(
    world, desk, clock
):
    ticket = text_in(world, desk, sid="SM1")
    clock(june(9, 11))
    reply(world, ticket, nonce="a")
    ticket = reload(world, ticket)
    assert ticket.sla_due_at is None
    assert ticket.first_response_at == june(9, 11)
    assert ticket.status == TicketStatus.WAITING

    clock(june(10, 9))
    ticket = text_in(world, desk, "And the downspouts?", sid="SM2")
    assert ticket.status == TicketStatus.OPEN
    assert (ticket.sla_target, ticket.sla_started_at) == (SlaTarget.NEXT, june(10, 9))
    assert ticket.sla_due_at == june(12, 15)  # 24 business hours: Wed 8, Thu 9, Fri 7
    assert events(world, ticket) == ["started", "met", "started"]
    # A second message while we owe an answer does not move the clock.
    clock(june(10, 10))
    ticket = text_in(world, desk, "Hello?", sid="SM3")
    assert (ticket.sla_started_at, ticket.sla_due_at) == (june(10, 9), june(12, 15))
    assert events(world, ticket) == ["started", "met", "started"]


# --- Pause, resume, stop -------------------------------------------------------------------------


def test_waiting_on_the_customer_pauses_and_their_reply_resumes_with_the_minutes_left(
    world, desk, clock
):
    set_default_priority(world, desk, Priority.HIGH)
    ticket = text_in(world, desk, sid="SM1")
    assert ticket.sla_due_at == june(9, 14)

    clock(june(9, 11))
    change(world, ticket, status=TicketStatus.WAITING)  # "send us the photos first"
    ticket = reload(world, ticket)
    assert ticket.sla_due_at is None
    assert ticket.sla_paused_minutes_left == 180
    assert sla_colour(ticket, june(9, 11)) == "paused"
    # Paused: the sweep has nothing to breach, however long the customer takes.
    assert sweep(world, june(10, 16)) == 0

    clock(june(10, 16))
    ticket = text_in(world, desk, "Here are the photos", sid="SM2")
    assert ticket.status == TicketStatus.OPEN
    assert ticket.sla_paused_minutes_left is None
    assert ticket.sla_due_at == june(11, 10)  # 60 minutes on Wednesday, 120 on Thursday
    assert ticket.sla_target == SlaTarget.FIRST  # still owed our first answer
    assert events(world, ticket) == ["started", "paused", "resumed"]
    with world.active():
        paused = SlaEvent.objects.get(ticket=ticket, kind=SlaEventKind.PAUSED)
    assert paused.detail == "3 hours left (business hours)"


def test_the_agent_reopening_resumes_the_clock(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    ticket = text_in(world, desk, sid="SM1")
    clock(june(9, 10, 20))
    change(world, ticket, status=TicketStatus.WAITING)
    assert reload(world, ticket).sla_paused_minutes_left == 40

    clock(june(11, 16, 50))
    change(world, ticket, status=TicketStatus.OPEN)
    ticket = reload(world, ticket)
    assert ticket.sla_due_at == june(12, 8, 30)  # 10 minutes on Thursday, 30 on Friday
    assert ticket.sla_paused_minutes_left is None
    assert events(world, ticket) == ["started", "paused", "resumed"]


@pytest.mark.parametrize("status", [TicketStatus.RESOLVED, TicketStatus.CLOSED])
def test_resolving_or_closing_stops_the_clock(world, desk, clock, status):
    set_default_priority(world, desk, Priority.URGENT)
    running = text_in(world, desk, sid="SM1")
    clock(june(9, 10, 30))
    change(world, running, status=status)
    running = reload(world, running)
    assert (running.sla_due_at, running.sla_paused_minutes_left) == (None, None)
    assert running.resolved_at == june(9, 10, 30)
    assert sla_colour(running, june(9, 12)) == ""
    assert sweep(world, june(12, 12)) == 0
    assert reload(world, running).sla_breached_at is None
    assert events(world, running) == ["started"]


def test_closing_a_paused_ticket_drops_the_minutes_left(world, desk, clock):
    ticket = text_in(world, desk, sid="SM1")
    change(world, ticket, status=TicketStatus.WAITING)
    change(world, ticket, status=TicketStatus.CLOSED)
    ticket = reload(world, ticket)
    assert (ticket.sla_due_at, ticket.sla_paused_minutes_left) == (None, None)
    # Reopened by hand, nothing is owed until the customer writes.
    change(world, ticket, status=TicketStatus.OPEN)
    assert reload(world, ticket).sla_due_at is None


def test_our_answer_stops_the_clock_met_or_late(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    on_time = text_in(world, desk, sid="SM1")
    clock(june(9, 10, 59))
    reply(world, on_time, nonce="a", status_after=TicketStatus.OPEN)
    on_time = reload(world, on_time)
    assert on_time.sla_due_at is None
    assert on_time.status == TicketStatus.OPEN
    assert events(world, on_time) == ["started", "met"]

    clock(june(10, 9))
    late = text_in(world, desk, "Anyone there?", sid="SM2")
    assert late.pk == on_time.pk and late.sla_due_at == june(10, 10)
    clock(june(10, 10, 5))
    assert sweep(world, june(10, 10, 5)) == 1
    clock(june(10, 16, 45))
    reply(world, late, nonce="b")
    with world.active():
        answered = SlaEvent.objects.filter(ticket=late).last()
    assert answered.kind == SlaEventKind.ANSWERED_LATE
    assert answered.detail == "6 hours 45 minutes late (business hours)"


def test_a_breached_clock_paused_and_then_answered_was_still_late(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    ticket = text_in(world, desk, sid="SM1")
    assert sweep(world, june(9, 11)) == 1
    clock(june(9, 11, 30))
    change(world, ticket, status=TicketStatus.WAITING)
    assert reload(world, ticket).sla_paused_minutes_left == 0
    clock(june(9, 12))
    reply(world, ticket, nonce="a")
    assert events(world, ticket)[-1] == SlaEventKind.ANSWERED_LATE


def test_a_logged_call_answers_the_customer(world, desk, clock):
    ticket = text_in(world, desk, sid="SM1")
    clock(june(9, 10, 30))
    with world.active():
        replies.ticket_log_call(
            tenant=world.tenant, actor=world.rep.user, ticket=reload(world, ticket), summary="Hi"
        )
    ticket = reload(world, ticket)
    assert ticket.sla_due_at is None
    assert ticket.first_response_at == june(9, 10, 30)
    assert events(world, ticket) == ["started", "met"]


def test_an_internal_note_does_not_answer(world, desk, clock):
    ticket = text_in(world, desk, sid="SM1")
    with world.active():
        replies.ticket_add_note(
            tenant=world.tenant, actor=world.rep.user, ticket=ticket, body="Call them back"
        )
    assert ticket.sla_due_at is not None
    assert reload(world, ticket).sla_due_at == ticket.sla_due_at


# --- Priority moves a running clock --------------------------------------------------------------


def test_a_priority_change_moves_a_running_clock(world, desk, clock):
    ticket = text_in(world, desk, sid="SM1")
    assert ticket.sla_due_at == june(11, 16)  # normal
    clock(june(9, 10, 30))
    change(world, ticket, priority=Priority.URGENT)
    ticket = reload(world, ticket)
    assert ticket.sla_due_at == june(9, 11)  # an hour from when the customer wrote
    assert ticket.priority_reason == f"set by {world.rep.user.full_name}"
    change(world, ticket, priority=Priority.LOW)
    assert reload(world, ticket).sla_due_at == june(16, 13)
    with world.active():
        boosts = list(
            SlaEvent.objects.filter(ticket=ticket, kind=SlaEventKind.PRIORITY_CHANGED)
            .order_by("pk")
            .values_list("due_at", flat=True)
        )
    assert boosts == [june(9, 11), june(16, 13)]


def test_a_priority_change_leaves_a_breached_clock_alone(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    ticket = text_in(world, desk, sid="SM1")
    assert sweep(world, june(9, 11)) == 1
    clock(june(9, 11, 5))
    change(world, ticket, priority=Priority.LOW)
    assert reload(world, ticket).sla_due_at == june(9, 11)


# --- Auto-replies ----------------------------------------------------------------------------------

OUT_OF_OFFICE = "Auto-Submitted: auto-replied\r\n"


def test_an_auto_reply_does_not_start_a_clock(world, desk, clock):
    ticket = email_in(
        world,
        desk,
        "I am away until Monday.",
        message_id="ooo-1@example.com",
        headers=OUT_OF_OFFICE,
    )
    assert ticket.sla_due_at is None
    assert ticket.sla_target == ""
    assert events(world, ticket) == []
    assert sweep(world, june(20, 12)) == 0


def test_an_auto_reply_to_our_answer_neither_restarts_nor_resumes_the_clock(world, desk, clock):
    ticket = email_in(world, desk, message_id="first@example.com")
    clock(june(9, 11))
    ours = reply(world, ticket, nonce="a", channel="email")
    ticket = reload(world, ticket)
    assert ticket.status == TicketStatus.WAITING and ticket.sla_due_at is None

    clock(june(9, 11, 1))
    bounce_back = email_in(
        world,
        desk,
        "I am out of the office.",
        message_id="ooo-2@example.com",
        subject="Automatic reply: Gutters",
        headers=f"{OUT_OF_OFFICE}In-Reply-To: <{ours.message_id}>\r\n",
    )
    assert bounce_back.pk == ticket.pk
    assert bounce_back.status == TicketStatus.WAITING
    assert bounce_back.sla_due_at is None
    assert events(world, ticket) == ["started", "met"]


def test_an_auto_reply_does_not_resume_a_paused_clock(world, desk, clock):
    ticket = email_in(world, desk, message_id="first@example.com")
    clock(june(9, 11))
    change(world, ticket, status=TicketStatus.WAITING)
    left = reload(world, ticket).sla_paused_minutes_left
    clock(june(9, 12))
    email_in(world, desk, "Away", message_id="ooo-3@example.com", headers=OUT_OF_OFFICE)
    ticket = reload(world, ticket)
    assert ticket.status == TicketStatus.WAITING
    assert (ticket.sla_due_at, ticket.sla_paused_minutes_left) == (None, left)


# --- The sweep: breach, escalate, once -------------------------------------------------------------


def test_the_sweep_breaches_once_and_escalates_to_the_team_lead_then_the_managers(
    world, desk, clock
):
    set_default_priority(world, desk, Priority.URGENT)
    with world.active():
        InboxSettings.objects.update_or_create(
            tenant=world.tenant, defaults={"escalate_to_manager_after_minutes": 30}
        )
    ticket = text_in(world, desk, sid="SM1")
    assert ticket.assignee_id == world.rep.pk

    assert sweep(world, june(9, 10, 59)) == 0
    assert sweep(world, june(9, 11)) == 1
    ticket = reload(world, ticket)
    assert ticket.sla_breached_at == june(9, 11)
    assert (ticket.escalation_level, ticket.escalated_at) == (1, june(9, 11))
    assert breach_alerts(world) == [
        (world.rep.user.email, NotificationLevel.WARNING),
        (desk.team_lead.user.email, NotificationLevel.WARNING),
    ]
    assert events(world, ticket) == ["started", "breached", "escalated_lead"]
    with world.active():
        told = SlaEvent.objects.get(ticket=ticket, kind=SlaEventKind.ESCALATED_LEAD)
        assert TimelineEvent.objects.filter(kind="ticket.sla_breached").count() == 1
    assert told.detail == f"Told {desk.team_lead.user.full_name}"

    # Sweeping again before the manager delay changes nothing.
    assert sweep(world, june(9, 11, 1)) == 0
    assert sweep(world, june(9, 11, 29)) == 0
    assert len(breach_alerts(world)) == 2

    assert sweep(world, june(9, 11, 30)) == 1
    ticket = reload(world, ticket)
    assert (ticket.escalation_level, ticket.escalated_at) == (2, june(9, 11, 30))
    assert sorted(breach_alerts(world)[2:]) == sorted(
        [
            (world.admin.user.email, NotificationLevel.URGENT),
            (world.manager.user.email, NotificationLevel.URGENT),
        ]
    )
    assert events(world, ticket)[-1] == SlaEventKind.ESCALATED_MANAGER

    # And never again.
    assert sweep(world, june(9, 16)) == 0
    assert sweep(world, june(12, 16)) == 0
    assert len(breach_alerts(world)) == 4
    assert events(world, ticket) == ["started", "breached", "escalated_lead", "escalated_manager"]


def test_the_breach_alert_says_when_it_was_due_in_each_readers_zone(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    world.rep.user.time_zone = "Europe/Amsterdam"
    world.rep.user.save(update_fields=["time_zone"])
    text_in(world, desk, sid="SM1")
    assert sweep(world, june(9, 11)) == 1
    with world.active():
        bodies = dict(
            Notification.objects.filter(tenant=world.tenant, kind="sla_breach").values_list(
                "recipient__email", "body"
            )
        )
    # Due 11:00 in New York (the team's zone): 17:00 for the rep who reads in Amsterdam.
    assert bodies[world.rep.user.email] == "First response was due Tue Jun 9, 17:00."
    assert bodies[desk.team_lead.user.email] == "First response was due Tue Jun 9, 11:00."


def test_the_manager_delay_defaults_to_an_hour(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    text_in(world, desk, sid="SM1")
    assert sweep(world, june(9, 11)) == 1
    assert sweep(world, june(9, 11, 59)) == 0
    assert sweep(world, june(9, 12)) == 1


def test_without_a_team_lead_the_managers_are_told_at_once(world, desk, clock):
    with world.active():
        configuration.inbox_save(
            tenant=world.tenant,
            actor=None,
            inbox=desk.inbox,
            name="Support",
            default_priority=Priority.URGENT,
        )
    ticket = text_in(world, desk, sid="SM1")
    assert sweep(world, june(9, 11)) == 1
    assert sorted(email for email, _ in breach_alerts(world)) == sorted(
        [world.rep.user.email, world.manager.user.email, world.admin.user.email]
    )
    with world.active():
        told = SlaEvent.objects.get(ticket=ticket, kind=SlaEventKind.ESCALATED_LEAD)
    assert told.detail == "Told the managers"


def test_a_team_lead_who_left_is_replaced_by_the_managers(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    with world.active():
        desk.team_lead.is_active = False
        desk.team_lead.save(update_fields=["is_active"])
    text_in(world, desk, sid="SM1")
    assert sweep(world, june(9, 11)) == 1
    assert desk.team_lead.user.email not in {email for email, _ in breach_alerts(world)}
    assert world.manager.user.email in {email for email, _ in breach_alerts(world)}


def test_an_assignee_who_is_a_manager_is_told_once(world, desk, clock):
    with world.active():
        configuration.inbox_save(
            tenant=world.tenant,
            actor=None,
            inbox=desk.inbox,
            name="Support",
            default_priority=Priority.URGENT,
        )
    ticket = text_in(world, desk, sid="SM1")
    with world.active():
        ticket_assign(
            tenant=world.tenant, actor=None, ticket=reload(world, ticket), assignee=world.manager
        )
    assert sweep(world, june(9, 11)) == 1
    told = [email for email, _ in breach_alerts(world)]
    assert sorted(told) == sorted([world.manager.user.email, world.admin.user.email])


def test_an_answer_before_the_manager_delay_ends_the_escalation(world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    ticket = text_in(world, desk, sid="SM1")
    assert sweep(world, june(9, 11)) == 1
    clock(june(9, 11, 20))
    reply(world, ticket, nonce="a")
    ticket = reload(world, ticket)
    assert (ticket.escalation_level, ticket.sla_due_at) == (0, None)
    assert sweep(world, june(9, 14)) == 0
    assert events(world, ticket) == ["started", "breached", "escalated_lead", "answered_late"]


def test_the_sweep_stays_in_its_tenant(world, other_world, desk, clock):
    set_default_priority(world, desk, Priority.URGENT)
    text_in(world, desk, sid="SM1")
    assert sweep(other_world, june(9, 12)) == 0
    assert sweep(world, june(9, 12)) == 1


# --- The colour of the clock -----------------------------------------------------------------------


def test_the_clock_colour(world, desk, clock):
    set_default_priority(world, desk, Priority.HIGH)  # 4 hours, due at 14:00
    ticket = text_in(world, desk, sid="SM1")
    assert sla_colour(ticket, june(9, 10)) == "green"
    assert sla_colour(ticket, june(9, 13)) == "green"  # exactly a quarter left
    assert sla_colour(ticket, june(9, 13, 1)) == "orange"
    assert sla_colour(ticket, june(9, 14)) == "red"
    assert sla_colour(ticket, june(10, 9)) == "red"
    change(world, ticket, status=TicketStatus.WAITING)
    assert sla_colour(reload(world, ticket), june(9, 15)) == "paused"
    change(world, ticket, status=TicketStatus.RESOLVED)
    assert sla_colour(reload(world, ticket), june(9, 15)) == ""


def test_a_priority_change_after_a_pause_counts_only_the_time_the_clock_ran(world, desk, clock):
    ticket = text_in(world, desk, sid="SM1")  # normal, Tuesday 10:00
    clock(june(9, 11))
    change(world, ticket, status=TicketStatus.WAITING)  # ran 60 minutes
    clock(june(11, 9))
    text_in(world, desk, "Here are the photos", sid="SM2")  # resumes Thursday 09:00
    clock(june(11, 9, 30))
    change(world, ticket, priority=Priority.HIGH)  # ran 90 minutes of its 240
    assert reload(world, ticket).sla_due_at == june(11, 12)
    assert sweep(world, june(11, 9, 31)) == 0  # the two paused days are not held against us


def test_a_priority_change_while_paused_changes_the_minutes_left(world, desk, clock):
    ticket = text_in(world, desk, sid="SM1")  # normal, Tuesday 10:00
    clock(june(9, 11))
    change(world, ticket, status=TicketStatus.WAITING)  # ran 60 minutes
    clock(june(11, 9))
    # The customer's angry answer raises the priority before it resumes the clock.
    text_in(world, desk, "This is terrible. Awful service, I am furious.", sid="SM2")
    ticket = reload(world, ticket)
    assert ticket.priority == Priority.HIGH
    assert ticket.sla_due_at == june(11, 12)  # high: 240 minutes, 60 of them used on Tuesday


def test_a_priority_raised_past_the_time_already_spent_is_due_at_once(world, desk, clock):
    ticket = text_in(world, desk, sid="SM1")  # normal, Tuesday 10:00
    clock(june(9, 12))
    change(world, ticket, priority=Priority.URGENT)  # two hours spent of urgent's one
    assert reload(world, ticket).sla_due_at == june(9, 12)
    assert sweep(world, june(9, 12)) == 1
    assert reload(world, ticket).sla_breached_at == june(9, 12)
