"""The portal session is its own: separate from staff sessions both ways, rotated at sign-in,
gone at sign-out, and dropped when the proven address leaves the contact."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from crm.models import ContactEmail
from portal.sessions import COOKIE_PATH, cookie_name
from tests.conftest import sign_in
from tests.portal.helpers import code_in, portal_sign_in, sent_messages

pytestmark = pytest.mark.django_db

HOME = reverse("portal:home")


def test_a_staff_session_does_not_open_the_portal(client, world):
    sign_in(client, world.admin)

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))


def test_a_portal_session_is_not_a_staff_session(client, world):
    portal_sign_in(client, world.tenant, world.contact)
    assert client.get(HOME).status_code == 200

    for staff_page in (reverse("contacts:list"), reverse("leads:list"), reverse("home")):
        response = client.get(staff_page)
        assert response.status_code == 302, staff_page
        assert response["Location"].startswith(reverse("login"))


def test_staff_and_portal_sessions_live_side_by_side_and_end_apart(client, world):
    sign_in(client, world.admin)
    portal_sign_in(client, world.tenant, world.contact)
    assert client.get(HOME).status_code == 200
    assert client.get(reverse("contacts:list")).status_code == 200

    client.post(reverse("logout"))
    assert client.get(HOME).status_code == 200  # the staff sign-out left the portal alone

    sign_in(client, world.admin)
    client.post(reverse("portal:sign-out"))
    assert client.get(HOME).status_code == 302
    assert client.get(reverse("contacts:list")).status_code == 200


def test_the_portal_cookie_is_http_only_and_sent_to_the_portal_only(client, world):
    client.post(reverse("portal:sign-in"), {"address": "+13055550100"})

    cookie = client.cookies[cookie_name()]

    assert cookie["httponly"]
    assert cookie["path"] == COOKIE_PATH
    assert cookie["samesite"] == "Lax"


def test_signing_in_rotates_the_session_key(client, world):
    with world.active():
        phone = str(world.contact.phones.get().number)
    client.post(reverse("portal:sign-in"), {"address": phone})
    planted = client.cookies[cookie_name()].value
    code = code_in(sent_messages(world.tenant)[0])

    client.post(reverse("portal:sign-in-code"), {"code": code})

    rotated = client.cookies[cookie_name()].value
    assert rotated != planted
    assert not SessionStore().exists(planted)
    assert client.get(HOME).status_code == 200


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(client, world):
    portal_sign_in(client, world.tenant, world.contact)
    stolen = client.cookies[cookie_name()].value

    response = client.post(reverse("portal:sign-out"))

    assert response["Location"] == reverse("portal:signed-out")
    assert client.cookies[cookie_name()].value == ""
    thief = client.__class__()
    thief.cookies[cookie_name()] = stolen
    assert thief.get(HOME).status_code == 302


def test_sign_out_needs_a_post(client, world):
    portal_sign_in(client, world.tenant, world.contact)

    assert client.get(reverse("portal:sign-out")).status_code == 405
    assert client.get(HOME).status_code == 200


def test_the_session_ends_when_staff_take_the_address_off_the_contact(client, world):
    portal_sign_in(client, world.tenant, world.contact)
    with world.active():
        ContactEmail.objects.filter(contact=world.contact).update(email="corrected@example.com")

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))
    assert client.get(reverse("portal:sign-in")).status_code == 200  # no redirect loop


def test_a_signed_in_customer_is_sent_home_from_the_sign_in_page(client, world):
    portal_sign_in(client, world.tenant, world.contact)

    assert client.get(reverse("portal:sign-in"))["Location"] == HOME
