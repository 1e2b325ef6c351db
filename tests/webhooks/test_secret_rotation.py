"""Rotating an endpoint's signing secret without a gap: for a day the deliveries carry a signature
with the new secret and one with the old, so a receiver that checks either accepts them; then (or
as soon as the admin says so) only the new one signs. The receiver checks with its own HMAC."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.tenancy.sweeps import sweep_inline
from tests.conftest import sign_in
from tests.factories import lead_for
from tests.webhooks.conftest import deliver_due, subscribe
from webhooks.models import PREVIOUS_SECRET_KEPT, EventType, WebhookEndpoint
from webhooks.services.endpoints import (
    endpoint_rotate_secret,
    endpoint_stop_previous_secret,
    endpoints_forget_previous_secrets,
)
from webhooks.tasks import purge_old_deliveries

pytestmark = pytest.mark.django_db


def url(name: str, endpoint) -> str:
    return reverse(name, kwargs={"endpoint_pk": endpoint.pk})


def endpoint_of(world, endpoint) -> WebhookEndpoint:
    with world.active():
        return WebhookEndpoint.objects.get(pk=endpoint.pk)


def rotate(world, endpoint) -> tuple[str, str]:
    """(old secret, new secret)."""
    old = endpoint.secret
    with world.active():
        endpoint_rotate_secret(tenant=world.tenant, endpoint=endpoint)
    return old, endpoint_of(world, endpoint).secret


def one_delivery(world, receiver):
    receiver.received.clear()
    lead_for(world)
    assert deliver_due(world.tenant) == ["delivered"]
    [request] = receiver.received
    return request


def test_after_a_rotation_deliveries_verify_with_either_secret_for_a_day(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    old, new = rotate(world, endpoint)
    assert old != new

    request = one_delivery(world, receiver)

    signatures = request.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(sig.startswith("v1,") for sig in signatures)
    assert request.signature_valid(new) and request.signature_valid(old)

    with time_machine.travel(timezone.now() + PREVIOUS_SECRET_KEPT + dt.timedelta(minutes=1)):
        request = one_delivery(world, receiver)

    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert request.signature_valid(new) and not request.signature_valid(old)


def test_a_delivery_before_any_rotation_carries_one_signature(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])

    request = one_delivery(world, receiver)

    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert request.signature_valid(endpoint.secret)


def test_rotating_twice_in_the_overlap_drops_the_oldest_secret(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    first, second = rotate(world, endpoint)
    _second, third = rotate(world, endpoint)

    request = one_delivery(world, receiver)

    assert request.signature_valid(third) and request.signature_valid(second)
    assert not request.signature_valid(first)


def test_the_admin_stops_the_old_secret_early_from_the_page(client, world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    sign_in(client, world.admin)

    response = client.post(url("webhooks-settings:endpoint-rotate", endpoint), follow=True)

    page = response.content.decode()
    assert "New signing secret made" in page and "24 hours" in page
    rotated = endpoint_of(world, endpoint)
    assert rotated.previous_secret == endpoint.secret
    assert "deliveries are signed with the old secret too" in page
    assert "Stop signing with the old secret" in page
    assert rotated.secret in page and endpoint.secret not in page  # the old one is not shown

    response = client.post(url("webhooks-settings:endpoint-stop-old-secret", endpoint), follow=True)

    page = response.content.decode()
    assert "signed with the new secret only" in page
    assert "Stop signing with the old secret" not in page
    stopped = endpoint_of(world, endpoint)
    assert (stopped.previous_secret, stopped.previous_secret_until) == ("", None)
    request = one_delivery(world, receiver)
    assert request.signature_valid(rotated.secret) and not request.signature_valid(endpoint.secret)


def test_the_page_without_a_rotation_offers_no_stop_button(client, world):
    endpoint = subscribe(world, "https://books.example.com/in")
    sign_in(client, world.admin)

    page = client.get(url("webhooks-settings:endpoint", endpoint)).content.decode()

    assert "Stop signing with the old secret" not in page
    assert "keeps signing deliveries beside the new one for 24 hours" in page


def test_stopping_with_no_overlap_changes_nothing(world):
    endpoint = subscribe(world, "https://books.example.com/in")
    with world.active():
        endpoint_stop_previous_secret(tenant=world.tenant, endpoint=endpoint)
    assert endpoint_of(world, endpoint).secret == endpoint.secret


def test_the_hourly_sweep_forgets_secrets_whose_overlap_ended(world, other_world):
    ours = subscribe(world, "https://books.example.com/in")
    theirs = subscribe(other_world, "https://theirs.example.com/in")
    rotate(world, ours)
    rotate(other_world, theirs)

    with world.active():
        assert endpoints_forget_previous_secrets(tenant=world.tenant) == 0
    assert endpoint_of(world, ours).previous_secret

    later = timezone.now() + PREVIOUS_SECRET_KEPT + dt.timedelta(minutes=1)
    with world.active():
        assert endpoints_forget_previous_secrets(tenant=world.tenant, now=later) == 1
    forgotten = endpoint_of(world, ours)
    assert (forgotten.previous_secret, forgotten.previous_secret_until) == ("", None)
    assert endpoint_of(other_world, theirs).previous_secret  # another tenant's is its own sweep's

    with time_machine.travel(later):
        sweep_inline(purge_old_deliveries, tenant_ids=[other_world.tenant.pk])
    assert endpoint_of(other_world, theirs).previous_secret == ""
