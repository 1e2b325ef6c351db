"""The contact list and the contact page (shell.views.contacts)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact
from crm.pagination import encode_cursor
from crm.selectors.contacts import CONTACTS_PER_PAGE
from tests import factories
from tests.conftest import queries_for, sign_in

pytestmark = pytest.mark.django_db


def _add_contacts(world, count):
    for _ in range(count):
        email = factories.ContactEmailFactory(tenant=world.tenant)
        factories.ContactPhoneFactory(tenant=world.tenant, contact=email.contact)


def test_list_pages_cost_a_fixed_number_of_queries(client, world):
    sign_in(client, world.rep)
    url = reverse("contacts:list")
    _add_contacts(world, 3)
    few = queries_for(client, url)
    _add_contacts(world, 80)
    many = queries_for(client, url)
    # the membership with its user (and the user's and the tenant's settings; the session comes
    # from Redis), contacts, emails, phones, the sequences to enrol in (+2 savepoints of the
    # test's transaction)
    assert few == many == 7


def test_keyset_pages_cover_every_contact_once(client, world):
    _add_contacts(world, CONTACTS_PER_PAGE + 9)
    sign_in(client, world.rep)
    first = client.get(reverse("contacts:list")).context["page"]
    assert first.has_next
    second = client.get(reverse("contacts:list"), {"after": first.next_cursor}).context["page"]
    seen = [c.pk for c in first.items] + [c.pk for c in second.items]
    assert len(seen) == len(set(seen)) == CONTACTS_PER_PAGE + 10
    assert not second.has_next


def test_htmx_show_more_returns_only_rows(client, world):
    _add_contacts(world, CONTACTS_PER_PAGE + 1)
    sign_in(client, world.rep)
    first = client.get(reverse("contacts:list")).context["page"]
    response = client.get(
        reverse("contacts:list"), {"after": first.next_cursor}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<tr>" in body and "<html" not in body


@pytest.mark.parametrize("cursor", ["garbage", encode_cursor(["not a date", "x"]), "W10"])
def test_a_broken_cursor_restarts_the_list(client, world, cursor):
    sign_in(client, world.rep)
    response = client.get(reverse("contacts:list"), {"after": cursor})
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].items] == [world.contact.pk]


def test_search_by_name_or_email(client, world):
    with world.active():
        email = world.contact.emails.get()
    sign_in(client, world.rep)
    by_email = client.get(reverse("contacts:list"), {"q": email.email[:8]}).context["page"]
    by_name = client.get(reverse("contacts:list"), {"q": world.contact.last_name[:3]}).context[
        "page"
    ]
    assert world.contact in by_email.items
    assert world.contact in by_name.items
    assert client.get(reverse("contacts:list"), {"q": "zzzz"}).context["page"].items == []


def test_detail_shows_properties_and_timeline(client, world):
    sign_in(client, world.rep)
    response = client.get(reverse("contacts:detail", args=[world.contact.pk]))
    body = response.content.decode()
    assert world.property.address_line1 in body
    assert world.contact.display_name in body


def test_rows_created_in_the_same_instant_are_all_paged(client, world):
    """Bulk imports give many rows one timestamp: the id breaks the tie, nothing is skipped."""
    _add_contacts(world, CONTACTS_PER_PAGE + 10)
    with world.active():
        Contact.objects.update(created_at=timezone.now().replace(microsecond=123456))
    sign_in(client, world.rep)
    first = client.get(reverse("contacts:list")).context["page"]
    second = client.get(reverse("contacts:list"), {"after": first.next_cursor}).context["page"]
    seen = {c.pk for c in first.items} | {c.pk for c in second.items}
    assert len(seen) == CONTACTS_PER_PAGE + 11


def test_show_more_keeps_the_search(client, world):
    for _ in range(CONTACTS_PER_PAGE + 2):
        factories.ContactFactory(tenant=world.tenant, last_name="Whitfield")
    sign_in(client, world.rep)

    page = client.get(reverse("contacts:list"), {"q": "Whitfield & Qzx"}).content.decode()
    assert "No contacts match" in page

    page = client.get(reverse("contacts:list"), {"q": "Whitfield"}).content.decode()
    assert 'href="?q=Whitfield&amp;after=' in page
