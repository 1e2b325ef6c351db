"""Who may call the API: an active key of the tenant, read keys read only; rate limits; the
request runs as the key's tenant with row-level security, like a page request."""

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from api.models import ApiKey, ApiKeyScope
from api.services.keys import api_key_revoke
from crm.auth import client_ip
from crm.models import Contact
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()
    yield
    forget_cached_values()


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "Bearer tl_000000000000_nope"},
        {"HTTP_AUTHORIZATION": "Token whatever"},
        {"HTTP_AUTHORIZATION": "Bearer not-a-key"},
    ],
)
def test_missing_or_bad_key_is_401_json(client, world, header):
    response = client.get("/api/v1/contacts/", **header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"] == "Bearer"
    assert "detail" in response.json()


def test_a_key_with_a_wrong_secret_is_401(client, world):
    key = key_for(world)
    assert client.get("/api/v1/contacts/", **bearer(key[:-2] + "xx")).status_code == 401


def test_revoked_key_is_401(client, world):
    key = key_for(world)
    with world.active():
        api_key_revoke(tenant=world.tenant, actor=None, api_key=ApiKey.objects.get())
    assert client.get("/api/v1/contacts/", **bearer(key)).status_code == 401


def test_read_key_reads_but_may_not_write(client, world):
    key = key_for(world, ApiKeyScope.READ)
    assert client.get("/api/v1/contacts/", **bearer(key)).status_code == 200
    # A name no factory makes (the world's contacts have random first names, "Ann" among them).
    name = "Read-only-key test"
    response = client.post(
        "/api/v1/contacts/", {"first_name": name}, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 403
    assert "detail" in response.json()
    with world.active():
        assert not Contact.objects.filter(first_name=name).exists()


def test_no_session_and_no_csrf_for_bearer_requests(client, world):
    client.handler.enforce_csrf_checks = True
    key = key_for(world)
    response = client.post(
        "/api/v1/contacts/", {"first_name": "Ann"}, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 201
    assert "sessionid" not in response.cookies


def test_the_request_runs_with_the_tenant_setting_of_its_key(client, world, other_world):
    """Wall 2: the operation's queries run with app.tenant_id set to the key's tenant."""
    key = key_for(world)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/contacts/", **bearer(key)).status_code == 200
    statements = [query["sql"] for query in captured]
    setting = next(i for i, sql in enumerate(statements) if "'app.tenant_id'" in sql)
    contacts = next(i for i, sql in enumerate(statements) if 'FROM "crm_contact"' in sql)
    assert setting < contacts
    assert f"'app.tenant_id', '{world.tenant.pk}'" in statements[setting]


def test_last_used_is_written_at_most_once_a_minute(client, world):
    key = key_for(world)
    client.get("/api/v1/users/", **bearer(key))
    with world.active():
        first = ApiKey.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/users/", **bearer(key))
    with world.active():
        assert ApiKey.objects.get().last_used_at == first
        ApiKey.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/v1/users/", **bearer(key))
    with world.active():
        assert ApiKey.objects.get().last_used_at > first


@override_settings(THREADLINE_API_RATE_LIMIT=(3, 60))
def test_rate_limit_per_key_answers_429_with_retry_after(client, world, other_world):
    key, other_key = key_for(world), key_for(other_world)
    for _ in range(3):
        assert client.get("/api/v1/users/", **bearer(key)).status_code == 200
    response = client.get("/api/v1/users/", **bearer(key))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "detail" in response.json()
    # Another key has its own budget.
    assert client.get("/api/v1/users/", **bearer(other_key)).status_code == 200


def test_a_session_is_never_used_a_bearer_key_decides(client, world, other_world):
    sign_in(client, other_world.admin)
    assert client.get("/api/v1/contacts/").status_code == 401
    rows = client.get("/api/v1/contacts/", **bearer(key_for(world))).json()["results"]
    assert [row["id"] for row in rows] == [world.contact.pk]


def test_keys_sit_behind_row_level_security(world, other_world):
    """Wall 2 on api_apikey: even the unscoped manager sees no other tenant's keys, and the
    lookup function a request uses before any tenant is known answers a tenant id only."""
    key = key_for(world)
    with world.active():
        mine = ApiKey.objects.get()
    with other_world.active():
        assert not ApiKey.unscoped.filter(pk=mine.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT threadline_api_key_tenant(%s, %s)", [mine.prefix, mine.secret_hash])
        assert cursor.fetchone() == (world.tenant.pk,)
        cursor.execute("SELECT threadline_api_key_tenant(%s, %s)", [mine.prefix, "0" * 64])
        assert cursor.fetchone() == (None,)
    assert key.split("_")[1] == mine.prefix


GUESS = "Bearer tl_000000000000_guessing"


@override_settings(THREADLINE_API_FAILED_AUTH_LIMIT=(3, 60))
def test_an_address_guessing_keys_is_refused_with_retry_after(client, world, other_world):
    key = key_for(world)
    guesses = [GUESS, "Bearer not-a-key", "Token whatever"]  # unknown, malformed, wrong scheme
    for guess in guesses:
        response = client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=guess, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 401

    refused = client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=GUESS, REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "detail" in refused.json()
    # A right guess from there is refused too: the answer tells nothing about the key.
    right = client.get("/api/v1/contacts/", **bearer(key), REMOTE_ADDR="10.0.0.1")
    assert right.status_code == 429
    # Another address is not held up, and its good key works.
    other = client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=GUESS, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 401
    assert client.get("/api/v1/contacts/", **bearer(key), REMOTE_ADDR="10.0.0.2").status_code == 200


@override_settings(THREADLINE_API_FAILED_AUTH_LIMIT=(2, 60))
def test_revoked_keys_and_wrong_secrets_count_as_failures(client, world):
    key = key_for(world)
    revoked = key_for(world)
    with world.active():
        api_key_revoke(tenant=world.tenant, actor=None, api_key=ApiKey.objects.order_by("pk")[1])
    assert client.get("/api/v1/contacts/", **bearer(revoked)).status_code == 401
    assert client.get("/api/v1/contacts/", **bearer(key[:-2] + "xx")).status_code == 401
    assert client.get("/api/v1/contacts/", **bearer(key)).status_code == 429


@override_settings(THREADLINE_API_FAILED_AUTH_LIMIT=(2, 60))
def test_requests_without_a_key_and_good_keys_do_not_count(client, world):
    key = key_for(world)
    for _ in range(5):
        assert client.get("/api/v1/contacts/").status_code == 401
        assert client.get("/api/v1/contacts/", **bearer(key)).status_code == 200
    assert client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=GUESS).status_code == 401


@override_settings(THREADLINE_API_FAILED_AUTH_LIMIT=(2, 60))
def test_a_forged_forwarded_for_does_not_escape_the_limit(client, world):
    """The address is derived as for the staff sign-in (django-axes' settings): here
    REMOTE_ADDR, so a client varying X-Forwarded-For is still one client."""
    for number in range(2):
        forged = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{number}", "REMOTE_ADDR": "10.0.0.9"}
        assert (
            client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=GUESS, **forged).status_code == 401
        )
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.99", "REMOTE_ADDR": "10.0.0.9"}
    assert client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=GUESS, **forged).status_code == 429


@override_settings(THREADLINE_API_FAILED_AUTH_LIMIT=(2, 60), THREADLINE_PROXY_COUNT=1)
def test_behind_the_proxy_clients_are_told_apart_by_the_forwarded_address(client, world):
    """Production: REMOTE_ADDR is the load balancer, which appends the client's address to
    X-Forwarded-For; what the client wrote to the left of it is not read."""

    def guess(forwarded_for):
        headers = {"HTTP_X_FORWARDED_FOR": forwarded_for, "REMOTE_ADDR": "10.0.0.1"}
        return client.get("/api/v1/contacts/", HTTP_AUTHORIZATION=GUESS, **headers).status_code

    assert guess("198.51.100.7") == guess("203.0.113.1, 198.51.100.7") == 401
    assert guess("203.0.113.2, 198.51.100.7") == 429  # a forged first hop changes nothing
    assert guess("198.51.100.8") == 401  # another client behind the same balancer


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        (0, "203.0.113.5", "10.0.0.1"),  # no proxies: the header is the client's own
        (1, "", "10.0.0.1"),  # did not come through the balancer
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        (2, "198.51.100.1, 203.0.113.5, 10.0.0.7", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.1"),  # fewer hops than proxies
        (1, "not-an-address", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_past_our_proxies_only(proxies, forwarded_for, address):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR="10.0.0.1")
    with override_settings(THREADLINE_PROXY_COUNT=proxies):
        assert client_ip(request) == address
