"""The audit trail: filters (who, what, when), search, keyset pages, template and trigger changes,
and things named as people know them ("Consent for SMS granted for Casey Morgan")."""

import datetime as dt
import html
import re

import pghistory
import pytest
from django.urls import reverse

from crm.models import Channel, ConsentStatus
from crm.selectors.audit import AuditFilters, audit_page
from crm.services.consent import consent_record
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import message_template_for, trigger_for

pytestmark = pytest.mark.django_db

URL = "/settings/audit/"


def _page(client, **params) -> str:
    return html.unescape(client.get(URL, params).content.decode())


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)


@pytest.fixture
def casey(world):
    contact = factories.ContactFactory(tenant=world.tenant, first_name="Casey", last_name="Morgan")
    with world.active(), pghistory.context(user=world.admin.user_id):
        consent_record(
            tenant=world.tenant,
            contact=contact,
            channel=Channel.SMS,
            status=ConsentStatus.GRANTED,
            source="web form",
        )
    return contact


def test_consent_is_named_as_people_say_it(client, world, casey):
    sign_in(client, world.admin)
    page = _page(client)
    assert "Consent for SMS granted for Casey Morgan" in page
    assert "Created contact consent" not in page and "contact consent #" not in page
    with world.active(), pghistory.context(user=world.admin.user_id):
        consent_record(
            tenant=world.tenant,
            contact=casey,
            channel=Channel.SMS,
            status=ConsentStatus.WITHDRAWN,
            source="STOP",
        )
    assert "Consent for SMS withdrawn for Casey Morgan" in _page(client)


def test_template_and_trigger_changes_are_recorded(client, world):
    template = message_template_for(world.tenant, "quote-follow-up")
    trigger = trigger_for(
        world.tenant, event="lead_created", name="Greet new leads", steps=[{"template": template}]
    )
    with world.active():
        trigger.name = "Greet every new lead"
        trigger.save()
    sign_in(client, world.admin)
    page = _page(client)
    assert "Message template “Quote follow up” added" in page
    assert "Email version (English) of template “Quote follow up” added" in page
    assert "Trigger “Greet every new lead” changed" in page
    assert "Greet new leads → Greet every new lead" in page
    assert "Step 1 of trigger “Greet every new lead” added" in page
    templates_only = _page(client, what="templates")
    assert "Message template “Quote follow up” added" in templates_only
    assert "Trigger “" not in templates_only


def test_filters_by_who_what_and_when_and_searches(client, world, casey):
    sign_in(client, world.admin)
    mine = _page(client, who=str(world.admin.user_id))
    assert "Consent for SMS granted for Casey Morgan" in mine
    assert f"Contact {world.contact.display_name} added" not in mine  # written by no one
    system = _page(client, who="system")
    assert f"Contact {world.contact.display_name} added" in system
    assert "Consent for SMS granted" not in system

    contacts = _page(client, what="contacts")
    assert "Consent for SMS granted for Casey Morgan" in contacts
    assert "Brand " not in contacts

    today = world.tenant.today()
    assert "Casey Morgan" in _page(client, since=today.isoformat(), until=today.isoformat())
    yesterday = today - dt.timedelta(days=1)
    assert "No changes match these filters." in _page(client, until=yesterday.isoformat())

    # Words find the rows about a contact by their name, and rows by their own data.
    found = _page(client, q="casey morgan")
    assert "Consent for SMS granted for Casey Morgan" in found
    assert f"Contact {world.contact.display_name} added" not in found
    assert f"Brand {world.brand.name}" in _page(client, q=world.brand.sender_email)
    # A filter it does not understand is left out, not an error.
    assert client.get(URL, {"since": "someday", "who": "nobody"}).status_code == 200


def test_pages_follow_each_other_by_keyset(world):
    for number in range(7):
        factories.BrandFactory(tenant=world.tenant, name=f"Paged brand {number}")
    with world.active():
        first = audit_page(
            tenant=world.tenant, filters=AuditFilters(q="Paged"), after=None, per_page=4
        )
        assert first.has_next
        second = audit_page(
            tenant=world.tenant,
            filters=AuditFilters(q="Paged"),
            after=first.next_cursor,
            per_page=4,
        )
    names = [e.sentence for e in first.items + second.items]
    assert not second.has_next
    assert sorted(names) == [f"Brand Paged brand {n} added" for n in range(7)]


def test_show_more_continues_the_list_with_the_filters(client, world):
    for number in range(55):
        factories.BrandFactory(tenant=world.tenant, name=f"Bulk brand {number:02d}")
    sign_in(client, world.admin)
    page = _page(client, what="brands")
    first = {m for r in _rows(page) for m in re.findall(r"Bulk brand \d\d", r)}
    assert len(_rows(page)) == 1 + 50 + 1  # the head, a page of 50 (the world's brand too), more
    cursor = re.search(r'after=([\w-]+)"', page).group(1)
    more = html.unescape(
        client.get(
            URL, {"what": "brands", "after": cursor}, HTTP_HX_REQUEST="true"
        ).content.decode()
    )
    assert "<h1>" not in more
    rest = set(re.findall(r"Bulk brand \d\d", more))
    assert rest and not rest & first
    assert first | rest == {f"Bulk brand {n:02d}" for n in range(55)}


def test_another_tenants_entries_stay_out_even_when_searched(client, world, other_world):
    factories.ContactFactory(tenant=other_world.tenant, first_name="Zed", last_name="Other")
    sign_in(client, world.admin)
    assert "Zed Other" not in _page(client, q="Zed")


def test_the_page_queries_do_not_grow_with_names(client, world, casey):
    sign_in(client, world.admin)
    few = queries_for(client, URL)
    for number in range(5):
        contact = factories.ContactFactory(tenant=world.tenant, first_name=f"Extra{number}")
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=contact,
                channel=Channel.EMAIL,
                status=ConsentStatus.GRANTED,
                source="import",
            )
    assert queries_for(client, URL) == few
    assert reverse("settings:audit") == URL
