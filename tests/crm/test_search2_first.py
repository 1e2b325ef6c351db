"""The first few contacts and tickets matching a search (crm migration 0017, tickets migration
0009): the ordered walk a common word takes gives the same rows, in the same order, as sorting
every indexed match, for the newest-first lists, the picker's name order and the header's
tickets."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from crm.kit.search import contact_search_params, contacts_matching, first_contacts_matching
from crm.models import Contact
from followups.selectors.create import contacts_matching as picker_contacts
from shell.selectors.search import search_everything
from tests import factories
from tickets.models import Ticket
from tickets.selectors.search import first_tickets_matching, tickets_matching
from tickets.services import configuration

NEWEST = ("-created_at", "-id")
BY_NAME = ("first_name", "last_name", "pk")


def _mar_contacts(world) -> None:
    """Contacts matching "mar" by first name, last name, company, email only and phone (for
    "0102233"), and some that match nothing; created on shuffled days, two at the same instant
    (the id decides)."""
    now = timezone.now()
    with world.active():
        # The world's own contact has a random name (now and then "Mark" or "Marsh"): gone, so
        # only these people can match.
        world.contact.delete()
    people = [
        ("Maria", "Gonzalez", "", None, 3),
        ("Ana", "Marquez", "", None, 9),
        ("Zoe", "Quinn", "Mar Roofing", None, 1),
        ("Bob", "Stone", "", "marbles.bob@example.net", 7),
        ("Mark", "Adams", "", None, 5),
        ("Martha", "Adams", "", None, 5),
        ("Carl", "Young", "", None, 2),
        ("Dina", "Ross", "", None, 4),
        ("Marek", "Nowak", "", None, 8),
        ("Eve", "Mars", "", None, 6),
        ("Marta", "Diaz", "", None, 10),
        ("Omar", "Lee", "", None, 0),  # "omar" does not start with "mar"
    ]
    with world.active():
        for first, last, company, email, days in people:
            contact = factories.ContactFactory(
                tenant=world.tenant, first_name=first, last_name=last, company_name=company
            )
            if email:
                factories.ContactEmailFactory(tenant=world.tenant, contact=contact, email=email)
            Contact.objects.filter(pk=contact.pk).update(created_at=now - timedelta(days=days))
        carl = Contact.objects.get(tenant=world.tenant, first_name="Carl", last_name="Young")
        factories.ContactPhoneFactory(tenant=world.tenant, contact=carl, number="+15550102233")


def _first(world, text, most, *, by_name=False, walk=None) -> list[int]:
    """The function's ids, in its order."""
    terms, digits = contact_search_params(text)
    with world.active(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT threadline_contact_search_first(to_tsquery('simple', %s), %s, %s, %s, %s)",
            [terms, digits, most, by_name, walk],
        )
        return [row[0] for row in cursor.fetchall()]


def _expected(world, text, most, order) -> list[int]:
    """Every match (threadline_contact_search), sorted in Python's reading of the order."""
    with world.active():
        contacts = Contact.objects.filter(tenant=world.tenant).filter(contacts_matching(text))
        return list(contacts.order_by(*order).values_list("pk", flat=True)[:most])


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["mar", "0102233", "mar adams"])
@pytest.mark.parametrize("by_name", [False, True])
@pytest.mark.parametrize("most", [1, 3, 5, 50])
def test_the_walk_gives_the_same_first_contacts_as_every_match_sorted(world, text, by_name, most):
    _mar_contacts(world)
    expected = _expected(world, text, most, BY_NAME if by_name else NEWEST)
    assert expected
    walked = _first(world, text, most, by_name=by_name, walk=True)
    indexed = _first(world, text, most, by_name=by_name, walk=False)
    chosen = _first(world, text, most, by_name=by_name)
    assert walked == indexed == chosen == expected


@pytest.mark.django_db
def test_mar_walks_to_the_newest_matches_only(world):
    _mar_contacts(world)
    with world.active():
        names = dict(Contact.objects.filter(tenant=world.tenant).values_list("pk", "first_name"))
    newest = [names[pk] for pk in _first(world, "mar", 4, walk=True)]
    # Zoe (1 day, by company), Maria (3), then Mark and Martha (both 5 days: the later id first).
    assert newest == ["Zoe", "Maria", "Martha", "Mark"]
    by_name = [names[pk] for pk in _first(world, "mar", 4, by_name=True, walk=True)]
    assert by_name == ["Ana", "Bob", "Eve", "Marek"]


@pytest.mark.django_db
@pytest.mark.parametrize("walk", [True, False, None])
def test_the_first_contacts_are_the_current_tenants_only(world, other_world, walk):
    _mar_contacts(world)
    _mar_contacts(other_world)
    ids = _first(world, "mar", 50, walk=walk)
    # Nine of ours, plus the fixture's own contact when its random name begins with "Mar".
    expected = _expected(world, "mar", 50, NEWEST)
    assert len(expected) >= 9
    assert sorted(ids) == sorted(expected)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', '', true)")
        cursor.execute(
            "SELECT threadline_contact_search_first(to_tsquery('simple', 'mar:*'), '', 5, false, "
            "%s)",
            [walk],
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_the_header_and_the_picker_show_the_same_contacts_as_before(world):
    """The header search's newest eight (and "more"), the picker's first twelve by name: as
    every match sorted."""
    _mar_contacts(world)
    with world.active():
        found = search_everything(tenant=world.tenant, membership=world.manager, text="mar")
        picked = picker_contacts(tenant=world.tenant, text="mar", most=4)
    assert [c.pk for c in found.contacts] == _expected(world, "mar", 8, NEWEST)
    assert found.more_contacts  # nine match (Carl only by phone)
    assert [c.pk for c in picked] == _expected(world, "mar", 4, BY_NAME)
    with world.active():
        assert first_contacts_matching("  ", most=3) is None


def _tickets(world) -> None:
    """Tickets of the "mar" customers, of the others, and with "Marble" in the subject, their
    last messages on shuffled days (two at the same instant: the id decides)."""
    _mar_contacts(world)
    now = timezone.now()
    with world.active():
        inbox = configuration.inbox_save(
            tenant=world.tenant, actor=None, name="Support", brand=world.brand
        )
        contacts = list(Contact.objects.filter(tenant=world.tenant).order_by("pk"))
        for number, contact in enumerate(contacts * 2):
            subject = "Marble tiles" if number % 5 == 0 else "Leaking skylight"
            Ticket.objects.create(
                tenant=world.tenant,
                number=9000 + number,
                inbox=inbox,
                contact=contact,
                subject=subject,
                last_message_at=now - timedelta(hours=(number * 7) % 11),
            )


def _first_tickets(world, text, most, walk) -> list[int]:
    with world.active():
        tickets = Ticket.objects.filter(tenant=world.tenant)
        found = first_tickets_matching(text, most=most, walk=walk)
        return list(
            tickets.filter(found).order_by("-last_message_at", "-id").values_list("pk", flat=True)
        )


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["mar", "marble", "0102233", "9003"])
@pytest.mark.parametrize("most", [1, 4, 9, 100])
def test_the_first_tickets_are_the_newest_of_every_match(world, text, most):
    _tickets(world)
    with world.active():
        every = Ticket.objects.filter(tenant=world.tenant).filter(tickets_matching(text))
        expected = list(every.order_by("-last_message_at", "-id").values_list("pk", flat=True))
    assert expected
    for walk in (True, False, None):
        # The number's ticket ("9003") comes besides the function's rows: cut to `most`.
        assert _first_tickets(world, text, most, walk)[:most] == expected[:most]


@pytest.mark.django_db
def test_the_first_tickets_are_the_current_tenants_only(world, other_world):
    _tickets(world)
    _tickets(other_world)
    for walk in (True, False, None):
        with world.active():
            found = first_tickets_matching("mar", most=500, walk=walk)
            assert (
                Ticket.objects.filter(found).count()
                == Ticket.objects.filter(tenant=world.tenant)
                .filter(tickets_matching("mar"))
                .count()
            )
            assert not Ticket.objects.filter(found).exclude(tenant=world.tenant).exists()
