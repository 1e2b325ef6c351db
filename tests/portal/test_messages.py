"""The portal's Messages page: a message lands in the contact's inbox thread (once, however often
the form is sent), staff answers show in the portal once they went out by the customer's preferred
channel (never one blocked, held back, failed or still waiting), notes and other customers'
threads never show, a too-long message comes back whole."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from crm.models import ConsentStatus, Contact
from crm.services.consent import consent_record
from messaging.models import MessageStatus, OutboundMessage
from tests import factories
from tests.conftest import sign_in
from tests.portal.helpers import deliver, portal_sign_in
from tickets.models import Direction, InboundEvent, MessageChannel, Ticket, TicketMessage
from tickets.services import ingest
from tickets.services.replies import (
    portal_reply_footer,
    ticket_add_note,
    ticket_log_call,
    ticket_reply,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:messages")
# A Tuesday, 15:00 in Miami: a text goes at once (quiet hours end at 20:00).
TUESDAY = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)


def _nonce(client) -> str:
    return str(client.get(PAGE).context["form"]["nonce"].value())


def _portal_messages(world, contact) -> list[TicketMessage]:
    with world.active():
        return list(
            TicketMessage.objects.filter(
                tenant=world.tenant, ticket__contact=contact, channel=MessageChannel.PORTAL
            ).select_related("ticket")
        )


def _customer_writes(tenant, contact, text: str) -> TicketMessage:
    """A portal message of `contact`, through the inbound pipeline (as the page sends one)."""
    from crm.tenancy import tenant_context

    with tenant_context(tenant):
        stored = ingest.portal_message_store(
            tenant=tenant, contact=contact, body=text, key=uuid.uuid4().hex
        )
        ingest.inbound_event_process(tenant=tenant, event_id=stored.event_id)
        return TicketMessage.objects.get(tenant=tenant, inbound_event_id=stored.event_id)


def _another_customer(world) -> Contact:
    other = factories.ContactFactory(tenant=world.tenant)
    factories.ContactEmailFactory(tenant=world.tenant, contact=other)
    return other


def test_the_page_needs_a_portal_session_and_is_in_the_menu(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))

    portal_sign_in(client, world.tenant, world.contact)
    html = client.get(PAGE).content.decode()
    assert f'href="{PAGE}" aria-current="page"' in html
    assert 'hx-post="/portal/messages/"' in html
    assert 'for="id_body"' in html  # the box has its label


def test_a_message_lands_in_the_contacts_inbox_thread_once_however_often_it_is_sent(client, world):
    portal_sign_in(client, world.tenant, world.contact)
    nonce = _nonce(client)
    text = "Will the crew need the side gate open on Thursday?"

    first = client.post(PAGE, {"body": text, "nonce": nonce})
    again = client.post(PAGE, {"body": text, "nonce": nonce}, HTTP_HX_REQUEST="true")

    assert first.status_code == 302
    assert first["Location"] == reverse("portal:messages-sent") + "#latest"
    (message,) = _portal_messages(world, world.contact)
    assert (message.direction, message.body_text) == (Direction.INBOUND, text)
    with world.active():
        assert message.inbound_event.status == "processed"
        assert InboundEvent.objects.filter(tenant=world.tenant).count() == 1
        ticket = Ticket.objects.get(tenant=world.tenant, contact=world.contact)
    assert ticket.last_message_channel == MessageChannel.PORTAL
    # The htmx answer is the conversation alone, with a fresh form (a new nonce).
    swapped = again.content.decode()
    assert again.status_code == 200
    assert swapped.lstrip().startswith('<div id="conversation"')
    assert text in swapped and "Sent." in swapped
    fresh = re.search(r'name="nonce" value="([^"]+)"', swapped).group(1)
    assert fresh != nonce
    page = client.get(first["Location"]).content.decode()
    assert page.count(text) == 1
    assert "Sent. The team sees it in their inbox" in page


def test_a_too_long_message_is_refused_and_comes_back_whole(client, world):
    portal_sign_in(client, world.tenant, world.contact)
    text = "Our roof " + "x" * 4995  # 5,004 characters

    response = client.post(PAGE, {"body": text, "nonce": _nonce(client)})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Your message is 5,004 characters long; the limit is 5,000." in html
    assert f">{text}</textarea>" in html
    assert 'aria-invalid="true"' in html
    assert "maxlength" not in html  # a browser would cut a paste short without a word
    assert _portal_messages(world, world.contact) == []


@time_machine.travel(TUESDAY, tick=False)
def test_a_staff_answer_shows_in_the_portal_and_goes_by_the_preferred_channel(client, world):
    with world.active():
        Contact.objects.filter(pk=world.contact.pk).update(preferred_channel="sms")
    portal_sign_in(client, world.tenant, world.contact)
    client.post(PAGE, {"body": "Is Thursday still on?", "nonce": _nonce(client)})
    (question,) = _portal_messages(world, world.contact)
    ticket = question.ticket
    staff = Client()
    sign_in(staff, world.rep)
    thread = staff.get(reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}))
    assert thread.context["reply_form"]["channel"].value() == "sms"  # offered first

    answer = "Yes, the crew comes at 7:30."
    staff.post(
        reverse("tickets:reply", kwargs={"ticket_pk": ticket.pk}),
        {"channel": "sms", "body": answer, "nonce": uuid.uuid4(), "status_after": "waiting"},
    )
    with world.active():
        reply = TicketMessage.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
        ticket_add_note(
            tenant=world.tenant, actor=world.rep.user, ticket=ticket, body="Gate code 4411"
        )
        ticket_log_call(
            tenant=world.tenant, actor=world.rep.user, ticket=ticket, summary="Left a voicemail"
        )
        outbound = OutboundMessage.objects.get(pk=reply.outbound_id)

    assert (reply.channel, reply.body_text) == ("sms", answer)
    assert outbound.channel == "sms"
    assert outbound.body_text == f"{answer}\n\n{portal_reply_footer()}"
    assert portal_reply_footer().endswith("/portal/messages/")
    assert answer not in client.get(PAGE).content.decode()  # not until it has gone
    deliver(world.tenant)
    html = client.get(PAGE).content.decode()
    assert html.index("Is Thursday still on?") < html.index(answer)  # the newest at the bottom
    assert world.rep.user.full_name in html
    assert "by SMS" in html
    assert portal_reply_footer() not in html
    assert "Gate code 4411" not in html
    assert "Left a voicemail" not in html


def test_customers_see_only_their_own_conversation(client, world, other_world):
    neighbour = _another_customer(world)
    _customer_writes(world.tenant, world.contact, "Mine: about the gutters")
    _customer_writes(world.tenant, neighbour, "Neighbour: about the skylight")
    _customer_writes(other_world.tenant, other_world.contact, "Other business: about a charger")

    portal_sign_in(client, world.tenant, world.contact)
    mine = client.get(PAGE).content.decode()
    portal_sign_in(client, world.tenant, neighbour)
    theirs = client.get(PAGE).content.decode()

    assert "Mine: about the gutters" in mine
    assert "Neighbour" not in mine and "Other business" not in mine
    assert "Neighbour: about the skylight" in theirs
    assert "Mine" not in theirs and "Other business" not in theirs


def test_a_household_writes_as_the_contact_it_is_greeted_as(client, world):
    with world.active():
        email = world.contact.emails.get().email
    twin = factories.ContactFactory(tenant=world.tenant)
    factories.ContactEmailFactory(tenant=world.tenant, contact=twin, email=email)
    _customer_writes(world.tenant, twin, "Written by the twin record")
    portal_sign_in(client, world.tenant, world.contact, twin)

    client.post(PAGE, {"body": "From the portal", "nonce": _nonce(client)})

    assert [m.body_text for m in _portal_messages(world, world.contact)] == ["From the portal"]
    html = client.get(PAGE).content.decode()
    assert "Written by the twin record" in html  # both records' threads are theirs to read


def test_the_latest_messages_come_first_in_fixed_queries_and_older_ones_on_request(
    client, world, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("portal.selectors.messages.MESSAGES_PER_PAGE", 3)
    for number in range(1, 6):
        _customer_writes(world.tenant, world.contact, f"Message number {number}.")
    portal_sign_in(client, world.tenant, world.contact)

    with django_assert_max_num_queries(10):
        latest = client.get(PAGE)

    lines = latest.context["conversation"].lines
    assert [line.text for line in lines] == [f"Message number {n}." for n in (3, 4, 5)]
    older = latest.context["conversation"].older_cursor
    assert older is not None
    page = client.get(PAGE, {"before": older})
    assert [line.text for line in page.context["conversation"].lines] == [
        "Message number 1.",
        "Message number 2.",
    ]
    assert page.context["conversation"].older_cursor is None
    assert "Back to the latest messages" in page.content.decode()


def _reply(world, ticket, channel: str, body: str, *, now=None) -> TicketMessage:
    with world.active():
        return ticket_reply(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=ticket,
            channel=channel,
            body=body,
            nonce=uuid.uuid4().hex,
            now=now,
        )


def test_only_answers_that_reached_the_customer_show(client, world):
    """Blocked (STOP, WhatsApp's 24-hour window), held back by quiet hours, failed, or still
    waiting to go: the team sees each in the inbox; the customer is never told it was said."""
    question = _customer_writes(world.tenant, world.contact, "When do you come?")
    with world.active():
        ticket = question.ticket
    with world.active():
        consent_record(
            tenant=world.tenant,
            contact=world.contact,
            channel="sms",
            status=ConsentStatus.WITHDRAWN,
            source="STOP reply",
        )
    after_stop = _reply(world, ticket, "sms", "Blocked after STOP")
    no_session = _reply(world, ticket, "whatsapp", "Blocked by the 24-hour window")
    # 03:00 tomorrow where the business is: an email goes any time, a text waits for 08:00.
    night = (dt.datetime.now(world.tenant.zone) + dt.timedelta(days=1)).replace(hour=3, minute=0)
    with world.active():
        consent_record(
            tenant=world.tenant,
            contact=world.contact,
            channel="sms",
            status=ConsentStatus.NO_MARKETING,
            source="START reply",
        )
    deferred = _reply(world, ticket, "sms", "Held back by quiet hours", now=night)
    failed = _reply(world, ticket, "email", "Failed at the provider")
    queued = _reply(world, ticket, "email", "Still in the outbox")
    sent = _reply(world, ticket, "email", "This one went out")
    with world.active():
        statuses = {
            m.body_text: m.outbound.status
            for m in (after_stop, no_session, deferred, failed, queued, sent)
            if m.refresh_from_db() is None
        }
        OutboundMessage.objects.filter(pk=failed.outbound_id).update(
            status=MessageStatus.FAILED, last_error="Mailbox unavailable"
        )
        OutboundMessage.objects.filter(pk=queued.outbound_id).update(status=MessageStatus.QUEUED)
        OutboundMessage.objects.filter(pk=sent.outbound_id).update(
            status=MessageStatus.DELIVERED, sent_at=dt.datetime.now(dt.UTC)
        )
    assert statuses["Blocked after STOP"] == MessageStatus.SUPPRESSED
    assert statuses["Blocked by the 24-hour window"] == MessageStatus.SUPPRESSED
    assert statuses["Held back by quiet hours"] == MessageStatus.SCHEDULED

    portal_sign_in(client, world.tenant, world.contact)
    html = client.get(PAGE).content.decode()

    assert "When do you come?" in html
    assert "This one went out" in html
    for never_told in (
        "Blocked after STOP",
        "Blocked by the 24-hour window",
        "Held back by quiet hours",
        "Failed at the provider",
        "Still in the outbox",
    ):
        assert never_told not in html
