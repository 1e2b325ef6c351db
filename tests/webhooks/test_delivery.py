"""Retries with backoff, failures recorded with the receiver's answer, redirects not followed,
timeouts, the automatic disabling of an endpoint that keeps failing (with the admins' email),
and the SSRF rules: an endpoint reaches only public addresses in production."""

import datetime as dt
import socket

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from crm.models import Notification, Role
from messaging.models import OutboundMessage
from messaging.services import outbox, outbox_send
from tests import factories
from tests.factories import lead_for
from tests.webhooks.conftest import deliver_due, deliveries_of, subscribe
from tests.webhooks.receiver import Answer
from webhooks import targets
from webhooks.models import DeliveryStatus, EventType, WebhookEndpoint
from webhooks.services.deliveries import (
    LOG_KEPT,
    MAX_ATTEMPTS,
    QUEUED_LEASE,
    RETRY_DELAYS,
    deliveries_claim_due,
    deliveries_purge_old,
    endpoint_disable_failing,
)
from webhooks.services.endpoints import endpoint_enable

pytestmark = pytest.mark.django_db


def endpoint_now(world, endpoint) -> WebhookEndpoint:
    with world.active():
        return WebhookEndpoint.objects.get(pk=endpoint.pk)


def test_a_failure_is_retried_with_growing_delays_and_then_delivered(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    receiver.answers = [Answer(503, "down"), Answer(500, "x" * 2000)]
    lead_for(world)
    start = timezone.now()

    assert deliver_due(world.tenant, now=start) == ["retry"]
    [delivery] = deliveries_of(world)
    assert delivery.status == DeliveryStatus.SCHEDULED
    assert delivery.send_after == start + dt.timedelta(seconds=5)
    assert (delivery.last_status_code, delivery.last_error) == (503, "HTTP 503: down")
    assert deliver_due(world.tenant, now=start + dt.timedelta(seconds=4)) == []  # not yet due

    second = start + dt.timedelta(seconds=5)
    assert deliver_due(world.tenant, now=second) == ["retry"]
    [delivery] = deliveries_of(world)
    assert delivery.send_after == second + dt.timedelta(minutes=5)
    assert delivery.last_status_code == 500
    assert len(delivery.last_error) == 500  # the answer's body, cut short
    assert endpoint_now(world, endpoint).consecutive_failures == 2

    assert deliver_due(world.tenant, now=second + dt.timedelta(minutes=5)) == ["delivered"]
    [delivery] = deliveries_of(world)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    assert [entry.get("status_code") for entry in delivery.attempt_log] == [503, 500, 200]
    # The receiver saw the same message three times: one webhook-id, so it can drop repeats.
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 1
    assert len(receiver.received) == 3
    endpoint = endpoint_now(world, endpoint)
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert endpoint.last_success_at is not None


def test_a_redirect_is_a_failure_and_not_followed(world, receiver):
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    receiver.answers = [Answer(302, "", headers={"Location": receiver.url + "/elsewhere"})]
    lead_for(world)

    assert deliver_due(world.tenant) == ["retry"]

    assert len(receiver.received) == 1
    [delivery] = deliveries_of(world)
    assert delivery.last_status_code == 302
    assert "not followed" in delivery.last_error and "/elsewhere" in delivery.last_error


@override_settings(WEBHOOKS_TIMEOUT_SECONDS=1)
def test_a_receiver_slower_than_the_timeout_is_a_failure(world, receiver):
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    receiver.answers = [Answer(200, "ok", delay=1.6)]
    lead_for(world)

    assert deliver_due(world.tenant) == ["retry"]

    [delivery] = deliveries_of(world)
    assert delivery.last_status_code is None
    assert delivery.last_error == "Timed out"


def test_a_receiver_that_is_not_listening_is_a_failure(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    receiver.stop()
    lead_for(world)

    assert deliver_due(world.tenant) == ["retry"]

    [delivery] = deliveries_of(world)
    assert "ConnectionRefused" in delivery.last_error
    assert endpoint_now(world, endpoint).consecutive_failures == 1


@override_settings(COMMS_SANDBOX=False)
def test_an_endpoint_failing_a_whole_retry_chain_is_disabled_and_the_admins_emailed(
    world, receiver, mailoutbox
):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    receiver.default = Answer(500, "Internal Server Error")
    lead_for(world)
    now = timezone.now()
    outcomes = []
    for delay in (*RETRY_DELAYS, None):
        outcomes += deliver_due(world.tenant, now=now)
        if delay is not None:
            now += delay

    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert len(receiver.received) == MAX_ATTEMPTS
    [delivery] = deliveries_of(world)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    endpoint = endpoint_now(world, endpoint)
    assert not endpoint.is_enabled and endpoint.disabled_at == now
    assert "Disabled automatically" in endpoint.disabled_reason
    with world.active():
        assert Notification.objects.filter(
            recipient=world.admin.user, title__contains="Webhook disabled"
        ).exists()
        assert not Notification.objects.filter(
            recipient=world.rep.user, title__contains="Webhook disabled"
        ).exists()
        assert OutboundMessage.objects.filter(recipient_user=world.admin.user).count() == 1
        for message_id in outbox.outbox_claim_due(tenant=world.tenant, now=now):
            outbox_send.message_send(tenant=world.tenant, message_id=message_id, now=now)
    [email] = mailoutbox
    assert email.to == [world.admin.user.email]
    assert "Webhook disabled" in email.subject and receiver.url in email.subject
    assert f"/settings/webhooks/{endpoint.pk}/" in email.body

    # Disabled: new events are not scheduled for it, and nothing more is sent.
    lead_for(world)
    assert len(deliveries_of(world)) == 1
    # Enabled again, it starts afresh.
    with world.active():
        endpoint_enable(tenant=world.tenant, endpoint=endpoint)
    receiver.default = Answer(204, "")
    lead_for(world)
    assert deliver_due(world.tenant) == ["delivered"]
    assert endpoint_now(world, endpoint).consecutive_failures == 0


def test_failures_of_separate_events_do_not_disable_an_endpoint_that_also_succeeds(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    receiver.default = Answer(500, "flaky")
    lead_for(world)
    now = timezone.now()
    for delay in RETRY_DELAYS[:-1]:
        deliver_due(world.tenant, now=now)
        now += delay
    receiver.answers = [Answer(200, "ok")]  # one success in between, for a new event
    lead_for(world)
    assert deliver_due(world.tenant) == ["delivered"]  # the old one is not due yet
    assert deliver_due(world.tenant, now=now) == ["retry"]
    now += RETRY_DELAYS[-1]

    assert deliver_due(world.tenant, now=now) == ["failed"]

    assert endpoint_now(world, endpoint).is_enabled


def test_a_claimed_delivery_whose_task_was_lost_is_claimed_again_after_the_lease(world, receiver):
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    lead_for(world)
    now = timezone.now()
    with world.active():
        assert len(deliveries_claim_due(tenant=world.tenant, now=now)) == 1  # its task never ran
        assert deliveries_claim_due(tenant=world.tenant, now=now + QUEUED_LEASE / 2) == []

    assert deliver_due(world.tenant, now=now + QUEUED_LEASE) == ["delivered"]
    assert len(receiver.received) == 1


def test_finished_deliveries_leave_the_log_after_a_month(world, receiver):
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    lead_for(world)
    deliver_due(world.tenant)
    receiver.default = Answer(500, "down")
    lead_for(world)
    deliver_due(world.tenant)  # failed once, waiting to be retried

    with world.active():
        assert deliveries_purge_old(tenant=world.tenant, now=timezone.now() + LOG_KEPT / 2) == 0
        assert deliveries_purge_old(tenant=world.tenant, now=timezone.now() + LOG_KEPT) == 1

    [waiting] = deliveries_of(world)
    assert waiting.status == DeliveryStatus.SCHEDULED


# --- Where an endpoint may point ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",
        "ftp://hooks.example.com/in",
        "https://user:secret@hooks.example.com/in",
        "https://localhost/in",
        "https://127.0.0.1/in",
        "https://10.1.2.3/in",
        "https://192.168.1.10/in",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/in",
        "https://[::ffff:10.0.0.1]/in",
        "https://100.64.0.1/in",
        # IPv6 forms of internal IPv4 addresses, and site-local (issue 56)
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "https://[64:ff9b:1::a00:1]/in",
        "https://[2002:7f00:1::1]/in",
        "https://[2002:a9fe:a9fe::]/in",
        "https://[::127.0.0.1]/in",
        "https://[::ffff:0:a00:1]/in",
        "https://[fec0::1]/in",
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/in",
        # spellings of 127.0.0.1 the resolver reads without DNS
        "https://2130706433/in",
        "https://0x7f.1/in",
        "https://127.1/in",
        "http://127.0.0.1:8000/in",
        "not a url",
    ],
)
@override_settings(WEBHOOKS_ALLOW_LOCAL_TARGETS=False)
def test_production_refuses_urls_that_are_not_public_https(url):
    with pytest.raises(ValidationError):
        targets.url_check(url)


@override_settings(WEBHOOKS_ALLOW_LOCAL_TARGETS=False)
def test_production_accepts_a_public_https_url():
    assert targets.url_check(" https://hooks.example.com:8443/in?x=1 ") == (
        "https://hooks.example.com:8443/in?x=1"
    )


def test_development_allows_plain_http_to_this_machine_only():
    assert targets.url_check("http://127.0.0.1:8000/in")
    assert targets.url_check("http://localhost:8000/in")
    with pytest.raises(ValidationError):
        targets.url_check("http://hooks.example.com/in")
    with pytest.raises(ValidationError):
        targets.url_check("http://10.0.0.5/in")


def _answers(address: str):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo


@override_settings(WEBHOOKS_ALLOW_LOCAL_TARGETS=False)
@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.7",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "64:ff9b::a9fe:a9fe",
        "2002:a00:7::1",
        "::ffff:0:7f00:1",
        "::a00:7",
        "fec0::1",
    ],
)
def test_a_host_that_resolves_to_a_private_address_is_not_called(
    world, receiver, monkeypatch, address
):
    subscribe(world, "https://hooks.example.com/in", [EventType.LEAD_CREATED])
    monkeypatch.setattr(targets.socket, "getaddrinfo", _answers(address))
    lead_for(world)

    assert deliver_due(world.tenant) == ["retry"]

    [delivery] = deliveries_of(world)
    assert "not a public address" in delivery.last_error
    assert delivery.last_status_code is None


def test_an_endpoint_saved_in_development_is_not_called_on_this_machine_in_production(
    world, receiver
):
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    lead_for(world)

    with override_settings(WEBHOOKS_ALLOW_LOCAL_TARGETS=False):
        assert deliver_due(world.tenant) == ["retry"]

    assert receiver.received == []
    [delivery] = deliveries_of(world)
    assert "https://" in delivery.last_error


def test_a_dutch_admin_is_told_in_dutch_and_an_english_one_in_english(world, receiver):
    """The disabling is written once (by the worker, in no one's language): the endpoint page,
    the bell and each admin's email read in that admin's language."""
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    dutch = world.admin.user
    dutch.language = "nl"
    dutch.save(update_fields=["language"])
    english = factories.MembershipFactory(tenant=world.tenant, role=Role.ADMIN).user
    english.language = "en"
    english.save(update_fields=["language"])
    with world.active():
        endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
        endpoint.consecutive_failures = MAX_ATTEMPTS
        endpoint_disable_failing(tenant=world.tenant, endpoint=endpoint)
        emails = {
            message.recipient_user_id: message
            for message in OutboundMessage.objects.filter(recipient_user__isnull=False)
        }
        bell = Notification.objects.get(recipient=dutch)
    assert emails[dutch.pk].subject == f"Webhook uitgeschakeld: {receiver.url}"
    assert emails[dutch.pk].body_text.startswith("Automatisch uitgeschakeld: ")
    assert emails[english.pk].subject == f"Webhook disabled: {receiver.url}"
    assert emails[english.pk].body_text.startswith("Disabled automatically: ")
    endpoint = endpoint_now(world, endpoint)
    assert endpoint.disabled_reason.startswith("Disabled automatically: ")
    with translation.override("nl"):
        assert endpoint.shown_disabled_reason.startswith("Automatisch uitgeschakeld: ")
        assert bell.shown_body.startswith("Automatisch uitgeschakeld: ")
