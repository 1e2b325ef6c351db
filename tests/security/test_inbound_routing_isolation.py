"""The platform-wide routing tables (tickets.models InboundRoute, InboundDomain and
UnroutedInbound, global by design: no row-level security, a webhook reads them before any tenant
is known) are reached only through the inbox settings pages and their services, and through
those no tenant reads or writes another tenant's routes (issue 18).

- An address or number is one tenant's, paused or not.
- A custom mail domain is claimed by the first tenant that receives on it; no other tenant adds an
  address there or on its subdomains. Shared mailbox domains (gmail.com …) are never claimed.
- A platform operator reassigns a domain in the platform admin.
- A refusal reads the same whatever another tenant has: it never names them or their addresses.
"""

import html

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import sign_in
from tests.fuzz.test_query_string_fuzz import _get_pages
from tickets.models import InboundDomain, InboundRoute, InboxAddress, UnroutedInbound
from tickets.routing import email_route_for, route_for
from tickets.services import configuration

pytestmark = pytest.mark.django_db

REFUSED = "can't be added to this account"


def _url(name: str, **kwargs) -> str:
    return reverse(f"tickets-settings:{name}", kwargs=kwargs)


def _inbox(world, name="Support"):
    with world.active():
        return configuration.inbox_save(tenant=world.tenant, actor=None, name=name)


def _address(world, address, channel="email", inbox=None, **fields):
    with world.active():
        return configuration.inbox_address_save(
            tenant=world.tenant,
            inbox=inbox or _inbox(world, f"Desk {address}"),
            channel=channel,
            address=address,
            **fields,
        )


def _add(client, world, address, channel="email"):
    """What an admin of `world` gets from the settings page for a new address."""
    sign_in(client, world.admin)
    response = client.post(
        _url("address-create", inbox_pk=_inbox(world, f"Front desk {address}").pk),
        {"channel": channel, "address": address, "is_active": "on"},
    )
    return response, html.unescape(response.content.decode())


def _addresses(world) -> list[str]:
    with world.active():
        return list(InboxAddress.objects.values_list("address", flat=True))


def test_another_tenants_custom_domain_cannot_be_claimed(client, world, other_world):
    """The hole: billing@ the other business's domain was added, and its mail came here."""
    _address(other_world, "hello@lakeside-chargers.com")

    response, page = _add(client, world, "billing@lakeside-chargers.com")

    assert response.status_code == 400
    assert f"billing@lakeside-chargers.com {REFUSED}" in page
    assert _addresses(world) == []
    assert route_for("email", "billing@lakeside-chargers.com") is None


@pytest.mark.parametrize(
    "address", ["billing@mail.lakeside-chargers.com", "x@lakeside-chargers.com"]
)
def test_a_subdomain_of_a_claimed_domain_is_its_owners(client, world, other_world, address):
    _address(other_world, "hello@lakeside-chargers.com")

    response, page = _add(client, world, address)

    assert response.status_code == 400
    assert REFUSED in page


def test_a_refusal_names_neither_the_tenant_nor_its_addresses(client, world, other_world):
    """Taken address and taken domain read the same: nothing says what the other tenant has."""
    _address(other_world, "hello@lakeside-chargers.com", inbox=_inbox(other_world, "Lakeside desk"))
    _address(other_world, "+13055550100", channel="sms")

    pages = [
        _add(client, world, "hello@lakeside-chargers.com")[1],
        _add(client, world, "sales@lakeside-chargers.com")[1],
        _add(client, world, "(305) 555-0100", channel="sms")[1],
    ]

    for page in pages:
        assert REFUSED in page
        for secret in (other_world.tenant.name, "Lakeside desk", "another inbox"):
            assert secret not in page
    assert "hello@lakeside-chargers.com" not in pages[1]


def test_a_paused_number_stays_its_tenants(client, world, other_world):
    """Before, pausing an address dropped its route: another tenant could take the number, and
    switching it back on then failed."""
    paused = _address(other_world, "+13055550100", channel="sms", is_active=False)

    response, page = _add(client, world, "(305) 555-0100", channel="sms")

    assert response.status_code == 400
    assert REFUSED in page
    assert route_for("sms", "+13055550100") is None  # paused: receives nothing
    with other_world.active():
        configuration.inbox_address_save(
            tenant=other_world.tenant,
            inbox=paused.inbox,
            inbox_address=paused,
            channel="sms",
            address="+13055550100",
            is_active=True,
        )
    assert route_for("sms", "+13055550100").tenant_id == other_world.tenant.pk


def test_shared_mailbox_domains_are_never_claimed(client, world, other_world):
    _address(other_world, "lakeside.chargers@gmail.com")

    response, _page = _add(client, world, "gulf.roofing@gmail.com")

    assert response.status_code == 302
    assert not InboundDomain.objects.filter(domain="gmail.com").exists()
    assert email_route_for(["gulf.roofing@gmail.com"]).tenant_id == world.tenant.pk
    # The address itself is still one tenant's.
    assert _add(client, world, "lakeside.chargers@gmail.com")[0].status_code == 400


def test_a_domain_no_address_uses_any_more_is_released(client, world, other_world):
    typo = _address(other_world, "hello@gulf-roofing.com")
    with other_world.active():
        configuration.inbox_address_delete(tenant=other_world.tenant, inbox_address=typo)

    response, _page = _add(client, world, "hello@gulf-roofing.com")

    assert response.status_code == 302
    assert InboundDomain.objects.get(domain="gulf-roofing.com").claimed_by == world.tenant


def test_a_platform_operator_reassigns_a_domain(client, world, other_world):
    """The domain was claimed by the wrong business: the operator gives it to the right one in
    /platform-admin/; the loser's addresses there stop receiving and are removed."""
    _address(other_world, "hello@gulf-roofing.com")
    kept = _address(other_world, "hello@lakeside-chargers.com")
    claim = InboundDomain.objects.get(domain="gulf-roofing.com")
    operator = get_user_model().objects.create_superuser(email="ops@threadline.test", password="x")
    client.force_login(operator)

    response = client.post(
        reverse("admin:tickets_inbounddomain_change", args=[claim.pk]),
        {"claimed_by": world.tenant.pk},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert InboundDomain.objects.get(domain="gulf-roofing.com").claimed_by == world.tenant
    assert route_for("email", "hello@gulf-roofing.com") is None
    assert _addresses(other_world) == [kept.address]
    client.logout()
    assert _add(client, world, "hello@gulf-roofing.com")[0].status_code == 302
    assert route_for("email", "hello@gulf-roofing.com").tenant_id == world.tenant.pk


def test_one_tenants_settings_writes_leave_anothers_routes_alone(client, world, other_world):
    theirs = _address(other_world, "+13055550100", channel="sms")
    mine = _address(world, "+13055550111", channel="sms")
    sign_in(client, world.admin)

    client.post(
        _url("address-edit", address_pk=mine.pk),
        {"channel": "sms", "address": "+13055550100", "is_active": "on"},
    )
    client.post(_url("address-delete", address_pk=theirs.pk))
    client.post(_url("inbox-edit", inbox_pk=theirs.inbox_id), {"name": "Mine now"})
    client.post(_url("inbox-edit", inbox_pk=mine.inbox_id), {"name": "Paused", "is_active": ""})

    route = InboundRoute.objects.get(channel="sms", address="+13055550100")
    assert (route.tenant_id, route.inbox_address_id, route.is_receiving) == (
        other_world.tenant.pk,
        theirs.pk,
        True,
    )
    assert InboundRoute.objects.get(inbox_address_id=mine.pk).address == "+13055550111"


def test_no_page_shows_another_tenants_routes_or_unrouted_mail(client, world, other_world):
    """Every GET page an admin of one tenant opens (an admin sees every settings page), with the
    other tenant's addresses, domain claim and an unrouted message in the platform tables."""
    _address(other_world, "hello@lakeside-chargers.com")
    _address(other_world, "+13055550177", channel="sms")
    UnroutedInbound.objects.create(
        provider="postmark",
        channel="email",
        recipients="nobody@unclaimed-domain.com",
        sender="secret-sender@elsewhere.com",
        payload={"Subject": "Unrouted secret"},
    )
    _address(world, "hello@gulf-roofing.com")
    sign_in(client, world.admin)

    for _name, path, is_portal in _get_pages(world):
        if is_portal:
            continue
        response = client.get(path)
        if response.streaming:
            continue
        page = response.content.decode(errors="replace")
        for secret in ("lakeside-chargers.com", "+13055550177", "(305) 555-0177", "secret-sender"):
            assert secret not in page, f"{path} shows {secret} to another tenant's admin"
