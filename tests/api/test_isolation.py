"""Another tenant's key sees nothing of this tenant: lists are empty, objects are 404, and a
write cannot name this tenant's objects."""

import pytest

from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values
from tests.factories import lead_for, pipeline_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


@pytest.fixture
def mine(world):
    world.lead = lead_for(world, owner=world.rep)
    return world


def test_lists_of_another_tenant_are_empty(client, mine, other_world):
    own, theirs = key_for(mine), key_for(other_world)
    for path in ("/api/v1/contacts/", "/api/v1/leads/", "/api/v1/users/"):
        ours = client.get(path, **bearer(own)).json()["results"]
        others = client.get(path, **bearer(theirs)).json()["results"]
        assert ours, path
        assert not {row["id"] for row in ours} & {row["id"] for row in others}, path
    assert client.get("/api/v1/leads/", **bearer(theirs)).json()["results"] == []
    contacts = client.get("/api/v1/contacts/", **bearer(theirs)).json()["results"]
    assert [c["id"] for c in contacts] == [other_world.contact.pk]
    pipelines = client.get("/api/v1/pipelines/", **bearer(theirs)).json()
    assert mine.lead.pipeline_id not in {p["id"] for p in pipelines}


def test_objects_of_another_tenant_are_404(client, mine, other_world):
    theirs = key_for(other_world)
    for path in (
        f"/api/v1/contacts/{mine.contact.pk}",
        f"/api/v1/leads/{mine.lead.pk}",
        f"/api/v1/users/{mine.rep.pk}",
        f"/api/v1/pipelines/{mine.lead.pipeline_id}",
    ):
        response = client.get(path, **bearer(theirs))
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    response = client.patch(
        f"/api/v1/contacts/{mine.contact.pk}",
        {"first_name": "Mallory"},
        content_type="application/json",
        **bearer(theirs),
    )
    assert response.status_code == 404
    with mine.active():
        mine.contact.refresh_from_db()
    assert mine.contact.first_name != "Mallory"


def test_a_write_cannot_point_at_another_tenants_objects(client, mine, other_world):
    theirs = key_for(other_world)
    pipeline = pipeline_for(other_world.tenant)
    response = client.post(
        "/api/v1/leads/",
        {"contact_id": mine.contact.pk, "pipeline_id": pipeline.pk},
        content_type="application/json",
        **bearer(theirs),
    )
    assert response.status_code == 422
    assert "contact_id" in response.json()["errors"]
