"""The writes the pages do, through the API: quotes (draft, send), a lead lost and reopened, a
ticket assigned and its status changed, a contact's new addresses, a document uploaded. Each
through the pages' services; each refused to a read-only key, and to another tenant's key."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import ContactEmail
from documents.models import Document
from leads.models import Quote
from messaging.models import MessageSource, OutboundMessage
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values
from tests.documents import samples
from tests.factories import lead_for
from tests.security.test_url_isolation import _document, _quote, _ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _post(client, path, body, key, idempotency_key=None):
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    return client.post(path, body, content_type="application/json", headers=headers, **bearer(key))


def _upload(client, key, idempotency_key=None, content=None, name="ridge.jpg", **fields):
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    data = {"kind": "photo", **fields}
    data["file"] = SimpleUploadedFile(name, content or samples.jpeg(), "image/jpeg")
    return client.post("/api/v1/documents/", data, headers=headers, **bearer(key))


def _lead(world):
    if not hasattr(world, "lead"):
        world.lead = lead_for(world, owner=world.rep)
    return world.lead


QUOTE = {
    "title": "Roof replacement",
    "lines": [
        {"description": "Tear-off", "quantity": "2", "unit_price": "450.00"},
        {"description": "Shingles", "unit_price": "1200.50"},
    ],
}


# --- Quotes --------------------------------------------------------------------------------------


def test_a_quote_is_drafted_then_sent_once_through_the_outbox(client, world):
    key = key_for(world)
    lead = _lead(world)
    drafted = _post(client, f"/api/v1/leads/{lead.pk}/quotes", QUOTE, key)
    assert drafted.status_code == 201, drafted.json()
    quote = drafted.json()
    assert quote["status"] == "draft" and quote["total"] == "2100.50"
    assert [line["description"] for line in quote["lines"]] == ["Tear-off", "Shingles"]
    with world.active():
        expected = timezone.localdate(timezone=world.tenant.zone) + dt.timedelta(days=30)
    assert quote["valid_until"] == expected.isoformat()

    path = f"/api/v1/leads/{lead.pk}/quotes/{quote['id']}/send"
    sent = _post(client, path, {}, key, idempotency_key="send-1")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "sent" and sent.json()["sent_at"]
    again = _post(client, path, {}, key, idempotency_key="send-1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == sent.json()
    with world.active():
        emails = OutboundMessage.objects.filter(lead=lead, source=MessageSource.QUOTE)
        assert emails.count() == 1


def test_a_quote_draft_is_replayed_with_its_key(client, world):
    key = key_for(world)
    lead = _lead(world)
    path = f"/api/v1/leads/{lead.pk}/quotes"
    first = _post(client, path, QUOTE, key, idempotency_key="quote-1")
    again = _post(client, path, QUOTE, key, idempotency_key="quote-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    with world.active():
        assert Quote.objects.filter(lead=lead).count() == 1


def test_a_quote_refused_says_which_field(client, world):
    key = key_for(world)
    path = f"/api/v1/leads/{_lead(world).pk}/quotes"
    no_lines = _post(client, path, {"lines": []}, key)
    assert no_lines.status_code == 422 and "lines" in no_lines.json()["errors"]
    blank = _post(client, path, {"lines": [{"description": "", "unit_price": "1"}]}, key)
    assert "lines.0.description" in blank.json()["errors"]
    past = _post(client, path, {**QUOTE, "valid_until": "2020-01-01"}, key)
    assert past.status_code == 422
    assert past.json()["errors"] == {
        "valid_until": ["The quote must be valid at least until today."]
    }
    huge = {"description": "All of it", "quantity": "99999999", "unit_price": "9999999999"}
    too_large = _post(client, path, {"lines": [huge]}, key)
    assert too_large.status_code == 422 and "__all__" in too_large.json()["errors"]
    with world.active():
        assert not Quote.objects.filter(lead=world.lead).exists()


def test_a_quote_that_cannot_go_says_why(client, world):
    key = key_for(world)
    quote = _quote(world)
    path = f"/api/v1/leads/{quote.lead_id}/quotes/{quote.pk}/send"
    assert _post(client, path, {}, key).status_code == 200
    with world.active():
        Quote.objects.filter(pk=quote.pk).update(status="accepted")
    refused = _post(client, path, {}, key)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"__all__": ["This quote is accepted."]}


# --- Leads lost and reopened ---------------------------------------------------------------------


def test_a_lead_is_marked_lost_and_reopened(client, world):
    key = key_for(world)
    lead = _lead(world)
    stage_before = lead.stage_id
    lost = _post(
        client,
        f"/api/v1/leads/{lead.pk}/lost",
        {"reason": "price", "note": "Too dear"},
        key,
        idempotency_key="lost-1",
    )
    assert lost.status_code == 200, lost.json()
    assert lost.json()["status"] == "lost" and lost.json()["closed_at"]
    replayed = _post(
        client,
        f"/api/v1/leads/{lead.pk}/lost",
        {"reason": "price", "note": "Too dear"},
        key,
        idempotency_key="lost-1",
    )
    assert replayed["Idempotent-Replayed"] == "true"
    with world.active():
        lead.refresh_from_db()
    assert (lead.lost_reason, lead.lost_note) == ("price", "Too dear")

    reopened = _post(client, f"/api/v1/leads/{lead.pk}/reopen", {}, key)
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open" and reopened.json()["closed_at"] is None
    assert reopened.json()["stage"]["id"] == stage_before


def test_lost_without_a_reason_says_which_field(client, world):
    key = key_for(world)
    path = f"/api/v1/leads/{_lead(world).pk}/lost"
    other = _post(client, path, {"reason": "other"}, key)
    assert other.status_code == 422
    assert other.json() == {
        "detail": "Some fields are not valid.",
        "errors": {"note": ["Say in a few words why."]},
    }
    unknown = _post(client, path, {"reason": "bored"}, key)
    assert unknown.status_code == 422 and "reason" in unknown.json()["errors"]


# --- Tickets -------------------------------------------------------------------------------------


def test_a_ticket_is_assigned_unassigned_and_resolved(client, world):
    key = key_for(world)
    ticket = _ticket(world)
    base = f"/api/v1/tickets/{ticket.pk}"
    assigned = _post(client, f"{base}/assignee", {"assignee_id": world.rep.pk}, key)
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["assignee_id"] == world.rep.pk
    unassigned = _post(client, f"{base}/assignee", {"assignee_id": None}, key)
    assert unassigned.json()["assignee_id"] is None

    resolved = _post(client, f"{base}/status", {"status": "resolved"}, key, "status-1")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    again = _post(client, f"{base}/status", {"status": "resolved"}, key, "status-1")
    assert again["Idempotent-Replayed"] == "true"
    closed = _post(client, f"{base}/status", {"status": "closed"}, key)
    assert closed.json()["status"] == "closed"


def test_a_ticket_change_refused_says_which_field(client, world, other_world):
    key = key_for(world)
    base = f"/api/v1/tickets/{_ticket(world).pk}"
    stranger = _post(client, f"{base}/assignee", {"assignee_id": other_world.rep.pk}, key)
    assert stranger.status_code == 422
    assert stranger.json()["errors"] == {"assignee_id": ["Not found."]}
    with world.active():
        world.manager.is_active = False
        world.manager.save(update_fields=["is_active"])
    gone = _post(client, f"{base}/assignee", {"assignee_id": world.manager.pk}, key)
    assert gone.status_code == 422
    assert gone.json()["errors"] == {
        "__all__": ["Tickets can only go to active members of this team."]
    }
    status = _post(client, f"{base}/status", {"status": "pending"}, key)
    assert status.status_code == 422 and "status" in status.json()["errors"]


# --- Contacts' addresses -------------------------------------------------------------------------


def test_addresses_added_arrive_unverified(client, world):
    key = key_for(world)
    path = f"/api/v1/contacts/{world.contact.pk}/addresses"
    body = {"emails": ["New.Address@example.com"], "phones": ["+13055550177"]}
    added = _post(client, path, body, key, idempotency_key="addr-1")
    assert added.status_code == 200, added.json()
    emails = {row["email"]: row for row in added.json()["emails"]}
    assert emails["new.address@example.com"]["is_verified"] is False
    phones = {row["number"]: row for row in added.json()["phones"]}
    assert phones["+13055550177"]["is_verified"] is False
    assert _post(client, path, body, key, idempotency_key="addr-1")["Idempotent-Replayed"]
    assert _post(client, path, {"emails": ["NEW.address@example.com"]}, key).status_code == 200
    with world.active():
        assert (
            ContactEmail.objects.filter(
                contact=world.contact, email__iexact="new.address@example.com"
            ).count()
            == 1
        )


def test_addresses_refused_say_which_field(client, world):
    key = key_for(world)
    path = f"/api/v1/contacts/{world.contact.pk}/addresses"
    bad_email = _post(client, path, {"emails": ["not-an-email"]}, key)
    assert bad_email.status_code == 422 and "emails" in bad_email.json()["errors"]
    long_email = f"{'a' * 60}@{'b' * 60}.{'c' * 60}.{'d' * 60}.example.com"  # valid, 255 characters
    too_long = _post(client, path, {"emails": [long_email]}, key)
    assert too_long.status_code == 422 and "emails" in too_long.json()["errors"]
    bad_phone = _post(client, path, {"phones": ["12"]}, key)
    assert bad_phone.json()["errors"] == {"phones": ["Not a valid phone number: 12"]}


def test_an_address_is_made_primary_then_removed(client, world):
    key = key_for(world)
    base = f"/api/v1/contacts/{world.contact.pk}/addresses"
    added = _post(client, base, {"emails": ["second@example.com"]}, key).json()
    second = next(row for row in added["emails"] if row["email"] == "second@example.com")
    first = next(row for row in added["emails"] if row["email"] != "second@example.com")
    assert first["is_primary"] and not second["is_primary"]

    primary = _post(client, f"{base}/email/{second['id']}/primary", {}, key, "primary-1")
    assert primary.status_code == 200, primary.json()
    assert [(row["id"], row["is_primary"]) for row in primary.json()["emails"]] == [
        (second["id"], True),
        (first["id"], False),
    ]
    assert _post(client, f"{base}/email/{second['id']}/primary", {}, key, "primary-1")[
        "Idempotent-Replayed"
    ]
    removed = client.delete(f"{base}/email/{second['id']}", **bearer(key))
    assert removed.status_code == 200, removed.json()
    assert [(row["id"], row["is_primary"]) for row in removed.json()["emails"]] == [
        (first["id"], True)
    ]
    assert client.delete(f"{base}/email/{second['id']}", **bearer(key)).status_code == 404
    phone_id = removed.json()["phones"][0]["id"]
    assert client.delete(f"{base}/phone/999999", **bearer(key)).status_code == 404
    assert client.delete(f"{base}/fax/{phone_id}", **bearer(key)).status_code == 422
    assert client.delete(f"{base}/phone/{phone_id}", **bearer(key)).json()["phones"] == []


# --- Documents -----------------------------------------------------------------------------------


def test_a_document_is_uploaded_to_a_lead_and_to_a_contact(client, world):
    key = key_for(world)
    lead = _lead(world)
    on_lead = _upload(client, key, idempotency_key="doc-1", lead_id=lead.pk)
    assert on_lead.status_code == 201, on_lead.json()
    document = on_lead.json()
    assert document["lead_id"] == lead.pk and document["contact_id"] == world.contact.pk
    assert document["content_type"] == "image/jpeg" and document["original_name"] == "ridge.jpg"
    again = _upload(client, key, idempotency_key="doc-1", lead_id=lead.pk)
    assert again["Idempotent-Replayed"] == "true" and again.json() == document
    on_contact = _upload(
        client, key, contact_id=world.contact.pk, kind="insurance", visible_to_customer="true"
    )
    assert on_contact.status_code == 201
    assert on_contact.json()["lead_id"] is None and on_contact.json()["visible_to_customer"]
    assert on_contact.json()["property_id"] is None
    at_home = _upload(client, key, contact_id=world.contact.pk, property_id=world.property.pk)
    assert at_home.status_code == 201 and at_home.json()["property_id"] == world.property.pk
    detail = client.get(f"/api/v1/documents/{document['id']}", **bearer(key)).json()
    assert detail["download_url"]
    with world.active():
        assert Document.objects.filter(lead=lead).count() == 1
        assert Document.objects.get(pk=document["id"]).uploaded_by == world.admin


def test_a_document_refused_says_which_field(client, world, settings):
    key = key_for(world)
    contact_id = world.contact.pk
    fake = _upload(client, key, content=b"MZ\x90\x00 not a photo", contact_id=contact_id)
    assert fake.status_code == 422 and list(fake.json()["errors"]) == ["file"]
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 100
    too_big = _upload(client, key, contact_id=contact_id)
    assert too_big.status_code == 422 and list(too_big.json()["errors"]) == ["file"]
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    nowhere = _upload(client, key)
    assert nowhere.json()["errors"] == {"contact_id": ["Give a contact or a lead."]}
    kind = _upload(client, key, contact_id=contact_id, kind="selfie")
    assert kind.status_code == 422 and "kind" in kind.json()["errors"]
    no_file = client.post(
        "/api/v1/documents/", {"kind": "photo", "contact_id": contact_id}, **bearer(key)
    )
    assert no_file.status_code == 422 and "file" in no_file.json()["errors"]
    with world.active():
        assert not Document.objects.exists()


# --- Read-only keys and other tenants ------------------------------------------------------------


def _writes(world) -> list[tuple[str, dict]]:
    lead, quote, ticket = _lead(world), _quote(world), _ticket(world)
    return [
        (f"/api/v1/leads/{lead.pk}/quotes", QUOTE),
        (f"/api/v1/leads/{quote.lead_id}/quotes/{quote.pk}/send", {}),
        (f"/api/v1/leads/{lead.pk}/lost", {"reason": "price"}),
        (f"/api/v1/leads/{lead.pk}/reopen", {}),
        (f"/api/v1/tickets/{ticket.pk}/assignee", {"assignee_id": None}),
        (f"/api/v1/tickets/{ticket.pk}/status", {"status": "closed"}),
        (f"/api/v1/contacts/{world.contact.pk}/addresses", {"emails": ["x@example.com"]}),
    ]


def _address_paths(world) -> list[str]:
    with world.active():
        email = world.contact.emails.get()
    return [
        f"/api/v1/contacts/{world.contact.pk}/addresses/email/{email.pk}/primary",
        f"/api/v1/contacts/{world.contact.pk}/addresses/email/{email.pk}",
    ]


def test_a_read_only_key_may_not_write(client, world):
    key = key_for(world, scope="read")
    primary, address = _address_paths(world)
    assert _post(client, primary, {}, key).status_code == 403
    assert client.delete(address, **bearer(key)).status_code == 403
    for path, body in _writes(world):
        response = _post(client, path, body, key)
        assert response.status_code == 403, path
        assert "only read" in response.json()["detail"]
    assert _upload(client, key, contact_id=world.contact.pk).status_code == 403
    with world.active():
        assert not Quote.objects.exclude(pk=world.quote.pk).exists()
        assert Document.objects.count() == 0


def test_another_tenants_key_finds_nothing_to_write(client, world, other_world):
    theirs = key_for(other_world)
    _document(other_world)
    primary, address = _address_paths(world)
    assert _post(client, primary, {}, theirs).status_code == 404
    assert client.delete(address, **bearer(theirs)).status_code == 404
    with world.active():
        assert world.contact.emails.count() == 1
    for path, body in _writes(world):
        response = _post(client, path, body, theirs)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    # A body naming another tenant's lead or contact is a field error, as for the other POSTs.
    lead_elsewhere = _upload(client, theirs, lead_id=_lead(world).pk)
    assert lead_elsewhere.json()["errors"] == {"lead_id": ["Not found."]}
    contact_elsewhere = _upload(client, theirs, contact_id=world.contact.pk)
    assert contact_elsewhere.json()["errors"] == {"contact_id": ["Not found."]}
    mixed = _upload(client, theirs, contact_id=other_world.contact.pk, lead_id=_lead(world).pk)
    assert mixed.status_code == 422
    place = _upload(
        client, theirs, contact_id=other_world.contact.pk, property_id=world.property.pk
    )
    assert place.json()["errors"] == {"property_id": ["Not found."]}
    with world.active():
        assert Quote.objects.filter(lead=world.lead).count() == 1
        world.lead.refresh_from_db()
        assert world.lead.status == "open"
        assert not Document.objects.filter(contact=world.contact).exists()
