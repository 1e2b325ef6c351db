"""Search on every list and in the header (issue 20): the same words find the same customer in
the contact list, the lead list, the follow-up customer picker, the inbox and the header search."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import lead_for
from tickets.models import Inbox, Ticket
from tickets.services import configuration

pytestmark = pytest.mark.django_db

SEARCH = reverse("search")
_numbers = itertools.count(7000)


def _customer(world, first, last, phone="+15550102233", email="jp.house@example.net"):
    with world.active():
        contact = factories.ContactFactory(tenant=world.tenant, first_name=first, last_name=last)
        factories.ContactPhoneFactory(tenant=world.tenant, contact=contact, number=phone)
        factories.ContactEmailFactory(tenant=world.tenant, contact=contact, email=email)
    return contact


def _ticket(world, contact, subject="Leaking skylight"):
    with world.active():
        inbox = Inbox.objects.filter(tenant=world.tenant).first() or configuration.inbox_save(
            tenant=world.tenant, actor=None, name="Support", brand=world.brand
        )
        return Ticket.objects.create(
            tenant=world.tenant,
            number=next(_numbers),
            inbox=inbox,
            contact=contact,
            subject=subject,
            last_message_at=timezone.now(),
        )


@pytest.fixture
def jose(world):
    contact = _customer(world, "José", "Peña")
    _customer(world, "José", "Zamora", phone="+15550109999", email="other@example.net")
    lead = lead_for(world, contact=contact, owner=world.rep, place=None)
    ticket = _ticket(world, contact)
    return contact, lead, ticket


@pytest.mark.parametrize(
    "text",
    ["jose pena", "José Peña", "PENA JOSE", "(555) 010-2233", "555.010.2233", "+15550102233"],
)
def test_the_header_search_finds_the_contact_their_lead_and_their_ticket(client, world, jose, text):
    contact, lead, ticket = jose
    sign_in(client, world.manager)
    response = client.get(SEARCH, {"q": text})
    results = response.context["results"]
    assert results.contacts == [contact]
    assert results.leads == [lead]
    assert results.tickets == [ticket]
    html = response.content.decode()
    assert reverse("contacts:detail", args=[contact.pk]) in html
    assert reverse("leads:detail", args=[lead.pk]) in html
    assert reverse("tickets:detail", args=[ticket.pk]) in html


def test_the_header_search_finds_a_ticket_by_subject_and_number(client, world, jose):
    _, _, ticket = jose
    sign_in(client, world.manager)
    assert client.get(SEARCH, {"q": "skylight"}).context["results"].tickets == [ticket]
    assert client.get(SEARCH, {"q": ticket.reference}).context["results"].tickets == [ticket]


def test_the_header_search_is_a_plain_get_form_on_every_staff_page(client, world):
    sign_in(client, world.rep)
    html = client.get(reverse("contacts:list")).content.decode()
    assert f'action="{SEARCH}"' in html and 'method="get"' in html
    assert 'name="q"' in html
    empty = client.get(SEARCH)
    assert empty.status_code == 200 and empty.context["results"].empty
    assert "Nothing matches" in client.get(SEARCH, {"q": "zzzzqqq"}).content.decode()


def test_the_header_search_shows_a_rep_only_the_tickets_they_may_see(client, world, jose):
    _, _, ticket = jose
    other_rep = factories.MembershipFactory(tenant=world.tenant, role="rep")
    with world.active():
        Ticket.objects.filter(pk=ticket.pk).update(assignee=other_rep)
    sign_in(client, world.rep)
    assert client.get(SEARCH, {"q": "jose pena"}).context["results"].tickets == []
    sign_in(client, other_rep)
    assert client.get(SEARCH, {"q": "jose pena"}).context["results"].tickets == [ticket]


def test_the_header_search_never_shows_another_tenants_customers(client, world, other_world):
    _customer(other_world, "José", "Peña")
    sign_in(client, world.manager)
    assert client.get(SEARCH, {"q": "jose pena"}).context["results"].empty


def test_the_header_search_costs_the_same_queries_for_1_or_many_matches(client, world, jose):
    sign_in(client, world.manager)
    few = queries_for(client, f"{SEARCH}?q=pena")
    for n in range(12):
        contact = _customer(world, "Ana", "Peña", phone=f"+1555020{n:04d}", email=f"a{n}@x.net")
        lead_for(world, contact=contact, owner=world.rep, place=None)
        _ticket(world, contact)
    response = client.get(SEARCH, {"q": "pena"})
    assert len(response.context["results"].contacts) == 8
    assert response.context["results"].more_contacts
    assert queries_for(client, f"{SEARCH}?q=pena") == few


@pytest.mark.parametrize("text", ["jose pena", "(555) 010-2233", "+15550102233"])
def test_the_contact_list_finds_them(client, world, jose, text):
    sign_in(client, world.rep)
    items = client.get(reverse("contacts:list"), {"q": text}).context["page"].items
    assert items == [jose[0]]


@pytest.mark.parametrize("text", ["jose pena", "José Peña", "555.010.2233"])
def test_the_lead_list_finds_them(client, world, jose, text):
    sign_in(client, world.manager)
    rows = client.get(reverse("leads:list"), {"q": text, "scope": "all"}).context["rows"]
    assert [row.lead.pk for row in rows] == [jose[1].pk]


@pytest.mark.parametrize("text", ["José Peña", "jose pena", "555.010.2233"])
def test_the_follow_up_customer_picker_finds_them(client, world, jose, text):
    sign_in(client, world.rep)
    html = client.get(reverse("followups:create"), {"contact_q": text}).content.decode()
    assert f'value="{jose[0].pk}"' in html
    assert "Zamora" not in html


def test_the_inbox_searches_and_its_tabs_keep_the_search(client, world, jose):
    _, _, ticket = jose
    other = _ticket(world, world.contact, subject="Gutter quote")
    sign_in(client, world.manager)
    response = client.get(reverse("tickets:inbox"), {"q": "jose pena", "view": "all"})
    assert [row.ticket for row in response.context["rows"]] == [ticket]
    assert all("q=jose+pena" in tab["url"] for tab in response.context["tabs"])
    response = client.get(reverse("tickets:inbox"), {"q": "gutter", "view": "all"})
    assert [row.ticket for row in response.context["rows"]] == [other]
    response = client.get(reverse("tickets:inbox"), {"view": "all"})
    assert {row.ticket for row in response.context["rows"]} == {ticket, other}
