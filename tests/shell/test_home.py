"""The home page: a rep's day at a glance; managers and admins land on the dashboard."""

import pytest
from django.urls import reverse

from tests.conftest import sign_in
from tests.followups.test_pages import follow_up_for

pytestmark = pytest.mark.django_db


def test_home_lands_managers_on_the_dashboard(client, world):
    for membership in (world.manager, world.admin):
        sign_in(client, membership)
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboards:home")


def test_a_reps_home_shows_the_widget_and_whats_next(client, world):
    follow_up_for(world, subject="Call Maria back")
    sign_in(client, world.rep)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "fu-widget" in html and "Call Maria back" in html
    assert response.context["follow_up_stats"].pending == 1
    sign_in(client, world.manager)
    assert client.get("/").status_code == 302
