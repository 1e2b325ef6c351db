"""POST with an Idempotency-Key: the same request replays the first answer and acts once; the
same key with another request is refused; keys are per API key and expire."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from api.models import ApiKey, IdempotentRequest
from api.services.idempotency import (
    IDEMPOTENCY_KEEP,
    idempotency_claim,
    idempotency_purge_expired,
)
from api.tasks import purge_expired_idempotency_keys
from crm.models import Contact
from crm.tenancy.sweeps import SECONDS_HOURLY, fan_out, sweep_inline, sweep_tenants
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _post(client, key, body, idempotency_key):
    return client.post(
        "/api/v1/contacts/",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": idempotency_key},
        **bearer(key),
    )


def _contacts(world, name):
    with world.active():
        return Contact.objects.filter(first_name=name).count()


def test_the_same_request_twice_acts_once_and_replays_the_answer(client, world):
    key = key_for(world)
    first = _post(client, key, {"first_name": "Ana"}, "order-1")
    again = _post(client, key, {"first_name": "Ana"}, "order-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _contacts(world, "Ana") == 1


def test_the_same_key_with_another_body_is_refused(client, world):
    key = key_for(world)
    assert _post(client, key, {"first_name": "Ana"}, "order-2").status_code == 201
    response = _post(client, key, {"first_name": "Bob"}, "order-2")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert _contacts(world, "Bob") == 0


def test_keys_belong_to_one_api_key_and_expire(client, world):
    key, other_key = key_for(world), key_for(world)
    assert _post(client, key, {"first_name": "Ana"}, "k").status_code == 201
    assert "Idempotent-Replayed" not in _post(client, other_key, {"first_name": "Ana"}, "k")
    assert _contacts(world, "Ana") == 2
    with world.active():
        IdempotentRequest.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert "Idempotent-Replayed" not in _post(client, key, {"first_name": "Ana"}, "k")
    assert _contacts(world, "Ana") == 3


def test_a_validation_error_is_replayed_too_and_a_blank_key_is_refused(client, world):
    key = key_for(world)
    first = _post(client, key, {"language": "xx"}, "bad-1")
    assert first.status_code == 422
    assert _post(client, key, {"language": "xx"}, "bad-1")["Idempotent-Replayed"] == "true"
    response = _post(client, key, {"first_name": "Ana"}, " ")
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["errors"]


def _claim(world, api_key, key, *, at):
    with world.active():
        idempotency_claim(tenant=world.tenant, api_key=api_key, key=key, fingerprint="f", now=at)


def test_the_hourly_sweep_forgets_expired_keys_of_every_api_key(world, other_world):
    """A claim clears only its own API key's expired keys: the keys of an API key that stopped
    calling are left to the sweep, which visits each tenant in its own context."""
    key_for(world), key_for(world), key_for(other_world)
    with world.active():
        quiet, busy = ApiKey.objects.order_by("pk")
    with other_world.active():
        theirs = ApiKey.objects.get()
    two_days_ago = timezone.now() - 2 * IDEMPOTENCY_KEEP
    _claim(world, quiet, "old-1", at=two_days_ago)
    _claim(world, quiet, "old-2", at=two_days_ago)
    _claim(world, busy, "fresh", at=timezone.now())
    _claim(other_world, theirs, "old-3", at=two_days_ago)

    assert sweep_inline(purge_expired_idempotency_keys, tenant_ids=[world.tenant.pk]) == 2

    with world.active():
        assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["fresh"]
    with other_world.active():
        assert IdempotentRequest.objects.count() == 1  # its own round's
    assert sweep_inline(purge_expired_idempotency_keys) == 1  # every tenant
    with world.active():
        assert idempotency_purge_expired(tenant=world.tenant) == 0
        assert (
            idempotency_purge_expired(tenant=world.tenant, now=timezone.now() + IDEMPOTENCY_KEEP)
            == 1
        )


def test_the_purge_is_an_hourly_beat_sweep_with_an_expiry_and_time_limits(
    world,
    other_world,
    task_queue,
):
    sweep = purge_expired_idempotency_keys.sweep
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == purge_expired_idempotency_keys.name
    ]
    assert entry["schedule"].run_every == sweep.interval == dt.timedelta(hours=1)
    assert entry["options"]["expires"] == 3600
    assert sweep.soft_time_limit == SECONDS_HOURLY and sweep.due_tenants is None

    now = timezone.now()
    assert fan_out(sweep, now=now) >= 2  # every tenant, in chunks

    messages = task_queue()
    sent = [tenant for message in messages for tenant in message.payload[0][1]]
    assert {world.tenant.pk, other_world.tenant.pk} <= set(sent)
    for message in messages:
        assert message.headers["task"] == sweep_tenants.name
        # At the sweep's next due time, its own minute past the hour (crm.schedules.every).
        expires = dt.datetime.fromisoformat(message.headers["expires"])
        assert expires == sweep.next_due(now)
        assert now < expires <= now + sweep.interval
        assert message.headers["timelimit"] == [sweep.time_limit, sweep.soft_time_limit]
