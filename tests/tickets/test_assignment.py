"""Who answers a new ticket: the owner of the customer's open lead, else the inbox's agents in
turn (the one who waited longest), passing over anyone off, inactive or at their cap; by hand
and in bulk, the new assignee is told (unless they took it themselves)."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine

from crm.models import Notification, Role, TimelineEvent, TimeOff
from tests import factories
from tests.factories import lead_for
from tickets import routing
from tickets.models import InboxAgent, Ticket, TicketMessage, TicketStatus
from tickets.services import changes, configuration, ingest
from tickets.services.assignment import ticket_assign, tickets_bulk_assign

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
INBOX_NUMBER = "+17865550100"
TUESDAY_MORNING = dt.datetime(2026, 6, 9, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(world, clock):
    """The Support inbox (an SMS number) with three agents: the rep and two more."""
    ann = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    bob = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
    with world.active():
        inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Support")
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="sms", address=INBOX_NUMBER
        )
        for agent in (world.rep, ann, bob):
            configuration.inbox_agent_set(tenant=world.tenant, inbox=inbox, membership=agent)
    return SimpleNamespace(inbox=inbox, ann=ann, bob=bob, agents=(world.rep, ann, bob))


_numbers = iter(range(100, 10_000))


def text_from_stranger(world) -> Ticket:
    """A text from a new number: a new contact, so a new ticket."""
    number = next(_numbers)
    payload = {
        "MessageSid": f"SM{number}",
        "From": f"+1212555{number:04d}",
        "To": INBOX_NUMBER,
        "Body": "Hi, can I get a quote?",
    }
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", INBOX_NUMBER), payload=payload
    )
    return _process(world, stored)


def text_from_contact(world, sid: str = "SM1") -> Ticket:
    with world.active():
        phone = str(world.contact.phones.first().number)
    payload = {"MessageSid": sid, "From": phone, "To": INBOX_NUMBER, "Body": "Hi, any news?"}
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", INBOX_NUMBER), payload=payload
    )
    return _process(world, stored)


def _process(world, stored) -> Ticket:
    with world.active():
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
        assert outcome.startswith("ticket"), outcome
        return TicketMessage.objects.get(inbound_event_id=stored.event_id).ticket


def assignees(world, tickets) -> list:
    with world.active():
        by_pk = dict(
            Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("pk", "assignee_id")
        )
    return [by_pk[t.pk] for t in tickets]


def told(world, membership) -> list[str]:
    """Titles of the ticket-assignment alerts the member got (a grouped notification's items)."""
    with world.active():
        titles = []
        for notification in Notification.objects.filter(
            tenant=world.tenant, recipient=membership.user, kind="ticket_assigned"
        ).order_by("pk"):
            items = list(notification.items.order_by("created_at", "pk"))
            titles += [item.title for item in items] or [notification.title]
        return titles


def set_waited_since(world, desk, **minutes_ago) -> None:
    """When each agent (by name: rep, ann, bob) last got a ticket; None: never."""
    members = {"rep": world.rep, "ann": desk.ann, "bob": desk.bob}
    with world.active():
        for name, minutes in minutes_ago.items():
            InboxAgent.objects.filter(tenant=world.tenant, membership=members[name]).update(
                last_assigned_at=None
                if minutes is None
                else TUESDAY_MORNING - dt.timedelta(minutes=minutes)
            )


# --- The lead's owner ----------------------------------------------------------------------------


def test_a_new_ticket_goes_to_the_owner_of_the_contacts_open_lead(world, desk):
    lead = lead_for(world, owner=world.manager)  # not even an agent of the inbox
    ticket = text_from_contact(world)
    assert (ticket.lead_id, ticket.assignee_id) == (lead.pk, world.manager.pk)
    assert told(world, world.manager) == [f"Ticket {ticket.reference} assigned to you"]
    with world.active():
        event = TimelineEvent.objects.get(tenant=world.tenant, kind="ticket.assigned")
    assert event.summary.endswith(f"(owner of lead {lead.reference})")
    assert event.lead_id == lead.pk
    # The round robin was not consulted: nobody's turn was used up.
    with world.active():
        assert not InboxAgent.objects.filter(last_assigned_at__isnull=False).exists()


def test_a_lead_owner_who_left_falls_back_to_the_round_robin(world, desk):
    lead_for(world, owner=world.manager)
    with world.active():
        world.manager.is_active = False
        world.manager.save(update_fields=["is_active"])
    set_waited_since(world, desk, rep=5, ann=None, bob=10)
    ticket = text_from_contact(world)
    assert ticket.assignee_id == desk.ann.pk


# --- Round robin ---------------------------------------------------------------------------------


def test_round_robin_gives_each_ticket_to_the_agent_who_waited_longest(world, desk, clock):
    set_waited_since(world, desk, rep=30, ann=5, bob=60)
    tickets = []
    for _ in range(4):
        tickets.append(text_from_stranger(world))
        clock.shift(dt.timedelta(minutes=1))
    assert assignees(world, tickets) == [desk.bob.pk, world.rep.pk, desk.ann.pk, desk.bob.pk]
    assert told(world, desk.bob) == [
        f"Ticket {tickets[0].reference} assigned to you",
        f"Ticket {tickets[3].reference} assigned to you",
    ]
    with world.active():
        summaries = list(
            TimelineEvent.objects.filter(kind="ticket.assigned")
            .order_by("pk")
            .values_list("summary", flat=True)
        )
    assert all(summary.endswith("(round robin in Support)") for summary in summaries)


def test_agents_who_never_had_a_ticket_go_first(world, desk):
    set_waited_since(world, desk, rep=1000, ann=None, bob=2000)
    assert text_from_stranger(world).assignee_id == desk.ann.pk


def test_an_agent_on_time_off_is_passed_over(world, desk):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    with world.active():
        TimeOff.objects.create(
            tenant=world.tenant,
            membership=world.rep,
            starts_on=dt.date(2026, 6, 8),
            ends_on=dt.date(2026, 6, 9),
        )
        # Time off that ended yesterday or starts tomorrow does not count.
        TimeOff.objects.create(
            tenant=world.tenant,
            membership=desk.ann,
            starts_on=dt.date(2026, 6, 1),
            ends_on=dt.date(2026, 6, 8),
        )
    assert text_from_stranger(world).assignee_id == desk.ann.pk


def test_an_agent_outside_their_weekly_hours_is_passed_over(world, desk):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    with world.active():
        world.rep.weekly_availability = {
            **world.rep.weekly_availability,
            "tue": [["12:00", "20:00"]],  # starts at noon on Tuesdays
        }
        world.rep.save(update_fields=["weekly_availability"])
    assert text_from_stranger(world).assignee_id == desk.ann.pk


def test_an_inactive_member_is_passed_over(world, desk):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    with world.active():
        world.rep.is_active = False
        world.rep.save(update_fields=["is_active"])
    assert text_from_stranger(world).assignee_id == desk.ann.pk


def test_an_agent_at_capacity_is_passed_over_until_a_ticket_closes(world, desk, clock):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    with world.active():
        configuration.inbox_agent_set(
            tenant=world.tenant, inbox=desk.inbox, membership=world.rep, capacity=1
        )
    first = text_from_stranger(world)
    assert first.assignee_id == world.rep.pk
    # One open ticket (waiting on the customer counts too): the rep is full.
    with world.active():
        changes.ticket_change(
            tenant=world.tenant, actor=world.rep.user, ticket=first, status=TicketStatus.WAITING
        )
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    assert text_from_stranger(world).assignee_id == desk.ann.pk

    with world.active():
        changes.ticket_change(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=Ticket.objects.get(pk=first.pk),
            status=TicketStatus.RESOLVED,
        )
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    assert text_from_stranger(world).assignee_id == world.rep.pk


def test_with_nobody_available_the_ticket_stays_unassigned_and_says_so(world, desk, clock):
    clock.move_to(dt.datetime(2026, 6, 13, 10, 0, tzinfo=NEW_YORK))  # Saturday: everyone's off
    ticket = text_from_stranger(world)
    assert ticket.assignee_id is None
    with world.active():
        event = TimelineEvent.objects.get(tenant=world.tenant, kind="ticket.unassigned")
        assert not TimelineEvent.objects.filter(kind="ticket.assigned").exists()
        assert not InboxAgent.objects.filter(last_assigned_at__isnull=False).exists()
    assert event.summary == f"{ticket.reference}: no agent of Support available; unassigned"
    assert event.contact_id == ticket.contact_id


def test_an_inbox_without_agents_leaves_tickets_unassigned(world, desk):
    with world.active():
        for agent in desk.agents:
            configuration.inbox_agent_remove(
                tenant=world.tenant, inbox=desk.inbox, membership=agent
            )
    assert text_from_stranger(world).assignee_id is None


def test_a_reply_to_an_existing_ticket_does_not_reassign_it(world, desk, clock):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    first = text_from_contact(world, "SM1")
    clock.shift(dt.timedelta(minutes=5))
    again = text_from_contact(world, "SM2")
    assert again.pk == first.pk and again.assignee_id == world.rep.pk
    assert len(told(world, world.rep)) == 1


# --- By hand and in bulk -------------------------------------------------------------------------


def test_reassigning_by_hand_tells_the_new_assignee(world, desk):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    ticket = text_from_stranger(world)
    with world.active():
        ticket = ticket_assign(
            tenant=world.tenant, actor=world.manager.user, ticket=ticket, assignee=desk.ann
        )
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == desk.ann.pk
        summaries = list(
            TimelineEvent.objects.filter(kind="ticket.assigned")
            .order_by("pk")
            .values_list("summary", flat=True)
        )
    assert summaries[-1] == f"{ticket.reference} assigned to {desk.ann.user.full_name}"
    assert told(world, desk.ann) == [f"Ticket {ticket.reference} assigned to you"]

    # Assigning to the same person again is a no-op; unassigning tells nobody.
    with world.active():
        ticket_assign(
            tenant=world.tenant, actor=world.manager.user, ticket=ticket, assignee=desk.ann
        )
        ticket_assign(tenant=world.tenant, actor=world.manager.user, ticket=ticket, assignee=None)
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
        assert TimelineEvent.objects.filter(kind="ticket.assigned").count() == 3
    assert len(told(world, desk.ann)) == 1


def test_taking_a_ticket_yourself_notifies_nobody(world, desk):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    ticket = text_from_stranger(world)
    with world.active():
        ticket_assign(tenant=world.tenant, actor=desk.bob.user, ticket=ticket, assignee=desk.bob)
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == desk.bob.pk
    assert told(world, desk.bob) == []


def test_a_member_of_another_team_cannot_be_assigned(world, other_world, desk):
    ticket = text_from_stranger(world)
    with world.active(), pytest.raises(ValueError):
        ticket_assign(
            tenant=world.tenant, actor=world.manager.user, ticket=ticket, assignee=other_world.rep
        )


def test_bulk_reassignment_tells_the_assignee_about_each_ticket(world, other_world, desk, clock):
    set_waited_since(world, desk, rep=60, ann=30, bob=10)
    tickets = [text_from_stranger(world) for _ in range(3)]  # rep, ann, bob
    with other_world.active():
        inbox = configuration.inbox_save(tenant=other_world.tenant, actor=None, name="Theirs")
        configuration.inbox_address_save(
            tenant=other_world.tenant, inbox=inbox, channel="sms", address="+17865550199"
        )
    payload = {"MessageSid": "SMother", "From": "+12125559999", "To": "+17865550199", "Body": "Hi"}
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", "+17865550199"), payload=payload
    )
    with other_world.active():
        ingest.inbound_event_process(tenant=other_world.tenant, event_id=stored.event_id)
        theirs = Ticket.objects.get(tenant=other_world.tenant)

    with world.active():
        changed = tickets_bulk_assign(
            tenant=world.tenant,
            actor=world.manager.user,
            ticket_ids=[t.pk for t in tickets] + [theirs.pk],
            assignee=desk.ann,
        )
    assert changed == 2  # ann had one already; the other tenant's ticket is not ours to touch
    assert assignees(world, tickets) == [desk.ann.pk] * 3
    # Told by the round robin about hers, then by the manager about the other two.
    assert told(world, desk.ann) == [
        f"Ticket {t.reference} assigned to you" for t in (tickets[1], tickets[0], tickets[2])
    ]
    with other_world.active():
        assert Ticket.objects.get(pk=theirs.pk).assignee_id is None

    # The manager taking them all in bulk tells nobody.
    with world.active():
        changed = tickets_bulk_assign(
            tenant=world.tenant,
            actor=world.manager.user,
            ticket_ids=[t.pk for t in tickets],
            assignee=world.manager,
        )
    assert changed == 3
    assert told(world, world.manager) == []
