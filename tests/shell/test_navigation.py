"""The navigation every staff page carries, by role (shell.context_processors)."""

import pytest
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _nav_labels(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"]]


def test_a_rep_sees_the_sections_of_their_role(client, world):
    sign_in(client, world.rep)
    response = client.get(reverse("contacts:list"))
    assert response.status_code == 200
    assert "Settings" not in _nav_labels(response)
    assert "Contacts" in _nav_labels(response)
    page = response.content.decode()
    assert world.tenant.name in page
    assert world.rep.user.initials in page


def test_an_admin_also_sees_settings(client, world):
    sign_in(client, world.admin)
    response = client.get(reverse("contacts:list"))
    assert "Settings" in _nav_labels(response)
