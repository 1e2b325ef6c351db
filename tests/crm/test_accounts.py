"""Staff sign-in: email and password, lockout, password reset, session length, choosing a tenant."""

import re
import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from config.settings import base
from crm import auth
from crm.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
from crm.models import Role, User
from tests import factories
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
CHOOSE_URL = reverse("tenant-choose")
NEW_PASSWORD = "a-brand-new-passphrase-42"


def _login(client, email: str, password: str = TEST_PASSWORD, *, follow: bool = False):
    return client.post(LOGIN_URL, {"username": email, "password": password}, follow=follow)


def _signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def _reset_link(message) -> str:
    match = re.search(r"https?://testserver(/accounts/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


class TestLogin:
    def test_email_and_password_sign_in_and_go_to_the_tenant_picker(self, client, world):
        response = _login(client, world.rep.user.email)

        assert response.status_code == 302
        assert response["Location"] == CHOOSE_URL
        assert _signed_in_user_id(client) == str(world.rep.user.pk)

    def test_email_is_case_insensitive(self, client, world):
        user = factories.UserFactory(email="pat.jones@example.com")
        factories.MembershipFactory(tenant=world.tenant, user=user)

        response = _login(client, "  Pat.Jones@Example.COM")

        assert response.status_code == 302
        assert _signed_in_user_id(client) == str(user.pk)

    def test_wrong_password_shows_an_error_and_does_not_sign_in(self, client, world):
        response = _login(client, world.rep.user.email, "not-the-password")

        assert response.status_code == 200
        assert "correct email and password" in response.content.decode()
        assert _signed_in_user_id(client) is None

    def test_unknown_email_shows_the_same_error(self, client, world):
        response = _login(client, "nobody@staff.test", "whatever-password")

        assert response.status_code == 200
        assert "correct email and password" in response.content.decode()
        assert _signed_in_user_id(client) is None

    def test_inactive_user_cannot_sign_in(self, client, world):
        user = world.rep.user
        user.is_active = False
        user.save(update_fields=["is_active"])

        response = _login(client, user.email)

        assert response.status_code == 200
        assert _signed_in_user_id(client) is None

    def test_signed_in_user_visiting_login_is_sent_on(self, client, world):
        sign_in(client, world.rep)

        response = client.get(LOGIN_URL)

        assert response.status_code == 302


class TestLockout:
    def test_sixth_attempt_is_locked_out_even_with_the_right_password(self, client, world):
        email = world.rep.user.email
        for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
            response = _login(client, email, "wrong-password")
            assert response.status_code == 200
        _login(client, email, "wrong-password")

        response = _login(client, email, TEST_PASSWORD)

        assert response.status_code == 429
        assert "Too many sign-in attempts" in response.content.decode()
        assert _signed_in_user_id(client) is None

    def test_changing_the_case_of_the_email_does_not_escape_the_lockout(self, client, world):
        email = world.rep.user.email
        for attempt in range(django_settings.AXES_FAILURE_LIMIT):
            variant = email.upper() if attempt % 2 else email
            _login(client, variant, "wrong-password")

        response = _login(client, email.upper(), TEST_PASSWORD)

        assert response.status_code == 429
        assert _signed_in_user_id(client) is None

    def test_lockout_is_per_username(self, client, world):
        for _ in range(django_settings.AXES_FAILURE_LIMIT):
            _login(client, world.rep.user.email, "wrong-password")

        response = _login(client, world.manager.user.email)

        assert response.status_code == 302
        assert _signed_in_user_id(client) == str(world.manager.user.pk)

    def test_a_success_before_the_limit_resets_the_count(self, client, world):
        email = world.rep.user.email
        for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
            _login(client, email, "wrong-password")
        assert _login(client, email).status_code == 302
        client.post(reverse("logout"))
        for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
            _login(client, email, "wrong-password")

        assert _login(client, email).status_code == 302


class TestLockoutAcrossAddresses:
    """An account locks after the limit from any mix of addresses; one address guessing at many
    accounts is limited too; every refusal reads the same, for a real email or not."""

    def test_an_account_locks_whichever_addresses_the_wrong_passwords_came_from(
        self, client, world
    ):
        email = world.rep.user.email
        for attempt in range(django_settings.AXES_FAILURE_LIMIT):
            client.post(
                LOGIN_URL,
                {"username": email, "password": "wrong-password"},
                REMOTE_ADDR=f"198.51.100.{attempt + 1}",
            )

        response = client.post(
            LOGIN_URL, {"username": email, "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.2"
        )

        assert response.status_code == 429
        assert "Too many sign-in attempts" in response.content.decode()
        assert _signed_in_user_id(client) is None

    def test_one_address_guessing_at_many_accounts_is_stopped(self, client, world):
        for number in range(auth.FAILED_SIGN_INS_PER_CLIENT):
            response = client.post(
                LOGIN_URL,
                {"username": f"guess-{number}@staff.test", "password": "wrong-password"},
                REMOTE_ADDR="10.0.0.1",
            )
            assert response.status_code == 200

        refused = client.post(
            LOGIN_URL,
            {"username": world.rep.user.email, "password": TEST_PASSWORD},
            REMOTE_ADDR="10.0.0.1",
        )
        elsewhere = client.post(
            LOGIN_URL,
            {"username": world.rep.user.email, "password": TEST_PASSWORD},
            REMOTE_ADDR="10.0.0.2",
        )

        assert refused.status_code == 429
        assert "Too many sign-in attempts" in refused.content.decode()
        assert elsewhere.status_code == 302  # the account itself is not locked

    def test_an_unknown_email_locks_out_with_the_same_page(self, client, world):
        pages = []
        for email in (world.rep.user.email, "nobody@staff.test"):
            for _ in range(django_settings.AXES_FAILURE_LIMIT):
                _login(client, email, "wrong-password")
            response = _login(client, email, "another-wrong-password")
            pages.append((response.status_code, response.content))

        assert pages[0] == pages[1]
        assert pages[0][0] == 429

    def test_a_password_reset_unlocks_the_account(self, client, world, mailoutbox):
        email = world.rep.user.email
        for _ in range(django_settings.AXES_FAILURE_LIMIT):
            _login(client, email, "wrong-password")
        assert _login(client, email).status_code == 429

        client.post(reverse("password_reset"), {"email": email})
        set_password_url = client.get(_reset_link(mailoutbox[0]))["Location"]
        client.post(
            set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )

        assert _login(client, email, NEW_PASSWORD).status_code == 302


class TestPasswordResetLimits:
    def test_resets_for_one_email_are_limited_known_or_not(self, client, world, mailoutbox):
        answers = {}
        unknown = f"nobody-{uuid.uuid4().hex[:8]}@staff.test"
        for email in (world.rep.user.email, unknown):
            codes = []
            for number in range(auth.RESETS_PER_EMAIL + 1):
                response = client.post(
                    reverse("password_reset"),
                    {"email": email},
                    REMOTE_ADDR=f"198.51.100.{number + 1}",
                )
                codes.append(response.status_code)
            answers[email] = (codes, response.content)

        assert answers[world.rep.user.email] == answers[unknown]
        codes, page = answers[unknown]
        assert codes == [302] * auth.RESETS_PER_EMAIL + [429]
        assert "Too many reset requests" in page.decode()
        assert len(mailoutbox) == auth.RESETS_PER_EMAIL

    def test_resets_from_one_address_are_limited_across_emails(self, client, world, mailoutbox):
        for number in range(auth.RESETS_PER_CLIENT):
            response = client.post(
                reverse("password_reset"), {"email": f"guess-{number}@staff.test"}
            )
            assert response.status_code == 302

        refused = client.post(reverse("password_reset"), {"email": world.rep.user.email})

        assert refused.status_code == 429
        assert mailoutbox == []


class TestPasswordHashing:
    def test_new_passwords_are_hashed_with_argon2(self, settings, world):
        settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
        user = world.rep.user

        user.set_password("another-long-passphrase")
        user.save(update_fields=["password"])

        user.refresh_from_db()
        assert user.password.startswith("argon2")
        assert user.check_password("another-long-passphrase")

    def test_a_pbkdf2_hash_still_works_and_is_upgraded_to_argon2(self, client, settings, world):
        settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
        user = world.rep.user
        user.password = make_password(TEST_PASSWORD, hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])

        assert _login(client, user.email).status_code == 302

        user.refresh_from_db()
        assert user.password.startswith("argon2")


class TestPasswordReset:
    def test_reset_by_email_then_sign_in_with_the_new_password(self, client, world, mailoutbox):
        user = world.rep.user

        response = client.post(reverse("password_reset"), {"email": user.email})
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == [user.email]
        assert message.subject == "Reset your Threadline password"

        response = client.get(_reset_link(message))
        assert response.status_code == 302
        set_password_url = response["Location"]
        assert set_password_url.endswith("/set-password/")
        response = client.get(set_password_url)
        assert response.status_code == 200
        assert "Choose a new password" in response.content.decode()

        response = client.post(
            set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_complete")

        assert _login(client, user.email, TEST_PASSWORD).status_code == 200
        assert _login(client, user.email, NEW_PASSWORD).status_code == 302
        assert _signed_in_user_id(client) == str(user.pk)

    def test_the_link_works_only_once(self, client, world, mailoutbox):
        client.post(reverse("password_reset"), {"email": world.rep.user.email})
        link = _reset_link(mailoutbox[0])
        set_password_url = client.get(link)["Location"]
        client.post(
            set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )

        response = client.get(link, follow=True)

        assert "This link has expired" in response.content.decode()

    def test_a_weak_new_password_is_refused(self, client, world, mailoutbox):
        client.post(reverse("password_reset"), {"email": world.rep.user.email})
        set_password_url = client.get(_reset_link(mailoutbox[0]))["Location"]

        response = client.post(
            set_password_url, {"new_password1": "short", "new_password2": "short"}
        )

        assert response.status_code == 200
        world.rep.user.refresh_from_db()
        assert world.rep.user.check_password(TEST_PASSWORD)

    def test_unknown_email_sends_nothing_but_shows_the_same_page(self, client, world, mailoutbox):
        response = client.post(
            reverse("password_reset"), {"email": "nobody@staff.test"}, follow=True
        )

        assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
        assert "Check your email" in response.content.decode()
        assert mailoutbox == []


class TestSession:
    def test_session_lasts_twelve_hours(self, client, world):
        assert django_settings.SESSION_COOKIE_AGE == 12 * 60 * 60

        _login(client, world.rep.user.email)

        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        assert int(cookie["max-age"]) == 12 * 60 * 60
        assert cookie["httponly"]

    def test_logout_is_post_only_and_ends_the_session(self, client, world):
        _login(client, world.rep.user.email)
        client.get(CHOOSE_URL)

        assert client.get(reverse("logout")).status_code == 405
        assert _signed_in_user_id(client) == str(world.rep.user.pk)

        response = client.post(reverse("logout"))

        assert response.status_code == 302
        assert response["Location"] == LOGIN_URL
        assert _signed_in_user_id(client) is None
        assert ACTIVE_MEMBERSHIP_SESSION_KEY not in client.session
        response = client.get(reverse("contacts:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)

    def test_anonymous_user_is_sent_to_login_with_next(self, client, world):
        response = client.get(reverse("contacts:list"))

        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN_URL}?next=/contacts/"

    def test_anonymous_user_on_the_tenant_picker_is_sent_to_login(self, client, world):
        response = client.get(CHOOSE_URL)

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)


@pytest.fixture
def two_team_member(world, other_world):
    """The world's rep, who also works for the other world's tenant as a manager."""
    second = factories.MembershipFactory(
        tenant=other_world.tenant, user=world.rep.user, role=Role.MANAGER
    )
    return world.rep, second


class TestTenantChoice:
    def test_one_membership_is_chosen_automatically(self, client, world):
        _login(client, world.rep.user.email)

        response = client.get(CHOOSE_URL)

        assert response.status_code == 302
        assert response["Location"] == "/"
        assert client.session[ACTIVE_MEMBERSHIP_SESSION_KEY] == world.rep.pk

    def test_login_then_landing_page_shows_the_tenant(self, client, world):
        response = _login(client, world.rep.user.email, follow=True)
        response = client.get(reverse("contacts:list"))

        assert response.status_code == 200
        assert world.tenant.name in response.content.decode()

    def test_two_memberships_list_both_tenants(self, client, world, other_world, two_team_member):
        _login(client, world.rep.user.email)

        response = client.get(CHOOSE_URL)

        assert response.status_code == 200
        page = response.content.decode()
        assert world.tenant.name in page
        assert other_world.tenant.name in page
        assert ACTIVE_MEMBERSHIP_SESSION_KEY not in client.session

    def test_choosing_a_membership_makes_it_active(
        self, client, world, other_world, two_team_member
    ):
        _, second = two_team_member
        _login(client, world.rep.user.email)

        response = client.post(CHOOSE_URL, {"membership_id": second.pk})

        assert response.status_code == 302
        assert response["Location"] == "/"
        assert client.session[ACTIVE_MEMBERSHIP_SESSION_KEY] == second.pk
        page = client.get(reverse("contacts:list")).content.decode()
        assert f'<span class="tenant-name">{other_world.tenant.name}</span>' in page

    def test_someone_elses_membership_cannot_be_chosen(self, client, world, other_world):
        _login(client, world.rep.user.email)

        response = client.post(CHOOSE_URL, {"membership_id": other_world.rep.pk})

        assert response.status_code == 400
        assert ACTIVE_MEMBERSHIP_SESSION_KEY not in client.session

    def test_garbage_membership_id_is_refused(self, client, world):
        _login(client, world.rep.user.email)

        response = client.post(CHOOSE_URL, {"membership_id": "not-a-number"})

        assert response.status_code == 400
        assert ACTIVE_MEMBERSHIP_SESSION_KEY not in client.session

    def test_an_inactive_membership_is_neither_listed_nor_chosen(
        self, client, world, other_world, two_team_member
    ):
        _, second = two_team_member
        factories.MembershipFactory(
            tenant=factories.TenantFactory(name="Closed Shop Inc"),
            user=world.rep.user,
            is_active=False,
        )
        with other_world.active():
            second.is_active = False
            second.save(update_fields=["is_active"])
        _login(client, world.rep.user.email)
        client.post(CHOOSE_URL, {"membership_id": world.rep.pk})

        page = client.get(CHOOSE_URL).content.decode()
        assert world.tenant.name in page
        assert other_world.tenant.name not in page
        assert "Closed Shop Inc" not in page

        response = client.post(CHOOSE_URL, {"membership_id": second.pk})
        assert response.status_code == 400
        assert client.session[ACTIVE_MEMBERSHIP_SESSION_KEY] == world.rep.pk

    def test_a_membership_deactivated_after_choosing_stops_working(self, client, world):
        _login(client, world.rep.user.email)
        client.get(CHOOSE_URL)
        with world.active():
            world.rep.is_active = False
            world.rep.save(update_fields=["is_active"])

        response = client.get(reverse("contacts:list"))

        assert response.status_code == 302
        assert response["Location"] == CHOOSE_URL
        assert ACTIVE_MEMBERSHIP_SESSION_KEY not in client.session

    def test_switching_tenants_switches_the_contacts(
        self, client, world, other_world, two_team_member
    ):
        first, second = two_team_member
        factories.ContactFactory(tenant=world.tenant, first_name="Alvarado", last_name="Roofing")
        factories.ContactFactory(tenant=other_world.tenant, first_name="Bjornsson", last_name="EV")
        _login(client, world.rep.user.email)

        client.post(CHOOSE_URL, {"membership_id": first.pk})
        page = client.get(reverse("contacts:list")).content.decode()
        assert "Alvarado Roofing" in page
        assert "Bjornsson EV" not in page
        assert world.contact.display_name in page

        client.post(CHOOSE_URL, {"membership_id": second.pk})
        page = client.get(reverse("contacts:list")).content.decode()
        assert "Bjornsson EV" in page
        assert "Alvarado Roofing" not in page
        assert world.contact.display_name not in page
        assert other_world.contact.display_name in page

    def test_the_picker_marks_the_current_tenant(self, client, world, other_world, two_team_member):
        first, _ = two_team_member
        _login(client, world.rep.user.email)
        client.post(CHOOSE_URL, {"membership_id": first.pk})

        page = client.get(CHOOSE_URL).content.decode()

        assert "· current" in page
        assert page.count("choice current") == 1

    def test_same_host_next_is_honoured(self, client, world, other_world, two_team_member):
        _, second = two_team_member
        _login(client, world.rep.user.email)

        response = client.post(CHOOSE_URL, {"membership_id": second.pk, "next": "/contacts/"})

        assert response["Location"] == "/contacts/"

    @pytest.mark.parametrize(
        "target",
        ["https://evil.example/", "//evil.example/", "http://evil.example/contacts/"],
    )
    def test_external_next_goes_home_instead(
        self, client, world, other_world, two_team_member, target
    ):
        _, second = two_team_member
        _login(client, world.rep.user.email)

        response = client.post(CHOOSE_URL, {"membership_id": second.pk, "next": target})

        assert response.status_code == 302
        assert response["Location"] == "/"

    def test_external_next_on_automatic_choice_goes_home(self, client, world):
        _login(client, world.rep.user.email)

        response = client.get(CHOOSE_URL, {"next": "https://evil.example/"})

        assert response["Location"] == "/"

    def test_next_survives_login_and_the_picker(self, client, world, other_world, two_team_member):
        _, second = two_team_member
        login_page = client.get(reverse("contacts:list"))["Location"]

        response = client.post(
            login_page,
            {"username": world.rep.user.email, "password": TEST_PASSWORD, "next": "/contacts/"},
        )
        assert response.status_code == 302
        assert response["Location"] == f"{CHOOSE_URL}?next=%2Fcontacts%2F"
        picker = client.get(response["Location"])
        assert picker.status_code == 200
        assert 'name="next" value="/contacts/"' in picker.content.decode()

        response = client.post(
            response["Location"], {"membership_id": second.pk, "next": "/contacts/"}
        )
        assert response["Location"] == "/contacts/"

    def test_login_drops_an_external_next(self, client, world):
        response = client.post(
            f"{LOGIN_URL}?next=https://evil.example/",
            {"username": world.rep.user.email, "password": TEST_PASSWORD},
        )

        assert response["Location"] == CHOOSE_URL

    def test_next_survives_login_with_one_membership(self, client, world):
        response = client.post(
            f"{LOGIN_URL}?next=/contacts/",
            {"username": world.rep.user.email, "password": TEST_PASSWORD, "next": "/contacts/"},
            follow=True,
        )

        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == "/contacts/"
        assert response.request["PATH_INFO"] == "/contacts/"

    def test_user_without_a_team_is_told_so(self, client, db):
        user = factories.UserFactory()

        assert _login(client, user.email).status_code == 302
        response = client.get(CHOOSE_URL)

        assert response.status_code == 200
        assert "No team yet" in response.content.decode()
        assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_the_platform_admin_login_locks_out_too(client, world):
    url = reverse("admin:login")
    email = world.admin.user.email
    for _ in range(5):
        client.post(url, {"username": email.upper(), "password": "wrong-password"})
    response = client.post(url, {"username": email, "password": TEST_PASSWORD})
    assert response.status_code == 429
