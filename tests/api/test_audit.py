"""API keys and webhook endpoints are in the audit trail, without their secrets, and without a row
for each use of a key or each delivery attempt."""

import pytest
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Events

from api.models import ApiKey
from api.services.keys import api_key_note_use
from tests.conftest import sign_in
from tests.webhooks.conftest import subscribe
from webhooks.models import WebhookEndpoint
from webhooks.services.deliveries import endpoint_disable_failing
from webhooks.services.endpoints import endpoint_rotate_secret

pytestmark = pytest.mark.django_db


def events_of(world, model) -> list:
    with world.active():
        return list(Events.objects.filter(pgh_obj_model=model._meta.label).order_by("pgh_id"))


def test_a_key_created_used_and_revoked_reads_in_the_audit_trail(client, world):
    sign_in(client, world.admin)
    created = client.post(reverse("api-settings:keys"), {"name": "Website", "scope": "write"})
    key = created.context["created"].key
    with world.active():
        api_key = ApiKey.objects.get(name="Website")
        api_key_note_use(tenant=world.tenant, api_key=api_key)  # no audit row for a use
    client.post(reverse("api-settings:key-revoke", kwargs={"api_key_pk": api_key.pk}))

    events = events_of(world, ApiKey)
    assert [event.pgh_label for event in events] == ["insert", "update"]
    for event in events:
        assert "secret_hash" not in event.pgh_data and "last_used_at" not in event.pgh_data
        assert key not in str(event.pgh_data) and api_key.secret_hash not in str(event.pgh_data)
    page = client.get(reverse("settings:audit"), {"what": "integrations"}).content.decode()
    assert "API key “Website” added" in page
    assert "API key “Website” revoked" in page


def test_an_endpoint_is_audited_without_its_secret_or_its_delivery_counters(client, world):
    endpoint = subscribe(world, "https://books.example.com/threadline")
    with world.active():
        old_secret = endpoint.secret
        endpoint_rotate_secret(tenant=world.tenant, endpoint=endpoint)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=3)
        endpoint.refresh_from_db()
        endpoint_disable_failing(tenant=world.tenant, endpoint=endpoint, now=timezone.now())

    events = events_of(world, WebhookEndpoint)
    assert [event.pgh_label for event in events] == ["insert", "update"]  # create, then disable
    assert endpoint.previous_secret == old_secret  # kept on the row for the overlap, not audited
    for event in events:
        assert not {"secret", "previous_secret", "previous_secret_until"} & set(event.pgh_data)
        assert old_secret not in str(event.pgh_data) and endpoint.secret not in str(event.pgh_data)
    sign_in(client, world.admin)
    page = client.get(reverse("settings:audit"), {"what": "integrations"}).content.decode()
    assert "Webhook endpoint https://books.example.com/threadline added" in page
    assert "disabled: Disabled automatically: 3 delivery attempts in a row failed" in page
