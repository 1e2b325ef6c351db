"""The agent's inbox pages: who sees which tickets, the list's views and bulk actions, the thread
with its reply, note and call forms, its sidebar controls, delivery statuses and attachments."""

import datetime as dt
import itertools
import re
import uuid
from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification, Role, TimelineEvent
from leads.models import Lead
from messaging.models import MessageStatus, OutboundMessage
from tests import factories
from tests.conftest import World, queries_for, sign_in
from tests.factories import lead_for, message_template_for, pipeline_for
from tickets import routing
from tickets.models import (
    Inbox,
    SlaEvent,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from tickets.services import configuration, ingest
from tickets.services.replies import ticket_reply

pytestmark = pytest.mark.django_db

INBOX = reverse("tickets:inbox")
# A Tuesday, 15:00 in Miami: inside business hours, so SLA clocks run.
TUESDAY = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
_numbers = itertools.count(5000)


@dataclass
class Desk:
    """A world with an inbox answering on email and SMS, the world's rep as its agent."""

    world: World
    inbox: Inbox
    sms: str
    email: str

    def url(self, name: str, ticket: Ticket, **kwargs) -> str:
        return reverse(f"tickets:{name}", kwargs={"ticket_pk": ticket.pk, **kwargs})


def _desk(world: World, sms: str = "+13055550100", email: str = "hello@firstroofing.test"):
    with world.active():
        inbox = configuration.inbox_save(
            tenant=world.tenant, actor=None, name="Support", brand=world.brand
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="sms", address=sms
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="email", address=email
        )
        configuration.inbox_agent_set(tenant=world.tenant, inbox=inbox, membership=world.rep)
    return Desk(world, inbox, sms, email)


@pytest.fixture
def desk(world) -> Desk:
    return _desk(world)


def _contact_phone(world: World) -> str:
    with world.active():
        return str(world.contact.phones.first().number)


def _contact_email(world: World) -> str:
    with world.active():
        return world.contact.emails.first().email


def _process(world: World, event_id: int) -> None:
    with world.active():
        result = ingest.inbound_event_process(tenant=world.tenant, event_id=event_id)
    assert result.startswith("ticket"), result


def _sms_in(desk: Desk, body: str, sid: str) -> None:
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", desk.sms),
        payload={
            "MessageSid": sid,
            "From": _contact_phone(desk.world),
            "To": desk.sms,
            "Body": body,
        },
    )
    _process(desk.world, stored.event_id)


def _email_in(desk: Desk, raw_body: str, message_id: str, *, headers: str = "") -> None:
    raw = (
        f"From: Jane <{_contact_email(desk.world)}>\r\nTo: {desk.email}\r\nSubject: Roof photos\r\n"
        f"Message-ID: <{message_id}>\r\n{headers}\r\n{raw_body}"
    ).encode()
    stored = ingest.email_inbound_store(provider="postmark", raw=raw)
    _process(desk.world, stored.event_id)


def _mixed_ticket(desk: Desk) -> Ticket:
    """An SMS then an email (with quoted history) from the world's contact: one ticket."""
    _sms_in(desk, "Water is coming through the ceiling", "SM100")
    _email_in(
        desk,
        "Here are the photos you asked for.\r\n\r\nOn Mon, Jun 8, 2026 at 9:00 AM Support "
        "<hello@firstroofing.test> wrote:\r\n> Could you send photos of the damage?\r\n"
        "> Thanks, the team\r\n",
        "photos-1@example.com",
    )
    with desk.world.active():
        return Ticket.objects.get(tenant=desk.world.tenant)


def _ticket(desk: Desk, *, inbox: Inbox | None = None, contact=None, **fields) -> Ticket:
    """A ticket made directly, for the list: as many as a test needs, quickly."""
    world = desk.world
    with world.active():
        defaults = {
            "subject": "Leaking roof",
            "last_message_at": timezone.now(),
            "last_message_snippet": "Water is coming through the ceiling",
            "last_message_channel": "sms",
            "last_message_direction": "in",
        }
        return Ticket.objects.create(
            tenant=world.tenant,
            number=next(_numbers),
            inbox=inbox or desk.inbox,
            contact=contact or world.contact,
            **{**defaults, **fields},
        )


def _listed(response) -> list[int]:
    """The tickets the page lists, in its order, read from what the browser gets (a next page
    is a partial, which records no template context)."""
    return [
        int(pk) for pk in re.findall(r'name="tickets" value="(\d+)"', response.content.decode())
    ]


# --- Who sees what -------------------------------------------------------------------------------


def test_a_rep_sees_their_own_the_queue_and_their_inboxes_but_not_other_inboxes(client, desk):
    world = desk.world
    with world.active():
        rep2 = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
        sales = configuration.inbox_save(tenant=world.tenant, actor=None, name="Sales")
        configuration.inbox_agent_set(tenant=world.tenant, inbox=sales, membership=rep2)
    mine = _ticket(desk, assignee=world.rep)
    queue = _ticket(desk, inbox=sales)
    colleague_in_my_inbox = _ticket(desk, assignee=world.manager)
    elsewhere = _ticket(desk, inbox=sales, assignee=rep2)

    sign_in(client, world.rep)
    assert _listed(client.get(INBOX)) == [mine.pk]
    assert _listed(client.get(INBOX, {"view": "unassigned"})) == [queue.pk]
    everything = client.get(INBOX, {"view": "all"})
    assert set(_listed(everything)) == {mine.pk, queue.pk, colleague_in_my_inbox.pk}
    assert "My inboxes" in everything.content.decode()
    assert client.get(reverse("tickets:detail", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("tickets:detail", args=[colleague_in_my_inbox.pk])).status_code == 200

    sign_in(client, world.manager)
    everything = client.get(INBOX)  # a manager starts on the whole team's
    assert set(_listed(everything)) == {mine.pk, queue.pk, colleague_in_my_inbox.pk, elsewhere.pk}
    assert ">All</a>" in everything.content.decode()
    assert client.get(reverse("tickets:detail", args=[elsewhere.pk])).status_code == 200


def test_a_rep_sees_the_tickets_of_their_leads_wherever_they_land(client, desk):
    world = desk.world
    lead = lead_for(world, owner=world.rep)
    with world.active():
        sales = configuration.inbox_save(tenant=world.tenant, actor=None, name="Sales")
    ticket = _ticket(desk, inbox=sales, assignee=world.manager, lead=lead)
    sign_in(client, world.rep)
    assert _listed(client.get(INBOX, {"view": "all"})) == [ticket.pk]


def test_another_tenants_tickets_are_out_of_reach(client, desk, other_world):
    theirs_desk = _desk(other_world, sms="+13055550199", email="help@lakeside.test")
    theirs = _mixed_ticket(theirs_desk)
    with other_world.active():
        message = TicketMessage.objects.filter(ticket=theirs).first()
        attachment = _attach(other_world, message, "invoice.pdf", b"%PDF-1.4", "application/pdf")
    mine = _ticket(desk)
    sign_in(client, desk.world.admin)
    assert _listed(client.get(INBOX, {"view": "all", "status": "any"})) == [mine.pk]
    for name, extra in [
        ("detail", {}),
        ("message-status", {"ticket_message_pk": message.pk}),
        ("attachment", {"attachment_pk": attachment.pk}),
    ]:
        assert client.get(theirs_desk.url(name, theirs, **extra)).status_code == 404
    for name in ("reply", "note", "call", "change", "assign", "lead-link", "lead-create"):
        assert client.post(theirs_desk.url(name, theirs), {"body": "x"}).status_code == 404
    # Their attachment through one of our own tickets: still not found.
    assert client.get(desk.url("attachment", mine, attachment_pk=attachment.pk)).status_code == 404


# --- The list ------------------------------------------------------------------------------------


@time_machine.travel(TUESDAY, tick=False)
def test_each_row_shows_contact_snippet_channel_reference_priority_clock_and_assignee(client, desk):
    world = desk.world
    now = timezone.now()
    _ticket(
        desk,
        assignee=world.rep,
        priority="high",
        sla_started_at=now - dt.timedelta(hours=1),
        sla_due_at=now + dt.timedelta(hours=2, minutes=5),
    )
    _ticket(
        desk,
        assignee=world.rep,
        subject="Invoice question",
        last_message_channel="email",
        sla_started_at=now - dt.timedelta(hours=5),
        sla_due_at=now - dt.timedelta(minutes=90),
    )
    sign_in(client, world.rep)
    html = client.get(INBOX).content.decode()
    assert world.contact.display_name in html
    assert "Water is coming through the ceiling" in html
    assert 'class="ch ch-sms"' in html and 'class="ch ch-email"' in html
    assert re.search(r"T-\d+</span>\s*<span class=\"ticket-subject\">Leaking roof", html)
    assert 'badge priority-high">High' in html
    assert 'sla sla-green"' in html and "2h 05m left" in html
    assert 'sla sla-red"' in html and "1h 30m overdue" in html
    assert str(world.rep.user) in html


@time_machine.travel(TUESDAY, tick=False)
def test_views_by_status_priority_and_breach(client, desk):
    world = desk.world
    now = timezone.now()
    open_urgent = _ticket(desk, priority="urgent")
    waiting = _ticket(desk, status="waiting")
    resolved = _ticket(desk, status="resolved")
    closed = _ticket(desk, status="closed")
    breached = _ticket(
        desk,
        sla_due_at=now - dt.timedelta(hours=1),
        sla_started_at=now - dt.timedelta(hours=2),
        sla_breached_at=now - dt.timedelta(hours=1),
    )
    answered_late = _ticket(desk, status="waiting", sla_breached_at=now - dt.timedelta(hours=3))
    sign_in(client, world.manager)

    def listed(**params):
        return set(_listed(client.get(INBOX, {"view": "all", **params})))

    assert listed() == {open_urgent.pk, waiting.pk, breached.pk, answered_late.pk}
    assert listed(status="open") == {open_urgent.pk, breached.pk}
    assert listed(status="waiting") == {waiting.pk, answered_late.pk}
    assert listed(status="resolved") == {resolved.pk}
    assert listed(status="closed") == {closed.pk}
    assert len(listed(status="any")) == 6
    assert listed(priority="urgent") == {open_urgent.pk}
    assert listed(view="breached") == {breached.pk}
    # Nonsense falls back to the defaults rather than failing.
    assert client.get(INBOX, {"view": "bogus", "status": "nope"}).status_code == 200


def test_the_list_pages_by_newest_activity_without_overlap(client, desk):
    world = desk.world
    start = timezone.now()
    same_moment = start - dt.timedelta(hours=1)
    made = [
        _ticket(
            desk, last_message_at=same_moment if i % 3 == 0 else start - dt.timedelta(minutes=i)
        )
        for i in range(56)
    ]
    sign_in(client, world.manager)
    first = client.get(INBOX, {"view": "all"})
    page = first.context["page"]
    assert len(page.items) == 50 and page.has_next
    second = client.get(INBOX, {"view": "all", "after": page.next_cursor}, HTTP_HX_REQUEST="true")
    seen = _listed(first) + _listed(second)
    assert sorted(seen) == sorted(t.pk for t in made)
    assert 'id="load-more"' not in second.content.decode()
    with world.active():
        ordered = list(
            Ticket.objects.order_by("-last_message_at", "-id").values_list("pk", flat=True)
        )
    assert seen == ordered


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_tickets(client, desk):
    world = desk.world
    with world.active():
        others = [
            factories.ContactFactory(tenant=world.tenant, first_name=f"C{i}") for i in range(30)
        ]
    for contact in others[:3]:
        _ticket(desk, contact=contact, assignee=world.rep)
    sign_in(client, world.manager)
    few = queries_for(client, INBOX + "?view=all")
    for contact in others[3:]:
        _ticket(desk, contact=contact, assignee=world.manager)
    many = queries_for(client, INBOX + "?view=all")
    assert few == many, (few, many)
    assert many <= 12, many
    sign_in(client, world.rep)  # a rep's visibility is part of the same statement
    assert queries_for(client, INBOX + "?view=all") <= many


# --- Bulk actions --------------------------------------------------------------------------------


def test_a_manager_assigns_and_changes_ticked_tickets_in_bulk(client, desk):
    world = desk.world
    one, two, untouched = _ticket(desk), _ticket(desk), _ticket(desk)
    sign_in(client, world.manager)
    response = client.post(
        reverse("tickets:bulk"),
        {"tickets": [one.pk, two.pk], "assignee": world.rep.pk, "next": INBOX + "?view=all"},
    )
    assert response.status_code == 302 and response.url == INBOX + "?view=all"
    client.post(
        reverse("tickets:bulk"),
        {"tickets": [one.pk, two.pk], "status": "resolved", "priority": "high"},
    )
    with world.active():
        for ticket in (one, two):
            ticket.refresh_from_db()
            assert (ticket.assignee, ticket.status, ticket.priority) == (
                world.rep,
                "resolved",
                "high",
            )
        untouched.refresh_from_db()
        assert (untouched.assignee, untouched.status) == (None, "open")
        # Two assignment alerts (grouped in one bell item) + the world's own notification.
        mine = Notification.objects.filter(recipient=world.rep.user)
        assert sum(notification.count for notification in mine) == 3


def test_a_rep_takes_queue_tickets_in_bulk_but_cannot_move_a_colleagues(client, desk):
    world = desk.world
    queue = _ticket(desk)
    colleagues = _ticket(desk, assignee=world.manager)
    sign_in(client, world.rep)
    response = client.post(
        reverse("tickets:bulk"),
        {"tickets": [queue.pk, colleagues.pk], "assignee": world.rep.pk},
        follow=True,
    )
    assert "only a manager can reassign them" in response.content.decode()
    # A rep is offered only themselves or the queue.
    refused = client.post(
        reverse("tickets:bulk"), {"tickets": [queue.pk], "assignee": world.manager.pk}, follow=True
    )
    assert "Select a valid choice" in refused.content.decode()
    with world.active():
        queue.refresh_from_db()
        colleagues.refresh_from_db()
    assert queue.assignee_id == world.rep.pk and colleagues.assignee_id == world.manager.pk


def test_bulk_actions_need_a_tick_and_an_action(client, desk):
    ticket = _ticket(desk)
    sign_in(client, desk.world.manager)
    no_tick = client.post(reverse("tickets:bulk"), {"status": "closed"}, follow=True)
    assert "Tick the tickets to change first." in no_tick.content.decode()
    no_action = client.post(reverse("tickets:bulk"), {"tickets": [ticket.pk]}, follow=True)
    assert "Choose an assignee, a status or a priority" in no_action.content.decode()


# --- The thread ----------------------------------------------------------------------------------


@time_machine.travel(TUESDAY, tick=False)
def test_the_thread_shows_every_channel_in_time_order_with_history_folded(client, desk):
    ticket = _mixed_ticket(desk)
    sign_in(client, desk.world.rep)
    response = client.get(desk.url("detail", ticket))
    html = response.content.decode()
    assert response.status_code == 200
    sms_at = html.index("Water is coming through the ceiling")
    email_at = html.index("Here are the photos you asked for.")
    assert sms_at < email_at
    assert "msg-channel-sms" in html and "msg-channel-email" in html
    # The quoted history sits behind the "…" toggle, not in the message text.
    history = html.index('<details class="msg-history">')
    assert email_at < history < html.index("Could you send photos of the damage?")
    assert "<script" not in html.split("</head>", 1)[1]


@time_machine.travel(TUESDAY, tick=False)
def test_html_mail_is_shown_in_a_sandboxed_frame(client, desk):
    _email_in(
        desk,
        "--b\r\nContent-Type: text/plain\r\n\r\nPlain words\r\n--b\r\n"
        "Content-Type: text/html\r\n\r\n"
        '<p>Rich <b>words</b><script>alert(1)</script> "q"</p>\r\n--b--\r\n',
        "html-1@example.com",
        headers='Content-Type: multipart/alternative; boundary="b"\r\n',
    )
    with desk.world.active():
        ticket = Ticket.objects.get()
    sign_in(client, desk.world.rep)
    html = client.get(desk.url("detail", ticket)).content.decode()
    frame = re.search(r"<iframe sandbox srcdoc=\"([^\"]*)\"", html)
    assert frame is not None
    assert "&lt;b&gt;words&lt;/b&gt;" in frame.group(1)
    assert "alert(1)" not in html


@time_machine.travel(TUESDAY, tick=False)
def test_an_email_reply_goes_through_the_outbox_with_the_tickets_reply_address(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    sign_in(client, world.rep)
    page = client.get(desk.url("detail", ticket))
    nonce = page.context["reply_form"]["nonce"].value()
    form = {
        "channel": "email",
        "body": "We'll be there at 9.",
        "nonce": nonce,
        "status_after": "waiting",
    }
    response = client.post(desk.url("reply", ticket), form)
    assert response.status_code == 302
    again = client.post(desk.url("reply", ticket), form)  # a double submit
    assert again.status_code == 302
    with world.active():
        outbound = OutboundMessage.objects.get()
        message = TicketMessage.objects.get(outbound=outbound)
        ticket.refresh_from_db()
    assert outbound.channel == "email" and outbound.to_address == _contact_email(world)
    assert outbound.context["reply_to"] == routing.reply_address(world.tenant.pk, ticket.pk)
    assert outbound.context["in_reply_to"] == "photos-1@example.com"
    assert f"[#{ticket.reference}]" in outbound.subject
    assert outbound.from_address.endswith(f"<{desk.email}>")
    assert message.author == world.rep.user and message.direction == "out"
    assert ticket.status == "waiting" and ticket.sla_due_at is None
    html = client.get(response.url).content.decode()
    assert "We&#x27;ll be there at 9." in html
    assert f'id="delivery-{message.pk}"' in html and 'hx-trigger="every 5s"' in html


@time_machine.travel(TUESDAY, tick=False)
def test_an_sms_reply_goes_to_the_number_that_wrote_and_may_keep_the_ticket_open(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    sign_in(client, world.rep)
    # The form offers the channel the customer last wrote on first.
    assert client.get(desk.url("detail", ticket)).context["options"].default_channel == "email"
    _sms_in(desk, "Also, the gutter fell off", "SM101")
    assert client.get(desk.url("detail", ticket)).context["options"].default_channel == "sms"
    response = client.post(
        desk.url("reply", ticket),
        {"channel": "sms", "body": "On our way", "nonce": uuid.uuid4(), "status_after": "open"},
    )
    assert response.status_code == 302
    with world.active():
        outbound = OutboundMessage.objects.get()
        ticket.refresh_from_db()
    assert outbound.channel == "sms" and outbound.to_address == _contact_phone(world)
    assert outbound.from_address == desk.sms
    assert ticket.status == "open"


@time_machine.travel(TUESDAY, tick=False)
def test_a_template_reply_and_the_errors_that_keep_the_text(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    template = message_template_for(world.tenant, "visit-booked", channels=("email",))
    sign_in(client, world.rep)
    page = client.get(desk.url("detail", ticket)).content.decode()
    assert f'<option value="{template.pk}">Visit booked</option>' in page

    both = client.post(
        desk.url("reply", ticket),
        {
            "channel": "email",
            "body": "My own words",
            "template": template.pk,
            "nonce": uuid.uuid4(),
        },
    )
    assert both.status_code == 400
    html = both.content.decode()
    assert "not both" in html and "My own words</textarea>" in html
    wrong_channel = client.post(
        desk.url("reply", ticket),
        {"channel": "sms", "template": template.pk, "nonce": uuid.uuid4()},
    )
    assert "has no wording for SMS" in wrong_channel.content.decode()
    empty = client.post(desk.url("reply", ticket), {"channel": "sms", "nonce": uuid.uuid4()})
    assert empty.status_code == 400
    assert "Write a reply or choose a template." in empty.content.decode()
    with world.active():
        assert not OutboundMessage.objects.exists()

    sent = client.post(
        desk.url("reply", ticket),
        {
            "channel": "email",
            "template": template.pk,
            "nonce": uuid.uuid4(),
            "status_after": "waiting",
        },
    )
    assert sent.status_code == 302
    with world.active():
        assert OutboundMessage.objects.get().template == template


def test_reply_channels_are_those_the_contact_can_be_reached_on(client, desk):
    world = desk.world
    with world.active():
        no_phone = factories.ContactFactory(tenant=world.tenant)
        factories.ContactEmailFactory(tenant=world.tenant, contact=no_phone)
        nothing = factories.ContactFactory(tenant=world.tenant)
    by_email = _ticket(desk, contact=no_phone)
    unreachable = _ticket(desk, contact=nothing)
    reachable = _ticket(desk)
    sign_in(client, world.rep)

    def channels(ticket):
        return [
            value for value, _ in client.get(desk.url("detail", ticket)).context["options"].channels
        ]

    assert channels(by_email) == ["email"]
    assert channels(unreachable) == []
    assert (
        "no email address or mobile number on file"
        in client.get(desk.url("detail", unreachable)).content.decode()
    )
    assert channels(reachable) == ["email", "sms"]
    with world.active():
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=desk.inbox, channel="whatsapp", address="+13055550111"
        )
    assert channels(reachable) == ["email", "sms", "whatsapp"]
    refused = client.post(
        desk.url("reply", by_email), {"channel": "sms", "body": "Hi", "nonce": uuid.uuid4()}
    )
    assert refused.status_code == 400


@time_machine.travel(TUESDAY, tick=False)
def test_a_note_stays_internal_and_a_logged_call_answers_the_customer(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    assert ticket.sla_due_at is not None
    sign_in(client, world.rep)
    assert client.post(desk.url("note", ticket), {"body": "Gate code 4411"}).status_code == 302
    call = client.post(desk.url("call", ticket), {"summary": "Booked a visit for Friday"})
    assert call.status_code == 302
    with world.active():
        note, logged = TicketMessage.objects.filter(direction__in=["internal", "out"]).order_by(
            "pk"
        )
        ticket.refresh_from_db()
    assert (note.channel, note.direction, note.author) == ("note", "internal", world.rep.user)
    assert (logged.channel, logged.direction) == ("phone", "out")
    assert ticket.sla_due_at is None and ticket.first_response_at is not None
    with world.active():
        assert not OutboundMessage.objects.exists()
    html = client.get(desk.url("detail", ticket)).content.decode()
    assert "msg msg-internal msg-channel-note" in html and "Internal note" in html
    assert "called" in html and "Booked a visit for Friday" in html
    empty = client.post(desk.url("note", ticket), {"body": "  "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()


@time_machine.travel(TUESDAY, tick=False)
def test_status_priority_and_assignee_from_the_sidebar(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    sign_in(client, world.rep)
    response = client.post(
        desk.url("change", ticket),
        {"status": "open", "priority": "urgent"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<aside id="ticket-sidebar"')
    assert "Saved." in html
    with world.active():
        ticket.refresh_from_db()
        assert ticket.priority == "urgent"
        assert SlaEvent.objects.filter(ticket=ticket, kind="priority_changed").exists()
    # A rep cannot hand the ticket to someone else; the sidebar says so.
    refused = client.post(
        desk.url("assign", ticket), {"assignee": world.manager.pk}, HTTP_HX_REQUEST="true"
    )
    assert "Select a valid choice" in refused.content.decode()
    released = client.post(desk.url("assign", ticket), {"assignee": "nobody"})
    assert released.status_code == 302
    with world.active():
        ticket.refresh_from_db()
        assert ticket.assignee is None
    client.post(desk.url("change", ticket), {"status": "resolved", "priority": "urgent"})
    with world.active():
        ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at is not None

    sign_in(client, world.manager)
    client.post(desk.url("assign", ticket), {"assignee": world.rep.pk})
    with world.active():
        ticket.refresh_from_db()
        assert ticket.assignee == world.rep
        assert Notification.objects.filter(
            recipient=world.rep.user, kind="ticket_assigned"
        ).exists()
    # Now it is the rep's colleague's to give: another rep may not take it.
    with world.active():
        rep2 = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
        configuration.inbox_agent_set(tenant=world.tenant, inbox=desk.inbox, membership=rep2)
    sign_in(client, rep2)
    html = client.get(desk.url("detail", ticket)).content.decode()
    assert "Only a manager can hand it to someone else." in html
    taken = client.post(desk.url("assign", ticket), {"assignee": rep2.pk}, follow=True)
    assert "Only a manager can hand this ticket to someone else." in taken.content.decode()


@time_machine.travel(TUESDAY, tick=False)
def test_a_lead_is_linked_or_created_from_the_ticket(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    other_contacts_lead = lead_for(
        world, contact=factories.ContactFactory(tenant=world.tenant), owner=world.manager
    )
    pipeline = pipeline_for(world.tenant)
    sign_in(client, world.rep)
    response = client.post(
        desk.url("lead-create", ticket),
        {"pipeline": pipeline.pk, "title": "Ceiling leak repair"},
        HTTP_HX_REQUEST="true",
    )
    assert "Lead created and linked." in response.content.decode()
    with world.active():
        ticket.refresh_from_db()
        lead = Lead.objects.get(title="Ceiling leak repair")
    assert ticket.lead_id == lead.pk and lead.contact_id == world.contact.pk
    assert lead.owner_id == ticket.assignee_id == world.rep.pk
    assert lead.reference in response.content.decode()

    refused = client.post(
        desk.url("lead-link", ticket), {"lead": other_contacts_lead.pk}, HTTP_HX_REQUEST="true"
    )
    assert "Select a valid choice" in refused.content.decode()
    second = lead_for(world, owner=world.rep, title="Gutters")
    client.post(desk.url("lead-link", ticket), {"lead": second.pk})
    with world.active():
        ticket.refresh_from_db()
        assert ticket.lead == second
        assert TimelineEvent.objects.filter(lead_id=second.pk, kind="ticket.lead_linked").exists()
    # The lead's timeline links back to the ticket.
    lead_page = client.get(reverse("leads:detail", kwargs={"lead_pk": second.pk}))
    assert f'href="{desk.url("detail", ticket)}">Open ticket</a>' in lead_page.content.decode()
    contact_page = client.get(reverse("contacts:detail", kwargs={"contact_pk": world.contact.pk}))
    assert f'href="{desk.url("detail", ticket)}">Open ticket</a>' in contact_page.content.decode()


# --- Delivery status and attachments -------------------------------------------------------------


@time_machine.travel(TUESDAY, tick=False)
def test_a_messages_delivery_status_is_polled_until_it_settles(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    sign_in(client, world.rep)
    client.post(
        desk.url("reply", ticket),
        {"channel": "sms", "body": "On our way", "nonce": uuid.uuid4(), "status_after": "waiting"},
    )
    with world.active():
        message = TicketMessage.objects.get(direction="out")
    url = desk.url("message-status", ticket, ticket_message_pk=message.pk)
    pending = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Scheduled" in pending and f'hx-get="{url}"' in pending
    with world.active():
        OutboundMessage.objects.filter(pk=message.outbound_id).update(
            status=MessageStatus.DELIVERED, sent_at=timezone.now()
        )
    settled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Delivered" in settled and "hx-get" not in settled
    with world.active():
        OutboundMessage.objects.filter(pk=message.outbound_id).update(
            status=MessageStatus.FAILED, last_error="Twilio 21610: the customer replied STOP"
        )
    failed = client.get(url).content.decode()
    assert "Failed" in failed and "replied STOP" in failed
    with world.active():
        first_in = TicketMessage.objects.filter(direction="in").first()
    no_status = desk.url("message-status", ticket, ticket_message_pk=first_in.pk)
    assert client.get(no_status).status_code == 404


def _attach(world, message, filename, content, content_type):
    with world.active():
        attachment = TicketAttachment(
            tenant=world.tenant,
            message=message,
            token=uuid.uuid4().hex,
            filename=filename,
            content_type=content_type,
            size=len(content),
        )
        attachment.file.save(filename, ContentFile(content), save=False)
        attachment.save()
    return attachment


@time_machine.travel(TUESDAY, tick=False)
def test_attachments_download_from_private_storage_never_rendered(client, desk):
    world = desk.world
    ticket = _mixed_ticket(desk)
    with world.active():
        message = TicketMessage.objects.filter(channel="email").get()
    photo = _attach(world, message, "roof.jpg", b"\xff\xd8\xff photo", "image/jpeg")
    page = _attach(world, message, "page.html", b"<script>alert(1)</script>", "text/html")
    sign_in(client, world.rep)
    html = client.get(desk.url("detail", ticket)).content.decode()
    assert desk.url("attachment", ticket, attachment_pk=photo.pk) in html
    response = client.get(desk.url("attachment", ticket, attachment_pk=photo.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="roof.jpg"'
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff photo"
    risky = client.get(desk.url("attachment", ticket, attachment_pk=page.pk))
    assert risky["Content-Type"] == "application/octet-stream"
    assert risky["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in risky["Content-Security-Policy"]
    # Another ticket of the same tenant does not reach this ticket's files.
    other = _ticket(desk, assignee=world.rep)
    assert client.get(desk.url("attachment", other, attachment_pk=photo.pk)).status_code == 404


def test_the_thread_runs_the_same_number_of_queries_for_2_or_12_messages(client, desk):
    world = desk.world
    ticket = _ticket(desk, assignee=world.rep)

    def add(count):
        with world.active():
            for i in range(count):
                TicketMessage.objects.create(
                    tenant=world.tenant,
                    ticket=ticket,
                    direction="in" if i % 2 else "out",
                    channel="email" if i % 3 else "sms",
                    body_text=f"Message {i}",
                    author=world.rep.user if i % 2 == 0 else None,
                )

    sign_in(client, world.rep)
    add(2)
    few = queries_for(client, desk.url("detail", ticket))
    add(10)
    many = queries_for(client, desk.url("detail", ticket))
    assert few == many, (few, many)
    assert many <= 22, many


def test_a_manager_marks_the_customer_vip_from_the_thread_and_a_rep_may_not(client, desk):
    world = desk.world
    ticket = _ticket(desk)
    sign_in(client, world.rep)
    assert client.post(desk.url("contact-vip", ticket), {"is_vip": "on"}).status_code == 403
    sign_in(client, world.manager)
    response = client.post(
        desk.url("contact-vip", ticket), {"is_vip": "on"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Remove VIP" in response.content.decode()
    with world.active():
        world.contact.refresh_from_db()
        assert world.contact.is_vip
        assert world.contact.timeline.filter(kind="contact.vip").exists()
    client.post(desk.url("contact-vip", ticket), {})
    with world.active():
        world.contact.refresh_from_db()
        assert not world.contact.is_vip


# --- STOP, and what the team sees of replies that did not reach the customer ---------------------


@time_machine.travel(TUESDAY, tick=False)
def test_a_stop_text_reopens_nothing_starts_no_clock_and_alerts_nobody(client, desk):
    world = desk.world
    with world.active():
        world.contact.preferred_channel = "sms"
        world.contact.save(update_fields=["preferred_channel"])
    _sms_in(desk, "Water is coming through the ceiling", "SM200")
    with world.active():
        ticket = Ticket.objects.get()
    sign_in(client, world.rep)
    client.post(
        desk.url("reply", ticket),
        {"channel": "sms", "body": "On our way", "nonce": uuid.uuid4(), "status_after": "resolved"},
    )
    with world.active():
        ticket.refresh_from_db()
        clocks_before = SlaEvent.objects.filter(ticket=ticket, kind="started").count()
        alerts_before = Notification.objects.filter(recipient=world.rep.user).count()
    assert ticket.status == "resolved"

    _sms_in(desk, "STOP", "SM201")

    with world.active():
        ticket.refresh_from_db()
        world.contact.refresh_from_db()
        assert ticket.status == "resolved"
        assert ticket.sla_due_at is None and ticket.sla_paused_minutes_left is None
        assert SlaEvent.objects.filter(ticket=ticket, kind="started").count() == clocks_before
        assert Notification.objects.filter(recipient=world.rep.user).count() == alerts_before
        assert not TimelineEvent.objects.filter(kind="ticket.reopened").exists()
        assert TimelineEvent.objects.filter(kind="ticket.keyword").exists()
        assert TicketMessage.objects.filter(ticket=ticket, body_text="STOP").exists()
        # Texts are off: the contact is reached first by email now, and the timeline says why.
        assert world.contact.preferred_channel == "email"
        assert TimelineEvent.objects.filter(
            contact=world.contact, kind="contact.preferred_channel"
        ).exists()
    assert "STOP" in client.get(desk.url("detail", ticket)).content.decode()

    _sms_in(desk, "Can you come back tomorrow?", "SM202")  # a real message is owed an answer
    with world.active():
        owed = Ticket.objects.get(messages__body_text="Can you come back tomorrow?")
    assert owed.status == "open" and owed.sla_due_at is not None


@pytest.mark.parametrize("keyword", ["cancel", "HELP", "start"])
@time_machine.travel(TUESDAY, tick=False)
def test_any_keyword_the_system_answers_leaves_the_ticket_alone(client, desk, keyword):
    _sms_in(desk, "Water is coming through the ceiling", "SM300")
    with desk.world.active():
        ticket = Ticket.objects.get()
    sign_in(client, desk.world.rep)
    client.post(
        desk.url("reply", ticket),
        {"channel": "sms", "body": "Fixed", "nonce": uuid.uuid4(), "status_after": "waiting"},
    )

    _sms_in(desk, keyword, "SM301")

    with desk.world.active():
        ticket.refresh_from_db()
    assert (ticket.status, ticket.sla_due_at, ticket.priority_reason) == ("waiting", None, "")


@time_machine.travel(TUESDAY, tick=False)
def test_the_thread_and_contact_panel_show_replies_that_did_not_go_and_why(client, desk):
    world = desk.world
    _sms_in(desk, "Water is coming through the ceiling", "SM400")
    _sms_in(desk, "STOP", "SM401")
    with world.active():
        ticket = Ticket.objects.get()
    sign_in(client, world.rep)

    def reply(channel, body):
        client.post(
            desk.url("reply", ticket),
            {"channel": channel, "body": body, "nonce": uuid.uuid4(), "status_after": "waiting"},
        )
        with world.active():
            return TicketMessage.objects.get(body_text=body).outbound

    blocked = reply("sms", "After the STOP")
    with world.active():  # (the form offers WhatsApp only with a WhatsApp number in the inbox)
        no_session = ticket_reply(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=ticket,
            channel="whatsapp",
            body="No WhatsApp conversation",
            nonce="whatsapp",
        ).outbound
    failed = reply("email", "Bounced email")
    queued = reply("email", "Waiting for the worker")
    held = reply("email", "Held until the morning")
    with world.active():
        OutboundMessage.objects.filter(pk=failed.pk).update(
            status=MessageStatus.FAILED, last_error="Mailbox unavailable"
        )
        OutboundMessage.objects.filter(pk=queued.pk).update(status=MessageStatus.QUEUED)
        OutboundMessage.objects.filter(pk=held.pk).update(
            send_after=TUESDAY + dt.timedelta(hours=14),
            decisions=[
                *held.decisions,
                {"at": "", "decision": "deferred", "reason": "Deferred to Wed 08:00: quiet hours"},
            ],
        )

    thread = client.get(desk.url("detail", ticket)).content.decode()
    panel = client.get(
        reverse("comms:contact-panel", kwargs={"contact_pk": world.contact.pk}),
        HTTP_HX_REQUEST="true",
    ).content.decode()

    for page in (thread, panel):
        assert page.count("Blocked, not sent") == 2  # the STOP and WhatsApp's 24-hour window
        assert "opted out of SMS" in page
        assert "24-hour" in page
        assert "Failed" in page and "Mailbox unavailable" in page
        assert "Queued for sending" in page
        assert "Held back" in page and "Deferred to Wed 08:00: quiet hours" in page
    assert blocked.status == no_session.status == MessageStatus.SUPPRESSED


def test_a_reply_blocked_at_once_leaves_the_clock_running_and_says_why(client, desk):
    world = desk.world
    _sms_in(desk, "STOP", "SM500")
    _sms_in(desk, "Actually, is the crew coming?", "SM501")
    with world.active():
        ticket = Ticket.objects.get(messages__body_text="Actually, is the crew coming?")
        status_before, due_before = ticket.status, ticket.sla_due_at
    assert due_before is not None
    sign_in(client, world.rep)

    response = client.post(
        desk.url("reply", ticket),
        {"channel": "sms", "body": "Yes, at 9", "nonce": uuid.uuid4(), "status_after": "waiting"},
        follow=True,
    )

    with world.active():
        ticket.refresh_from_db()
        reply = TicketMessage.objects.get(body_text="Yes, at 9")
        assert reply.outbound.status == MessageStatus.SUPPRESSED
        assert ticket.status == status_before
        assert ticket.sla_due_at == due_before
        assert ticket.first_response_at is None
        assert not SlaEvent.objects.filter(
            ticket=ticket, kind__in=["met", "answered_late"]
        ).exists()
    page = response.content.decode()
    assert "Not sent:" in page and "opted out of SMS" in page
    assert "answer on another channel" in page


def test_a_message_from_an_unverified_number_is_marked_and_the_reply_form_warns(client, desk):
    world = desk.world
    with world.active():
        factories.ContactPhoneFactory(
            tenant=world.tenant,
            contact=world.contact,
            number="+13055550998",
            is_primary=False,
            source="web_form",
            verified_at=None,
            verified_how="",
        )
    _sms_in(desk, "Is the crew coming?", "SM600")  # from the customer's own, verified number
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", desk.sms),
        payload={
            "MessageSid": "SM601",
            "From": "+13055550998",
            "To": desk.sms,
            "Body": "Send me the quote",
        },
    )
    _process(world, stored.event_id)
    with world.active():
        ticket = Ticket.objects.get(messages__body_text="Send me the quote")
    # Not the customer's thread: an unverified number on a contact with verified ones draws
    # nothing there (crm.selectors.contacts.sender_contact); its sender is a new contact.
    assert ticket.contact_id != world.contact.pk
    sign_in(client, world.rep)

    page = client.get(desk.url("detail", ticket)).content.decode()

    assert page.count("not verified as theirs") == 1
    assert "+13055550998 is not verified as" in page
