"""The schema and the interactive docs are served, without a key, and without any CDN."""

import pytest

from tests.security.test_content_security_policy import page_problems

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_3_1_and_names_every_part(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"] == "bearer"
    for path in ("/api/v1/leads/", "/api/v1/contacts/", "/api/v1/pipelines/", "/api/v1/users/"):
        assert path in schema["paths"]


def test_docs_page_loads_its_assets_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert page_problems(response) == []


def test_a_control_character_in_the_query_is_refused_in_json(client):
    response = client.get("/api/v1/contacts/?q=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "control character" in response.json()["detail"]
