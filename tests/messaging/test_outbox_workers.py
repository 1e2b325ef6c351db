"""Exactly once with real workers: Celery worker processes send a few hundred messages as they
fall due, while two sweeps claim them (one of them on a broker that hands out every task twice),
and workers are killed (SIGKILL, whole process group) in the middle of a send and replaced. Also:
two claims at once never take the same row.

The workers are separate processes (`celery -A config worker`, prefork) on this run's test database
and broker queue. A trigger the test puts on the sandbox's table (test scaffolding, dropped
afterwards) makes each recorded delivery pause inside the send transaction and count itself with
a sequence, which no rollback undoes: a kill can be aimed at a worker whose send is open, and the
count afterwards shows the kills landed there.
"""

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from config.celery import app as celery_app
from crm.tenancy.sweeps import sweep_inline
from messaging.models import (
    MessageChannel,
    MessageSource,
    MessageStatus,
    OutboundMessage,
    SandboxDelivery,
)
from messaging.services import outbox
from messaging.tasks import dispatch_due_messages, send_message
from tests.conftest import build_world
from tests.factories import ContactEmailFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = 300
# They fall due one after another, so claims keep happening while workers send.
DUE_APART = dt.timedelta(milliseconds=20)
CONTACTS = 12
SEND_PAUSE_SECONDS = 0.03
# Which worker is killed mid-send, once at least how many messages have gone.
KILLS = (("worker-a", 40), ("worker-b", 150))
REPLACEMENTS = ("worker-c", "worker-d")
DEADLINE_SECONDS = 240
# A row still queued this long after its claim, with no task left in the broker's queue, lost its
# task with a killed worker.
STRANDED_AFTER = dt.timedelta(seconds=2)

SLOW_SANDBOX = f"""
    CREATE SEQUENCE test_sandbox_attempts;
    CREATE FUNCTION test_slow_sandbox() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
        PERFORM nextval('test_sandbox_attempts');
        PERFORM pg_sleep({SEND_PAUSE_SECONDS});
        RETURN NEW;
    END $$;
    CREATE TRIGGER test_slow_sandbox BEFORE INSERT ON comms_sandboxdelivery
        FOR EACH ROW EXECUTE FUNCTION test_slow_sandbox();
"""
FAST_SANDBOX = """
    DROP TRIGGER IF EXISTS test_slow_sandbox ON comms_sandboxdelivery;
    DROP FUNCTION IF EXISTS test_slow_sandbox();
    DROP SEQUENCE IF EXISTS test_sandbox_attempts;
"""


def _owner_connection() -> psycopg.Connection:
    owner = settings.DATABASES["owner"]
    return psycopg.connect(
        dbname=owner["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
        autocommit=True,
    )


def _sandbox_attempts() -> int:
    """Deliveries the sandbox began to record, committed or not."""
    with _owner_connection() as conn:
        return conn.execute(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM test_sandbox_attempts"
        ).fetchone()[0]


@pytest.fixture
def slow_sandbox(transactional_db):
    with _owner_connection() as conn:
        conn.execute(SLOW_SANDBOX)
    try:
        yield _sandbox_attempts
    finally:
        with _owner_connection() as conn:
            conn.execute(FAST_SANDBOX)


def _due_messages(world, count: int, *, send_after: dt.datetime | None = None) -> list[int]:
    """`count` scheduled emails to CONTACTS contacts, due now unless `send_after` says later."""
    with world.active():
        recipients = [world.contact]
        for _ in range(CONTACTS - 1):
            contact = ContactFactory(tenant=world.tenant)
            ContactEmailFactory(tenant=world.tenant, contact=contact)
            recipients.append(contact)
        ids = []
        for number in range(count):
            message = outbox.message_schedule(
                tenant=world.tenant,
                channel=MessageChannel.EMAIL,
                source=MessageSource.MANUAL,
                idempotency_key=f"worker-test-{number}",
                contact=recipients[number % len(recipients)],
                subject=f"Roof update {number}",
                body_text=f"Update {number}: the crew arrives at 8 tomorrow.",
                send_after=send_after,
            )
            assert message.status == MessageStatus.SCHEDULED, message.decisions
            ids.append(message.pk)
    return ids


# --- Worker processes ------------------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _worker_env(name: str) -> dict:
    database = settings.DATABASES["default"]["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "THREADLINE_TEST_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        # libpq names the worker's database sessions, so the test sees which worker is mid-send.
        "PGAPPNAME": name,
    }
    # The worker's settings derive both roles' connections from these URLs (crm/dbconfig.py):
    # point them at this run's test database.
    for variable in ("DATABASE_URL", "DATABASE_APP_URL"):
        if os.environ.get(variable):
            url = urlsplit(os.environ[variable])
            env[variable] = urlunsplit(url._replace(path=f"/{database}"))
    return env


def _start_worker(name: str, logs: Path) -> Worker:
    log = logs / f"{name}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=prefork", "--concurrency=2", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
        "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-l", "warning",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (our interpreter, fixed arguments)
            command,
            cwd=settings.BASE_DIR,
            env=_worker_env(name),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes the pool children too
        )
    return Worker(name, process, log)


def _kill(worker: Worker) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have gone already
        os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=30)


def _sending(name: str) -> bool:
    """Whether one of the worker's database sessions is paused inside a sandbox delivery, i.e.
    inside message_send's transaction (on this run's database: parallel runs name workers alike)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s AND wait_event = 'PgSleep'",
            [name],
        )
        return cursor.fetchone()[0] > 0


def _forget_tasks() -> None:
    """Drop this run's leftover task messages: the queue's, and those a killed worker had taken
    (the broker would hand them back after its visibility timeout, to a queue nobody reads)."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge(queue)
        client = channel.client
        for tag, payload in client.hgetall(channel.unacked_key).items():
            _message, _exchange, routing_key = json.loads(payload)
            if routing_key == queue:
                client.zrem(channel.unacked_index_key, tag)
                client.hdel(channel.unacked_key, tag)


def _fall_due_one_by_one(world, apart: dt.timedelta) -> None:
    start = timezone.now()
    with world.active():
        messages = list(OutboundMessage.objects.filter(tenant=world.tenant).order_by("pk"))
        for number, message in enumerate(messages):
            message.send_after = start + number * apart
        OutboundMessage.objects.bulk_update(messages, ["send_after"])


def _wait_until_ready(workers: list[Worker], timeout: float = 120) -> None:
    waiting = {f"{worker.name}@{socket.gethostname()}" for worker in workers}
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"{worker.name} exited by itself\n{worker.tail()}")
        for reply in celery_app.control.ping(destination=sorted(waiting), timeout=1.0):
            waiting -= set(reply)
    assert not waiting, f"workers not answering after {timeout} s: {waiting}"


def _waiting_tasks(broker) -> int:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    return broker.default_channel.queue_declare(queue).message_count


def _age_stranded(world) -> int:
    """Move the claim of rows whose task died with a worker back by QUEUED_LEASE, as the clock
    would: the next sweep claims them again."""
    with world.active():
        return OutboundMessage.objects.filter(
            tenant=world.tenant,
            status=MessageStatus.QUEUED,
            queued_at__lt=timezone.now() - STRANDED_AFTER,
        ).update(queued_at=F("queued_at") - outbox.QUEUED_LEASE)


class TwiceDeliveringSweeper(threading.Thread):
    """A second beat beside the test's own sweeps, on a broker that hands out every send task
    twice, one right after the other (Celery delivers at least once). `claim(tenant)` claims due
    rows and returns their ids; `send_task` sends one."""

    def __init__(self, world, *, claim, send_task):
        super().__init__(daemon=True)
        self.world = world
        self.claim, self.send_task = claim, send_task
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.claimed = 0

    def run(self):
        tenant = self.world.tenant
        try:
            while not self.stopping.is_set():
                with self.world.active():
                    ids = self.claim(tenant=tenant)
                for row_id in ids:
                    self.send_task.delay(tenant.pk, row_id)
                    self.send_task.delay(tenant.pk, row_id)
                self.claimed += len(ids)
                self.stopping.wait(0.02)
        except BaseException as error:
            self.error = error
        finally:
            connection.close()


def send_through_kills(
    *, tmp_path, total: int, dispatch, sent, fall_due, age_stranded, sweeper, statuses
) -> list[str]:
    """Two workers send `total` due rows while KILLS land mid-send (each killed worker replaced),
    the test sweeps with `dispatch()` and `sweeper` sweeps beside it; rows whose task died with a
    worker get their claim aged by `age_stranded()`. Returns what happened when, once `sent()`
    reaches `total`; fails with the workers' logs if a worker exits, the time runs out, or every
    row went before a kill could land."""
    broker = celery_app.connection_for_write()
    workers: dict[str, Worker] = {}
    kills, replacements = list(KILLS), list(REPLACEMENTS)
    claimed = 0
    started = time.monotonic()
    events = []  # what happened when, for the failure message

    def note(what: str) -> None:
        events.append(f"{time.monotonic() - started:6.1f} s  {what}")

    def report() -> str:
        logs = "".join(f"\n--- {worker.name}\n{worker.tail()}" for worker in workers.values())
        return "\n".join(events) + logs

    _forget_tasks()
    try:
        for name in ("worker-a", "worker-b"):
            workers[name] = _start_worker(name, tmp_path)
        _wait_until_ready(list(workers.values()))
        note("workers ready; rows fall due one by one")
        fall_due()
        live = set(workers)
        sweeper.start()
        while True:
            claimed += dispatch()
            done = sent()
            if done == total:
                note(f"all sent; claims: {claimed} swept, {sweeper.claimed} delivered twice")
                break
            if kills and done >= kills[0][1] and _sending(kills[0][0]):
                name, _after = kills.pop(0)
                _kill(workers[name])
                live.discard(name)
                note(f"{name} killed mid-send, {done} sent")
                replacement = replacements.pop(0)
                workers[replacement] = _start_worker(replacement, tmp_path)
                live.add(replacement)
            if not _waiting_tasks(broker) and (stranded := age_stranded()):
                note(f"{stranded} rows queued with no task left: claim moved back by the lease")
            for name in live:
                if workers[name].process.poll() is not None:
                    pytest.fail(f"{name} exited by itself\n{report()}")
            if sweeper.error is not None:
                raise sweeper.error
            if time.monotonic() - started > DEADLINE_SECONDS:
                pytest.fail(f"Not all sent in time: {dict(statuses())}\n{report()}")
            time.sleep(0.05)
    finally:
        sweeper.stopping.set()
        if sweeper.is_alive():
            sweeper.join(timeout=30)
        for worker in workers.values():
            _kill(worker)
        broker.release()
        _forget_tasks()
    assert not kills, f"all sent before the kills {kills} could land mid-send\n{report()}"
    return events


def _statuses(world) -> Counter:
    with world.active():
        return Counter(
            OutboundMessage.objects.filter(tenant=world.tenant).values_list("status", flat=True)
        )


def test_workers_killed_mid_send_never_send_a_message_twice_or_skip_one(slow_sandbox, tmp_path):
    world = build_world("Gulf Coast Roofing")
    ids = _due_messages(world, MESSAGES, send_after=timezone.now() + dt.timedelta(days=1))
    events = send_through_kills(
        tmp_path=tmp_path,
        total=MESSAGES,
        dispatch=lambda: sweep_inline(dispatch_due_messages),
        sent=lambda: _statuses(world)[MessageStatus.SENT],
        fall_due=lambda: _fall_due_one_by_one(world, DUE_APART),
        age_stranded=lambda: _age_stranded(world),
        sweeper=TwiceDeliveringSweeper(
            world, claim=outbox.outbox_claim_due, send_task=send_message
        ),
        statuses=lambda: _statuses(world),
    )
    with world.active():
        messages = list(
            OutboundMessage.objects.filter(tenant=world.tenant).values_list(
                "pk", "status", "attempts", "decisions"
            )
        )
        deliveries = Counter(
            SandboxDelivery.objects.filter(tenant=world.tenant).values_list("message_id", flat=True)
        )
    assert {status for _pk, status, _attempts, _decisions in messages} == {MessageStatus.SENT}
    assert sorted(deliveries) == sorted(ids), "a message without its delivery, or a stray one"
    assert [pk for pk, times in deliveries.items() if times > 1] == [], "delivered twice"
    for pk, _status, attempts, decisions in messages:
        assert attempts == 1, (pk, decisions)
        assert [d["decision"] for d in decisions].count("sent") == 1, (pk, decisions)
    # Each kill caught a delivery in its open transaction, which rolled back and was sent again.
    rolled_back = slow_sandbox() - sum(deliveries.values())
    assert rolled_back >= len(KILLS), (rolled_back, events)


# --- Claims without workers -------------------------------------------------------------------------


def test_a_claim_skips_the_rows_another_claim_holds(world):
    ids = _due_messages(world, 200)
    holding, release = threading.Event(), threading.Event()

    def claim_and_hold():
        try:
            with world.active():
                claimed = outbox.outbox_claim_due(tenant=world.tenant, limit=80)
                holding.set()
                release.wait(timeout=30)
            return claimed
        finally:
            connection.close()

    def claim_beside():
        try:
            assert holding.wait(timeout=30)
            with world.active(), connection.cursor() as cursor:
                # Waiting for the other claim's rows would be a bug: fail rather than hang.
                cursor.execute("SET LOCAL lock_timeout = '5s'")
                return outbox.outbox_claim_due(tenant=world.tenant)
        finally:
            release.set()
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.submit(claim_and_hold), pool.submit(claim_beside)
        held, beside = first.result(), second.result()

    assert len(held) == 80
    assert len(beside) == 120
    assert set(held).isdisjoint(beside)
    assert sorted(held + beside) == sorted(ids)
    assert _statuses(world) == {MessageStatus.QUEUED: 200}


def test_racing_sweeps_claim_every_row_once(world):
    ids = _due_messages(world, 200)
    start = threading.Barrier(2)

    def sweep_in_small_batches():
        claimed = []
        try:
            start.wait(timeout=30)
            while True:
                with world.active():
                    batch = outbox.outbox_claim_due(tenant=world.tenant, limit=7)
                if not batch:
                    return claimed
                claimed += batch
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = (pool.submit(sweep_in_small_batches) for _ in range(2))
        one, other = first.result(), second.result()

    # A claim locks only the rows it takes: when one sweep finds nothing, the other has the rest.
    assert set(one).isdisjoint(other)
    assert sorted(one + other) == sorted(ids)


def test_a_claim_takes_at_most_its_limit_whatever_plan_postgresql_picks(world):
    _due_messages(world, 200)
    with world.active(), connection.cursor() as cursor:
        # The plan PostgreSQL picks on its own for an `IN (subquery)` claim while the outbox has no
        # statistics yet (a new database, a table autovacuum has not analyzed): a nested loop that
        # re-runs the locking subquery for each row.
        for method in ("hashagg", "sort", "hashjoin", "mergejoin", "material"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        claimed = outbox.outbox_claim_due(tenant=world.tenant, limit=80)
    assert len(claimed) == 80
