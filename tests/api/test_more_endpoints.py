"""Follow-ups, tickets, documents and money through the API: the pages' services and links."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followups.models import FollowUp
from followups.services.followups import follow_up_create
from messaging.models import OutboundMessage
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values
from tests.security.test_url_isolation import _document, _inbox, _quote, _ticket
from tickets.services.threading import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _post(client, path, body, key):
    return client.post(path, body, content_type="application/json", **bearer(key))


def test_follow_up_created_then_completed(client, world):
    key = key_for(world)
    when = (timezone.now() + dt.timedelta(days=2)).isoformat()
    created = _post(
        client,
        "/api/v1/follow-ups/",
        {
            "subject": "Measure the roof",
            "contact_id": world.contact.pk,
            "assignee_id": world.rep.pk,
            "scheduled_at": when,
        },
        key,
    )
    assert created.status_code == 201, created.json()
    follow_up_id = created.json()["id"]
    listed = client.get(f"/api/v1/follow-ups/?assignee={world.rep.pk}", **bearer(key)).json()
    assert [row["id"] for row in listed["results"]] == [follow_up_id]
    done = _post(
        client, f"/api/v1/follow-ups/{follow_up_id}/complete", {"outcome": "successful"}, key
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    with world.active():
        assert FollowUp.objects.get(pk=follow_up_id).completed_at is not None
    naive = _post(
        client,
        "/api/v1/follow-ups/",
        {
            "subject": "x",
            "contact_id": world.contact.pk,
            "assignee_id": world.rep.pk,
            "scheduled_at": "2030-01-01T09:00:00",
        },
        key,
    )
    assert naive.status_code == 422 and "scheduled_at" in naive.json()["errors"]


def test_a_ticket_reply_goes_through_the_outbox(client, world):
    key = key_for(world)
    ticket = _ticket(world)
    listed = client.get("/api/v1/tickets/?status=all", **bearer(key)).json()
    assert [row["id"] for row in listed["results"]] == [ticket.pk]
    response = _post(
        client, f"/api/v1/tickets/{ticket.pk}/replies", {"channel": "email", "body": "On it"}, key
    )
    assert response.status_code == 201, response.json()
    assert response.json()["direction"] == "out"
    with world.active():
        assert OutboundMessage.objects.filter(body_text__contains="On it").exists()
    messages = client.get(f"/api/v1/tickets/{ticket.pk}/messages", **bearer(key)).json()
    assert response.json()["id"] in {message["id"] for message in messages}


def test_a_document_link_opens_only_with_the_key_it_was_made_for(client, world):
    key, other_key = key_for(world), key_for(world)
    document = _document(world)
    detail = client.get(f"/api/v1/documents/{document.pk}", **bearer(key)).json()
    assert detail["original_name"] == document.original_name
    path = detail["download_url"].removeprefix("http://testserver")
    download = client.get(path, **bearer(key))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    assert client.get(path, **bearer(other_key)).status_code == 403
    assert client.get(path).status_code == 401
    listed = client.get(f"/api/v1/documents/?contact={world.contact.pk}", **bearer(key)).json()
    assert [row["id"] for row in listed["results"]] == [document.pk]


def test_money_shows_quotes_and_refuses_a_payment_on_an_open_lead(client, world):
    key = key_for(world)
    quote = _quote(world)
    money = client.get(f"/api/v1/leads/{quote.lead_id}/money", **bearer(key)).json()
    assert [q["id"] for q in money["quotes"]] == [quote.pk]
    assert money["amount_due"] is None and money["payments"] == []
    detail = client.get(f"/api/v1/leads/{quote.lead_id}/quotes/{quote.pk}", **bearer(key)).json()
    assert detail["lines"][0]["description"] == "Roof repair"
    refused = _post(
        client,
        f"/api/v1/leads/{quote.lead_id}/payments",
        {"amount": "100.00", "method": "card"},
        key,
    )
    assert refused.status_code == 422
    assert "won lead" in refused.json()["errors"]["__all__"][0]


def _queries(client, path, key) -> int:
    client.get(path, **bearer(key))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, **bearer(key)).status_code == 200
    return len(captured)


def test_follow_up_and_ticket_pages_cost_the_same_whatever_their_length(client, world):
    key = key_for(world)
    paths = ("/api/v1/follow-ups/?status=all&limit=20", "/api/v1/tickets/?status=all&limit=20")

    def add(count):
        with world.active():
            for number in range(count):
                follow_up_create(
                    tenant=world.tenant,
                    actor=None,
                    subject=f"Call {number}",
                    contact=world.contact,
                    assignee=world.rep,
                    scheduled_at=timezone.now() + dt.timedelta(days=1),
                )
                ticket_open(
                    tenant=world.tenant,
                    contact=world.contact,
                    inbox=_inbox(world),
                    subject=f"Leak {number}",
                )

    add(1)
    few = [_queries(client, path, key) for path in paths]
    add(12)
    assert [_queries(client, path, key) for path in paths] == few
