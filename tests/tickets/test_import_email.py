"""manage.py import_email: .eml and mbox files into a tenant's inbox, each message stored the way a
webhook stores it (once, under its Message-ID) and threaded at once; a summary of what happened."""

import mailbox
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.tickets.test_inbound_webhooks import (
    EMAIL_FIXTURES,
    NOW,
    events,
    full_disk,  # noqa: F401  (a fixture)
    open_desk,
)
from tickets.models import EventStatus, InboundEvent, Ticket, TicketMessage, UnroutedInbound
from tickets.normalise import read_eml
from tickets.services import configuration

pytestmark = pytest.mark.django_db

# Addressed to reply+T1042.k7d9@firstroofing.test, no address of the tenant's.
NOT_ROUTED = {"gmail_reply"}
CONVERSATION = [
    b"From: Ana Souza <ana.souza@yahoo.com>\nTo: hello@firstroofing.test\n"
    b"Subject: Inspection\nDate: Mon, 10 Mar 2025 09:00:00 -0400\n"
    b"Message-ID: <ana-1@mail.yahoo.com>\n\nCan you inspect the roof this week?\n",
    b"From: Ana Souza <ana.souza@yahoo.com>\nTo: hello@firstroofing.test\n"
    b"Subject: Re: Inspection\nDate: Tue, 11 Mar 2025 10:00:00 -0400\n"
    b"Message-ID: <ana-2@mail.yahoo.com>\nIn-Reply-To: <ana-1@mail.yahoo.com>\n"
    b"References: <ana-1@mail.yahoo.com>\n\nThursday at 9 works.\n",
    b"From: Ana Souza <ana.souza@yahoo.com>\nTo: quotes@another-roofer.test\n"
    b"Subject: Quote\nMessage-ID: <ana-3@mail.yahoo.com>\n\nFor the other company.\n",
]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(world):
    return open_desk(world)


@pytest.fixture
def mbox_file(tmp_path) -> Path:
    path = tmp_path / "ana.mbox"
    box = mailbox.mbox(path)
    for raw in CONVERSATION:
        box.add(raw)
    box.close()
    return path


def import_email(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_email", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary(output: str) -> dict[str, int]:
    lines = [line.split() for line in output.splitlines() if line.startswith("  ")]
    return {words[0]: int(words[1]) for words in lines}


def test_eml_and_mbox_files_are_routed_by_recipient_stored_once_and_threaded(
    world, desk, mbox_file
):
    files = [str(path) for path in EMAIL_FIXTURES] + [str(mbox_file)]

    output, _ = import_email("--tenant", world.tenant.slug, *files)

    routed = len(EMAIL_FIXTURES) - len(NOT_ROUTED) + 2
    # The out-of-office from nobody the team knows is kept as its event, not threaded.
    threaded = routed - 1
    assert f"Read {len(EMAIL_FIXTURES) + 3} messages from {len(files)} files" in output
    assert summary(output) == {
        "stored": routed,
        "reports": 1,
        "duplicates": 0,
        "unrouted": 2,
        "failed": 0,
    }
    assert f"stored      {routed} ({threaded} threaded)" in output
    stored = events(world)
    assert {event.provider for event in stored} == {"import"}
    assert {event.status for event in stored} == {EventStatus.PROCESSED}
    assert sorted(UnroutedInbound.objects.values_list("recipients", flat=True)) == [
        "quotes@another-roofer.test",
        "reply+t1042.k7d9@firstroofing.test",
    ]
    with world.active():
        first, reply = (
            TicketMessage.objects.get(tenant=world.tenant, message_id=f"ana-{n}@mail.yahoo.com")
            for n in (1, 2)
        )
        assert first.ticket_id == reply.ticket_id  # threaded by In-Reply-To
        assert first.ticket.inbox_id == desk.inbox.pk
        assert TicketMessage.objects.filter(tenant=world.tenant).count() == threaded

    again, _ = import_email("--tenant", world.tenant.slug, *files)

    assert summary(again) == {"stored": 0, "duplicates": routed, "unrouted": 2, "failed": 0}
    assert len(events(world)) == routed


def test_a_message_that_already_came_through_a_webhook_is_a_duplicate(world, desk, tmp_path):
    from tickets.services import ingest

    raw = read_eml(EMAIL_FIXTURES[0])
    ingest.email_inbound_store(provider="postmark", raw=raw, envelope_recipients=[])
    path = tmp_path / "same.eml"
    path.write_bytes(raw)

    output, _ = import_email("--tenant", world.tenant.slug, str(path))

    assert summary(output)["duplicates"] == 1
    assert [event.provider for event in events(world)] == ["postmark"]


@pytest.mark.parametrize("name_or_id", ["name", "id"])
def test_inbox_puts_every_message_in_that_inbox(world, desk, mbox_file, name_or_id):
    with world.active():
        archive = configuration.inbox_save(tenant=world.tenant, actor=None, name="Archive")
    chosen = archive.name.upper() if name_or_id == "name" else str(archive.pk)
    gmail_reply = next(path for path in EMAIL_FIXTURES if path.stem == "gmail_reply")

    output, _ = import_email(
        "--tenant", world.tenant.slug, "--inbox", chosen, str(gmail_reply), str(mbox_file)
    )

    assert "(Archive)" in output
    assert summary(output) == {"stored": 4, "duplicates": 0, "unrouted": 0, "failed": 0}
    assert not UnroutedInbound.objects.exists()
    with world.active():
        inboxes = set(Ticket.objects.filter(tenant=world.tenant).values_list("inbox", flat=True))
    assert inboxes == {archive.pk}
    assert {event.payload.get("inbox") for event in events(world)} == {archive.pk}


def test_only_the_named_tenants_addresses_route(world, other_world, desk, tmp_path):
    with other_world.active():
        theirs = configuration.inbox_save(tenant=other_world.tenant, actor=None, name="Sales")
        configuration.inbox_address_save(
            tenant=other_world.tenant, inbox=theirs, channel="email", address="sales@lakeside.test"
        )
    path = tmp_path / "theirs.eml"
    path.write_bytes(
        b"From: someone@example.com\nTo: sales@lakeside.test\nSubject: Hi\n"
        b"Message-ID: <theirs-1@example.com>\n\nHello.\n"
    )

    output, _ = import_email("--tenant", world.tenant.slug, str(path))

    assert summary(output)["unrouted"] == 1
    with other_world.active():
        assert not InboundEvent.objects.filter(tenant=other_world.tenant).exists()


def test_wrong_tenant_inbox_or_file_is_refused_before_anything_is_imported(
    world, other_world, desk, tmp_path
):
    with other_world.active():
        theirs = configuration.inbox_save(tenant=other_world.tenant, actor=None, name="Sales")
    eml = str(EMAIL_FIXTURES[0])

    with pytest.raises(CommandError, match="No tenant"):
        import_email("--tenant", "no-such-tenant", eml)
    with pytest.raises(CommandError, match="has no inbox"):
        import_email("--tenant", world.tenant.slug, "--inbox", "Nowhere", eml)
    with pytest.raises(CommandError, match="has no inbox"):
        import_email("--tenant", world.tenant.slug, "--inbox", str(theirs.pk), eml)
    with pytest.raises(CommandError, match="No such file"):
        import_email("--tenant", world.tenant.slug, eml, str(tmp_path / "missing.eml"))
    assert events(world) == []


@pytest.mark.django_db(transaction=True)
def test_a_message_that_cannot_be_threaded_is_counted_failed_and_left_for_the_sweep(
    world,
    desk,
    full_disk,  # noqa: F811
):
    eml = str(next(path for path in EMAIL_FIXTURES if path.stem == "latin1"))

    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 stored message could not be threaded"):
        call_command("import_email", "--tenant", world.tenant.slug, eml, stdout=out, stderr=err)

    assert summary(out.getvalue()) == {"stored": 1, "duplicates": 0, "unrouted": 0, "failed": 1}
    assert err.getvalue().startswith(f"{eml}: OperationalError")
    (event,) = events(world)
    assert (event.status, event.attempts) == (EventStatus.FAILED, 1)
    assert "No space left on device" in event.last_error


def test_a_message_id_reused_for_different_content_is_a_new_message(world, desk, tmp_path):
    """Mailers and forwarding tools reuse a Message-ID: only the same content is a duplicate."""
    first, second, again = tmp_path / "1.eml", tmp_path / "2.eml", tmp_path / "3.eml"
    first.write_bytes(CONVERSATION[0])
    second.write_bytes(CONVERSATION[0].replace(b"this week?", b"next week instead?"))
    again.write_bytes(CONVERSATION[0])

    output, _ = import_email("--tenant", world.tenant.slug, str(first), str(second), str(again))

    assert summary(output) == {"stored": 2, "duplicates": 1, "unrouted": 0, "failed": 0}
    with world.active():
        texts = sorted(
            TicketMessage.objects.filter(tenant=world.tenant).values_list("body_text", flat=True)
        )
    assert [text.strip() for text in texts] == [
        "Can you inspect the roof next week instead?",
        "Can you inspect the roof this week?",
    ]
