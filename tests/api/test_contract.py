"""The API's contract beyond each operation: every error is JSON (with DEBUG on too), the schema
declares every header and status an operation uses, a body must be a JSON object of the types
the schema says, and no database constraint's name reaches a client."""

import json

import pytest
from django.test.utils import override_settings

from crm.models import Contact
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _send(client, method, path, body, key, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return getattr(client, method)(
        path, data=data, content_type="application/json", **bearer(key), **extra
    )


def test_a_deeply_nested_body_is_a_400_in_json(client, world):
    key = key_for(world)
    for depth in (40, 100_000):
        response = _send(
            client, "post", "/api/v1/contacts/", ("[" * depth + "]" * depth).encode(), key
        )
        assert response.status_code == 400, depth
        assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("body", [[None, None], [], 5, "Dana", None])
def test_a_body_that_is_not_an_object_is_refused(client, world, body):
    with world.active():
        before = Contact.objects.get(pk=world.contact.pk)
    response = _send(client, "patch", f"/api/v1/contacts/{world.contact.pk}", body, key_for(world))
    assert response.status_code == 422
    with world.active():
        assert Contact.objects.get(pk=world.contact.pk).updated_at == before.updated_at


@pytest.mark.parametrize("owner", [False, True, 1.5, "3"])
def test_an_id_in_a_body_is_a_number(client, world, owner):
    from tests.factories import lead_for

    lead = lead_for(world, owner=world.rep)
    response = _send(
        client, "post", f"/api/v1/leads/{lead.pk}/owner", {"owner_id": owner}, key_for(world)
    )
    assert response.status_code == 422
    assert "owner_id" in response.json()["errors"]


def test_a_date_filter_is_iso_8601_not_a_unix_time(client, world):
    response = client.get("/api/v1/follow-ups/?date_to=0", **bearer(key_for(world)))
    assert response.status_code == 422
    assert "date_to" in response.json()["errors"]


def test_a_contact_without_a_name_is_a_field_error_not_a_constraint(client, world):
    key = key_for(world)
    created = _send(client, "post", "/api/v1/contacts/", {"emails": ["a@example.com"]}, key)
    changed = _send(
        client,
        "patch",
        f"/api/v1/contacts/{world.contact.pk}",
        {"first_name": "", "last_name": "", "company_name": ""},
        key,
    )
    for response in (created, changed):
        assert response.status_code == 422
        assert "contact_has_a_name" not in response.content.decode()
        assert list(response.json()["errors"]) == ["first_name"]


def test_a_constraint_the_database_refuses_is_a_field_error(world):
    from django.db import IntegrityError, transaction

    from crm.kit.constraints import constraint_violated

    with world.active(), pytest.raises(IntegrityError) as refused, transaction.atomic():
        Contact.objects.filter(pk=world.contact.pk).update(
            first_name="", last_name="", company_name=""
        )
    error = constraint_violated(refused.value)
    assert error.message_dict == {"first_name": ["Give a name or a company name."]}


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/no-such-thing", 404),
        ("get", "/api/v2/contacts/", 404),
        ("delete", "/api/v1/contacts/", 405),
        ("post", "/api/v1/openapi.json", 405),
    ],
)
def test_every_error_is_json_with_debug_on(client, world, method, path, status):
    response = getattr(client, method)(path, **bearer(key_for(world)))
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@override_settings(DEBUG=True)
def test_a_server_error_is_json_with_debug_on(client, world, monkeypatch):
    from api.endpoints import users

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(users, "team_members", broken)
    client.raise_request_exception = False
    response = client.get("/api/v1/users/", **bearer(key_for(world)))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "a bug" not in response.content.decode()


def test_the_schema_declares_headers_and_statuses(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"400", "401", "404", "422", "429"} <= set(responses), (method, path)
            assert "Retry-After" in responses["429"]["headers"]
            if method == "get":
                continue
            assert "403" in responses, (method, path)
            if method != "post":
                continue
            assert "409" in responses, (method, path)
            names = {(p["in"], p["name"]) for p in operation["parameters"]}
            assert ("header", "Idempotency-Key") in names, (method, path)
            for status, response in responses.items():
                if status.startswith("2"):
                    assert "Idempotent-Replayed" in response["headers"], (method, path)


def test_output_fields_that_are_enums_on_input_are_enums_on_output(client):
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    def enum_of(schema, field):
        prop = components[schema]["properties"][field]
        refs = [prop, *prop.get("anyOf", [])]
        return [r["$ref"].rsplit("/", 1)[1] for r in refs if "$ref" in r]

    assert enum_of("ContactOut", "preferred_channel") == ["Channel"]
    assert enum_of("ContactOut", "language") == ["Language"]
    assert enum_of("LeadOut", "lead_type") == ["LeadType"]
    assert enum_of("PipelineOut", "lead_type") == ["LeadType"]
    assert enum_of("DocumentOut", "kind") == ["DocumentKind"]
    assert enum_of("FollowUpOut", "outcome") == ["Outcome"]
    assert enum_of("MessageOut", "channel") == ["MessageChannel"]


@pytest.mark.parametrize("extra", [{}, {"HTTP_IDEMPOTENCY_KEY": "retry-1"}])
def test_a_multipart_body_without_its_boundary_is_a_400_in_json(client, world, extra):
    response = client.post(
        "/api/v1/documents/",
        data=b"--x\r\n",
        content_type="multipart/form-data",
        **bearer(key_for(world)),
        **extra,
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
