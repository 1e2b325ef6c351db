"""The operations do what the pages do, through the same selectors and services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import AddressSource, ContactEmail, TimelineEvent
from leads.models import Lead, StageVisit
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values
from tests.factories import ContactFactory, lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _queries(client, path, key) -> int:
    client.get(path, **bearer(key))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **bearer(key))
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/api/v1/leads/", "/api/v1/contacts/", "/api/v1/users/"])
def test_a_list_page_costs_the_same_whatever_its_length(client, world, path):
    key = key_for(world)
    lead_for(world, owner=world.rep)
    few = _queries(client, f"{path}?limit=20", key)
    pipeline = pipeline_for(world.tenant)
    for _ in range(12):
        with world.active():
            contact = ContactFactory(tenant=world.tenant)
        lead_for(world, pipeline, owner=world.rep, contact=contact)
    many = _queries(client, f"{path}?limit=20", key)
    assert few == many


def test_lead_list_pages_with_the_keyset_cursor_and_filters(client, world):
    key = key_for(world)
    pipeline = pipeline_for(world.tenant)
    leads = [lead_for(world, pipeline, owner=world.rep) for _ in range(5)]
    seen, cursor = [], ""
    while True:
        body = client.get(
            f"/api/v1/leads/?limit=2&sort=created&cursor={cursor}", **bearer(key)
        ).json()
        seen += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted((lead.pk for lead in leads), reverse=True)
    row = client.get(f"/api/v1/leads/{leads[0].pk}", **bearer(key)).json()
    assert row["owner"]["id"] == world.rep.pk
    assert row["stage"]["id"] == leads[0].stage_id
    assert row["aging"]["colour"] in {"green", "orange", "red", "done", "none"}
    segments = row["progress"]["segments"]
    with world.active():
        assert {s["stage_id"] for s in segments} <= set(
            pipeline.stages.values_list("pk", flat=True)
        )
    assert [s["stage_id"] for s in segments if s["state"] == "current"] == [leads[0].stage_id]
    assert row["cost"] is not None
    unassigned = client.get("/api/v1/leads/?scope=unassigned", **bearer(key)).json()
    assert unassigned["results"] == []
    bad = client.get("/api/v1/leads/?owner=999999", **bearer(key))
    assert bad.status_code == 422 and "owner" in bad.json()["errors"]


def test_moving_a_lead_goes_through_the_stage_service(client, world):
    key = key_for(world)
    lead = lead_for(world, owner=world.rep)
    target = stage_named(lead.pipeline, "Inspection scheduled")
    response = client.post(
        f"/api/v1/leads/{lead.pk}/stage",
        {"stage_id": target.pk},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 200, response.json()
    assert response.json()["stage"]["id"] == target.pk
    with world.active():
        assert Lead.objects.get(pk=lead.pk).stage_id == target.pk
        assert StageVisit.objects.filter(lead=lead, stage=target, left_at__isnull=True).exists()
        assert TimelineEvent.objects.filter(lead_id=lead.pk, kind__startswith="lead.stage").exists()


def test_contact_created_through_the_api_has_unverified_addresses(client, world):
    key = key_for(world)
    response = client.post(
        "/api/v1/contacts/",
        {"first_name": "Ana", "emails": ["ana@example.com"], "phones": ["+13055550123"]},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 201
    body = response.json()
    with world.active():
        email = ContactEmail.objects.get(email="ana@example.com")
    assert body["emails"] == [
        {"id": email.pk, "email": "ana@example.com", "is_primary": True, "is_verified": False}
    ]
    assert body["phones"][0]["number"] == "+13055550123"
    assert email.source == AddressSource.API and not email.is_verified


def test_validation_errors_name_their_fields(client, world):
    key = key_for(world)
    response = client.post(
        "/api/v1/contacts/",
        {"emails": ["not-an-address"], "phones": ["12"], "language": "xx"},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) >= {"emails", "language"}
    response = client.post(
        "/api/v1/contacts/", {"phones": ["12"]}, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 422 and "phones" in response.json()["errors"]
    response = client.get("/api/v1/contacts/?limit=0", **bearer(key))
    assert response.status_code == 422 and "limit" in response.json()["errors"]


def test_the_audit_trail_names_the_keys_creator_and_the_key(client, world):
    from pghistory.models import Events

    key = key_for(world)
    response = client.patch(
        f"/api/v1/contacts/{world.contact.pk}",
        {"first_name": "Renamed"},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 200
    with world.active():
        events = list(Events.objects.tracks(world.contact))
    event = next(e for e in events if e.pgh_data.get("first_name") == "Renamed")
    assert event.pgh_context["user"] == world.admin.user.pk
    assert event.pgh_context["api_key"] == key.split("_")[1]


def test_an_empty_phone_number_is_a_field_error_not_a_500(client, world):
    """Found by the schema fuzz: phonenumber_field reads "" as the empty value, not a number."""
    key = key_for(world)
    response = client.post(
        "/api/v1/contacts/",
        {"first_name": "Sam", "phones": ["", ""]},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 422
    assert "phones" in response.json()["errors"]


def test_each_stage_gives_its_customer_labels_per_language(client, world):
    key = key_for(world)
    pipeline = pipeline_for(world.tenant)

    response = client.get(f"/api/v1/pipelines/{pipeline.pk}", **bearer(key))

    assert response.status_code == 200
    quote_sent = next(s for s in response.json()["stages"] if s["name"] == "Quote sent")
    assert quote_sent["customer_label"] == "Quote ready"
    assert quote_sent["customer_labels"] == {"nl": "Offerte klaar", "es": "Presupuesto listo"}
