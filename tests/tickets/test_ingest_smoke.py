"""A first end-to-end pass: an SMS and an email from one customer land in one ticket."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from tickets.models import InboundEvent, Ticket, TicketMessage
from tickets.services import configuration, ingest

pytestmark = pytest.mark.django_db(transaction=False)
SITE = "https://crm.example"
TOKEN = "demo-twilio-auth-token"


# A Tuesday, 15:00 in Miami: the rep is at work.
@time_machine.travel(dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC), tick=False)
@override_settings(THREADLINE_SITE_URL=SITE)
def test_sms_and_email_join_one_ticket(world, client, django_capture_on_commit_callbacks):
    with world.active():
        inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Support")
        configuration.inbox_address_save(
            tenant=world.tenant,
            inbox=inbox,
            channel="sms",
            address="(305) 555-0100",
            twilio_account_sid="AC123",
            twilio_auth_token=TOKEN,
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="email", address="Hello@FirstRoofing.test"
        )
        configuration.inbox_agent_set(tenant=world.tenant, inbox=inbox, membership=world.rep)
        phone = str(world.contact.phones.first().number)
        email = world.contact.emails.first().email
    path = reverse("tickets-public:twilio-inbound")
    data = {"MessageSid": "SM1", "From": phone, "To": "+13055550100", "Body": "Roof is leaking!"}
    signature = RequestValidator(TOKEN).compute_signature(SITE + path, data)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    bad = client.post(path, data, HTTP_X_TWILIO_SIGNATURE="nope")
    assert bad.status_code == 403
    raw = (
        f"From: Jane <{email}>\r\nTo: hello@firstroofing.test\r\nSubject: Photos\r\n"
        "Message-ID: <abc@example.com>\r\n\r\nHere are the photos.\r\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        ingest.email_inbound_store(provider="postmark", raw=raw)
    with world.active():
        for event in InboundEvent.objects.order_by("pk"):
            ingest.inbound_event_process(tenant=world.tenant, event_id=event.pk)
        events = list(InboundEvent.objects.order_by("pk"))
        assert [e.status for e in events] == ["processed", "processed"], [
            e.last_error for e in events
        ]
        ticket = Ticket.objects.get()
        assert ticket.contact == world.contact
        assert sorted(TicketMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]
        assert ticket.priority == "high"  # "leaking" / negative tone
        assert ticket.assignee == world.rep
        assert ticket.sla_due_at is not None
