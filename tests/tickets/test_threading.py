"""Which ticket an inbound message joins, in the issue's order: a signed reply address, then
In-Reply-To / References (messages we received and our own outbox Message-IDs), then a [#T-n]
subject tag, then the contact's most recent open ticket within the tenant's window, else a new
ticket. Guessable references (our outbox ids, tags) only count from the ticket's own contact, and a
closed ticket stays closed.

Messages go in the way they arrive (stored raw by tickets.services.ingest, then processed as the task
does), so the threader sees what the normaliser made of them. Then properties (hypothesis): any
run of messages from one person inside the window is one ticket, whatever the subjects say; reply
tokens name one tenant and ticket only; no subject or reference crashes the threader.
"""

import contextlib
import datetime as dt
import itertools
from email.header import Header

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from crm.models import TimelineEvent
from tests.factories import ContactEmailFactory, ContactFactory, ContactPhoneFactory
from tests.tickets.test_inbound_webhooks import INBOX_EMAIL, INBOX_NUMBER, open_desk
from tickets.models import InboundRoute, Ticket, TicketMessage, TicketStatus
from tickets.routing import ReplyToken, reply_address, reply_token_in
from tickets.services import ingest
from tickets.services.changes import ticket_change
from tickets.services.configuration import inbox_settings_get
from tickets.services.replies import ticket_reply
from tickets.services.threading import SUBJECT_TAG, ticket_open

pytestmark = pytest.mark.django_db

# Tuesday 10 June 2025, 11:00 in Miami.
NOW = dt.datetime(2025, 6, 10, 15, 0, tzinfo=dt.UTC)
MARIA = "maria.gonzalez@gmail.com"
MARIA_PHONE = "+17865550142"
_message_numbers = itertools.count(1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(world):
    return open_desk(world)


@pytest.fixture
def maria(world):
    """A known customer with an email address and a mobile number."""
    with world.active():
        contact = ContactFactory(tenant=world.tenant, first_name="Maria", last_name="Gonzalez")
        ContactEmailFactory(tenant=world.tenant, contact=contact, email=MARIA)
        ContactPhoneFactory(tenant=world.tenant, contact=contact, number=MARIA_PHONE)
    return contact


def raw_email(
    *,
    sender: str = f"Maria Gonzalez <{MARIA}>",
    to: str = INBOX_EMAIL,
    subject: str = "Leak over the kitchen",
    body: str = "Water is coming in again.",
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    headers: str = "",
) -> tuple[bytes, str]:
    message_id = message_id or f"m{next(_message_numbers)}.{id(body)}@mail.example"
    encoded_subject = Header(subject, "utf-8", maxlinelen=76).encode(linesep="\r\n")
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {encoded_subject}\r\n"
        f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
    )
    if in_reply_to:
        head += f"In-Reply-To: {in_reply_to}\r\n"
    if references:
        head += f"References: {references}\r\n"
    return (head + headers + "\r\n" + body + "\r\n").encode(), message_id


def receive_email(world, **fields) -> TicketMessage:
    raw, _ = raw_email(**fields)
    stored = ingest.email_inbound_store(provider="email", raw=raw)
    return _processed(world, stored)


def receive_text(world, *, sender: str = MARIA_PHONE, body: str = "Any news?", channel="sms"):
    number = f"whatsapp:{INBOX_NUMBER}" if channel == "whatsapp" else INBOX_NUMBER
    route = InboundRoute.objects.get(channel=channel, address=INBOX_NUMBER)
    sid = f"SM{next(_message_numbers):032d}"
    payload = {
        "MessageSid": sid,
        "From": f"whatsapp:{sender}" if channel == "whatsapp" else sender,
        "To": number,
        "Body": body,
    }
    return _processed(world, ingest.twilio_inbound_store(route=route, payload=payload))


def _processed(world, stored) -> TicketMessage:
    assert stored.event_id is not None
    with world.active():
        outcome = ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
        assert outcome.startswith("ticket "), outcome
        return TicketMessage.objects.select_related("ticket").get(
            tenant=world.tenant, inbound_event_id=stored.event_id
        )


def tickets_of(world, contact) -> list[Ticket]:
    with world.active():
        return list(Ticket.objects.filter(tenant=world.tenant, contact=contact).order_by("pk"))


def open_ticket(world, desk, contact, subject="Older matter") -> Ticket:
    with world.active():
        return ticket_open(tenant=world.tenant, contact=contact, inbox=desk.inbox, subject=subject)


def set_status(world, ticket: Ticket, status: str) -> None:
    with world.active():
        ticket_change(tenant=world.tenant, actor=world.admin.user, ticket=ticket, status=status)


def reply_by_email(world, ticket: Ticket) -> TicketMessage:
    with world.active():
        ticket = Ticket.objects.select_related("inbox__brand", "contact").get(pk=ticket.pk)
        return ticket_reply(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=ticket,
            channel="email",
            body="We can come on Thursday.",
            nonce=f"n{next(_message_numbers)}",
        )


# --- The order ------------------------------------------------------------------------------------


def test_the_reply_address_comes_before_references_tag_and_recent_ticket(world, desk, maria, clock):
    referenced = receive_email(world, subject="Referenced")
    by_token = open_ticket(world, desk, maria, "By token")
    by_tag = open_ticket(world, desk, maria, "Tagged")  # also the most recent

    message = receive_email(
        world,
        to=f"First Roofing <{reply_address(world.tenant.pk, by_token.pk)}>",
        subject=f"Re: something [#T-{by_tag.number}]",
        in_reply_to=f"<{referenced.message_id}>",
    )

    assert message.ticket_id == by_token.pk
    assert len({referenced.ticket_id, by_token.pk, by_tag.pk}) == 3


def test_a_reply_address_anywhere_among_the_recipients_names_the_ticket(world, desk, maria, clock):
    by_token = open_ticket(world, desk, maria, "By token")
    clock.shift(dt.timedelta(days=30))
    recent = receive_email(world, subject="Something newer").ticket
    assert recent.pk != by_token.pk

    message = receive_email(
        world,
        to=f"First Roofing <{INBOX_EMAIL}>",
        headers=f"Cc: Dan <dan@firstroofing.test>, {reply_address(world.tenant.pk, by_token.pk)}\r\n",
    )

    assert message.ticket_id == by_token.pk


def test_references_come_before_the_tag_and_find_the_newest_message_we_know(
    world, desk, maria, clock
):
    first = receive_email(world, subject="First")
    tagged = open_ticket(world, desk, maria, "Tagged")
    second_ticket = open_ticket(world, desk, maria, "Second")
    second = receive_email(world, to=reply_address(world.tenant.pk, second_ticket.pk))

    message = receive_email(
        world,
        subject=f"Re: First [#T-{tagged.number}]",
        references=f"<{first.message_id}> <unknown@elsewhere.example> <{second.message_id}>",
    )

    assert message.ticket_id == second_ticket.pk  # the last reference is the newest


def test_a_reply_to_a_message_we_received_joins_its_ticket_after_the_window(
    world, desk, maria, clock
):
    first = receive_email(world)
    clock.shift(dt.timedelta(days=30))
    newer = open_ticket(world, desk, maria, "Newer matter")

    message = receive_email(world, subject="Re: Leak", in_reply_to=f"<{first.message_id}>")

    assert message.ticket_id == first.ticket_id != newer.pk


def test_a_reply_to_our_own_email_joins_its_ticket_and_reopens_it(world, desk, maria, clock):
    ticket = receive_text(world).ticket
    ours = reply_by_email(world, ticket)
    assert ours.message_id == (
        f"outbox-{world.tenant.pk}-{ours.outbound_id}@{settings.THREADLINE_MAIL_DOMAIN}"
    )
    clock.shift(dt.timedelta(days=20))

    message = receive_email(world, subject="Re: your visit", in_reply_to=f"<{ours.message_id}>")

    assert message.ticket_id == ticket.pk
    with world.active():
        assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN


def test_the_subject_tag_joins_the_contacts_ticket_in_any_case(world, desk, maria, clock):
    ticket = receive_email(world).ticket
    clock.shift(dt.timedelta(days=40))

    message = receive_email(world, subject=f"Fwd: photos [#t-{ticket.number}]")

    assert message.ticket_id == ticket.pk


def test_a_recent_open_ticket_takes_the_next_message_within_the_window_only(
    world, desk, maria, clock
):
    with world.active():
        window = inbox_settings_get(tenant=world.tenant).thread_window_days
    first = receive_email(world)
    set_status(world, first.ticket, TicketStatus.WAITING)  # waiting on the customer is open

    clock.shift(dt.timedelta(days=window) - dt.timedelta(minutes=1))
    within = receive_email(world, subject="Another thing")
    clock.shift(dt.timedelta(days=window, minutes=1))
    after = receive_email(world, subject="Another thing")

    assert within.ticket_id == first.ticket_id
    assert after.ticket_id != first.ticket_id
    assert len(tickets_of(world, maria)) == 2


def test_an_sms_a_whatsapp_and_an_email_from_one_person_are_one_ticket(world, desk, maria, clock):
    text = receive_text(world, sender="+1 (786) 555-0142")
    clock.shift(dt.timedelta(hours=2))
    email = receive_email(world, sender=f"Maria <{MARIA.upper()}>")
    clock.shift(dt.timedelta(days=1))
    whatsapp = receive_text(world, channel="whatsapp")

    assert text.ticket_id == email.ticket_id == whatsapp.ticket_id
    assert [t.pk for t in tickets_of(world, maria)] == [text.ticket_id]
    with world.active():
        channels = TicketMessage.objects.filter(ticket_id=text.ticket_id).values_list(
            "channel", flat=True
        )
        assert sorted(channels) == ["email", "sms", "whatsapp"]


def test_a_tag_or_our_message_id_from_someone_else_does_not_join(world, desk, maria, clock):
    ticket = receive_text(world).ticket
    ours = reply_by_email(world, ticket)
    forger = "Mallory <mallory@example.net>"

    tagged = receive_email(world, sender=forger, subject=f"Re: [#T-{ticket.number}] invoice")
    referenced = receive_email(
        world,
        sender=forger,
        subject="Re: your visit",
        in_reply_to=f"<{ours.message_id}>",
        references=f"<outbox-{world.tenant.pk}-{ours.outbound_id + 1}@threadline.test>",
    )

    assert tagged.ticket_id != ticket.pk
    assert referenced.ticket_id == tagged.ticket_id  # Mallory's own (recent) ticket
    with world.active():
        assert TicketMessage.objects.filter(ticket=ticket, direction="in").count() == 1


def test_a_reply_from_someone_copied_on_a_message_we_received_joins_the_thread(
    world, desk, maria, clock
):
    """A Message-ID we received is not guessable: whoever holds it was on the conversation
    (a spouse on copy, the property manager), so their reply belongs to the thread."""
    first = receive_email(world)

    spouse = receive_email(
        world, sender="Luis Gonzalez <luis@example.com>", in_reply_to=f"<{first.message_id}>"
    )

    assert spouse.ticket_id == first.ticket_id


def test_a_reply_address_with_another_ticket_number_is_no_reply_address(world, desk, maria, clock):
    mine = receive_email(world).ticket
    others = ContactFactory(tenant=world.tenant)
    theirs = open_ticket(world, desk, others, "Someone else's")
    genuine = reply_address(world.tenant.pk, mine.pk)
    digest = genuine.split("@")[0].rsplit("-", 1)[1]
    forged = f"reply+{world.tenant.pk}-{theirs.pk}-{digest}@{settings.THREADLINE_MAIL_DOMAIN}"
    assert reply_token_in([genuine]) and reply_token_in([forged]) is None

    message = receive_email(
        world, sender="Mallory <mallory@example.net>", to=f"{forged}, {INBOX_EMAIL}"
    )

    assert message.ticket_id not in (mine.pk, theirs.pk)


@pytest.mark.parametrize("how", ["reply address", "subject tag", "recent ticket"])
def test_a_message_for_a_closed_ticket_opens_a_new_one(world, desk, maria, clock, how):
    closed = receive_email(world).ticket
    set_status(world, closed, TicketStatus.CLOSED)
    clock.shift(dt.timedelta(hours=1))

    fields = {
        "reply address": {"to": reply_address(world.tenant.pk, closed.pk)},
        "subject tag": {"subject": f"Re: Leak [#T-{closed.number}]"},
        "recent ticket": {},
    }[how]
    message = receive_email(world, **fields)

    assert message.ticket_id != closed.pk
    with world.active():
        assert Ticket.objects.get(pk=closed.pk).status == TicketStatus.CLOSED
        new = Ticket.objects.get(pk=message.ticket_id)
        opened = TimelineEvent.objects.filter(kind="ticket.opened", contact=maria).latest("pk")
    assert new.status == TicketStatus.OPEN
    if how != "recent ticket":
        assert f"follow-up to closed {closed.reference}" in opened.summary


def test_a_resolved_ticket_is_reopened_by_a_reply_to_it(world, desk, maria, clock):
    resolved = receive_email(world).ticket
    set_status(world, resolved, TicketStatus.RESOLVED)
    clock.shift(dt.timedelta(days=10))

    message = receive_email(world, subject=f"Re: Leak [#T-{resolved.number}]")

    assert message.ticket_id == resolved.pk
    with world.active():
        reopened = Ticket.objects.get(pk=resolved.pk)
    assert (reopened.status, reopened.resolved_at) == (TicketStatus.OPEN, None)


def test_an_unknown_reference_and_a_tag_of_no_ticket_fall_through_to_the_recent_ticket(
    world, desk, maria, clock
):
    first = receive_email(world)

    message = receive_email(
        world,
        subject="Re: [#T-999999999] something",
        in_reply_to="<outbox-999-1@threadline.test>",
        references="<never-seen@example.com>",
    )

    assert message.ticket_id == first.ticket_id


# --- Properties -----------------------------------------------------------------------------------


@contextlib.contextmanager
def rolled_back():
    """One hypothesis example's writes, undone before the next example."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Text, or text around a tag: of another contact's ticket ("OTHER"), or of any number at all.
subjects = st.text(max_size=120) | st.builds(
    lambda before, number, after: f"{before}[#T-{number}]{after}",
    st.text(max_size=20),
    st.just("OTHER") | st.integers(min_value=0, max_value=2_000_000_000).map(str),
    st.text(max_size=20),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["email", "sms", "whatsapp"]),
        # Minutes since the contact's previous message: always inside the 7-day window.
        st.integers(min_value=0, max_value=7 * 24 * 60 - 1),
        subjects,
    ),
    min_size=1,
    max_size=6,
)
PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(steps=steps)
def test_any_run_of_messages_from_one_contact_within_the_window_is_one_ticket(
    world, desk, maria, steps
):
    # Someone else's ticket, whose number the subjects may carry as a tag.
    with world.active():
        stranger = ContactFactory(tenant=world.tenant)
    with rolled_back(), time_machine.travel(NOW, tick=False) as clock:
        other = open_ticket(world, desk, stranger, "Not Maria's")
        for channel, gap, subject in steps:
            clock.shift(dt.timedelta(minutes=gap))
            subject = subject.replace("[#T-OTHER]", f"[#T-{other.number}]")
            if channel == "email":
                receive_email(world, subject=subject)
            else:  # Twilio sends no NUL (and PostgreSQL could not store one)
                receive_text(world, channel=channel, body=subject.replace("\x00", "") or "…")
        tickets = tickets_of(world, maria)
        assert len(tickets) == 1
        with world.active():
            assert TicketMessage.objects.filter(ticket=tickets[0]).count() == len(steps)
            assert not TicketMessage.objects.filter(ticket=other).exists()


@given(
    tenant_id=st.integers(min_value=1, max_value=10**12),
    ticket_id=st.integers(min_value=1, max_value=10**12),
    other_tenant_id=st.integers(min_value=1, max_value=10**12),
    other_ticket_id=st.integers(min_value=1, max_value=10**12),
    digest=st.text(alphabet="0123456789abcdef", min_size=1, max_size=24),
)
def test_reply_tokens_only_validate_for_their_own_tenant_and_ticket(
    tenant_id, ticket_id, other_tenant_id, other_ticket_id, digest
):
    address = reply_address(tenant_id, ticket_id)
    signature = address.split("@")[0].rsplit("-", 1)[1]
    domain = settings.THREADLINE_MAIL_DOMAIN

    def token(tenant, ticket, digest=signature, at=domain):
        return reply_token_in([f"reply+{tenant}-{ticket}-{digest}@{at}"])

    assert reply_token_in([address]) == ReplyToken(tenant_id, ticket_id)
    assert reply_token_in([address.upper()]) == ReplyToken(tenant_id, ticket_id)
    assert reply_token_in(["hello@firstroofing.test", address]) == ReplyToken(tenant_id, ticket_id)
    if (other_tenant_id, other_ticket_id) != (tenant_id, ticket_id):
        assert token(other_tenant_id, other_ticket_id) is None
    if other_tenant_id != tenant_id:
        assert token(other_tenant_id, ticket_id) is None
    if other_ticket_id != ticket_id:
        assert token(tenant_id, other_ticket_id) is None
    if digest != signature:
        assert token(tenant_id, ticket_id, digest=digest) is None
    assert token(tenant_id, ticket_id, at="elsewhere.example") is None


message_ids = st.text(max_size=60).map(lambda text: text.replace(">", "").replace("<", ""))


@PROPERTY_SETTINGS
@given(
    subject=st.text(max_size=400),
    in_reply_to=st.lists(message_ids, max_size=3),
    references=st.lists(message_ids, max_size=5),
)
def test_arbitrary_subjects_and_references_never_crash_the_threader(
    world, desk, maria, subject, in_reply_to, references
):
    def header(ids):
        return " ".join(f"<{Header(i, 'utf-8').encode()}>" for i in ids)

    with rolled_back(), time_machine.travel(NOW, tick=False):
        message = receive_email(
            world, subject=subject, in_reply_to=header(in_reply_to), references=header(references)
        )
        with world.active():
            ticket = Ticket.objects.get(pk=message.ticket_id)
        assert ticket.contact_id == maria.pk
        assert len(ticket.subject) <= 300
        assert not SUBJECT_TAG.search(ticket.subject)
