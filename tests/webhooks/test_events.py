"""Each event an endpoint can subscribe to reaches a real HTTP server, signed (checked by the
server with its own HMAC) and with the documented payload; one event is one delivery, however
often it is published; another tenant's endpoints never hear of it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from crm.events import publish
from crm.tenancy.sweeps import fan_out, sweep_inline
from followups.services import followups as follow_up_services
from leads.events import LeadCreated
from leads.models import Lead, LostReason
from leads.services.payments import payment_record
from leads.services.stages import lead_mark_lost, lead_move_to_stage
from tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    lead_for,
    pipeline_for,
    stage_named,
)
from tests.leads.test_quotes import answer_path, sent
from tests.tickets.test_inbound_webhooks import open_desk
from tests.tickets.test_threading import MARIA_PHONE, receive_text
from tests.webhooks.conftest import deliver_due, deliveries_of, subscribe
from webhooks.models import DeliveryStatus, EventType
from webhooks.selectors.sweeps import deliveries_due_tenant_ids
from webhooks.services.deliveries import delivery_send
from webhooks.tasks import dispatch_due_webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(world):
    return lead_for(world, pipeline_for(world.tenant), owner=world.rep, title="Roof replacement")


def sent_of_type(receiver, event_type: str) -> list:
    return [item for item in receiver.received if item.payload["type"] == event_type]


def test_a_new_lead_is_posted_signed_with_its_documented_fields(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])

    lead = lead_for(world, owner=world.rep, title="Roof replacement")

    assert deliver_due(world.tenant) == ["delivered"]
    [request] = receiver.received
    assert request.path == "/hooks/threadline"
    assert request.signature_valid(endpoint.secret)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"].startswith("msg_")
    assert abs(int(request.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 30
    payload = request.payload
    assert payload["type"] == "lead.created"
    assert payload["timestamp"].endswith("Z")
    data = payload["data"]["lead"]
    assert data["id"] == lead.pk and data["reference"] == lead.reference
    assert data["title"] == "Roof replacement" and data["status"] == "open"
    assert data["contact_id"] == world.contact.pk
    assert data["owner_user_id"] == world.rep.user_id
    assert data["stage"]["name"] == lead.stage.name
    [delivery] = deliveries_of(world)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    assert delivery.last_duration_ms is not None
    assert delivery.webhook_id == request.headers["webhook-id"]


def test_a_tampered_body_fails_the_receivers_check(world, receiver):
    endpoint = subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    lead_for(world)
    deliver_due(world.tenant)
    [request] = receiver.received

    request.body = request.body.replace('"open"', '"won"')

    assert not request.signature_valid(endpoint.secret)


def test_stage_changes_wins_and_losses(world, receiver, lead):
    endpoint = subscribe(
        world,
        receiver.url,
        [EventType.LEAD_STAGE_CHANGED, EventType.LEAD_WON, EventType.LEAD_LOST],
    )
    pipeline = pipeline_for(world.tenant)
    other = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead_move_to_stage(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            stage=stage_named(pipeline, "Won"),
        )
        lead_mark_lost(
            tenant=world.tenant, actor=world.rep.user, lead=other, reason=LostReason.PRICE
        )

    assert set(deliver_due(world.tenant)) == {"delivered"}
    assert all(request.signature_valid(endpoint.secret) for request in receiver.received)
    # Created in its first stage counts as entering it: the lead made here says so too.
    [moved] = [
        request
        for request in sent_of_type(receiver, "lead.stage_changed")
        if request.payload["data"]["lead"]["id"] == lead.pk
    ]
    assert moved.payload["data"]["stage"]["name"] == "Won"
    assert moved.payload["data"]["previous_stage"]["id"] == lead.stage_id
    assert moved.payload["data"]["actor_user_id"] == world.rep.user_id
    [won] = sent_of_type(receiver, "lead.won")
    assert won.payload["data"]["lead"]["id"] == lead.pk
    assert won.payload["data"]["lead"]["status"] == "won"
    [lost] = sent_of_type(receiver, "lead.lost")
    assert lost.payload["data"]["lead"]["id"] == other.pk
    assert lost.payload["data"]["reason"] == "price"


def test_quote_answers_and_payments(world, receiver, lead):
    subscribe(
        world,
        receiver.url,
        [EventType.QUOTE_ACCEPTED, EventType.QUOTE_DECLINED, EventType.PAYMENT_RECORDED],
    )
    accepted = sent(world, lead)
    Client().post(answer_path(accepted, "accept"), {"full_name": "Dana Whitfield", "agree": "on"})
    other = lead_for(world, pipeline_for(world.tenant), owner=world.rep)
    declined = sent(world, other)
    Client().post(answer_path(declined, "decline"), {"reason": "price", "note": "Too steep"})
    with world.active():
        payment = payment_record(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=Lead.objects.get(pk=lead.pk),
            amount=Decimal("500.00"),
            method="check",
            received_on=dt.date(2026, 3, 2),
            reference="1042",
        )

    assert set(deliver_due(world.tenant)) == {"delivered"}
    [accept] = sent_of_type(receiver, "quote.accepted")
    assert accept.payload["data"]["quote"]["id"] == accepted.pk
    assert accept.payload["data"]["quote"]["status"] == "accepted"
    assert "Dana" not in accept.body  # what erasure clears never leaves in a webhook
    assert accept.payload["data"]["quote"]["total"] == "2400.00"
    [decline] = sent_of_type(receiver, "quote.declined")
    assert decline.payload["data"]["quote"]["id"] == declined.pk
    assert decline.payload["data"]["reason"] == "price"
    assert "Too steep" not in decline.body
    [paid] = sent_of_type(receiver, "payment.recorded")
    assert paid.payload["data"]["payment"] == {
        "id": payment.pk,
        "lead_id": lead.pk,
        "kind": "progress",
        "amount": "500.00",
        "currency": world.tenant.currency,
        "method": "check",
        "received_on": "2026-03-02",
        "recorded_by_user_id": world.rep.user_id,
        "recorded_at": paid.payload["data"]["payment"]["recorded_at"],
    }


def test_a_customers_text_and_a_completed_follow_up(world, receiver):
    subscribe(world, receiver.url, [EventType.MESSAGE_RECEIVED, EventType.FOLLOW_UP_COMPLETED])
    open_desk(world)
    with world.active():
        maria = ContactFactory(tenant=world.tenant, first_name="Maria")
        ContactEmailFactory(tenant=world.tenant, contact=maria)
        ContactPhoneFactory(tenant=world.tenant, contact=maria, number=MARIA_PHONE)
    message = receive_text(world, body="Any news on the roof?")
    with world.active():
        follow_up = follow_up_services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Call about the quote",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=timezone.now() + dt.timedelta(hours=1),
        )
        follow_up_services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=follow_up, outcome="successful"
        )

    assert set(deliver_due(world.tenant)) == {"delivered"}
    [received] = sent_of_type(receiver, "message.received")
    data = received.payload["data"]
    assert data["message_id"] == message.pk and data["ticket_id"] == message.ticket_id
    assert (data["contact_id"], data["channel"]) == (maria.pk, "sms")
    assert "Any news" not in received.body  # ids, not the customer's words
    [done] = sent_of_type(receiver, "follow_up.completed")
    assert done.payload["data"]["follow_up"]["id"] == follow_up.pk
    assert done.payload["data"]["follow_up"]["outcome"] == "successful"
    assert "Call about the quote" not in done.body


def test_only_the_events_subscribed_to_are_sent(world, receiver):
    subscribe(world, receiver.url, [EventType.LEAD_WON])

    lead_for(world)

    assert deliveries_of(world) == []
    assert deliver_due(world.tenant) == []


def test_replaying_an_event_does_not_deliver_it_twice(world, receiver):
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    lead = lead_for(world)

    with world.active():
        publish(LeadCreated(tenant=world.tenant, lead=lead, actor=None))
    assert deliver_due(world.tenant) == ["delivered"]
    with world.active():
        publish(LeadCreated(tenant=world.tenant, lead=lead, actor=None))
    assert deliver_due(world.tenant) == []

    assert len(receiver.received) == 1
    assert len(deliveries_of(world)) == 1


def test_a_delivery_already_sent_is_not_sent_again_by_a_second_worker(world, receiver):
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    lead_for(world)
    [delivery] = deliveries_of(world)
    assert deliver_due(world.tenant) == ["delivered"]
    with world.active():
        assert delivery_send(tenant=world.tenant, delivery_id=delivery.pk) == "skipped"
    assert len(receiver.received) == 1


def test_one_tenants_events_never_reach_another_tenants_endpoint(world, other_world, receiver):
    subscribe(other_world, receiver.url, [EventType.LEAD_CREATED])

    lead_for(world)

    assert deliveries_of(world) == [] and deliveries_of(other_world) == []
    assert deliver_due(world.tenant) == [] and deliver_due(other_world.tenant) == []
    assert receiver.received == []


def test_the_sweep_visits_only_tenants_with_due_deliveries(world, other_world, receiver):
    assert fan_out(dispatch_due_webhooks.sweep) == 0  # nothing due anywhere: no task
    subscribe(world, receiver.url, [EventType.LEAD_CREATED])
    lead_for(world)

    assert deliveries_due_tenant_ids(timezone.now()) == [world.tenant.pk]
    assert sweep_inline(dispatch_due_webhooks) == 1
    [delivery] = deliveries_of(world)
    assert delivery.status == DeliveryStatus.QUEUED
