"""With real Celery workers (separate processes, started as in tests/messaging/test_outbox_workers.py,
whose plumbing this reuses): events become deliveries that the sweep hands to the workers, and the
test server receives each exactly once, signed, although a second sweep on a broker that hands out
every send task twice runs beside it."""

import time

import pytest

from crm.tenancy.sweeps import sweep_inline
from tests.conftest import build_world
from tests.factories import lead_for
from tests.messaging.test_outbox_workers import (
    TwiceDeliveringSweeper,
    _forget_tasks,
    _kill,
    _start_worker,
    _wait_until_ready,
)
from tests.webhooks.conftest import deliveries_of, subscribe
from webhooks.models import DeliveryStatus, EventType
from webhooks.services.deliveries import deliveries_claim_due
from webhooks.tasks import dispatch_due_webhooks, send_webhook

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 30
DEADLINE_SECONDS = 120


def test_workers_deliver_every_event_once_although_tasks_arrive_twice(receiver, tmp_path):
    world = build_world("Gulf Coast Roofing")
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    for _number in range(LEADS):
        lead_for(world)
    sweeper = TwiceDeliveringSweeper(world, claim=deliveries_claim_due, send_task=send_webhook)
    _forget_tasks()
    workers = [_start_worker(name, tmp_path) for name in ("worker-a", "worker-b")]
    try:
        _wait_until_ready(workers)
        sweeper.start()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            sweep_inline(dispatch_due_webhooks)
            statuses = {delivery.status for delivery in deliveries_of(world)}
            if statuses == {DeliveryStatus.DELIVERED}:
                break
            time.sleep(0.2)
        sweeper.stopping.set()
        sweeper.join(timeout=10)
    finally:
        for worker in workers:
            _kill(worker)
        _forget_tasks()

    assert sweeper.error is None
    logs = "".join(worker.tail() for worker in workers)
    assert {delivery.status for delivery in deliveries_of(world)} == {"delivered"}, logs
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == LEADS and len(set(ids)) == LEADS
    assert all(request.signature_valid(endpoint.secret) for request in receiver.received)
    assert {delivery.attempts for delivery in deliveries_of(world)} == {1}
