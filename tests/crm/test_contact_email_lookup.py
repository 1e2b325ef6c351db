"""Finding a contact by email address goes through the (tenant, lower(email)) index: every inbound
email asks it, and a scan of all of a big tenant's addresses took a quarter of a second."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.selectors.contacts import contact_match, contacts_with_addresses, duplicate_candidates
from tests import factories


def _index_definition() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'contact_email_lookup'")
        return cursor.fetchone()[0]


def test_an_address_finds_its_contact_whatever_its_case(world, other_world):
    with world.active():
        address = world.contact.emails.get().email
        assert contact_match(tenant=world.tenant, emails=[address.upper()]) == world.contact
        assert contacts_with_addresses(tenant=world.tenant, emails=[f" {address} "]) == [
            world.contact
        ]
        twin = factories.ContactFactory(tenant=world.tenant)
        factories.ContactEmailFactory(tenant=world.tenant, contact=twin, email=address.title())
        assert duplicate_candidates(tenant=world.tenant, contact=world.contact) == [twin]
    with other_world.active():
        assert contact_match(tenant=other_world.tenant, emails=[address]) is None


@pytest.mark.parametrize(
    "find",
    [
        lambda world, address: contact_match(tenant=world.tenant, emails=[address]),
        lambda world, address: contacts_with_addresses(tenant=world.tenant, emails=[address]),
        lambda world, address: duplicate_candidates(tenant=world.tenant, contact=world.contact),
    ],
    ids=["contact_match", "contacts_with_addresses", "duplicate_candidates"],
)
def test_the_lookup_reads_the_address_index(world, find):
    with world.active():
        address = world.contact.emails.get().email
        with CaptureQueriesContext(connection) as captured:
            find(world, address)
    # The statement compares the index's own expression (a tiny test table's plan may take any
    # index of the tenant, so the expression is what can be checked here).
    assert "(tenant_id, lower((email)::text))" in _index_definition()
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert re.search(r'LOWER\((U\d+|"crm_contactemail")\."email"\) IN', sql), sql
    assert not re.search(r'(U\d+|"crm_contactemail")\."email" IN', sql), sql
