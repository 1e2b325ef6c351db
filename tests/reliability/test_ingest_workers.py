"""Exactly once with real workers, for inbound messages: Celery worker processes thread a batch of
stored inbound events (texts and emails from a dozen customers) while workers are killed (SIGKILL,
whole process group) in the middle of threading one, and replaced. Every event ends processed with
exactly one message on exactly one ticket per customer; none is lost, none threaded twice.

The workers are started as in tests/messaging/test_outbox_workers.py (whose process plumbing this file
reuses). A trigger the test puts on the ticket message table (test scaffolding, dropped afterwards)
makes each insert pause inside the processing transaction and count itself with a sequence, which no
rollback undoes: a kill can be aimed at a worker that is mid-ingest, and the count afterwards shows
the kills landed there. The task of a killed worker stays unacknowledged in Redis (for the
visibility timeout, an hour): the beat's sweep is what finishes its event, run here as the beat
would once the event's grace minute has passed.
"""

import time
from collections import Counter

import pytest
from django.conf import settings
from django.db.models import F

from config.celery import app as celery_app
from crm.models import ContactEmail, ContactPhone
from crm.tenancy.sweeps import sweep_inline
from tests.conftest import build_world
from tests.messaging.test_outbox_workers import (
    _forget_tasks,
    _kill,
    _owner_connection,
    _sending,
    _start_worker,
    _wait_until_ready,
)
from tests.tickets.test_inbound_webhooks import INBOX_EMAIL, INBOX_NUMBER, fixture, open_desk
from tickets import tasks
from tickets.models import EventStatus, InboundEvent, InboxChannel, Ticket, TicketMessage
from tickets.routing import route_for
from tickets.services import ingest

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = 120
SENDERS = 12
PAUSE_SECONDS = 0.04
# Which worker is killed mid-ingest, once at least how many events are threaded.
KILLS = (("ingest-a", 15), ("ingest-b", 50))
REPLACEMENTS = ("ingest-c", "ingest-d")
DEADLINE_SECONDS = 240

SLOW_INGEST = f"""
    CREATE SEQUENCE test_ingest_attempts;
    CREATE FUNCTION test_slow_ingest() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
        PERFORM nextval('test_ingest_attempts');
        PERFORM pg_sleep({PAUSE_SECONDS});
        RETURN NEW;
    END $$;
    CREATE TRIGGER test_slow_ingest BEFORE INSERT ON tickets_ticketmessage
        FOR EACH ROW EXECUTE FUNCTION test_slow_ingest();
"""
FAST_INGEST = """
    DROP TRIGGER IF EXISTS test_slow_ingest ON tickets_ticketmessage;
    DROP FUNCTION IF EXISTS test_slow_ingest();
    DROP SEQUENCE IF EXISTS test_ingest_attempts;
"""


@pytest.fixture
def slow_ingest(transactional_db):
    def attempts() -> int:
        with _owner_connection() as conn:
            return conn.execute(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM test_ingest_attempts"
            ).fetchone()[0]

    with _owner_connection() as conn:
        conn.execute(SLOW_INGEST)
    try:
        yield attempts
    finally:
        with _owner_connection() as conn:
            conn.execute(FAST_INGEST)


def _sender(number: int) -> str:
    return f"+1786555{number:04d}"


def _store_events(world) -> None:
    """EVENTS inbound messages from SENDERS customers (the odd-numbered text, the others email),
    stored as the webhooks store them; each one's task goes to the broker as it commits."""
    route = route_for(InboxChannel.SMS, INBOX_NUMBER)
    for number in range(EVENTS):
        sender = number % SENDERS
        if number % 2:
            sid = f"SM{number:032x}"
            ingest.twilio_inbound_store(
                route=route,
                payload={
                    **fixture("twilio_sms.json"),
                    "MessageSid": sid,
                    "SmsSid": sid,
                    "From": _sender(sender),
                    "Body": f"Text {number} from customer {sender}.",
                },
            )
        else:
            raw = (
                f"From: Customer {sender} <customer{sender}@ingest.example>\r\n"
                f"To: {INBOX_EMAIL}\r\nSubject: Roof, customer {sender}\r\n"
                f"Message-ID: <ingest-{number}@example.com>\r\n\r\n"
                f"Email {number} from customer {sender}.\r\n"
            ).encode()
            ingest.email_inbound_store(provider="email", raw=raw)


def _processed(world) -> int:
    with world.active():
        return InboundEvent.objects.filter(
            tenant=world.tenant, status=EventStatus.PROCESSED
        ).count()


def _sweep_stranded(world) -> int:
    """What the beat does a minute on: events whose task died with a worker are processed by the
    sweep. Here the grace minute is moved back, as the clock would, only for events with no task
    left in the queue."""
    with world.active():
        InboundEvent.objects.filter(tenant=world.tenant, status=EventStatus.PENDING).update(
            next_attempt_at=F("next_attempt_at") - ingest.SWEEP_GRACE
        )
    return sweep_inline(tasks.sweep_inbound_events)


def _queued_tasks(broker) -> int:
    return broker.default_channel.queue_declare(settings.CELERY_TASK_DEFAULT_QUEUE).message_count


def test_workers_killed_mid_ingest_never_lose_or_duplicate_a_message(slow_ingest, tmp_path):
    world = build_world("Gulf Coast Roofing")
    open_desk(world)
    _forget_tasks()
    _store_events(world)
    broker = celery_app.connection_for_write()
    workers, kills, replacements = {}, list(KILLS), list(REPLACEMENTS)
    notes, started = [], time.monotonic()
    swept = 0
    try:
        for name in ("ingest-a", "ingest-b"):
            workers[name] = _start_worker(name, tmp_path)
        _wait_until_ready(list(workers.values()))
        live = set(workers)
        while (done := _processed(world)) < EVENTS:
            if kills and done >= kills[0][1] and _sending(kills[0][0]):
                name, _after = kills.pop(0)
                _kill(workers[name])
                live.discard(name)
                notes.append(f"{time.monotonic() - started:5.1f} s {name} killed, {done} done")
                replacement = replacements.pop(0)
                workers[replacement] = _start_worker(replacement, tmp_path)
                live.add(replacement)
            elif not kills and not _queued_tasks(broker):
                swept += _sweep_stranded(world)
            for name in live:
                if workers[name].process.poll() is not None:
                    pytest.fail(f"{name} exited by itself\n{workers[name].tail()}")
            if time.monotonic() - started > DEADLINE_SECONDS:
                pytest.fail(f"not all threaded in time: {done}/{EVENTS}; {notes}")
            time.sleep(0.05)
    finally:
        for worker in workers.values():
            _kill(worker)
        broker.release()
        _forget_tasks()
    assert not kills, f"all threaded before the kills {kills} could land mid-ingest: {notes}"
    assert swept >= 1, "the killed workers' events were finished by their own tasks"

    with world.active():
        events = dict(InboundEvent.objects.filter(tenant=world.tenant).values_list("pk", "status"))
        messages = list(
            TicketMessage.objects.filter(tenant=world.tenant).values_list(
                "inbound_event_id", "ticket_id", "from_address"
            )
        )
        tickets = Counter(
            Ticket.objects.filter(tenant=world.tenant).values_list("contact_id", flat=True)
        )
        emails = list(
            ContactEmail.objects.filter(
                tenant=world.tenant, email__endswith="@ingest.example"
            ).values_list("email", flat=True)
        )
        phones = [
            number.as_e164
            for number in ContactPhone.objects.filter(tenant=world.tenant).values_list(
                "number", flat=True
            )
            if number.as_e164.startswith("+1786555")
        ]
    assert set(events.values()) == {EventStatus.PROCESSED}
    assert sorted(event for event, _ticket, _sender in messages) == sorted(events)
    # One contact per address and one ticket per contact, whatever order the workers took: no
    # contact was made twice by two workers racing on a new sender.
    # (Customers with an even number email, those with an odd one text.)
    assert sorted(Counter(emails).values()) == [1] * (SENDERS // 2)
    assert sorted(Counter(phones).values()) == [1] * (SENDERS // 2)
    assert len(tickets) == SENDERS
    assert set(tickets.values()) == {1}
    # Each kill caught an insert in its open transaction, which rolled back and ran again.
    assert slow_ingest() - len(messages) >= len(KILLS), notes
