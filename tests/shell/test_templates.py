"""The shell's pages render templates of its own (templates/shell/), not crm's or leads'."""

import pytest
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_shells_pages_render_its_own_templates(client, world):
    sign_in(client, world.rep)  # a rep's home is the shell's page; others land on the dashboard
    contact = reverse("contacts:detail", kwargs={"contact_pk": world.contact.pk})
    for url, template in [
        (reverse("home"), "shell/home.html"),
        (reverse("contacts:list"), "shell/contacts/list.html"),
        (contact, "shell/contacts/detail.html"),
        (reverse("leads:list"), "shell/leads/list.html"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert template in [used.name for used in response.templates], url
