"""The frame every page uses: the notification bell, request ids, flash and error pages (the
navigation by role: tests/shell/test_navigation.py)."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from crm.models import Notification, NotificationLevel
from crm.views.errors import server_error
from tests import factories
from tests.conftest import queries_for, sign_in

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id(client, world):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="edge-1234abcd")
    assert response["X-Request-ID"] == "edge-1234abcd"
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(response["X-Request-ID"]) == 32


class TestNotificationBell:
    def test_bell_counts_only_my_unread_notifications(self, client, world):
        with world.active():
            factories.NotificationFactory(tenant=world.tenant, recipient=world.rep.user)
            factories.NotificationFactory(tenant=world.tenant, recipient=world.manager.user)
        sign_in(client, world.rep)
        response = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
        assert response.context["unread_count"] == 2
        assert 'class="bell-count">2<' in response.content.decode()

    def test_marking_one_read_by_htmx_returns_the_updated_bell(self, client, world):
        sign_in(client, world.rep)
        url = reverse("notifications:read", args=[world.notification.pk])
        response = client.post(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert response.context["unread_count"] == 0
        with world.active():
            world.notification.refresh_from_db()
        assert world.notification.read_at is not None

    def test_opening_a_notification_follows_its_link_on_this_site_only(self, client, world):
        with world.active():
            safe = factories.NotificationFactory(
                tenant=world.tenant, recipient=world.rep.user, url="/contacts/"
            )
            unsafe = factories.NotificationFactory(
                tenant=world.tenant, recipient=world.rep.user, url="https://evil.example/"
            )
        sign_in(client, world.rep)
        assert client.post(reverse("notifications:read", args=[safe.pk]))["Location"] == (
            "/contacts/"
        )
        assert client.post(reverse("notifications:read", args=[unsafe.pk]))["Location"] == (
            reverse("notifications:list")
        )

    def test_mark_all_read(self, client, world):
        with world.active():
            factories.NotificationFactory.create_batch(
                3, tenant=world.tenant, recipient=world.rep.user, level=NotificationLevel.URGENT
            )
        sign_in(client, world.rep)
        client.post(reverse("notifications:read-all"))
        with world.active():
            assert not Notification.objects.filter(
                recipient=world.rep.user, read_at__isnull=True
            ).exists()

    def test_the_bell_costs_the_same_queries_with_many_notifications(self, client, world):
        sign_in(client, world.rep)
        url = reverse("notifications:bell")
        few = queries_for(client, url)
        with world.active():
            factories.NotificationFactory.create_batch(
                30, tenant=world.tenant, recipient=world.rep.user
            )
        assert queries_for(client, url) == few <= 10

    def test_get_is_not_allowed_to_change_anything(self, client, world):
        sign_in(client, world.rep)
        response = client.get(reverse("notifications:read", args=[world.notification.pk]))
        assert response.status_code == 405


class TestErrorPages:
    def test_404_uses_the_layout(self, client, world):
        sign_in(client, world.rep)
        response = client.get(reverse("contacts:detail", args=[999999]))
        assert response.status_code == 404
        assert "We couldn" in response.content.decode()
        assert "Threadline" in response.content.decode()

    def test_403_explains_the_role(self, client, world):
        sign_in(client, world.rep)
        response = client.get(reverse("settings:profile"))
        assert response.status_code == 403
        assert "Your role in this team" in response.content.decode()

    def test_500_renders_without_the_database(self, django_assert_num_queries):
        request = RequestFactory().get("/")
        with django_assert_num_queries(0):
            response = server_error(request)
        assert response.status_code == 500
        assert b"Something went wrong" in response.content


def test_flash_messages_show_after_a_redirect(client, world):
    sign_in(client, world.rep)
    response = client.post(
        reverse("contacts:create"),
        {"first_name": "Ana", "email": "ana@example.com", "preferred_channel": "email",
         "language": "en"},
        follow=True,
    )  # fmt: skip
    assert "Ana added." in response.content.decode()


@override_settings(ROOT_URLCONF="tests.crm.failing_urls")
def test_a_failing_view_answers_our_500_page_and_writes_nothing(client, world, caplog):
    sign_in(client, world.rep)
    client.raise_request_exception = False
    response = client.get("/fail/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    # The view's own error is what gets logged, not a second one from unwinding the tenant.
    assert "the view broke after writing" in caplog.text
    assert "TransactionManagementError" not in caplog.text
    with world.active():
        assert not Notification.objects.filter(title="half-done").exists()


@override_settings(ROOT_URLCONF="tests.crm.failing_urls")
def test_an_unreachable_database_answers_503_with_retry_after(client):
    client.raise_request_exception = False
    response = client.get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Back in a moment" in response.content
