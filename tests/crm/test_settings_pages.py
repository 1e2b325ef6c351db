"""/settings/: the tenant admin pages (profile, brands, team, audit trail)."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from crm.models import WEEKDAYS, Brand, Expertise, Membership, Role, Tenant, User
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NINE_TO_FIVE = {day: ("09:00", "17:00") for day in WEEKDAYS[:5]}


def _hours_fields(hours: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Form fields for a week; days missing from `hours` are closed (both times empty)."""
    fields = {}
    for day in WEEKDAYS:
        start, end = hours.get(day, ("", ""))
        fields[f"{day}_start"] = start
        fields[f"{day}_end"] = end
    return fields


def _profile_data(tenant, hours=NINE_TO_FIVE, **overrides) -> dict:
    data = {
        "name": tenant.name,
        "time_zone": tenant.time_zone,
        "language": tenant.language,
        "currency": tenant.currency,
        "country": tenant.country,
        "home_state": tenant.home_state,
        **_hours_fields(hours),
    }
    data.update(overrides)
    return data


def _brand_data(brand=None, **overrides) -> dict:
    data = {
        "name": "Sunrise Solar",
        "slug": "sunrise-solar",
        "sender_name": "Sunrise Solar team",
        "sender_email": "hello@sunrise.test",
        "reply_to_email": "",
        "sms_number": "",
        "website": "",
    }
    if brand is not None:
        data.update(
            name=brand.name,
            slug=brand.slug,
            sender_name=brand.sender_name,
            sender_email=brand.sender_email,
            reply_to_email=brand.reply_to_email,
            sms_number=str(brand.sms_number or ""),
            website=brand.website,
        )
        if brand.is_default:
            data["is_default"] = "on"
        if brand.is_archived:
            data["is_archived"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


def _member_data(membership, hours=NINE_TO_FIVE, **overrides) -> dict:
    data = {
        "role": membership.role,
        "is_active": "on" if membership.is_active else False,
        "title": membership.title,
        "expertise": membership.expertise,
        "capacity": "" if membership.capacity is None else str(membership.capacity),
        "territories": ", ".join(membership.territories),
        **_hours_fields(hours),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


def _edit_member(client, membership, **changes):
    return client.post(
        reverse("settings:member-edit", kwargs={"membership_pk": membership.pk}),
        _member_data(membership, **changes),
    )


def _errors(response) -> list[str]:
    return re.findall(r'<small class="error">([^<]*)</small>', response.content.decode())


def _page(response) -> str:
    return response.content.decode()


SETTINGS_PAGES = [
    ("settings:profile", {}),
    ("settings:brands", {}),
    ("settings:brand-create", {}),
    ("settings:brand-edit", {"brand_pk": "brand"}),
    ("settings:team", {}),
    ("settings:member-edit", {"membership_pk": "membership"}),
    ("settings:audit", {}),
]


def _settings_url(world, name, kwargs) -> str:
    objects = {"brand": world.brand.pk, "membership": world.rep.pk}
    return reverse(name, kwargs={key: objects[value] for key, value in kwargs.items()})


class TestOnlyAdmins:
    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    @pytest.mark.parametrize(("name", "kwargs"), SETTINGS_PAGES)
    def test_managers_and_reps_get_403(self, client, world, role, name, kwargs):
        sign_in(client, world.membership(role))

        response = client.get(_settings_url(world, name, kwargs))

        assert response.status_code == 403

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
    def test_managers_and_reps_cannot_post_either(self, client, world, mailoutbox, role):
        sign_in(client, world.membership(role))

        responses = [
            client.post(reverse("settings:profile"), _profile_data(world.tenant, name="Hijacked")),
            client.post(reverse("settings:brand-create"), _brand_data()),
            client.post(
                reverse("settings:member-invite"),
                {"full_name": "Eve", "email": "eve@evil.test", "role": Role.ADMIN},
            ),
            _edit_member(client, world.rep, role=Role.ADMIN),
        ]

        assert [r.status_code for r in responses] == [403] * 4
        world.tenant.refresh_from_db()
        assert world.tenant.name == "Gulf Coast Roofing"
        assert not User.objects.filter(email="eve@evil.test").exists()
        with world.active():
            assert not Brand.objects.filter(slug="sunrise-solar").exists()
            assert Membership.objects.get(pk=world.rep.pk).role == Role.REP
        assert mailoutbox == []

    @pytest.mark.parametrize(("name", "kwargs"), SETTINGS_PAGES)
    def test_admin_opens_every_page(self, client, world, name, kwargs):
        sign_in(client, world.admin)

        response = client.get(_settings_url(world, name, kwargs))

        assert response.status_code == 200

    @pytest.mark.parametrize(("name", "kwargs"), SETTINGS_PAGES)
    def test_anonymous_is_sent_to_login(self, client, world, name, kwargs):
        url = _settings_url(world, name, kwargs)

        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")

    def test_settings_link_shows_for_admins_only(self, client, world):
        sign_in(client, world.admin)
        assert 'href="/settings/"' in _page(client.get(reverse("contacts:list")))

        sign_in(client, world.manager)
        assert 'href="/settings/"' not in _page(client.get(reverse("contacts:list")))

    def test_another_tenants_brand_and_member_are_not_found(self, client, world, other_world):
        sign_in(client, world.admin)

        brand = client.get(
            reverse("settings:brand-edit", kwargs={"brand_pk": other_world.brand.pk})
        )
        member = client.get(
            reverse("settings:member-edit", kwargs={"membership_pk": other_world.rep.pk})
        )

        assert (brand.status_code, member.status_code) == (404, 404)


class TestProfile:
    def test_admin_changes_name_time_zone_and_hours(self, client, world):
        sign_in(client, world.admin)
        hours = {
            "mon": ("08:00", "17:00"),
            "tue": ("08:00", "17:00"),
            "wed": ("08:00", "17:00"),
            "thu": ("08:00", "17:00"),
            "fri": ("08:00", "12:30"),
        }

        response = client.post(
            reverse("settings:profile"),
            _profile_data(
                world.tenant,
                hours=hours,
                name="Gulf Coast Roofing & Solar",
                time_zone="America/Chicago",
                currency="EUR",
                country="NL",
                home_state="Utrecht",
            ),
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("settings:profile")
        world.tenant.refresh_from_db()
        assert world.tenant.name == "Gulf Coast Roofing & Solar"
        assert world.tenant.time_zone == "America/Chicago"
        assert (world.tenant.currency, world.tenant.country) == ("EUR", "NL")
        assert world.tenant.home_state == "Utrecht"
        assert world.tenant.business_hours == {
            "mon": [["08:00", "17:00"]],
            "tue": [["08:00", "17:00"]],
            "wed": [["08:00", "17:00"]],
            "thu": [["08:00", "17:00"]],
            "fri": [["08:00", "12:30"]],
            "sat": [],
            "sun": [],
        }
        page = _page(client.get(reverse("settings:profile")))
        assert "Business profile saved." in page
        assert escape("Gulf Coast Roofing & Solar") in page
        assert 'value="12:30"' in page

    def test_the_form_shows_the_current_hours(self, client, world):
        sign_in(client, world.admin)

        page = _page(client.get(reverse("settings:profile")))

        assert page.count('value="08:00"') == 5
        assert page.count('value="17:00"') == 5

    def test_end_before_start_is_an_error_and_saves_nothing(self, client, world):
        sign_in(client, world.admin)
        before = Tenant.objects.get(pk=world.tenant.pk)
        hours = {**NINE_TO_FIVE, "wed": ("17:00", "09:00")}

        response = client.post(
            reverse("settings:profile"),
            _profile_data(world.tenant, hours=hours, name="Renamed"),
        )

        assert response.status_code == 200
        assert "Give an opening time before the closing time." in _errors(response)
        world.tenant.refresh_from_db()
        assert world.tenant.name == before.name
        assert world.tenant.business_hours == before.business_hours

    def test_only_one_time_of_a_day_is_an_error(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:profile"),
            _profile_data(world.tenant, hours={**NINE_TO_FIVE, "sat": ("10:00", "")}),
        )

        assert response.status_code == 200
        assert "Give an opening time before the closing time." in _errors(response)

    @pytest.mark.parametrize("currency", ["usd1", "US", "12$"])
    def test_invalid_currency_is_rejected(self, client, world, currency):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:profile"), _profile_data(world.tenant, currency=currency)
        )

        assert response.status_code == 200
        assert _errors(response)
        world.tenant.refresh_from_db()
        assert world.tenant.currency == "USD"

    def test_unknown_time_zone_is_rejected(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:profile"), _profile_data(world.tenant, time_zone="Mars/Olympus")
        )

        assert response.status_code == 200
        world.tenant.refresh_from_db()
        assert world.tenant.time_zone == "America/New_York"

    def test_a_refused_change_does_not_show_as_the_tenant_name(self, client, world):
        sign_in(client, world.admin)
        hours = {**NINE_TO_FIVE, "wed": ("17:00", "09:00")}

        response = client.post(
            reverse("settings:profile"),
            _profile_data(world.tenant, hours=hours, name="Not Saved Yet"),
        )

        page = _page(response)
        assert '<span class="tenant-name">Gulf Coast Roofing</span>' in page
        assert 'value="Not Saved Yet"' in page


class TestBrands:
    def test_create_a_brand(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:brand-create"),
            _brand_data(sms_number="+1 305 555 0199", website="https://sunrise.test"),
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("settings:brands")
        with world.active():
            brand = Brand.objects.get(slug="sunrise-solar")
        assert brand.tenant_id == world.tenant.pk
        assert brand.name == "Sunrise Solar"
        assert str(brand.sms_number) == "+13055550199"
        assert not brand.is_default
        page = _page(client.get(reverse("settings:brands")))
        assert "Brand Sunrise Solar saved." in page
        assert "Sunrise Solar" in page

    def test_a_website_without_a_scheme_is_read_as_https(self, client, world):
        sign_in(client, world.admin)

        client.post(reverse("settings:brand-create"), _brand_data(website="sunrise.test"))

        with world.active():
            assert Brand.objects.get(slug="sunrise-solar").website == "https://sunrise.test"

    def test_a_new_default_brand_undefaults_the_old_one(self, client, world):
        sign_in(client, world.admin)

        response = client.post(reverse("settings:brand-create"), _brand_data(is_default="on"))

        assert response.status_code == 302
        with world.active():
            defaults = list(Brand.objects.filter(is_default=True).values_list("slug", flat=True))
        assert defaults == ["sunrise-solar"]

    def test_making_an_existing_brand_default_undefaults_the_old_one(self, client, world):
        second = factories.BrandFactory(tenant=world.tenant)
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:brand-edit", kwargs={"brand_pk": second.pk}),
            _brand_data(second, is_default="on"),
        )

        assert response.status_code == 302
        with world.active():
            assert list(Brand.objects.filter(is_default=True)) == [second]

    def test_the_other_tenants_default_is_untouched(self, client, world, other_world):
        sign_in(client, world.admin)

        client.post(reverse("settings:brand-create"), _brand_data(is_default="on"))

        with other_world.active():
            assert Brand.objects.get(pk=other_world.brand.pk).is_default

    def test_duplicate_slug_in_the_same_tenant_is_an_error(self, client, world):
        sign_in(client, world.admin)

        response = client.post(reverse("settings:brand-create"), _brand_data(slug=world.brand.slug))

        assert response.status_code == 200
        assert "Another brand already uses this short name." in _errors(response)
        with world.active():
            assert Brand.objects.count() == 1

    def test_same_slug_in_another_tenant_is_fine(self, client, world, other_world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:brand-create"), _brand_data(slug=other_world.brand.slug)
        )

        assert response.status_code == 302
        with world.active():
            assert Brand.objects.filter(slug=other_world.brand.slug).exists()

    def test_editing_a_brand_keeps_its_own_slug(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:brand-edit", kwargs={"brand_pk": world.brand.pk}),
            _brand_data(world.brand, name="Gulf Coast Metal Roofs"),
        )

        assert response.status_code == 302
        with world.active():
            world.brand.refresh_from_db()
        assert world.brand.name == "Gulf Coast Metal Roofs"
        assert world.brand.is_default

    @pytest.mark.parametrize("number", ["12345", "not a number", "+1 555"])
    def test_invalid_sms_number_is_an_error(self, client, world, number):
        sign_in(client, world.admin)

        response = client.post(reverse("settings:brand-create"), _brand_data(sms_number=number))

        assert response.status_code == 200
        assert _errors(response)
        with world.active():
            assert not Brand.objects.filter(slug="sunrise-solar").exists()

    def test_invalid_sender_email_is_an_error(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:brand-create"), _brand_data(sender_email="not-an-email")
        )

        assert response.status_code == 200
        assert _errors(response)

    def test_archive_a_brand(self, client, world):
        second = factories.BrandFactory(tenant=world.tenant, name="Old Name Roofing")
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:brand-edit", kwargs={"brand_pk": second.pk}),
            _brand_data(second, is_archived="on"),
        )

        assert response.status_code == 302
        with world.active():
            second.refresh_from_db()
        assert second.is_archived
        page = _page(client.get(reverse("settings:brands")))
        assert '<span class="badge">archived</span>' in page

    def test_archiving_the_default_brand_is_refused_not_ignored(self, client, world):
        sign_in(client, world.admin)

        response = client.post(
            reverse("settings:brand-edit", kwargs={"brand_pk": world.brand.pk}),
            _brand_data(world.brand, is_archived="on"),
        )

        assert response.status_code == 200
        assert (
            "The default brand cannot be archived: make another brand the default first."
            in _errors(response)
        )
        with world.active():
            world.brand.refresh_from_db()
        assert world.brand.is_default
        assert not world.brand.is_archived

    def test_an_archived_brand_is_not_offered_for_new_contacts(self, client, world):
        archived = factories.BrandFactory(
            tenant=world.tenant, name="Retired Brand", is_archived=True
        )
        sign_in(client, world.admin)

        page = _page(client.get(reverse("contacts:create")))

        assert "Retired Brand" not in page
        assert f'value="{archived.pk}"' not in page
        assert world.brand.name in page


@pytest.fixture
def invite(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.admin)

    def post(email, full_name="New Person", role=Role.REP):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("settings:member-invite"),
                {"full_name": full_name, "email": email, "role": role},
            )

    return post


class TestTeam:
    def test_team_page_lists_the_members(self, client, world):
        sign_in(client, world.admin)

        page = _page(client.get(reverse("settings:team")))

        for membership in (world.admin, world.manager, world.rep):
            assert membership.user.email in page
        assert "Sales rep" in page

    def test_invite_a_new_person(self, client, world, invite, mailoutbox):
        response = invite("Casey.Newman@Example.com", full_name=" Casey Newman ", role=Role.MANAGER)

        assert response.status_code == 302
        assert response["Location"] == reverse("settings:team")
        user = User.objects.get(email="casey.newman@example.com")
        assert user.full_name == "Casey Newman"
        assert not user.has_usable_password()
        with world.active():
            membership = Membership.objects.get(user=user)
        assert membership.tenant_id == world.tenant.pk
        assert membership.role == Role.MANAGER
        assert membership.is_active

        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == ["casey.newman@example.com"]
        assert world.tenant.name in message.subject
        assert world.tenant.name in message.body
        link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
        assert link, message.body
        page = _page(client.get(reverse("settings:team")))
        assert "casey.newman@example.com joined the team." in page

    def test_inviting_someone_who_never_set_a_password_sends_a_fresh_link(
        self, client, world, invite, mailoutbox
    ):
        invite("casey@example.com", role=Role.REP)
        response = invite("casey@example.com", role=Role.REP)
        assert response.status_code == 302
        assert len(mailoutbox) == 2
        with world.active():
            assert Membership.objects.filter(user__email="casey@example.com").count() == 1

    def test_the_invitation_link_sets_a_password_and_signs_in(
        self, client, world, invite, mailoutbox
    ):
        invite("casey@example.com", role=Role.REP)
        link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
        client.post(reverse("logout"))

        set_password_url = client.get(link)["Location"]
        response = client.post(
            set_password_url,
            {"new_password1": "a-fresh-passphrase-7", "new_password2": "a-fresh-passphrase-7"},
        )
        assert response.status_code == 302

        response = client.post(
            reverse("login"),
            {"username": "casey@example.com", "password": "a-fresh-passphrase-7"},
        )
        assert response.status_code == 302
        response = client.get(reverse("tenant-choose"))
        assert response["Location"] == "/"
        page = _page(client.get(reverse("contacts:list")))
        assert world.tenant.name in page

    def test_inviting_an_active_member_is_a_form_error(self, client, world, invite, mailoutbox):
        response = invite(world.rep.user.email.upper(), role=Role.ADMIN)

        assert response.status_code == 400
        assert f"{world.rep.user.email} is already on the team." in _errors(response)
        with world.active():
            assert Membership.objects.get(pk=world.rep.pk).role == Role.REP
            assert Membership.objects.count() == 3
        assert mailoutbox == []

    def test_inviting_a_user_from_another_tenant_adds_a_membership_only(
        self, client, world, other_world, invite, mailoutbox
    ):
        outsider = other_world.rep.user
        users_before = User.objects.count()

        response = invite(outsider.email, full_name="Some Other Name", role=Role.MANAGER)

        assert response.status_code == 302
        assert User.objects.count() == users_before
        outsider.refresh_from_db()
        assert outsider.full_name != "Some Other Name"
        assert outsider.check_password(TEST_PASSWORD)
        with world.active():
            membership = Membership.objects.get(user=outsider)
        assert membership.role == Role.MANAGER
        with other_world.active():
            assert Membership.objects.get(pk=other_world.rep.pk).is_active
        assert mailoutbox == []

    def test_reinviting_a_deactivated_member_reactivates_them(
        self, client, world, invite, mailoutbox
    ):
        with world.active():
            world.rep.is_active = False
            world.rep.save(update_fields=["is_active"])

        response = invite(world.rep.user.email, role=Role.MANAGER)

        assert response.status_code == 302
        with world.active():
            membership = Membership.objects.get(pk=world.rep.pk)
        assert membership.is_active
        assert membership.role == Role.MANAGER
        assert mailoutbox == []

    def test_invite_needs_a_valid_email_and_role(self, client, world, invite, mailoutbox):
        users_before = User.objects.count()

        bad_email = invite("not-an-email")
        bad_role = invite("fine@example.com", role="owner")

        assert (bad_email.status_code, bad_role.status_code) == (400, 400)
        assert User.objects.count() == users_before
        assert mailoutbox == []

    def test_edit_a_reps_profile(self, client, world):
        sign_in(client, world.admin)
        hours = {"mon": ("07:30", "15:30"), "tue": ("07:30", "15:30"), "sat": ("09:00", "13:00")}

        response = client.post(
            reverse("settings:member-edit", kwargs={"membership_pk": world.rep.pk}),
            _member_data(
                world.rep,
                hours=hours,
                title="Senior estimator",
                expertise=Expertise.COMMERCIAL,
                territories="Miami-Dade, Broward, 331, , Broward",
                capacity="25",
            ),
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("settings:team")
        with world.active():
            rep = Membership.objects.get(pk=world.rep.pk)
        assert rep.title == "Senior estimator"
        assert rep.expertise == Expertise.COMMERCIAL
        assert rep.territories == ["Miami-Dade", "Broward", "331"]
        assert rep.capacity == 25
        assert rep.role == Role.REP
        assert rep.is_active
        assert rep.weekly_availability == {
            "mon": [["07:30", "15:30"]],
            "tue": [["07:30", "15:30"]],
            "wed": [],
            "thu": [],
            "fri": [],
            "sat": [["09:00", "13:00"]],
            "sun": [],
        }
        page = _page(client.get(reverse("settings:team")))
        assert "Miami-Dade, Broward, 331" in page

    def test_the_edit_form_shows_the_current_profile(self, client, world):
        with world.active():
            world.rep.territories = ["Miami-Dade", "331"]
            world.rep.capacity = 12
            world.rep.save(update_fields=["territories", "capacity"])
        sign_in(client, world.admin)

        page = _page(
            client.get(reverse("settings:member-edit", kwargs={"membership_pk": world.rep.pk}))
        )

        assert 'value="Miami-Dade, 331"' in page
        assert 'value="12"' in page

    def test_capacity_cleared_means_no_limit(self, client, world):
        with world.active():
            world.rep.capacity = 5
            world.rep.save(update_fields=["capacity"])
        sign_in(client, world.admin)

        _edit_member(client, world.rep, capacity="")

        with world.active():
            assert Membership.objects.get(pk=world.rep.pk).capacity is None

    def test_negative_capacity_and_bad_hours_are_errors(self, client, world):
        sign_in(client, world.admin)

        response = _edit_member(client, world.rep, hours={"mon": ("18:00", "08:00")}, capacity="-3")

        assert response.status_code == 200
        assert len(_errors(response)) == 2
        with world.active():
            assert Membership.objects.get(pk=world.rep.pk).capacity is None

    @pytest.mark.parametrize(
        "change", [{"role": Role.MANAGER}, {"role": Role.REP}, {"is_active": False}]
    )
    def test_the_last_active_admin_cannot_be_demoted_or_deactivated(self, client, world, change):
        sign_in(client, world.admin)

        response = _edit_member(client, world.admin, **change)

        assert response.status_code == 200
        assert "Every team needs an active admin" in _page(response)
        with world.active():
            admin = Membership.objects.get(pk=world.admin.pk)
        assert admin.role == Role.ADMIN
        assert admin.is_active

    def test_an_inactive_second_admin_does_not_count(self, client, world):
        factories.MembershipFactory(tenant=world.tenant, role=Role.ADMIN, is_active=False)
        sign_in(client, world.admin)

        response = _edit_member(client, world.admin, role=Role.MANAGER)

        assert response.status_code == 200
        with world.active():
            assert Membership.objects.get(pk=world.admin.pk).role == Role.ADMIN

    def test_another_tenants_admin_does_not_count(self, client, world, other_world):
        sign_in(client, world.admin)

        response = _edit_member(client, world.admin, is_active=False)

        assert response.status_code == 200
        with world.active():
            assert Membership.objects.get(pk=world.admin.pk).is_active

    @pytest.mark.parametrize("change", [{"role": Role.MANAGER}, {"is_active": False}])
    def test_with_two_admins_one_can_step_down(self, client, world, change):
        second_admin = factories.MembershipFactory(tenant=world.tenant, role=Role.ADMIN)
        sign_in(client, second_admin)

        response = _edit_member(client, world.admin, **change)

        assert response.status_code == 302
        with world.active():
            admin = Membership.objects.get(pk=world.admin.pk)
        expected = {"role": Role.ADMIN, "is_active": True, **change}
        assert (admin.role, admin.is_active) == (expected["role"], expected["is_active"])

    def test_a_demoted_admin_loses_the_settings_pages(self, client, world):
        second_admin = factories.MembershipFactory(tenant=world.tenant, role=Role.ADMIN)
        sign_in(client, world.admin)

        response = _edit_member(client, world.admin, role=Role.MANAGER)

        assert response.status_code == 302
        assert client.get(reverse("settings:team")).status_code == 403
        sign_in(client, second_admin)
        assert client.get(reverse("settings:team")).status_code == 200

    def test_promote_a_rep_to_admin(self, client, world):
        sign_in(client, world.admin)

        response = _edit_member(client, world.rep, role=Role.ADMIN)

        assert response.status_code == 302
        with world.active():
            assert Membership.objects.get(pk=world.rep.pk).role == Role.ADMIN


class TestAuditTrail:
    def test_a_brand_change_shows_who_changed_what(self, client, world):
        user = world.admin.user
        user.full_name = "Avery Admin"
        user.save(update_fields=["full_name"])
        sign_in(client, world.admin)
        old_name = world.brand.name

        client.post(
            reverse("settings:brand-edit", kwargs={"brand_pk": world.brand.pk}),
            _brand_data(world.brand, name="Gulf Coast Metal Roofs"),
        )
        page = _page(client.get(reverse("settings:audit")))

        rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
        brand_rows = [row for row in rows if "Brand Gulf Coast Metal Roofs changed" in row]
        assert len(brand_rows) == 1
        assert "Avery Admin" in brand_rows[0]
        assert f"{old_name} → Gulf Coast Metal Roofs" in re.sub(r"<[^>]+>", "", brand_rows[0])

    def test_profile_and_team_changes_are_listed(self, client, world, invite):
        client.post(reverse("settings:profile"), _profile_data(world.tenant, name="Renamed Co"))
        invite("casey@example.com")

        page = _page(client.get(reverse("settings:audit")))

        assert "Business profile changed" in page and "Renamed Co" in page
        assert "Team member New Person added" in page
        assert escape(world.admin.user.full_name) in page

    def test_rows_written_without_a_request_show_as_system(self, client, world):
        sign_in(client, world.admin)

        page = _page(client.get(reverse("settings:audit")))

        assert f"Contact {escape(world.contact.display_name)} added" in page
        assert "System" in page

    def test_another_tenants_changes_are_not_listed(self, client, world, other_world):
        sign_in(client, other_world.admin)
        client.post(
            reverse("settings:brand-edit", kwargs={"brand_pk": other_world.brand.pk}),
            _brand_data(other_world.brand, name="Lakeside Secret Rebrand"),
            follow=True,
        )
        sign_in(client, world.admin)

        page = _page(client.get(reverse("settings:audit")))

        assert "Lakeside Secret Rebrand" not in page
        assert escape(other_world.contact.display_name) not in page
        assert "Lakeside Chargers" not in page


class TestQueryCounts:
    def test_team_page_queries_do_not_grow_with_the_team(self, client, world):
        sign_in(client, world.admin)
        factories.MembershipFactory(tenant=world.tenant, territories=["FL"], capacity=3)
        with_one_more = queries_for(client, reverse("settings:team"))

        for _ in range(9):
            factories.MembershipFactory(tenant=world.tenant, territories=["FL"], capacity=3)
        with_ten_more = queries_for(client, reverse("settings:team"))

        assert with_ten_more == with_one_more

    def test_brand_list_queries_do_not_grow_with_the_brands(self, client, world):
        sign_in(client, world.admin)
        factories.BrandFactory(tenant=world.tenant)
        with_two = queries_for(client, reverse("settings:brands"))

        for _ in range(9):
            factories.BrandFactory(tenant=world.tenant)
        with_eleven = queries_for(client, reverse("settings:brands"))

        assert with_eleven == with_two

    def test_audit_page_queries_do_not_grow_with_the_entries(self, client, world):
        second_admin = factories.MembershipFactory(tenant=world.tenant, role=Role.ADMIN)
        sign_in(client, world.admin)
        client.post(reverse("settings:profile"), _profile_data(world.tenant, name="Renamed Co"))
        few = queries_for(client, reverse("settings:audit"))

        for number in range(5):
            client.post(
                reverse("settings:brand-edit", kwargs={"brand_pk": world.brand.pk}),
                _brand_data(world.brand, name=f"Renamed {number}"),
            )
        sign_in(client, second_admin)
        client.post(reverse("settings:profile"), _profile_data(world.tenant, name="Renamed again"))
        many = queries_for(client, reverse("settings:audit"))

        assert many == few

    @pytest.mark.parametrize(
        "name", ["settings:profile", "settings:brands", "settings:team", "settings:audit"]
    )
    def test_settings_pages_stay_within_a_small_number_of_queries(
        self, client, world, django_assert_max_num_queries, name
    ):
        for _ in range(10):
            factories.MembershipFactory(tenant=world.tenant)
            factories.BrandFactory(tenant=world.tenant)
        sign_in(client, world.admin)

        with django_assert_max_num_queries(12):
            response = client.get(reverse(name))

        assert response.status_code == 200
