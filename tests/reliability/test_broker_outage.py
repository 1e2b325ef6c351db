"""Redis, the Celery broker, goes away while signed inbound webhooks keep arriving: every message is
stored, answered 2xx, threaded once Redis is back, and none is threaded twice.

The broker is a redis-server of this test's own (tests/reliability/redis_server.py), so it can be
killed (a crash: the tasks queued in it are lost with it), frozen (a host that stops answering
without closing its connections) and started again, while the webhooks come through the Django
test client exactly as the providers post them (tests/tickets/test_inbound_webhooks.py signs them).
What a worker would run is read off the broker's queue and run here, and the beat's sweep a minute
later, so the test needs no worker process. docs/operations/reliability.md records what it measured.
"""

import base64
import datetime as dt
import json
import time
from collections import Counter

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from crm.tenancy.sweeps import sweep_inline
from tests.reliability.redis_server import OwnRedis
from tests.tickets.test_inbound_webhooks import (
    INBOX_EMAIL,
    PLATFORM_TOKEN,
    SITE,
    fixture,
    mailgun_mime,
    open_desk,
    post_mailgun,
    post_postmark,
    post_twilio,
    postmark_raw,
)
from tickets import tasks
from tickets.models import EventStatus, InboundEvent, TicketMessage
from tickets.services import ingest
from tickets.services.ingest import content_key

pytestmark = pytest.mark.django_db

# The webhook publishes once (tickets.services.ingest._enqueue). A frozen Redis costs the socket timeout
# in config/settings/base.py (3 s); a dead one, kombu's and redis-py's reconnect attempts (about 6 s
# measured). Both inside the 15 s Twilio waits for an answer.
REFUSED_ANSWER_SECONDS = 10
FROZEN_ANSWER_SECONDS = 8


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _forget_broker_connections() -> None:
    """Let the next publish pick its pool by the broker URL again (kombu keeps one pool per
    broker, so the test run's own stays open for after the test)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(own_redis):
    """Celery publishes to the test's own Redis for the test's length."""
    previous = celery_app.conf.broker_url
    _forget_broker_connections()
    celery_app.conf.broker_url = own_redis.url
    try:
        yield own_redis
    finally:
        _forget_broker_connections()
        celery_app.conf.broker_url = previous


@pytest.fixture
def twilio_signed(settings):
    settings.THREADLINE_SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = PLATFORM_TOKEN


def _sms(number: int, sender: str) -> dict:
    sid = f"SM{number:032x}"
    return {
        **fixture("twilio_sms.json"),
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "From": sender,
        "Body": f"Text {number}: is the crew still coming today?",
    }


def _email(number: int) -> bytes:
    return (
        f"From: Customer {number} <customer{number}@example.com>\r\n"
        f"To: {INBOX_EMAIL}\r\n"
        f"Subject: Leak over the garage, note {number}\r\n"
        f"Message-ID: <outage-{number}@example.com>\r\n"
        "Date: Fri, 14 Mar 2025 18:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Note {number}: water is coming in over the garage door.\r\n"
    ).encode()


class Webhooks:
    """Posts as Twilio, Postmark and Mailgun do, timing each answer."""

    def __init__(self, client, django_capture_on_commit_callbacks):
        self.client = client
        self.capture = django_capture_on_commit_callbacks
        self.answers: list[tuple[str, int, float]] = []
        self.messages: set[str] = set()  # the distinct messages posted (event keys)

    def _post(self, what: str, key: str, post) -> float:
        started = time.perf_counter()
        # The test's transaction never commits: run what would run on commit (the enqueue).
        with self.capture(execute=True):
            response = post()
        took = time.perf_counter() - started
        self.answers.append((what, response.status_code, took))
        self.messages.add(key)
        assert response.status_code == 200, (what, response.content[:300])
        return took

    def sms(self, number: int, sender: str = "+17865550142") -> float:
        form = _sms(number, sender)
        return self._post(
            f"sms {number}", f"twilio:{form['MessageSid']}", lambda: post_twilio(self.client, form)
        )

    def postmark(self, number: int) -> float:
        payload = postmark_raw(_email(number), message_id=f"pm-{number}")
        return self._post(
            f"postmark {number}",
            content_key(_email(number)),
            lambda: post_postmark(self.client, payload),
        )

    def mailgun(self, number: int, token: str) -> float:
        form = mailgun_mime(_email(number), token=token)
        return self._post(
            f"mailgun {number}",
            content_key(_email(number)),
            lambda: post_mailgun(self.client, form),
        )


def _run_queued_tasks(server: OwnRedis) -> list[str]:
    """What a worker would do with the tasks in the queue: take each, oldest first, and run it."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    outcomes = []
    client = server.client()
    while (raw := client.rpop(queue)) is not None:
        message = json.loads(raw)
        args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        task = celery_app.tasks[message["headers"]["task"]]
        outcomes.append(task.apply(args=args, kwargs=kwargs).get())
    return outcomes


def _queued(server: OwnRedis) -> int:
    return server.client().llen(settings.CELERY_TASK_DEFAULT_QUEUE)


def test_webhooks_while_redis_is_down_are_stored_answered_and_threaded_once_it_is_back(
    client, world, broker, twilio_signed, django_capture_on_commit_callbacks
):
    open_desk(world)
    hooks = Webhooks(client, django_capture_on_commit_callbacks)
    with time_machine.travel(dt.datetime(2025, 3, 14, 19, 0, tzinfo=dt.UTC)) as clock:
        # Redis up: each webhook's task waits in the queue.
        hooks.sms(1)
        hooks.postmark(1)
        assert _queued(broker) == 2

        # Redis frozen (the host stopped answering) and then killed: the two queued tasks are
        # gone with it. The webhooks still get their 2xx, in time for the provider.
        broker.freeze()
        assert hooks.sms(2) < FROZEN_ANSWER_SECONDS
        broker.kill()
        refused = [
            hooks.sms(3),
            hooks.sms(4),  # the same customer again: the same ticket
            hooks.sms(5, sender="+13055550199"),  # someone new
            hooks.postmark(2),
            hooks.mailgun(3, token="a" * 50),
            # Providers retry what they think failed, and one message may come by two ESPs.
            hooks.sms(3),
            hooks.mailgun(2, token="b" * 50),
        ]
        assert max(refused) < REFUSED_ANSWER_SECONDS, hooks.answers

        with world.active():
            stored = list(InboundEvent.objects.filter(tenant=world.tenant))
        assert sorted(e.event_key for e in stored) == sorted(hooks.messages)
        assert {e.status for e in stored} == {EventStatus.PENDING}

        # Redis back (empty): the web process connects again by itself.
        broker.start()
        hooks.sms(6)
        assert _queued(broker) == 1
        (outcome,) = _run_queued_tasks(broker)
        assert outcome.startswith("ticket ")

        # The next beat sweep threads everything whose task never ran, once.
        clock.shift(ingest.SWEEP_GRACE)
        assert sweep_inline(tasks.sweep_inbound_events) == len(hooks.messages) - 1
        assert sweep_inline(tasks.sweep_inbound_events) == 0
        # A provider's late retry after all of it changes nothing.
        hooks.sms(4)
        hooks.postmark(1)
        assert _run_queued_tasks(broker) == []

    with world.active():
        events = list(InboundEvent.objects.filter(tenant=world.tenant))
        messages = list(TicketMessage.objects.filter(tenant=world.tenant).select_related("ticket"))
    assert len(events) == len(hooks.messages) == 9
    assert {e.status for e in events} == {EventStatus.PROCESSED}
    assert sorted(m.inbound_event_id for m in messages) == sorted(e.pk for e in events)
    tickets_by_sender = Counter(
        sender for sender, _ in {(m.from_address, m.ticket_id) for m in messages}
    )
    assert set(tickets_by_sender.values()) == {1}, "one sender's messages split across tickets"
    texts_from_ana = [m for m in messages if m.from_address == "+17865550142"]
    assert len(texts_from_ana) == 5
    assert all(m.sent_at <= timezone.now() for m in messages)
