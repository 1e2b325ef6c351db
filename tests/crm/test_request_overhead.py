"""What every signed-in request pays before its view: the statements, and both walls still set.

The tenant middleware reads the active membership in the statement that also makes its tenant the
transaction's (wall 2), and sends the user's setting in the same round trip; nothing is sent on
the way out (the transaction ends with the request).
"""

import gzip

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY, TenantMiddleware
from crm.models import Tenant
from crm.tenancy import NoTenantContext, current_tenant
from crm.tenancy.context import settings_sent_with_next_query
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _statements(captured) -> list[str]:
    """The request's own statements, without the savepoints of the test's transaction."""
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_signed_in_page_pays_two_statements_before_its_view(client, world):
    """The user and the membership (with both settings in its round trip); the session comes from
    Redis. It was six: the session, the user, set_config of the user, the membership, set_config
    of the tenant, and the tenant set back to none at the end."""
    sign_in(client, world.admin)
    client.get(reverse("settings:profile"))  # the profile page runs no statement of its own
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("settings:profile"))
    assert response.status_code == 200
    statements = _statements(captured)
    assert len(statements) == 2, statements
    assert "set_config('app.user_id'" in statements[1]
    assert "set_config" in statements[1].split("; ", 1)[1]  # the tenant's, in the projection


def _seen_by_the_view(request) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('app.user_id', true), current_setting('app.tenant_id', true)"
        )
        user, tenant = cursor.fetchone()
    try:
        wall_one = current_tenant().pk
    except NoTenantContext:
        wall_one = None
    return HttpResponse(f"{user}|{tenant}|{wall_one}")


def _request(user, membership_id):
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    if membership_id is not None:
        request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership_id
    request.user = user
    return request


def test_the_view_runs_with_both_walls_set_for_the_active_membership(world):
    request = _request(world.rep.user, world.rep.pk)
    response = TenantMiddleware(_seen_by_the_view)(request)
    assert response.content.decode() == f"{world.rep.user.pk}|{world.tenant.pk}|{world.tenant.pk}"
    assert request.membership == world.rep
    assert request.membership.user == world.rep.user
    assert request.tenant == world.tenant


def test_a_deactivated_membership_sets_no_tenant(world):
    with world.active():
        world.rep.is_active = False
        world.rep.save()
    request = _request(world.rep.user, world.rep.pk)
    response = TenantMiddleware(_seen_by_the_view)(request)
    assert response.content.decode() == f"{world.rep.user.pk}||None"
    assert request.tenant is None
    assert ACTIVE_MEMBERSHIP_SESSION_KEY not in request.session


def test_another_users_membership_sets_no_tenant(world, other_world):
    request = _request(world.rep.user, other_world.rep.pk)
    response = TenantMiddleware(_seen_by_the_view)(request)
    assert response.content.decode() == f"{world.rep.user.pk}||None"
    assert request.tenant is None


def test_without_a_chosen_tenant_the_view_still_sees_the_user(world):
    """The tenant picker reads the user's memberships through app.user_id."""
    request = _request(world.rep.user, None)
    response = TenantMiddleware(_seen_by_the_view)(request)
    assert response.content.decode() == f"{world.rep.user.pk}||None"


class TestSettingsSentWithTheNextQuery:
    def _setting(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.user_id', true)", [])
            return cursor.fetchone()[0]

    def test_the_setting_goes_with_the_first_statement(self, db):
        with (
            transaction.atomic(),
            CaptureQueriesContext(connection) as captured,
            settings_sent_with_next_query({"app.user_id": 42}),
        ):
            assert self._setting() == "42"
        assert len(_statements(captured)) == 1

    def test_a_statement_without_parameters_gets_it_sent_before(self, db):
        with (
            transaction.atomic(),
            settings_sent_with_next_query({"app.user_id": 43}),
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT current_setting('app.user_id', true)", None)
            assert cursor.fetchone()[0] == "43"

    def test_a_server_side_cursor_gets_it_sent_before(self, world):
        with transaction.atomic(), settings_sent_with_next_query({"app.user_id": 45}):
            assert [t.pk for t in Tenant.objects.iterator(chunk_size=10)] == [world.tenant.pk]
            assert self._setting() == "45"

    def test_with_server_side_binding_it_is_sent_alone(self, db, monkeypatch):
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)
        with (
            transaction.atomic(),
            CaptureQueriesContext(connection) as captured,
            settings_sent_with_next_query({"app.user_id": 44}),
        ):
            assert len(_statements(captured)) == 1
            assert self._setting() == "44"


def test_pages_go_out_gzipped_to_a_browser_that_accepts_it(client, world):
    sign_in(client, world.rep)
    plain = client.get(reverse("leads:list"))
    zipped = client.get(reverse("leads:list"), headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content).decode().count("<") == plain.content.decode().count("<")
    assert len(zipped.content) < len(plain.content) / 2
