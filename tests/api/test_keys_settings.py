"""Settings → API keys: admins create a key (shown once, stored hashed) and revoke it."""

import hashlib

import pytest
from django.urls import reverse

from api.models import ApiKey, ApiKeyScope
from crm.models import Role
from tests.api.helpers import bearer
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_admin_creates_a_key_shown_once_and_stored_hashed(client, world):
    sign_in(client, world.admin)
    response = client.post(reverse("api-settings:keys"), {"name": "Website", "scope": "write"})
    assert response.status_code == 200
    key = response.context["created"].key
    assert key.startswith("tl_") and key in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    with world.active():
        stored = ApiKey.objects.get(name="Website")
    assert stored.scope == ApiKeyScope.WRITE and stored.created_by == world.admin.user
    assert stored.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.prefix, stored.secret_hash}
    page = client.get(reverse("api-settings:keys")).content.decode()
    assert "Website" in page and stored.prefix in page and key not in page
    assert client.get("/api/v1/users/", **bearer(key)).status_code == 200


def test_revoked_key_stops_working(client, world):
    sign_in(client, world.admin)
    key = (
        client.post(reverse("api-settings:keys"), {"name": "Sync", "scope": "read"})
        .context["created"]
        .key
    )
    with world.active():
        stored = ApiKey.objects.get(name="Sync")
    response = client.post(reverse("api-settings:key-revoke", kwargs={"api_key_pk": stored.pk}))
    assert response.status_code == 302
    with world.active():
        stored.refresh_from_db()
    assert stored.revoked_at is not None
    client.logout()
    assert client.get("/api/v1/users/", **bearer(key)).status_code == 401


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
def test_only_admins_manage_keys(client, world, role):
    sign_in(client, world.membership(role))
    assert client.get(reverse("api-settings:keys")).status_code == 403
    assert (
        client.post(reverse("api-settings:keys"), {"name": "x", "scope": "read"}).status_code == 403
    )


def test_settings_nav_links_to_api_keys(client, world):
    sign_in(client, world.admin)
    page = client.get(reverse("settings:team")).content.decode()
    assert reverse("api-settings:keys") in page
