"""Settings → Webhooks: admins only, one tenant's endpoints only, and every action of the page."""

import base64

import pytest
from django.urls import reverse

from tests.conftest import queries_for, sign_in
from tests.factories import lead_for
from tests.webhooks.conftest import deliver_due, deliveries_of, subscribe
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from webhooks.selectors.endpoints import LOG_PER_PAGE
from webhooks.services.deliveries import endpoint_disable_failing

pytestmark = pytest.mark.django_db

PAGES = [
    ("webhooks-settings:endpoint", "get"),
    ("webhooks-settings:endpoint-edit", "get"),
    ("webhooks-settings:endpoint-edit", "post"),
    ("webhooks-settings:endpoint-delete", "post"),
    ("webhooks-settings:endpoint-rotate", "post"),
    ("webhooks-settings:endpoint-stop-old-secret", "post"),
    ("webhooks-settings:endpoint-enable", "post"),
    ("webhooks-settings:endpoint-disable", "post"),
    ("webhooks-settings:endpoint-test", "post"),
]


def url(name: str, endpoint) -> str:
    return reverse(name, kwargs={"endpoint_pk": endpoint.pk})


def endpoints_of(world) -> list[WebhookEndpoint]:
    with world.active():
        return list(WebhookEndpoint.objects.order_by("pk"))


def test_an_admin_adds_an_endpoint_and_sees_its_secret(client, world):
    sign_in(client, world.admin)

    response = client.post(
        reverse("webhooks-settings:endpoint-create"),
        {
            "url": "https://books.example.com/threadline",
            "description": "Accounting sync",
            "events": [EventType.PAYMENT_RECORDED, EventType.LEAD_CREATED],
        },
    )

    [endpoint] = endpoints_of(world)
    assert response.status_code == 302 and response.url == url(
        "webhooks-settings:endpoint", endpoint
    )
    assert endpoint.events == ["lead.created", "payment.recorded"]  # in the list's order
    assert endpoint.created_by == world.admin.user and endpoint.is_enabled
    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) >= 24
    page = client.get(response.url).content.decode()
    assert endpoint.secret in page and "books.example.com" in page
    listing = client.get(reverse("webhooks-settings:endpoints")).content.decode()
    assert "Accounting sync" in listing and "Payment recorded" in listing


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ({"url": "http://books.example.com/in"}, "https://"),
        ({"url": "https://me:pw@books.example.com/in"}, "credentials"),
        ({"url": "https://books.example.com/in", "events": []}, "Pick at least one event"),
    ],
)
def test_a_url_or_events_it_cannot_have_are_refused(client, world, posted, error):
    sign_in(client, world.admin)
    data = {"url": "", "description": "", "events": [EventType.LEAD_CREATED], **posted}

    response = client.post(reverse("webhooks-settings:endpoint-create"), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert endpoints_of(world) == []


def test_editing_changes_the_url_and_events(client, world):
    endpoint = subscribe(world, "https://old.example.com/in", [EventType.LEAD_CREATED])
    sign_in(client, world.admin)
    assert (
        "old.example.com"
        in client.get(url("webhooks-settings:endpoint-edit", endpoint)).content.decode()
    )

    client.post(
        url("webhooks-settings:endpoint-edit", endpoint),
        {"url": "https://new.example.com/in", "description": "", "events": [EventType.LEAD_WON]},
    )

    [endpoint] = endpoints_of(world)
    assert (endpoint.url, endpoint.events) == ("https://new.example.com/in", ["lead.won"])


def test_rotating_makes_a_new_secret(client, world):
    endpoint = subscribe(world, "https://books.example.com/in")
    sign_in(client, world.admin)

    client.post(url("webhooks-settings:endpoint-rotate", endpoint))

    [rotated] = endpoints_of(world)
    assert rotated.secret != endpoint.secret and rotated.secret.startswith("whsec_")
    assert rotated.previous_secret == endpoint.secret  # still signing beside it for a while


def test_a_test_event_reaches_the_receiver(client, world, receiver):
    endpoint = subscribe(world, receiver.url)
    sign_in(client, world.admin)

    response = client.post(url("webhooks-settings:endpoint-test", endpoint), follow=True)

    assert "Test event queued" in response.content.decode()
    assert deliver_due(world.tenant) == ["delivered"]
    [request] = receiver.received
    assert request.payload["type"] == "webhook.test"
    assert request.signature_valid(endpoint.secret)
    log = client.get(url("webhooks-settings:endpoint", endpoint)).content.decode()
    assert "webhook.test" in log and "Delivered" in log and ">200<" in log


def test_a_disabled_endpoint_shows_why_and_is_enabled_again(client, world):
    endpoint = subscribe(world, "https://books.example.com/in")
    with world.active():
        endpoint.consecutive_failures = 8
        endpoint_disable_failing(tenant=world.tenant, endpoint=endpoint)
    sign_in(client, world.admin)

    page = client.get(url("webhooks-settings:endpoint", endpoint)).content.decode()
    assert "Disabled automatically" in page and "Enable again" in page
    test = client.post(url("webhooks-settings:endpoint-test", endpoint), follow=True)
    assert "Enable the endpoint first" in test.content.decode()

    client.post(url("webhooks-settings:endpoint-enable", endpoint))

    [endpoint] = endpoints_of(world)
    assert endpoint.is_enabled and endpoint.disabled_reason == ""
    assert endpoint.consecutive_failures == 0


def test_disabling_by_hand_cancels_what_waits_and_stops_new_events(client, world):
    endpoint = subscribe(world, "https://books.example.com/in", [EventType.LEAD_CREATED])
    lead_for(world)
    sign_in(client, world.admin)

    client.post(url("webhooks-settings:endpoint-disable", endpoint))
    lead_for(world)

    [delivery] = deliveries_of(world)
    assert delivery.status == "cancelled"
    assert deliver_due(world.tenant) == []


def test_deleting_removes_the_endpoint_and_its_log(client, world):
    endpoint = subscribe(world, "https://books.example.com/in", [EventType.LEAD_CREATED])
    lead_for(world)
    sign_in(client, world.admin)

    response = client.post(url("webhooks-settings:endpoint-delete", endpoint))

    assert response.url == reverse("webhooks-settings:endpoints")
    assert endpoints_of(world) == [] and deliveries_of(world) == []


def test_the_log_is_paged_newest_first_in_a_fixed_number_of_queries(client, world):
    endpoint = subscribe(world, "https://books.example.com/in")
    with world.active():
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                tenant=world.tenant,
                endpoint=endpoint,
                event_type="lead.created",
                event_key=f"lead.created:{number}",
                body="{}",
            )
            for number in range(LOG_PER_PAGE + 3)
        )
    sign_in(client, world.admin)
    detail = url("webhooks-settings:endpoint", endpoint)

    first = client.get(detail).content.decode()

    assert first.count("<code>lead.created</code>") == LOG_PER_PAGE
    cursor = first.split("after=")[1].split('"')[0]
    rest = client.get(f"{detail}?after={cursor}", headers={"HX-Request": "true"}).content.decode()
    assert rest.count("<code>lead.created</code>") == 3
    assert "Show more" not in rest
    assert queries_for(client, detail) == queries_for(client, f"{detail}?after={cursor}")


@pytest.mark.parametrize(("name", "method"), PAGES)
def test_another_tenants_endpoint_is_not_found(client, world, other_world, name, method):
    theirs = subscribe(other_world, "https://theirs.example.com/in")
    sign_in(client, world.admin)

    response = getattr(client, method)(url(name, theirs))

    assert response.status_code == 404
    [unchanged] = endpoints_of(other_world)
    assert (unchanged.secret, unchanged.is_enabled) == (theirs.secret, True)


def test_the_list_shows_this_tenants_endpoints_only(client, world, other_world):
    subscribe(world, "https://ours.example.com/in")
    subscribe(other_world, "https://theirs.example.com/in")
    sign_in(client, world.admin)

    page = client.get(reverse("webhooks-settings:endpoints")).content.decode()

    assert "ours.example.com" in page and "theirs.example.com" not in page


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_only_admins_open_the_pages(client, world, role):
    endpoint = subscribe(world, "https://books.example.com/in")
    sign_in(client, getattr(world, role))

    assert client.get(reverse("webhooks-settings:endpoints")).status_code == 403
    assert client.get(url("webhooks-settings:endpoint", endpoint)).status_code == 403
    assert client.post(url("webhooks-settings:endpoint-rotate", endpoint)).status_code == 403
    stop = url("webhooks-settings:endpoint-stop-old-secret", endpoint)
    assert client.post(stop).status_code == 403


def test_the_settings_menu_links_to_webhooks(client, world):
    sign_in(client, world.admin)

    page = client.get(reverse("webhooks-settings:endpoints")).content.decode()

    assert f'href="{reverse("webhooks-settings:endpoints")}" class="active"' in page
