"""POST with an Idempotency-Key: the same request replays the first answer and acts once; the
same key with another request is refused; keys are per API key and expire."""

import datetime as dt

import pytest
from django.utils import timezone

from api.models import IdempotentRequest
from crm.models import Contact
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
