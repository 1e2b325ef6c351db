"""A real Celery worker (in-process, real Redis broker, real database) runs a tenant task."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from crm.models import Notification
from crm.tasks import notify_roles
from tests.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_worker(transactional_db):
    with start_worker(
        celery_app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_opens_the_tenant_context_from_tenant_id(live_worker):
    world = build_world("Gulf Coast Roofing")
    other = build_world("Lakeside Chargers")

    notify_roles.delay(world.tenant.pk, ["manager", "admin"], "Job 1042 is late", url="/contacts/")

    def delivered():
        with world.active():
            return Notification.objects.filter(title="Job 1042 is late").count() == 2

    assert _wait_for(delivered), "the worker did not create the notifications"
    with world.active():
        recipients = set(
            Notification.objects.filter(title="Job 1042 is late").values_list(
                "recipient", flat=True
            )
        )
    assert recipients == {world.admin.user_id, world.manager.user_id}
    with other.active():
        assert not Notification.objects.filter(title="Job 1042 is late").exists()


def test_task_settings_make_delivery_at_least_once():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert "clear-expired-sessions" in conf.beat_schedule
