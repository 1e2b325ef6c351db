"""What an inbound email means, whatever its headers claim (issue 18): its place in time, whether a
person or a program wrote it, what a bounce reports on, what a forward or digest carries, who it is
from. Tested with a corpus of real-world messages (tests/fixtures/email, and its reports/ folder for
delivery reports) through every way in: Postmark, Mailgun, SendGrid and Amazon SES as anymail's
inbound webhooks receive them, and `manage.py import_email`.
"""

import base64
import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from crm.models import Contact, Notification
from messaging.models import MessageStatus, OutboundMessage
from messaging.services import outbox, outbox_send
from tests.conftest import sign_in
from tests.tickets.test_inbound_webhooks import (
    EMAIL_FIXTURES,
    FIXTURES,
    INBOX_EMAIL,
    NOW,
    basic_auth,
    events,
    fixture,
    mailgun_mime,
    message_of,
    multipart,
    open_desk,
    post_mailgun,
    post_postmark,
    post_sns,
    postmark_raw,
    process_pending,
)
from tickets.models import (
    InboundEvent,
    SlaEvent,
    SlaEventKind,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.normalise import normalise_email, read_eml
from tickets.selectors.inbox import InboxQuery, ticket_list
from tickets.services.replies import ticket_reply

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]

REPORT_FIXTURES = sorted((FIXTURES / "email" / "reports").glob("*.eml"))
CORPUS = EMAIL_FIXTURES + REPORT_FIXTURES


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(world):
    return open_desk(world)


def eml(name: str) -> bytes:
    return read_eml(FIXTURES / "email" / name)


# --- Every way in -----------------------------------------------------------------------------


def through_postmark(client, raw: bytes, index: int):
    payload = postmark_raw(raw, message_id=f"00000000-0000-4000-8000-{index:012d}")
    return post_postmark(client, payload)


def through_mailgun(client, raw: bytes, index: int):
    return post_mailgun(client, mailgun_mime(raw, token=f"{index:050d}"))


def through_sendgrid(client, raw: bytes, index: int):
    """SendGrid's Inbound Parse with "send raw": the whole message in the `email` field."""
    fields = {
        "to": INBOX_EMAIL,
        "from": normalise_email(raw).from_address,
        "email": raw,
        "envelope": json.dumps({"to": [INBOX_EMAIL], "from": "sender@example.com"}),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}),
    }
    body, content_type = multipart(fields)
    return client.post(
        reverse("comms-public:anymail:sendgrid_inbound_webhook"),
        body,
        content_type=content_type,
        headers=basic_auth(),
    )


def through_ses(client, raw: bytes, index: int):
    """Amazon SES's receipt rule publishing to SNS, the content base64 in the notification."""
    notification = fixture("ses_inbound_sns.json")
    message = json.loads(notification["Message"])
    message["mail"]["messageId"] = f"ses-corpus-{index}"
    message["content"] = base64.b64encode(raw).decode()
    notification = {
        **notification,
        "MessageId": f"5f3d0c1a-0000-0000-0000-{index:012d}",
        "Message": json.dumps(message),
    }
    return post_sns(client, notification)


WAYS_IN = {
    "postmark": through_postmark,
    "mailgun": through_mailgun,
    "sendgrid": through_sendgrid,
    "amazon_ses": through_ses,
}


def receive(client, world, raw: bytes, way: str = "postmark", index: int = 1) -> InboundEvent:
    if way == "amazon_ses":
        pytest.importorskip("boto3", reason="Amazon SES needs django-anymail[amazon-ses]")
    response = WAYS_IN[way](client, raw, index)
    assert response.status_code == 200, response.content[:300]
    (event,) = [event for event in events(world) if event.status == "pending"]
    process_pending(world)
    with world.active():
        event.refresh_from_db()
    return event


def import_email(*args) -> str:
    out = StringIO()
    call_command("import_email", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.parametrize("way", sorted(WAYS_IN))
@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_every_message_of_the_corpus_is_processed_through_every_esp(client, world, desk, path, way):
    raw = read_eml(path)
    expected = normalise_email(raw)

    event = receive(client, world, raw, way)

    assert event.status == "processed", event.last_error
    if expected.delivery_report is not None or expected.is_auto_reply:
        # A report about no email of ours, or a program's reply from nobody we know: no ticket,
        # and no contact made for a mailer daemon or an out-of-office.
        with world.active():
            assert not TicketMessage.objects.filter(inbound_event=event).exists()
            assert not Contact.objects.filter(emails__email=expected.from_address).exists()
        return
    message = message_of(world, event)
    assert message.sent_at == NOW  # received now, whatever its Date says
    assert message.dated_at == expected.sent_at
    assert message.is_auto_reply == expected.is_auto_reply
    assert len(message.enclosed) == len(expected.enclosed)


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_every_message_of_the_corpus_imports_as_history(world, desk, path):
    output = import_email("--tenant", world.tenant.slug, "--inbox", "Support", str(path))

    assert "failed      0" in output
    with world.active():
        assert not Ticket.objects.filter(tenant=world.tenant, sla_due_at__isnull=False).exists()
        assert not Notification.objects.filter(
            tenant=world.tenant, kind__in=("ticket_priority", "customer_replied", "ticket_assigned")
        ).exists()


# --- Time: received, not claimed -------------------------------------------------------------


def test_an_old_date_neither_buries_the_ticket_nor_splits_the_conversation(client, world, desk):
    with world.active():
        other = Ticket.objects.create(
            tenant=world.tenant,
            number=999,
            inbox=desk.inbox,
            contact=world.contact,
            subject="Older ticket",
            last_message_at=NOW - dt.timedelta(hours=2),
        )

    first = message_of(world, receive(client, world, eml("old_date.eml")))

    assert first.dated_at == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # shown, not trusted
    assert first.sent_at == NOW
    ticket = first.ticket
    assert ticket.last_message_at == NOW
    with world.active():
        _, rows = ticket_list(
            tenant=world.tenant,
            membership=world.manager,
            query=InboxQuery("all", "any", ""),
            after=None,
        )
        # The SLA clock runs from when it arrived, not from 2000 (breached at once).
        assert ticket.sla_started_at == NOW and ticket.sla_breached_at is None
    assert [row.ticket.pk for row in rows][:2] == [ticket.pk, other.pk]

    # The customer writes again two days later (no references): the same ticket.
    later = eml("old_date.eml").replace(b"old-clock-1@", b"old-clock-2@")
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        second = message_of(world, receive(client, world, later, index=2))
    assert second.ticket_id == ticket.pk


def test_the_thread_shows_a_date_far_from_the_time_received(client, world, desk):
    message = message_of(world, receive(client, world, eml("old_date.eml")))
    sign_in(client, world.manager)

    page = client.get(reverse("tickets:detail", kwargs={"ticket_pk": message.ticket_id}))

    html = page.content.decode()
    # Midnight UTC on 1 Jan 2000, in the reader's time zone.
    assert 'class="msg-claimed"' in html and (
        "dated Dec 31, 1999" in html or "dated Jan 1, 2000" in html
    )


def _old_mailbox(tmp_path: Path) -> Path:
    """A customer's conversation from 2019 in an mbox, and one message from this week."""
    lines = []
    for number, (received, subject) in enumerate(
        [
            ("Tue, 5 Mar 2019 10:00:00 +0000", "Gutter quote"),
            ("Wed, 6 Mar 2019 09:00:00 +0000", "Re: Gutter quote"),
        ],
        start=1,
    ):
        lines.append(
            f"From priya@natarajan-family.example Tue Mar  5 10:00:00 2019\n"
            f"Received: from smtp.example-mail.com by mx.old-host.example; {received}\n"
            f"From: Priya Natarajan <priya@natarajan-family.example>\n"
            f"To: {INBOX_EMAIL}\nSubject: {subject}\n"
            # A Date the sender's clock got wrong: the Received time is the one kept.
            f"Date: Sat, 1 Jan 2000 00:00:00 +0000\n"
            f"Message-ID: <history-{number}@natarajan-family.example>\n\n"
            f"The gutter over the garage is leaking, this is urgent (#{number}).\n\n"
        )
    path = tmp_path / "old.mbox"
    path.write_text("".join(lines))
    return path


def test_an_imported_mailbox_is_history_with_no_clock_no_alert_no_reopen(
    client, world, desk, tmp_path
):
    live = message_of(world, receive(client, world, eml("old_date.eml")))
    with world.active():
        notifications_before = Notification.objects.filter(tenant=world.tenant).count()

    output = import_email("--tenant", world.tenant.slug, str(_old_mailbox(tmp_path)))

    assert "stored      2 (2 threaded)" in output
    with world.active():
        imported = list(
            TicketMessage.objects.filter(
                tenant=world.tenant, message_id__startswith="history-"
            ).order_by("sent_at")
        )
        (ticket,) = {message.ticket for message in imported}
        assert ticket.pk != live.ticket_id  # 2019 does not join today's open ticket
        assert [message.sent_at.date() for message in imported] == [
            dt.date(2019, 3, 5),
            dt.date(2019, 3, 6),
        ]
        assert ticket.status == TicketStatus.RESOLVED
        assert ticket.assignee_id is None
        assert (ticket.sla_due_at, ticket.sla_started_at) == (None, None)
        assert ticket.priority == "normal"  # "urgent" in 2019 raises nothing today
        assert not SlaEvent.objects.filter(ticket=ticket).exists()
        assert Notification.objects.filter(tenant=world.tenant).count() == notifications_before
        live_ticket = Ticket.objects.get(pk=live.ticket_id)
    assert live_ticket.last_message_at == NOW  # today's ticket keeps its place


def test_an_import_with_live_treats_the_mail_as_arriving_now(world, desk, tmp_path):
    output = import_email("--tenant", world.tenant.slug, "--live", str(_old_mailbox(tmp_path)))

    assert "stored      2 (2 threaded)" in output
    with world.active():
        (ticket,) = Ticket.objects.filter(tenant=world.tenant)
        assert ticket.status == TicketStatus.OPEN
        assert ticket.last_message_at == NOW
        assert ticket.sla_started_at == NOW
        assert SlaEvent.objects.filter(ticket=ticket, kind=SlaEventKind.STARTED).exists()


# --- People through lists and aliases; programs ------------------------------------------------


@pytest.mark.parametrize("way", sorted(WAYS_IN))
def test_a_person_writing_through_a_list_is_a_person(client, world, desk, way):
    """Precedence: bulk and X-Auto-Response-Suppress ask responders to stay quiet; a person wrote
    it all the same: it is owed an answer and its words count."""
    message = message_of(world, receive(client, world, eml("list_bulk_person.eml"), way))

    assert not message.is_auto_reply
    assert message.subject == "Leak over the café entrance"
    contact = message.ticket.contact
    assert (contact.first_name, contact.last_name) == ("Omar", "Haddad")  # from "addr (Name)"
    with world.active():
        ticket = Ticket.objects.get(pk=message.ticket_id)
    assert ticket.sla_due_at is not None
    assert ticket.priority == "high"  # "lawyer" raises it, as for any person


# --- Bounces -------------------------------------------------------------------------------------


def _sent_reply(world, inbox_desk, to: str):
    """A ticket of the world's contact with our emailed answer, sent through the ESP."""
    with world.active():
        world.contact.emails.update(email=to)
        ticket = Ticket.objects.create(
            tenant=world.tenant,
            number=1001,
            inbox=inbox_desk.inbox,
            contact=world.contact,
            subject="Roof inspection on Friday",
            status=TicketStatus.RESOLVED,
            priority="normal",
            last_message_at=NOW - dt.timedelta(hours=1),
        )
        reply = ticket_reply(
            tenant=world.tenant,
            actor=world.rep.user,
            ticket=Ticket.objects.select_related("inbox__brand", "contact").get(pk=ticket.pk),
            channel="email",
            body="We will be there on Friday at 9.",
            nonce="n1",
            status_after=TicketStatus.RESOLVED,
        )
        for pk in outbox.outbox_claim_due(tenant=world.tenant):
            assert outbox_send.message_send(tenant=world.tenant, message_id=pk) == "sent"
        return Ticket.objects.get(pk=ticket.pk), OutboundMessage.objects.get(pk=reply.outbound_id)


def _bounce_for(world, outbound: OutboundMessage, name: str = "bounce_dsn.eml") -> bytes:
    ours = f"outbox-{world.tenant.pk}-{outbound.pk}@threadline.test".encode()
    return read_eml(FIXTURES / "email" / "reports" / name).replace(
        b"outbox-1-1@threadline.test", ours
    )


@pytest.mark.parametrize("way", sorted(WAYS_IN))
def test_a_bounce_updates_the_outbox_row_and_joins_its_thread_quietly(client, world, desk, way):
    ticket, outbound = _sent_reply(world, desk, "k.whitfield@example-property.com")
    with world.active():
        contacts = Contact.objects.filter(tenant=world.tenant).count()
        notifications = Notification.objects.filter(tenant=world.tenant).count()

    event = receive(client, world, _bounce_for(world, outbound), way)

    assert event.status == "processed", event.last_error
    message = message_of(world, event)
    with world.active():
        outbound.refresh_from_db()
        after = Ticket.objects.get(pk=ticket.pk)
        assert (
            Contact.objects.filter(tenant=world.tenant).count() == contacts
        )  # no "Unknown sender"
        # The rep who sent it hears that it bounced (the outbox's own notice), nobody else.
        assert not Notification.objects.filter(
            tenant=world.tenant, kind__in=("ticket_priority", "customer_replied")
        ).exists()
        assert Notification.objects.filter(tenant=world.tenant).count() <= notifications + 1
    assert outbound.status == MessageStatus.BOUNCED
    assert "5.1.1" in outbound.last_error
    assert message.ticket_id == ticket.pk
    assert (message.is_delivery_report, message.is_auto_reply) == (True, True)
    assert (after.status, after.priority, after.sla_due_at) == (
        TicketStatus.RESOLVED,
        "normal",
        None,
    )
    assert after.last_message_at == ticket.last_message_at


def test_a_bounce_naming_another_recipient_changes_no_outbox_row(client, world, desk):
    """Anyone can mail a report to an inbox: it must name the address we sent to."""
    ticket, outbound = _sent_reply(world, desk, "someone.else@example.com")

    message = message_of(world, receive(client, world, _bounce_for(world, outbound)))

    with world.active():
        outbound.refresh_from_db()
    assert outbound.status != MessageStatus.BOUNCED
    assert message.ticket_id == ticket.pk and message.is_delivery_report


def test_another_tenants_message_id_in_a_bounce_finds_nothing(client, world, other_world, desk):
    raw = read_eml(FIXTURES / "email" / "reports" / "bounce_dsn.eml").replace(
        b"outbox-1-1@", f"outbox-{other_world.tenant.pk}-1@".encode()
    )

    event = receive(client, world, raw)

    assert event.status == "processed"
    with world.active():
        assert not TicketMessage.objects.filter(inbound_event=event).exists()
        assert not Ticket.objects.filter(tenant=world.tenant).exists()


def test_a_mailer_daemons_plain_bounce_joins_the_thread_without_changing_the_row(
    client, world, desk
):
    """Not a standard report: its original's Message-ID is found in the copy it quotes; with no
    recipient and status to check, it informs and changes nothing."""
    ticket, outbound = _sent_reply(world, desk, "old.address@example-mail.com")

    message = message_of(
        world, receive(client, world, _bounce_for(world, outbound, "qmail_bounce.eml"))
    )

    assert message.ticket_id == ticket.pk and message.is_delivery_report
    with world.active():
        outbound.refresh_from_db()
    assert outbound.status == MessageStatus.SENT


def test_a_mailer_daemons_bounce_without_a_null_sender_makes_no_contact_or_ticket(
    client, world, desk
):
    """What an inbound webhook hands over often lacks the Return-Path: the sender alone tells a
    mailer daemon's bounce. Each bounce is kept as its event; none becomes a contact or a ticket
    that grows."""
    raw = read_eml(FIXTURES / "email" / "reports" / "exim_bounce_without_return_path.eml")
    assert normalise_email(raw).delivery_report is not None

    for index in (1, 2):
        bounce = raw.replace(b"0007Qx", f"000{index}Qx".encode())
        assert receive(client, world, bounce, index=index).status == "processed"

    with world.active():
        assert not Contact.objects.filter(emails__email__istartswith="mailer-daemon").exists()
        assert not Ticket.objects.filter(tenant=world.tenant).exists()


# --- Forwards and digests ------------------------------------------------------------------------


@pytest.mark.parametrize("way", sorted(WAYS_IN))
def test_a_forward_as_attachment_is_readable_in_the_thread(client, world, desk, way):
    message = message_of(world, receive(client, world, eml("forward_as_attachment.eml"), way))
    sign_in(client, world.manager)

    page = client.get(reverse("tickets:detail", kwargs={"ticket_pk": message.ticket_id}))

    html = page.content.decode()
    assert "Insurance adjuster visit — Building C" in html
    assert "the claim number is HX-20931. À bientôt." in html
    assert "Tom Becker, Adjuster &lt;tbecker@example-insurance.com&gt;" in html
    assert "Insurance adjuster visit.eml" in html  # still there to download


def test_a_digest_shows_each_of_its_messages(client, world, desk):
    message = message_of(world, receive(client, world, eml("digest.eml")))
    sign_in(client, world.manager)

    html = client.get(reverse("tickets:detail", kwargs={"ticket_pk": message.ticket_id}))

    text = html.content.decode()
    assert "Has anyone had First Roofing clean their gutters?" in text
    assert "They did ours last fall, quick and tidy." in text
    assert "Omar Haddad &lt;omar.haddad@example-mail.com&gt;" in text  # the (Name) comment


def test_enclosed_messages_are_bounded():
    inner = "\n".join(
        f"--d\n\nFrom: p{n}@example.com\nSubject: n{n}\n\nbody {n}\n" for n in range(80)
    )
    raw = (
        f"From: list@example.com\nTo: {INBOX_EMAIL}\nSubject: Digest\nMIME-Version: 1.0\n"
        f'Content-Type: multipart/digest; boundary="d"\n\n{inner}--d--\n'
    ).encode()

    assert len(normalise_email(raw).enclosed) == 50
