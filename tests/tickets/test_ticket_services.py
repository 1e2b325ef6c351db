"""What agents do to a ticket: reply by email, SMS or WhatsApp through the comms outbox (to the
address the customer wrote from, from the inbox's own, threaded so the customer's answer comes
back), note, log a call, change status and priority (one ticket or many), link a lead.

Providers are faked only at their boundary: the sandbox provider records what it "sent"
(SandboxDelivery), and Twilio's REST API is a double at messaging.services.providers.twilio_http_client."""

import datetime as dt
import json
import logging
import zoneinfo
from types import SimpleNamespace

import phonenumbers
import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings
from twilio.http import HttpClient
from twilio.http.response import Response

from crm.models import TimelineEvent
from messaging.models import MessageSource, MessageStatus, OutboundMessage, SandboxDelivery
from messaging.services import outbox, outbox_send
from tests import factories
from tests.factories import lead_for
from tickets import routing
from tickets.models import (
    Direction,
    InboxSettings,
    MessageChannel,
    Priority,
    SlaEvent,
    SlaTarget,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.services import changes, configuration, ingest, replies

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TUESDAY_MORNING = dt.datetime(2026, 6, 9, 10, 0, tzinfo=NEW_YORK).astimezone(dt.UTC)
INBOX_NUMBER = "+17865550100"
INBOX_EMAIL = "help@gulfcoast.test"
SECOND_PHONE = "+13055557777"
SECOND_EMAIL = "jane.at.work@example.com"
CALM = "Hi, could you send me a quote for new gutters? Thanks"
INBOX_SID, INBOX_TOKEN = "AC" + "1" * 32, "inbox-auth-token"
PLATFORM_SID, PLATFORM_TOKEN = "AC" + "0" * 32, "platform-auth-token"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TUESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(world):
    """The brand's Support inbox on email, SMS and WhatsApp, answered by the rep. The customer
    has a second number and a second address besides their primary ones."""
    with world.active():
        inbox = configuration.inbox_save(
            tenant=world.tenant, actor=None, name="Support", brand=world.brand
        )
        for channel, address in (
            ("email", INBOX_EMAIL),
            ("sms", INBOX_NUMBER),
            ("whatsapp", INBOX_NUMBER),
        ):
            configuration.inbox_address_save(
                tenant=world.tenant, inbox=inbox, channel=channel, address=address
            )
        configuration.inbox_agent_set(tenant=world.tenant, inbox=inbox, membership=world.rep)
    factories.ContactPhoneFactory(
        tenant=world.tenant,
        contact=world.contact,
        number=phonenumbers.parse(SECOND_PHONE),
        is_primary=False,
    )
    factories.ContactEmailFactory(
        tenant=world.tenant, contact=world.contact, email=SECOND_EMAIL, is_primary=False
    )
    return SimpleNamespace(inbox=inbox)


def _process(world, stored) -> TicketMessage:
    with world.active():
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
        assert outcome.startswith("ticket"), outcome
        return TicketMessage.objects.select_related("ticket").get(inbound_event_id=stored.event_id)


def text_in(world, body=CALM, *, sid, sender=SECOND_PHONE, whatsapp=False) -> TicketMessage:
    prefix = "whatsapp:" if whatsapp else ""
    payload = {
        "MessageSid": sid,
        "From": prefix + sender,
        "To": prefix + INBOX_NUMBER,
        "Body": body,
    }
    route = routing.route_for("whatsapp" if whatsapp else "sms", prefix + INBOX_NUMBER)
    return _process(world, ingest.twilio_inbound_store(route=route, payload=payload))


def email_in(world, body=CALM, *, message_id, to=INBOX_EMAIL, subject="Gutters", headers=""):
    raw = (
        f"From: Jane Customer <{SECOND_EMAIL}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n{headers}\r\n{body}\r\n"
    ).encode()
    return _process(world, ingest.email_inbound_store(provider="postmark", raw=raw))


def reload(world, ticket) -> Ticket:
    with world.active():
        return Ticket.objects.select_related("inbox__brand", "contact", "lead").get(
            tenant=world.tenant, pk=ticket.pk
        )


def reply(world, ticket, channel, *, nonce="n1", body="Thanks, we are on it.", **options):
    with world.active():
        return replies.ticket_reply(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=reload(world, ticket),
            channel=channel,
            body=body,
            nonce=nonce,
            **options,
        )


def send_due(world) -> list[str]:
    with world.active():
        ids = outbox.outbox_claim_due(tenant=world.tenant)
        return [outbox_send.message_send(tenant=world.tenant, message_id=pk) for pk in ids]


def delivery_of(world, message: TicketMessage) -> SandboxDelivery:
    with world.active():
        return SandboxDelivery.objects.get(tenant=world.tenant, message_id=message.outbound_id)


def outbound_of(world, message: TicketMessage) -> OutboundMessage:
    with world.active():
        return OutboundMessage.objects.get(tenant=world.tenant, pk=message.outbound_id)


def timeline(world, kind: str) -> list[str]:
    with world.active():
        return list(
            TimelineEvent.objects.filter(tenant=world.tenant, kind=kind)
            .order_by("pk")
            .values_list("summary", flat=True)
        )


def sla_events(world, ticket) -> list[str]:
    with world.active():
        return list(SlaEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


# --- Replies by SMS and WhatsApp ------------------------------------------------------------------


def test_an_sms_reply_goes_through_the_outbox_to_the_number_the_customer_wrote_from(world, desk):
    inbound = text_in(world, sid="SM1")
    assert inbound.ticket.contact_id == world.contact.pk  # their second number is theirs too
    sent = reply(world, inbound.ticket, "sms")

    assert (sent.direction, sent.channel, sent.author_id) == ("out", "sms", world.rep.user.pk)
    assert (sent.to_address, sent.from_address) == (SECOND_PHONE, INBOX_NUMBER)
    row = outbound_of(world, sent)
    assert row.source == MessageSource.MANUAL
    assert row.channel == "sms"
    assert row.idempotency_key == f"ticket-reply:{inbound.ticket_id}:n1"
    assert (row.to_address, row.from_address) == (SECOND_PHONE, INBOX_NUMBER)
    assert (row.contact_id, row.created_by_id) == (world.contact.pk, world.rep.user.pk)
    assert row.status == MessageStatus.SCHEDULED

    assert send_due(world) == ["sent"]
    delivery = delivery_of(world, sent)
    # Sent to the number they wrote from, not their primary one.
    assert (delivery.to_address, delivery.from_address) == (SECOND_PHONE, INBOX_NUMBER)
    assert delivery.body_text == "Thanks, we are on it."
    assert outbound_of(world, sent).status == MessageStatus.SENT

    ticket = reload(world, inbound.ticket)
    assert ticket.status == TicketStatus.WAITING
    assert (ticket.last_message_direction, ticket.last_message_channel) == ("out", "sms")
    assert ticket.last_message_snippet == "Thanks, we are on it."
    assert timeline(world, "ticket.replied") == [
        f"{ticket.reference}: SMS reply — Thanks, we are on it."
    ]


def test_a_double_submit_sends_once(world, desk):
    inbound = text_in(world, sid="SM1")
    first = reply(world, inbound.ticket, "sms", nonce="form-1")
    again = reply(world, inbound.ticket, "sms", nonce="form-1")
    assert again.pk == first.pk
    other = reply(world, inbound.ticket, "sms", nonce="form-2")
    assert other.pk != first.pk
    with world.active():
        assert OutboundMessage.objects.filter(tenant=world.tenant).count() == 2
        assert TicketMessage.objects.filter(direction=Direction.OUTBOUND).count() == 2
    assert len(timeline(world, "ticket.replied")) == 2
    assert send_due(world) == ["sent", "sent"]


def test_a_whatsapp_reply_goes_back_on_whatsapp(world, desk):
    inbound = text_in(world, "Photos attached", sid="WA1", whatsapp=True)
    assert inbound.channel == MessageChannel.WHATSAPP
    sent = reply(world, inbound.ticket, "whatsapp")
    row = outbound_of(world, sent)
    assert (row.channel, row.to_address, row.from_address) == (
        "whatsapp",
        SECOND_PHONE,
        INBOX_NUMBER,
    )
    assert send_due(world) == ["sent"]
    assert delivery_of(world, sent).channel == "whatsapp"


def test_a_reply_on_a_channel_the_customer_never_used_goes_to_their_primary_address(world, desk):
    inbound = text_in(world, sid="SM1")
    sent = reply(world, inbound.ticket, "email")
    assert send_due(world) == ["sent"]
    with world.active():
        primary = world.contact.emails.get(is_primary=True).email
    assert delivery_of(world, sent).to_address == primary


@pytest.mark.parametrize(
    ("channel", "body"), [("portal", "Hello"), ("note", "Hello"), ("sms", "   ")]
)
def test_a_reply_needs_a_reply_channel_and_some_text(world, desk, channel, body):
    inbound = text_in(world, sid="SM1")
    with world.active():
        with pytest.raises(ValidationError):
            replies.ticket_reply(
                tenant=world.tenant,
                actor=world.rep.user,
                ticket=reload(world, inbound.ticket),
                channel=channel,
                body=body,
                nonce="n1",
            )
        assert not OutboundMessage.objects.exists()


def test_a_template_reply_is_rendered_when_sent(world, desk):
    template = factories.message_template_for(
        world.tenant, "on-our-way", channels=("sms",), text="Hi {{ first_name }}, on our way."
    )
    inbound = text_in(world, sid="SM1")
    sent = reply(world, inbound.ticket, "sms", body="", template=template)
    assert sent.body_text == "(template “On our way”)"
    assert send_due(world) == ["sent"]
    assert delivery_of(world, sent).body_text == f"Hi {world.contact.first_name}, on our way."


# --- Email replies and their threading ------------------------------------------------------------


def test_an_email_reply_carries_our_message_id_the_reply_address_and_the_tag(world, desk):
    inbound = email_in(world, message_id="q1@example.com")
    ticket = inbound.ticket
    sent = reply(world, ticket, "email")
    assert send_due(world) == ["sent"]

    delivery = delivery_of(world, sent)
    assert delivery.to_address == SECOND_EMAIL
    assert delivery.from_address == f"{world.brand.sender_name} <{INBOX_EMAIL}>"
    assert delivery.subject == f"Re: Gutters [#{ticket.reference}]"
    assert delivery.headers["Message-ID"] == f"<{sent.message_id}>"
    domain = settings.THREADLINE_MAIL_DOMAIN
    assert sent.message_id == f"outbox-{world.tenant.pk}-{sent.outbound_id}@{domain}"
    assert delivery.headers["Reply-To"] == routing.reply_address(world.tenant.pk, ticket.pk)
    assert delivery.headers["In-Reply-To"] == "<q1@example.com>"
    assert delivery.headers["References"] == "<q1@example.com>"
    # The token in the reply address names this ticket, signed.
    token = routing.reply_token_in([delivery.headers["Reply-To"]])
    assert (token.tenant_id, token.ticket_id) == (world.tenant.pk, ticket.pk)


def test_without_a_brand_the_inbox_address_is_the_sender(world, desk):
    with world.active():
        configuration.inbox_save(tenant=world.tenant, actor=None, inbox=desk.inbox, name="Support")
    inbound = email_in(world, message_id="q1@example.com")
    sent = reply(world, inbound.ticket, "email")
    assert outbound_of(world, sent).from_address == INBOX_EMAIL


def test_the_customers_answer_to_our_email_threads_back_and_restarts_the_clock(world, desk, clock):
    with world.active():
        # No "recent ticket" rule: only the reply address and the headers can find the ticket.
        InboxSettings.objects.update_or_create(
            tenant=world.tenant, defaults={"thread_window_days": 0}
        )
    inbound = email_in(world, message_id="q1@example.com")
    ticket = inbound.ticket
    clock.move_to(TUESDAY_MORNING + dt.timedelta(minutes=30))
    sent = reply(world, ticket, "email")
    assert send_due(world) == ["sent"]
    delivery = delivery_of(world, sent)

    clock.move_to(TUESDAY_MORNING + dt.timedelta(hours=2))
    answer = email_in(
        world,
        "Great, Thursday works.\r\n\r\nOn Tue, Support wrote:\r\n> Thanks, we are on it.",
        message_id="a1@example.com",
        to=delivery.headers["Reply-To"],
        subject=f"Re: {delivery.subject}",
        headers=f"In-Reply-To: {delivery.headers['Message-ID']}\r\n"
        f"References: <q1@example.com> {delivery.headers['Message-ID']}\r\n",
    )
    assert answer.ticket_id == ticket.pk
    assert answer.in_reply_to == sent.message_id
    ticket = reload(world, ticket)
    assert ticket.status == TicketStatus.OPEN
    assert (ticket.sla_target, ticket.sla_started_at) == (
        SlaTarget.NEXT,
        TUESDAY_MORNING + dt.timedelta(hours=2),
    )
    assert sla_events(world, ticket) == ["started", "met", "started"]
    with world.active():
        assert Ticket.objects.count() == 1


@pytest.mark.parametrize("clue", ["reply address", "in-reply-to", "subject tag"])
def test_any_one_of_our_threading_clues_brings_the_answer_back(world, desk, clock, clue):
    with world.active():
        InboxSettings.objects.update_or_create(
            tenant=world.tenant, defaults={"thread_window_days": 0}
        )
    ticket = email_in(world, message_id="q1@example.com").ticket
    sent = reply(world, ticket, "email")
    assert send_due(world) == ["sent"]
    delivery = delivery_of(world, sent)
    clock.shift(dt.timedelta(minutes=10))
    clues = {
        "reply address": {"to": delivery.headers["Reply-To"]},
        "in-reply-to": {"headers": f"In-Reply-To: {delivery.headers['Message-ID']}\r\n"},
        "subject tag": {"subject": f"Re: {delivery.subject}"},
    }
    answer = email_in(
        world, "Thanks!", message_id="a1@example.com", **{"subject": "Thanks", **clues[clue]}
    )
    assert answer.ticket_id == ticket.pk
    # Without any clue, the same message would open a new ticket.
    clock.shift(dt.timedelta(minutes=10))
    other = email_in(world, "Thanks!", message_id="a2@example.com", subject="Thanks")
    assert other.ticket_id != ticket.pk


def test_the_reply_stops_the_clock_in_time_or_late(world, desk, clock):
    with world.active():
        configuration.inbox_save(
            tenant=world.tenant,
            actor=None,
            inbox=desk.inbox,
            name="Support",
            default_priority=Priority.URGENT,
        )
    ticket = text_in(world, sid="SM1").ticket
    clock.move_to(TUESDAY_MORNING + dt.timedelta(minutes=59))
    reply(world, ticket, "sms", status_after=TicketStatus.OPEN)
    assert reload(world, ticket).sla_due_at is None
    clock.move_to(TUESDAY_MORNING + dt.timedelta(hours=2))
    text_in(world, "Hello?", sid="SM2")
    clock.move_to(TUESDAY_MORNING + dt.timedelta(hours=3, minutes=30))
    reply(world, ticket, "sms", nonce="n2")
    assert sla_events(world, ticket) == ["started", "met", "started", "answered_late"]
    assert reload(world, ticket).first_response_at == TUESDAY_MORNING + dt.timedelta(minutes=59)


# --- Twilio with the inbox number's own account ----------------------------------------------------


class TwilioApi(HttpClient):
    """Twilio's REST API at its HTTP boundary: records each request, answers "created"."""

    def __init__(self):
        super().__init__(logger=logging.getLogger("tests.twilio"), is_async=False)
        self.requests = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **options):
        self.requests.append({"uri": uri, "data": data, "auth": auth})
        body = {"sid": f"SM{len(self.requests):032d}", "status": "queued", "error_code": None}
        return Response(201, json.dumps(body))


TWILIO_LIVE = override_settings(
    COMMS_SANDBOX=False,
    TWILIO_ACCOUNT_SID=PLATFORM_SID,
    TWILIO_AUTH_TOKEN=PLATFORM_TOKEN,
    THREADLINE_SITE_URL="https://crm.threadline.example",
)


@pytest.fixture
def twilio(monkeypatch):
    api = TwilioApi()
    monkeypatch.setattr("messaging.services.providers.twilio_http_client", lambda: api)
    return api


@TWILIO_LIVE
def test_an_sms_from_an_inbox_number_with_its_own_account_uses_that_account(world, desk, twilio):
    with world.active():
        address = desk.inbox.addresses.get(channel="sms")
        configuration.inbox_address_save(
            tenant=world.tenant,
            inbox=desk.inbox,
            inbox_address=address,
            channel="sms",
            address=INBOX_NUMBER,
            twilio_account_sid=INBOX_SID,
            twilio_auth_token=INBOX_TOKEN,
        )
    ticket = text_in(world, sid="SM1").ticket
    sent = reply(world, ticket, "sms")
    assert send_due(world) == ["sent"]
    (request,) = twilio.requests
    assert request["uri"].endswith(f"/Accounts/{INBOX_SID}/Messages.json")
    assert request["auth"] == (INBOX_SID, INBOX_TOKEN)
    assert (request["data"]["From"], request["data"]["To"]) == (INBOX_NUMBER, SECOND_PHONE)
    row = outbound_of(world, sent)
    assert (row.status, row.provider) == (MessageStatus.SENT, "twilio")


@TWILIO_LIVE
def test_an_inbox_number_without_its_own_account_uses_the_platforms(world, desk, twilio):
    ticket = text_in(world, "Photos", sid="WA1", whatsapp=True).ticket
    reply(world, ticket, "whatsapp")
    assert send_due(world) == ["sent"]
    (request,) = twilio.requests
    assert request["auth"] == (PLATFORM_SID, PLATFORM_TOKEN)
    assert request["data"]["From"] == f"whatsapp:{INBOX_NUMBER}"
    assert request["data"]["To"] == f"whatsapp:{SECOND_PHONE}"


# --- Notes and calls ------------------------------------------------------------------------------


def test_a_note_is_internal_and_answers_nobody(world, desk):
    ticket = text_in(world, sid="SM1").ticket
    with world.active():
        note = replies.ticket_add_note(
            tenant=world.tenant, actor=world.rep.user, ticket=ticket, body="  Call back at 3  "
        )
        with pytest.raises(ValidationError):
            replies.ticket_add_note(
                tenant=world.tenant, actor=world.rep.user, ticket=ticket, body=" "
            )
        assert not OutboundMessage.objects.exists()
    assert (note.direction, note.channel, note.body_text) == ("internal", "note", "Call back at 3")
    after = reload(world, ticket)
    assert ticket.sla_due_at is not None
    assert after.sla_due_at == ticket.sla_due_at
    assert (after.status, after.last_message_direction) == (TicketStatus.OPEN, "in")


@pytest.mark.parametrize("inbound", [False, True])
def test_a_logged_call_is_a_message_of_the_thread_and_answers_the_customer(world, desk, inbound):
    ticket = text_in(world, sid="SM1").ticket
    with world.active():
        call = replies.ticket_log_call(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=reload(world, ticket),
            summary="Talked through the quote",
            inbound=inbound,
        )
        with pytest.raises(ValidationError):
            replies.ticket_log_call(
                tenant=world.tenant, actor=world.rep.user, ticket=ticket, summary=""
            )
    assert call.channel == MessageChannel.PHONE
    assert call.direction == ("in" if inbound else "out")
    after = reload(world, ticket)
    assert after.sla_due_at is None
    assert after.status == TicketStatus.OPEN  # a call does not change the status
    assert after.last_message_channel == "phone"
    assert sla_events(world, ticket) == ["started", "met"]
    assert timeline(world, "ticket.call_logged") == [
        f"{ticket.reference}: call — Talked through the quote"
    ]


# --- Status and priority ---------------------------------------------------------------------------


def test_changing_status_and_priority(world, desk):
    ticket = text_in(world, sid="SM1").ticket
    with world.active():
        changes.ticket_change(
            tenant=world.tenant,
            actor=world.manager.user,
            ticket=reload(world, ticket),
            status=TicketStatus.RESOLVED,
            priority=Priority.HIGH,
        )
    after = reload(world, ticket)
    assert (after.status, after.priority) == (TicketStatus.RESOLVED, Priority.HIGH)
    assert after.priority_reason == f"set by {world.manager.user.full_name}"
    assert after.resolved_at == TUESDAY_MORNING
    assert timeline(world, "ticket.changed") == [
        f"{ticket.reference}: status resolved, priority high"
    ]
    # The same values again change nothing and record nothing.
    with world.active():
        changes.ticket_change(
            tenant=world.tenant,
            actor=world.manager.user,
            ticket=reload(world, ticket),
            status=TicketStatus.RESOLVED,
            priority=Priority.HIGH,
        )
    assert len(timeline(world, "ticket.changed")) == 1
    # Reopened, it is no longer resolved.
    with world.active():
        changes.ticket_change(
            tenant=world.tenant,
            actor=world.manager.user,
            ticket=reload(world, ticket),
            status=TicketStatus.OPEN,
        )
    assert reload(world, ticket).resolved_at is None


@pytest.mark.parametrize("change", [{"status": "snoozed"}, {"priority": "critical"}])
def test_unknown_status_or_priority_is_refused(world, desk, change):
    ticket = text_in(world, sid="SM1").ticket
    with world.active(), pytest.raises(ValidationError):
        changes.ticket_change(
            tenant=world.tenant, actor=world.rep.user, ticket=reload(world, ticket), **change
        )


def test_bulk_change_touches_only_this_tenants_tickets(world, other_world, desk, clock):
    first = text_in(world, sid="SM1").ticket
    with world.active():
        InboxSettings.objects.update_or_create(
            tenant=world.tenant, defaults={"thread_window_days": 0}
        )
    clock.shift(dt.timedelta(minutes=1))
    second = email_in(world, message_id="q2@example.com").ticket
    assert second.pk != first.pk
    with other_world.active():
        inbox = configuration.inbox_save(tenant=other_world.tenant, actor=None, name="Theirs")
        configuration.inbox_address_save(
            tenant=other_world.tenant, inbox=inbox, channel="sms", address="+17865550199"
        )
    payload = {"MessageSid": "SMo", "From": "+12125550111", "To": "+17865550199", "Body": "Hi"}
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", "+17865550199"), payload=payload
    )
    with other_world.active():
        ingest.inbound_event_process(tenant=other_world.tenant, event_id=stored.event_id)
        theirs = Ticket.objects.get(tenant=other_world.tenant)

    with world.active():
        changed = changes.tickets_bulk_change(
            tenant=world.tenant,
            actor=world.manager.user,
            ticket_ids=[first.pk, second.pk, theirs.pk],
            status=TicketStatus.CLOSED,
        )
    assert changed == 2
    assert {reload(world, t).status for t in (first, second)} == {TicketStatus.CLOSED}
    with other_world.active():
        assert Ticket.objects.get(pk=theirs.pk).status == TicketStatus.OPEN

    with world.active():
        changed = changes.tickets_bulk_change(
            tenant=world.tenant,
            actor=world.manager.user,
            ticket_ids=[first.pk, second.pk],
            status=TicketStatus.CLOSED,
            priority=Priority.LOW,
        )
    assert changed == 2
    assert {reload(world, t).priority for t in (first, second)} == {Priority.LOW}


# --- Linking a lead --------------------------------------------------------------------------------


def test_a_ticket_links_to_its_contacts_lead_only(world, other_world, desk):
    ticket = text_in(world, sid="SM1").ticket
    assert ticket.lead_id is None
    own = lead_for(world, owner=world.rep)
    with world.active():
        stranger = factories.ContactFactory(tenant=world.tenant)
    someone_elses = lead_for(world, owner=world.rep, contact=stranger, place=None)
    other_tenants = lead_for(other_world, owner=other_world.rep)

    with world.active():
        for lead in (someone_elses, other_tenants):
            with pytest.raises(ValidationError):
                changes.ticket_link_lead(
                    tenant=world.tenant,
                    actor=world.rep.user,
                    ticket=reload(world, ticket),
                    lead=lead,
                )
        assert Ticket.objects.get(pk=ticket.pk).lead_id is None

        changes.ticket_link_lead(
            tenant=world.tenant, actor=world.rep.user, ticket=reload(world, ticket), lead=own
        )
        assert Ticket.objects.get(pk=ticket.pk).lead_id == own.pk
        event = TimelineEvent.objects.get(kind="ticket.lead_linked")
        assert (event.summary, event.lead_id) == (
            f"{ticket.reference} linked to {own.reference}",
            own.pk,
        )

        changes.ticket_link_lead(
            tenant=world.tenant, actor=world.rep.user, ticket=reload(world, ticket), lead=None
        )
        assert Ticket.objects.get(pk=ticket.pk).lead_id is None
    assert timeline(world, "ticket.lead_linked")[-1] == f"{ticket.reference} unlinked from its lead"
