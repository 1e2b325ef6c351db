"""Pages and emails reached from a message follow their reader's language, not the browser's:
the portal sign-in link's page (the contact's), the staff invitation and the password reset
(the member's own, else their team's)."""

import pytest
from django.urls import reverse

from crm.models import Role, User
from tests.conftest import sign_in
from tests.portal.helpers import link_path, reset_throttles, sent_messages

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_the_sign_in_links_page_and_the_portal_speak_the_contacts_language(client, world):
    with world.active():
        world.contact.language = "nl"
        world.contact.save(update_fields=["language"])
        email = world.contact.emails.get().email
    reset_throttles(email)
    client.post(reverse("portal:sign-in"), {"address": email}, **ENGLISH_BROWSER)
    (message,) = sent_messages(world.tenant)

    page = client.get(link_path(message), **ENGLISH_BROWSER)

    assert page.status_code == 200
    assert '<html lang="nl">' in page.content.decode()
    client.post(link_path(message), **ENGLISH_BROWSER)
    home = client.get(reverse("portal:home"), **ENGLISH_BROWSER)
    assert '<html lang="nl">' in home.content.decode()


def test_the_invitation_is_in_the_invitees_teams_language(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    world.tenant.language = "es"
    world.tenant.save(update_fields=["language"])
    world.admin.user.language = "en"  # the admin reads English; the new member has no choice yet
    world.admin.user.save(update_fields=["language"])
    sign_in(client, world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("settings:member-invite"),
            {"full_name": "Lucía Gómez", "email": "lucia@example.com", "role": Role.REP},
        )
    (invitation,) = mailoutbox
    assert invitation.subject == f"Le han añadido a {world.tenant.name} en Threadline"
    assert "Le han añadido al equipo" in invitation.body


def test_the_password_reset_is_in_the_members_language(client, world, mailoutbox):
    user: User = world.rep.user
    user.language = "nl"
    user.save(update_fields=["language"])
    client.post(reverse("password_reset"), {"email": user.email}, **ENGLISH_BROWSER)
    (reset,) = mailoutbox
    assert reset.subject == "Stel je Threadline-wachtwoord opnieuw in"
    assert "Hallo" in reset.body


def test_without_a_language_of_their_own_the_reset_is_in_their_teams(client, world, mailoutbox):
    world.tenant.language = "nl"
    world.tenant.save(update_fields=["language"])
    user: User = world.rep.user
    user.language = ""
    user.save(update_fields=["language"])
    client.post(reverse("password_reset"), {"email": user.email}, **ENGLISH_BROWSER)
    (reset,) = mailoutbox
    assert reset.subject == "Stel je Threadline-wachtwoord opnieuw in"
