"""A ticket's priority: where it starts (the inbox's default, one step up for a VIP or a repeat
customer) and what raises it one step (an angry tone by VADER, a word the admin listed), with an
alert and an SLA event. Auto-replies raise nothing."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine

from crm.models import Notification, Role
from leads.services.stages import lead_move_to_stage
from tests import factories
from tests.factories import lead_for, pipeline_for, stage_named
from tickets import priority, routing
from tickets.models import (
    InboxSettings,
    Priority,
    SlaEvent,
    SlaEventKind,
    Ticket,
    TicketMessage,
)
from tickets.services import configuration, ingest

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
INBOX_NUMBER = "+17865550100"
INBOX_EMAIL = "help@gulfcoast.test"
CALM = "Hi, could you send me a quote for new gutters? Thanks"
ANGRY = "This is terrible. Awful service, I am furious and disappointed."


def june(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=NEW_YORK).astimezone(dt.UTC)


@pytest.fixture
def desk(world):
    with time_machine.travel(june(9, 10), tick=False):
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
        yield SimpleNamespace(inbox=inbox, team_lead=team_lead, phone=phone, email=email)


def _process(world, stored) -> TicketMessage:
    with world.active():
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
        assert outcome.startswith("ticket"), outcome
        return TicketMessage.objects.select_related("ticket").get(inbound_event_id=stored.event_id)


def text_in(world, desk, body: str, *, sid: str, at: dt.datetime | None = None) -> TicketMessage:
    payload = {"MessageSid": sid, "From": desk.phone, "To": INBOX_NUMBER, "Body": body}
    with time_machine.travel(at or june(9, 10), tick=False):
        stored = ingest.twilio_inbound_store(
            route=routing.route_for("sms", INBOX_NUMBER), payload=payload
        )
        return _process(world, stored)


def email_in(world, desk, body: str, *, message_id: str, subject: str = "Gutters", headers=""):
    raw = (
        f"From: Jane Customer <{desk.email}>\r\nTo: {INBOX_EMAIL}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n{headers}\r\n{body}\r\n"
    ).encode()
    with time_machine.travel(june(9, 10), tick=False):
        return _process(world, ingest.email_inbound_store(provider="postmark", raw=raw))


def priority_alerts(world, membership) -> list[str]:
    """Each alert's title: a lone notification's, or each item of a grouped one."""
    with world.active():
        titles = []
        for notification in Notification.objects.filter(
            tenant=world.tenant, recipient=membership.user, kind="ticket_priority"
        ).order_by("pk"):
            items = list(notification.items.order_by("created_at", "pk"))
            titles += [item.title for item in items] or [notification.title]
        return titles


def boosts(world, ticket) -> list[str]:
    with world.active():
        return list(
            SlaEvent.objects.filter(ticket=ticket, kind=SlaEventKind.PRIORITY_BOOSTED)
            .order_by("pk")
            .values_list("detail", flat=True)
        )


def settings_set(world, **fields) -> None:
    with world.active():
        InboxSettings.objects.update_or_create(tenant=world.tenant, defaults=fields)


def reload(world, ticket) -> Ticket:
    with world.active():
        return Ticket.objects.get(tenant=world.tenant, pk=ticket.pk)


# --- The rules, as functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Water is LEAKING through the ceiling", ["leak"]),
        ("a Leak, and my LAWYER says", ["leak", "Lawyer"]),
        ("We have leakage", ["leak"]),
        ("What bleak weather", []),  # inside a word, not its start
        ("Nothing to see", []),
    ],
)
def test_keywords_match_the_start_of_a_word_in_any_case(text, found):
    assert priority.keywords_in(text, ["leak", " Lawyer ", ""]) == found


def test_one_step_up_stops_at_urgent():
    assert priority.raised(Priority.LOW) == Priority.NORMAL
    assert priority.raised(Priority.NORMAL) == Priority.HIGH
    assert priority.raised(Priority.HIGH) == Priority.URGENT
    assert priority.raised(Priority.URGENT) == Priority.URGENT


def test_sentiment_is_vaders_compound_score():
    assert priority.sentiment_of(ANGRY) < -0.5
    assert priority.sentiment_of(CALM) > 0
    assert priority.sentiment_of("   ") is None


# --- Boosts on inbound messages ------------------------------------------------------------------


def test_an_angry_message_raises_the_priority_and_alerts_the_assignee(world, desk):
    first = text_in(world, desk, CALM, sid="SM1")
    ticket = first.ticket
    assert (ticket.priority, ticket.assignee_id) == (Priority.NORMAL, world.rep.pk)
    assert ticket.sla_due_at == june(11, 16)  # normal: 24 business hours

    angry = text_in(world, desk, ANGRY, sid="SM2", at=june(9, 10, 30))
    ticket = reload(world, ticket)
    assert angry.ticket_id == ticket.pk
    assert angry.sentiment < -0.5
    assert ticket.priority == Priority.HIGH
    assert ticket.priority_reason.startswith("negative tone (-0.9")
    # The running clock moves to the high target, counted from the first message.
    assert ticket.sla_due_at == june(9, 14)
    with world.active():
        event = SlaEvent.objects.get(ticket=ticket, kind=SlaEventKind.PRIORITY_BOOSTED)
    assert event.occurred_at == june(9, 10, 30)
    assert event.due_at == june(9, 14)
    assert event.detail.startswith("Raised to High: negative tone")
    assert priority_alerts(world, world.rep) == [f"{ticket.reference} raised to High"]
    assert priority_alerts(world, desk.team_lead) == []


def test_the_threshold_is_the_tenants(world, desk):
    settings_set(world, sentiment_threshold=-0.95)
    text_in(world, desk, CALM, sid="SM1")
    message = text_in(world, desk, ANGRY, sid="SM2")
    assert reload(world, message.ticket).priority == Priority.NORMAL
    assert boosts(world, message.ticket) == []


def test_an_admins_keyword_raises_the_priority_in_any_case(world, desk):
    settings_set(world, priority_keywords=["leak", "Lawyer"])
    text_in(world, desk, CALM, sid="SM1")
    message = text_in(world, desk, "Water is LEAKING through the ceiling", sid="SM2")
    ticket = reload(world, message.ticket)
    assert ticket.priority == Priority.HIGH
    assert ticket.priority_reason == "mentions “leak”"
    assert boosts(world, ticket) == ["Raised to High: mentions “leak”"]
    assert priority_alerts(world, world.rep) == [f"{ticket.reference} raised to High"]


def test_a_keyword_in_the_subject_counts(world, desk):
    settings_set(world, priority_keywords=["lawyer"])
    message = email_in(
        world, desk, "Please call me back.", message_id="m1@example.com", subject="My lawyer"
    )
    assert message.ticket.priority == Priority.HIGH


def test_a_word_only_containing_a_keyword_does_not(world, desk):
    settings_set(world, priority_keywords=["leak"])
    message = text_in(world, desk, "What bleak weather, can you check the gutters?", sid="SM1")
    assert message.ticket.priority == Priority.NORMAL
    assert boosts(world, message.ticket) == []


def test_tone_and_keyword_together_raise_one_step(world, desk):
    message = text_in(world, desk, "Terrible, awful leak. I am furious!", sid="SM1")
    ticket = message.ticket
    assert ticket.priority == Priority.HIGH
    assert "negative tone" in ticket.priority_reason and "“leak”" in ticket.priority_reason
    assert len(boosts(world, ticket)) == 1


def test_each_angry_message_raises_it_again_up_to_urgent(world, desk):
    text_in(world, desk, CALM, sid="SM1")
    text_in(world, desk, ANGRY, sid="SM2")
    text_in(world, desk, ANGRY, sid="SM3")
    message = text_in(world, desk, ANGRY, sid="SM4")
    assert reload(world, message.ticket).priority == Priority.URGENT
    assert len(boosts(world, message.ticket)) == 2  # urgent cannot go higher: no third event
    assert len(priority_alerts(world, world.rep)) == 2


def test_without_an_assignee_the_team_lead_is_alerted(world, desk):
    text_in(world, desk, CALM, sid="SM1")
    with world.active():
        Ticket.objects.update(assignee=None)
    message = text_in(world, desk, ANGRY, sid="SM2")
    assert priority_alerts(world, desk.team_lead) == [f"{message.ticket.reference} raised to High"]


def test_a_new_angry_ticket_alerts_its_assignee(world, desk):
    message = text_in(world, desk, ANGRY, sid="SM1")
    assert message.ticket.assignee_id == world.rep.pk
    assert priority_alerts(world, world.rep) == [f"{message.ticket.reference} raised to High"]


def test_a_new_angry_ticket_starts_its_clock_at_the_raised_priority(world, desk):
    message = text_in(world, desk, ANGRY, sid="SM1")
    ticket = message.ticket
    assert ticket.priority == Priority.HIGH
    assert ticket.sla_due_at == june(9, 14)
    assert boosts(world, ticket) and ticket.priority_reason.startswith("negative tone")


def test_auto_replies_are_not_boosted(world, desk):
    message = email_in(
        world,
        desk,
        "I am out of the office. This is a horrible terrible awful leak",
        message_id="ooo@example.com",
        subject="Out of office: leak",
        headers="Auto-Submitted: auto-replied\r\n",
    )
    assert message.is_auto_reply
    assert message.sentiment is None
    ticket = reload(world, message.ticket)
    assert ticket.priority == Priority.NORMAL
    assert boosts(world, ticket) == []
    assert priority_alerts(world, world.rep) == priority_alerts(world, desk.team_lead) == []


# --- Where a ticket starts -------------------------------------------------------------------------


def test_a_vip_contact_starts_one_step_higher(world, desk):
    with world.active():
        world.contact.is_vip = True
        world.contact.save(update_fields=["is_vip"])
    ticket = text_in(world, desk, CALM, sid="SM1").ticket
    assert (ticket.priority, ticket.priority_reason) == (Priority.HIGH, "VIP contact")
    assert ticket.sla_due_at == june(9, 14)
    assert boosts(world, ticket) == []  # where it starts, not a boost


def test_the_inbox_default_is_where_a_vip_starts_from(world, desk):
    with world.active():
        configuration.inbox_save(
            tenant=world.tenant,
            actor=None,
            inbox=desk.inbox,
            name="Support",
            team_lead=desk.team_lead,
            default_priority=Priority.LOW,
        )
        world.contact.is_vip = True
        world.contact.save(update_fields=["is_vip"])
    assert text_in(world, desk, CALM, sid="SM1").ticket.priority == Priority.NORMAL


def _won_jobs(world, count: int) -> None:
    pipeline = pipeline_for(world.tenant)
    for _ in range(count):
        lead = lead_for(world, pipeline, owner=world.rep)
        with world.active():
            lead_move_to_stage(
                tenant=world.tenant, actor=None, lead=lead, stage=stage_named(pipeline, "Won")
            )


def test_a_repeat_customer_starts_one_step_higher(world, desk):
    _won_jobs(world, 2)  # the default: two won jobs make a repeat customer
    ticket = text_in(world, desk, CALM, sid="SM1").ticket
    assert (ticket.priority, ticket.priority_reason) == (Priority.HIGH, "repeat customer")


def test_one_won_job_is_not_yet_a_repeat_customer(world, desk):
    _won_jobs(world, 1)
    assert text_in(world, desk, CALM, sid="SM1").ticket.priority == Priority.NORMAL


def test_repeat_customers_can_be_switched_off(world, desk):
    settings_set(world, vip_after_won_jobs=0)
    _won_jobs(world, 3)
    assert text_in(world, desk, CALM, sid="SM1").ticket.priority == Priority.NORMAL
