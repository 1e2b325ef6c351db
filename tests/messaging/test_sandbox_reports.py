"""The sandbox provider of `make dev` reports delivery, opens and now and then a bounce, as a real
provider's webhook would, through the webhooks' own path (route lookup, status update, bounce
marking the address bad); which report comes is decided by the address, the same every time."""

import datetime as dt

import pytest
from django.test import override_settings

from messaging import sandbox
from messaging.models import (
    ContactCommsProfile,
    MessageSource,
    MessageStatus,
    OutboundMessage,
    Provider,
    ProviderMessageRoute,
)
from messaging.services import outbox, outbox_send

pytestmark = pytest.mark.django_db

AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)


def _kinds(channel: str, address: str, every: int = 20) -> list[str]:
    return [
        r.kind
        for r in sandbox.sandbox_reports_for(
            channel=channel, to_address=address, bounce_every=every
        )
    ]


def test_the_address_decides_the_reports():
    assert _kinds("email", "ana+bounce@example.com") == ["bounced"]
    assert _kinds("email", "open.me@example.com", every=0) == ["delivered", "opened"]
    assert _kinds("sms", "+13055550000") == ["bounced"]
    # The same address always fares the same.
    for address in ("casey@example.com", "maria@example.com", "+13055551234"):
        assert _kinds("email", address) == _kinds("email", address)
    # Now and then a bounce: about one address in bounce_every; none with 0.
    addresses = [f"customer{n}@example.com" for n in range(400)]
    bounced = [a for a in addresses if _kinds("email", a) == ["bounced"]]
    assert 5 <= len(bounced) <= 40
    assert not [a for a in addresses if _kinds("email", a, every=0) == ["bounced"]]
    opened = [a for a in addresses if "opened" in _kinds("email", a, every=0)]
    assert 100 <= len(opened) <= 300  # about half the emails are opened
    delivered_sms = [n for n in range(200) if _kinds("sms", f"+1305555{n:04d}") == ["delivered"]]
    assert len(delivered_sms) >= 180
    whatsapp = _kinds("whatsapp", "+13055551234", every=0)
    assert whatsapp == ["delivered", "opened"]  # a WhatsApp message is read


@pytest.fixture
def reports_now(monkeypatch, django_capture_on_commit_callbacks):
    """The sandbox's reports run as soon as the send commits, in this process (no worker)."""
    from messaging import tasks

    ran = []

    def apply_async(*, kwargs, countdown):
        ran.append((kwargs["kind"], countdown))
        return tasks.sandbox_report(**kwargs)

    monkeypatch.setattr(tasks.sandbox_report, "apply_async", apply_async)
    return ran


def _send(world, channel: str, key: str) -> OutboundMessage:
    with world.active():
        message = outbox.message_schedule(
            tenant=world.tenant,
            channel=channel,
            idempotency_key=key,
            contact=world.contact,
            source=MessageSource.MANUAL,
            body_text="Hello",
            subject="Hello" if channel == "email" else "",
            now=AFTERNOON,
        )
        ids = outbox.outbox_claim_due(tenant=world.tenant, now=AFTERNOON)
        assert ids == [message.pk]
        return message


@override_settings(COMMS_SANDBOX_REPORTS=True, COMMS_SANDBOX_BOUNCE_EVERY=0)
def test_a_sandbox_email_is_delivered_then_opened_through_the_webhook_path(
    world, reports_now, django_capture_on_commit_callbacks
):
    with world.active():
        email = world.contact.emails.first()
        email.email = "open.casey@example.com"
        email.save()
    message = _send(world, "email", "sandbox:open")
    with django_capture_on_commit_callbacks(execute=True), world.active():
        assert outbox_send.message_send(
            tenant=world.tenant, message_id=message.pk, now=AFTERNOON
        ) == ("sent")
    assert reports_now == [("delivered", 2), ("opened", 8)]
    with world.active():
        message = OutboundMessage.objects.get(pk=message.pk)
        assert message.status == MessageStatus.OPENED
        assert message.delivered_at is not None and message.opened_at is not None
        route = ProviderMessageRoute.objects.get(provider_message_id=message.provider_message_id)
        assert route.provider == Provider.SANDBOX and route.message_id == message.pk
        decisions = [(d["decision"], d["reason"]) for d in message.decisions]
    assert ("delivered", "Delivered (Sandbox)") in decisions
    assert ("opened", "Opened") in decisions


@override_settings(COMMS_SANDBOX_REPORTS=True, COMMS_SANDBOX_BOUNCE_EVERY=0)
def test_a_sandbox_bounce_marks_the_message_bounced_and_the_address_bad(
    world, reports_now, django_capture_on_commit_callbacks
):
    with world.active():
        email = world.contact.emails.first()
        email.email = "casey+bounce@example.com"
        email.save()
    message = _send(world, "email", "sandbox:bounce")
    with django_capture_on_commit_callbacks(execute=True), world.active():
        outbox_send.message_send(tenant=world.tenant, message_id=message.pk, now=AFTERNOON)
    assert reports_now == [("bounced", 3)]
    with world.active():
        message = OutboundMessage.objects.get(pk=message.pk)
        assert message.status == MessageStatus.BOUNCED
        assert "Bounced (Sandbox): 550 5.1.1 mailbox unknown" in message.last_error
        profile = ContactCommsProfile.objects.get(contact=world.contact)
        assert profile.bounced_email == "casey+bounce@example.com"


@override_settings(COMMS_SANDBOX_REPORTS=True, COMMS_SANDBOX_BOUNCE_EVERY=0)
def test_a_sandbox_text_is_delivered_through_twilios_status_path(
    world, reports_now, django_capture_on_commit_callbacks
):
    message = _send(world, "sms", "sandbox:sms")
    with django_capture_on_commit_callbacks(execute=True), world.active():
        outbox_send.message_send(tenant=world.tenant, message_id=message.pk, now=AFTERNOON)
    with world.active():
        message = OutboundMessage.objects.get(pk=message.pk)
    expected = "bounced" if message.to_address.endswith("0000") else "delivered"
    assert [kind for kind, _ in reports_now] == [expected]
    if expected == "delivered":
        assert message.status == MessageStatus.DELIVERED


def test_without_the_setting_the_sandbox_stays_quiet(world, django_capture_on_commit_callbacks):
    message = _send(world, "sms", "sandbox:quiet")
    with django_capture_on_commit_callbacks(execute=False) as callbacks, world.active():
        outbox_send.message_send(tenant=world.tenant, message_id=message.pk, now=AFTERNOON)
    assert not [c for c in callbacks if "sandbox" in repr(c)]
    with world.active():
        assert OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.SENT


def _staff_copy_queued(world, key: str) -> OutboundMessage:
    with world.active():
        outbox.staff_messages_schedule(
            tenant=world.tenant,
            messages=[
                outbox.StaffMessage(
                    recipient=world.rep.user,
                    channel="email",
                    idempotency_key=key,
                    subject="3 follow-ups were missed today",
                    body_text="- Call Casey",
                )
            ],
            now=AFTERNOON,
        )
        message = OutboundMessage.objects.get(tenant=world.tenant, idempotency_key=key)
        assert outbox.outbox_claim_due(tenant=world.tenant, now=AFTERNOON) == [message.pk]
        return message


def test_a_staff_copy_is_sent_in_a_few_statements(world, django_assert_max_num_queries):
    """A burst of copies is a burst of sends: the lock, the quiet hours, the sandbox's record,
    the route, the update (and the two savepoints): the tenant is the task's, not read again."""
    message = _staff_copy_queued(world, "copy:budget")
    with world.active(), django_assert_max_num_queries(9):
        assert outbox_send.message_send(
            tenant=world.tenant, message_id=message.pk, now=AFTERNOON
        ) == ("sent")
    with world.active():
        sent = OutboundMessage.objects.get(pk=message.pk)
        route = ProviderMessageRoute.objects.get(provider_message_id=sent.provider_message_id)
    assert (sent.status, route.message_id, route.tenant_id) == (
        MessageStatus.SENT,
        message.pk,
        world.tenant.pk,
    )


def test_a_route_already_recorded_for_the_providers_id_stands(world, monkeypatch):
    """A send retried after its commit was lost may get the same id from the provider (an email's
    Message-ID header): the route written the first time is kept, and the send goes through."""

    class SameId:
        hex = "same"

    monkeypatch.setattr("messaging.services.providers.uuid.uuid4", SameId)
    message = _staff_copy_queued(world, "copy:retried")
    ProviderMessageRoute.objects.create(
        provider=Provider.SANDBOX,
        provider_message_id="sandbox-same",
        tenant_id=world.tenant.pk,
        message_id=message.pk,
    )
    with world.active():
        assert outbox_send.message_send(
            tenant=world.tenant, message_id=message.pk, now=AFTERNOON
        ) == ("sent")
        assert OutboundMessage.objects.get(pk=message.pk).provider_message_id == "sandbox-same"
    assert ProviderMessageRoute.objects.filter(provider_message_id="sandbox-same").count() == 1


def _copy_sent(world, key: str) -> OutboundMessage:
    message = _staff_copy_queued(world, key)
    with world.active():
        outbox_send.message_send(tenant=world.tenant, message_id=message.pk, now=AFTERNOON)
        return OutboundMessage.objects.get(pk=message.pk)


def test_a_delivery_report_is_recorded_in_a_few_statements(world, django_assert_max_num_queries):
    """A burst of sends is a burst of reports: the route with its tenant, the tenant's setting,
    the locked row and its update in a savepoint, and (in the test's own transaction only) the
    setting given back; the row is not read twice (8 before, and 9 here)."""
    from messaging.tasks import sandbox_report

    sent = _copy_sent(world, "copy:reported")
    for kind, status in ((sandbox.DELIVERED, "delivered"), (sandbox.OPENED, "opened")):
        with django_assert_max_num_queries(7):
            assert (
                sandbox_report(
                    channel="email",
                    provider_message_id=sent.provider_message_id,
                    to_address=sent.to_address,
                    kind=kind,
                )
                == "recorded"
            )
        with world.active():
            assert OutboundMessage.objects.get(pk=sent.pk).status == status


def test_an_email_report_on_a_texts_route_finds_no_message(world):
    """The route names a text: an ESP's event about that id is about no email of ours, and the
    text is left as it is."""
    from messaging.tasks import sandbox_report

    sent = _copy_sent(world, "copy:texted")
    with world.active():
        OutboundMessage.objects.filter(pk=sent.pk).update(channel="sms")
    outcome = sandbox_report(
        channel="email",
        provider_message_id=sent.provider_message_id,
        to_address=sent.to_address,
        kind=sandbox.DELIVERED,
    )
    assert outcome == "unknown"
    with world.active():
        assert OutboundMessage.objects.get(pk=sent.pk).status == MessageStatus.SENT
