"""What every signed-in request pays before its view: the statements, and both walls still set.

The tenant middleware reads the active membership in the statement that also makes its tenant the
transaction's (wall 2), and sends the user's setting in the same round trip; nothing is sent on
the way out (the transaction ends with the request).
"""

import gzip

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
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


def test_a_signed_in_page_pays_one_statement_before_its_view(client, world):
    """The membership with its user and tenant, both settings in its round trip; the session
    comes from Redis. It was six: the session, the user, set_config of the user, the membership,
    set_config of the tenant, and the tenant set back to none at the end; then two (the user on
    its own)."""
    sign_in(client, world.admin)
    client.get(reverse("settings:profile"))  # the profile page runs no statement of its own
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("settings:profile"))
    assert response.status_code == 200
    assert response.context["user"] == world.admin.user
    statements = _statements(captured)
    assert len(statements) == 1, statements
    assert "set_config('app.user_id'" in statements[0]
    assert '"crm_user"."password"' in statements[0]  # the user, read with the membership
    assert "set_config" in statements[0].split("; ", 1)[1]  # the tenant's, in the projection


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
    signed_in = request.user.pk if request.user.is_authenticated else None
    return HttpResponse(f"{user}|{tenant}|{wall_one}|{signed_in}")


def _request(user, membership_id, *, auth_hash=None):
    """A request through the session and authentication middleware, its session signed in as
    `user` (as django.contrib.auth.login leaves it) with `membership_id` chosen."""
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.session[SESSION_KEY] = str(user.pk)
    request.session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    request.session[HASH_SESSION_KEY] = auth_hash or user.get_session_auth_hash()
    if membership_id is not None:
        request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership_id
    AuthenticationMiddleware(lambda r: HttpResponse()).process_request(request)
    return request


def test_the_view_runs_with_both_walls_set_for_the_active_membership(world):
    request = _request(world.rep.user, world.rep.pk)
    response = TenantMiddleware(_seen_by_the_view)(request)
    rep = world.rep.user.pk
    assert response.content.decode() == f"{rep}|{world.tenant.pk}|{world.tenant.pk}|{rep}"
    assert request.membership == world.rep
    assert request.membership.user == request.user == world.rep.user
    assert request.tenant == world.tenant


def test_a_deactivated_membership_sets_no_tenant(world):
    with world.active():
        world.rep.is_active = False
        world.rep.save()
    request = _request(world.rep.user, world.rep.pk)
    response = TenantMiddleware(_seen_by_the_view)(request)
    rep = world.rep.user.pk
    assert response.content.decode() == f"{rep}||None|{rep}"
    assert request.tenant is None
    assert ACTIVE_MEMBERSHIP_SESSION_KEY not in request.session


def test_another_users_membership_sets_no_tenant(world, other_world):
    request = _request(world.rep.user, other_world.rep.pk)
    response = TenantMiddleware(_seen_by_the_view)(request)
    rep = world.rep.user.pk
    assert response.content.decode() == f"{rep}||None|{rep}"
    assert request.tenant is None


def test_without_a_chosen_tenant_the_view_still_sees_the_user(world):
    """The tenant picker reads the user's memberships through app.user_id."""
    request = _request(world.rep.user, None)
    response = TenantMiddleware(_seen_by_the_view)(request)
    rep = world.rep.user.pk
    assert response.content.decode() == f"{rep}||None|{rep}"


def test_a_session_from_before_a_password_change_sets_nothing(world):
    """The user is read with the membership before the session is checked: a session whose auth
    hash no longer matches (the password changed elsewhere) is ended, and neither wall nor the
    user's setting reaches the view."""
    request = _request(world.rep.user, world.rep.pk, auth_hash="an old password's hash")
    response = TenantMiddleware(_seen_by_the_view)(request)
    assert response.content.decode() == "||None|None"
    assert request.tenant is None and request.membership is None
    assert SESSION_KEY not in request.session  # Django's get_user flushed it


def test_a_deactivated_user_is_signed_out(world):
    user = world.rep.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    request = _request(user, world.rep.pk)
    response = TenantMiddleware(_seen_by_the_view)(request)
    assert response.content.decode() == "||None|None"
    assert request.tenant is None


def test_a_session_made_with_a_rotated_secret_carries_on_renewed(world, settings):
    """Django's own get_user decides every session but the plain one: a hash made with a secret
    now in SECRET_KEY_FALLBACKS signs in and is renewed with the current secret."""
    user = world.rep.user
    old_hash = user.get_session_auth_hash()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new secret " + "x" * 50
    request = _request(user, world.rep.pk, auth_hash=old_hash)
    response = TenantMiddleware(_seen_by_the_view)(request)
    rep = user.pk
    assert response.content.decode() == f"{rep}|{world.tenant.pk}|{world.tenant.pk}|{rep}"
    assert request.session[HASH_SESSION_KEY] == user.get_session_auth_hash() != old_hash


def test_a_session_naming_no_user_is_anonymous_without_a_statement(db):
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.session[SESSION_KEY] = "not a number"
    AuthenticationMiddleware(lambda r: HttpResponse()).process_request(request)
    with CaptureQueriesContext(connection) as captured:
        response = TenantMiddleware(lambda r: HttpResponse(str(r.tenant)))(request)
    assert response.content.decode() == "None"
    assert _statements(captured) == []


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
