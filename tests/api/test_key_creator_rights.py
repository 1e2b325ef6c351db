"""Issue 56: an API key acts with its creator's current rights. Only admins hold keys: once the
admin who created one is made a rep, taken off the team or deactivated, the key neither writes
nor reads (403), it is revoked, and the other admins are told. Its writes were attributed to the
creator, so a key that outlived them wrote in a departed user's name."""

import pytest
from django.urls import reverse

from api.models import ApiKey
from crm.models import Contact, Notification, Role
from crm.services.members import membership_update
from tests import factories
from tests.api.helpers import bearer, key_for
from tests.conftest import forget_cached_values, sign_in

pytestmark = pytest.mark.django_db

NO_LONGER = "no longer an admin of this team"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    forget_cached_values()


def _write(client, key, name="Dana"):
    return client.post(
        "/api/v1/contacts/", {"first_name": name}, content_type="application/json", **bearer(key)
    )


def _read(client, key):
    return client.get("/api/v1/contacts/", **bearer(key))


def _another_admin(world):
    """The team keeps an admin when the key's creator steps down."""
    return factories.MembershipFactory(tenant=world.tenant, role=Role.ADMIN)


def _revoked(world) -> list[str]:
    with world.active():
        return list(ApiKey.objects.filter(revoked_at__isnull=False).values_list("name", flat=True))


def _told(world, membership) -> list[Notification]:
    with world.active():
        return list(Notification.objects.filter(recipient=membership.user, kind="api_keys_revoked"))


@pytest.mark.parametrize(
    "change", [{"role": Role.REP}, {"role": Role.MANAGER}, {"is_active": False}]
)
def test_the_key_stops_when_its_creator_is_no_longer_an_admin(client, world, change):
    other_admin = _another_admin(world)
    key = key_for(world)
    assert _write(client, key).status_code == 201
    with world.active():
        membership_update(
            tenant=world.tenant, actor=other_admin.user, membership=world.admin, **change
        )

    assert _write(client, key, "Eve").status_code == 401  # revoked at once, as by an admin
    assert _read(client, key).status_code == 401
    with world.active():
        assert not Contact.objects.filter(first_name="Eve").exists()
    assert _revoked(world) == ["write key"]
    (notice,) = _told(world, other_admin)
    assert notice.body_params["keys"] == "write key" and notice.url == reverse("api-settings:keys")


def test_a_key_of_a_deactivated_creator_writes_nothing(client, world):
    """Deactivating the account (not through the team page) publishes nothing: the request
    itself reads the creator's rights."""
    key = key_for(world)
    assert _write(client, key).status_code == 201
    world.admin.user.is_active = False
    world.admin.user.save(update_fields=["is_active"])

    refused = _write(client, key, "Eve")
    assert refused.status_code == 403
    assert NO_LONGER in refused.json()["detail"]
    assert _read(client, key).status_code == 403
    with world.active():
        assert not Contact.objects.filter(first_name="Eve").exists()


def test_a_key_acts_with_the_current_role_on_each_request(client, world):
    """Even without the event (a role changed in the database), a rep's key does not write."""
    key = key_for(world)
    with world.active():
        type(world.admin).objects.filter(pk=world.admin.pk).update(role=Role.REP)
    refused = _write(client, key, "Eve")
    assert refused.status_code == 403 and NO_LONGER in refused.json()["detail"]
    with world.active():
        type(world.admin).objects.filter(pk=world.admin.pk).update(role=Role.ADMIN)
    assert _write(client, key, "Eve").status_code == 201


def test_an_admins_other_edits_leave_their_keys_alone(client, world):
    key = key_for(world)
    with world.active():
        membership_update(
            tenant=world.tenant, actor=world.admin.user, membership=world.admin, title="Owner"
        )
        membership_update(
            tenant=world.tenant, actor=world.admin.user, membership=world.admin, role=Role.ADMIN
        )
    assert _write(client, key).status_code == 201
    assert _revoked(world) == []


def test_the_settings_page_says_a_key_acts_with_its_creators_rights(client, world):
    other_admin = _another_admin(world)
    key_for(world)
    with world.active():
        type(world.admin).objects.filter(pk=world.admin.pk).update(role=Role.MANAGER)
    sign_in(client, other_admin)
    page = client.get(reverse("api-settings:keys")).content.decode()
    assert "A key acts with the current rights of the admin who created it" in page
    assert "stopped: its creator is no longer an admin" in page
