"""The platform's own mail domain and reply+ addresses are nobody's, and a tenant's domain claim
never overlaps another tenant's (issue 56).

- THREADLINE_MAIL_DOMAIN and its subdomains (however spelled: case, a trailing dot, other dots
  IDNA reads as dots) are the platform's: no inbox receives there, no brand sends or takes
  replies there, no operator hands the domain to a tenant.
- A reply+… address, on any domain, would pass for a ticket's reply address: refused too.
- A custom domain claim equal to, a parent of or a subdomain of another tenant's claim is
  refused, whether either is written in Unicode or in its xn-- form.
"""

import html

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from crm.kit.mail_domains import is_platform_address
from crm.models import Brand
from tests.conftest import sign_in
from tests.security.test_inbound_routing_isolation import REFUSED, _add, _address, _addresses
from tickets.models import InboundDomain, InboundRoute
from tickets.routing import route_for
from tickets.services import configuration

pytestmark = pytest.mark.django_db

RESERVED = "is one of Threadline's own addresses"


def _platform(local: str) -> str:
    return f"{local}@{settings.THREADLINE_MAIL_DOMAIN}"


@pytest.mark.parametrize(
    "address",
    [
        _platform("no-reply"),
        _platform("support"),
        _platform("postmaster").upper(),
        _platform("reply+1-2-0123456789ab"),
        _platform("help").replace("@", "@mail."),  # a subdomain
        "reply+1-2-0123456789ab@gulf-roofing.com",  # a look-alike on the tenant's own domain
        "REPLY+orders@gmail.com",
    ],
)
def test_an_inbox_cannot_receive_on_a_platform_address(client, world, address):
    response, page = _add(client, world, address)

    assert response.status_code == 400
    assert RESERVED in page
    assert _addresses(world) == []
    assert not InboundRoute.objects.exists()
    assert not InboundDomain.objects.exists()


@pytest.mark.parametrize(
    ("address", "reserved"),
    [
        ("no-reply@threadline.example", True),
        ("No-Reply@THREADLINE.EXAMPLE.", True),
        ("support@threadline\u3002example", True),  # an ideographic full stop: a dot to IDNA
        ("support@eu.threadline.example", True),
        ("Reply+anything@acme.example", True),
        ("support@threadline.example.com", False),
        ("support@mythreadline.example", False),
        ("replies@acme.example", False),
    ],
)
@override_settings(THREADLINE_MAIL_DOMAIN="threadline.example")
def test_platform_addresses_are_recognised_however_spelled(address, reserved):
    assert is_platform_address(address) is reserved


@override_settings(THREADLINE_MAIL_DOMAIN="Mail.Threadline.Example.")
def test_the_platform_domain_is_reserved_however_the_setting_spells_it(client, world):
    response, page = _add(client, world, "no-reply@mail.threadline.example")

    assert response.status_code == 400
    assert RESERVED in page


def test_a_dutch_admin_reads_the_refusal_in_dutch(client, world):
    world.admin.user.language = "nl"
    world.admin.user.save(update_fields=["language"])

    response, page = _add(client, world, _platform("support"))

    assert response.status_code == 400
    assert "is een eigen adres van Threadline" in page


@pytest.mark.parametrize(
    ("field", "address"),
    [
        ("sender_email", _platform("no-reply")),
        ("sender_email", _platform("support").replace("@", "@eu.")),
        ("reply_to_email", _platform("reply+1-2-0123456789ab")),
        ("reply_to_email", "reply+1-2-0123456789ab@sunrise.test"),
    ],
)
def test_a_brand_cannot_send_as_a_platform_address(client, world, field, address):
    from tests.crm.test_settings_pages import _brand_data

    sign_in(client, world.admin)
    response = client.post(reverse("settings:brand-create"), _brand_data(**{field: address}))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"{address} {RESERVED}; use your business's own." in page
    with world.active():
        assert not Brand.objects.filter(tenant=world.tenant, slug="sunrise-solar").exists()


def test_an_operator_cannot_hand_the_platform_domain_to_a_tenant(client, world):
    operator = get_user_model().objects.create_superuser(email="ops@threadline.test", password="x")
    client.force_login(operator)

    response = client.post(
        reverse("admin:tickets_inbounddomain_add"),
        {"domain": settings.THREADLINE_MAIL_DOMAIN.upper() + ".", "claimed_by": world.tenant.pk},
    )

    assert response.status_code == 200
    assert "is Threadline&#x27;s own mail domain" in response.content.decode()
    assert not InboundDomain.objects.exists()
    with pytest.raises(configuration.ValidationError):
        configuration.inbound_domain_assign(
            domain=settings.THREADLINE_MAIL_DOMAIN, tenant=world.tenant
        )


# --- Overlapping claims -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theirs", "mine"),
    [
        # The parent of their subdomain (the hole: the parent's claim then took every other
        # subdomain's mail).
        ("hello@mail.lakeside-chargers.com", "billing@lakeside-chargers.com"),
        ("hello@a.b.lakeside-chargers.com", "billing@lakeside-chargers.com"),
        ("hello@a.b.lakeside-chargers.com", "billing@b.lakeside-chargers.com"),
        # The same domain, in its other spelling.
        ("hello@bücher-dach.de", "billing@xn--bcher-dach-9db.de"),
        ("hello@xn--bcher-dach-9db.de", "billing@BÜCHER-DACH.DE"),
        # A subdomain of theirs, in another spelling.
        ("hello@bücher-dach.de", "billing@mail.xn--bcher-dach-9db.de"),
        # The parent of theirs, in another spelling.
        ("hello@mail.xn--bcher-dach-9db.de", "billing@bücher-dach.de"),
    ],
)
def test_a_claim_overlapping_another_tenants_is_refused(client, world, other_world, theirs, mine):
    _address(other_world, theirs)

    response, page = _add(client, world, mine)

    assert response.status_code == 400
    assert REFUSED in page
    assert _addresses(world) == []
    assert route_for("email", mine) is None
    assert set(InboundDomain.objects.values_list("claimed_by", flat=True)) == {
        other_world.tenant.pk
    }


def test_a_tenant_may_claim_the_parent_of_its_own_subdomain(client, world, other_world):
    _address(world, "hello@mail.gulf-roofing.com")
    _address(other_world, "hello@lakeside-chargers.com")

    response, _page = _add(client, world, "office@gulf-roofing.com")

    assert response.status_code == 302
    assert InboundDomain.objects.get(domain="gulf-roofing.com").claimed_by == world.tenant


def test_claims_are_kept_in_one_spelling(world, other_world):
    _address(world, "hello@Bücher-Dach.de")
    assert InboundDomain.objects.get().domain == "xn--bcher-dach-9db.de"

    claim = configuration.inbound_domain_assign(
        domain="XN--BCHER-DACH-9DB.DE.", tenant=other_world.tenant
    )

    assert (claim.domain, claim.claimed_by) == ("xn--bcher-dach-9db.de", other_world.tenant)
    assert InboundDomain.objects.count() == 1
    assert _addresses(world) == []
