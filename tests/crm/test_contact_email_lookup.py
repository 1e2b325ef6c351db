"""Finding a contact by email address goes through the (tenant, email) index: every inbound email
asks it. Under row-level security PostgreSQL may use an index only for a leakproof condition, so
the addresses are stored lower-case (a check constraint) and compared as stored: the earlier
`lower(email) IN (…)` read every address of the tenant (125 ms at a million contacts)."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from crm.models import Contact, ContactEmail
from crm.selectors.contacts import (
    _holding,
    contact_match,
    contacts_with_addresses,
    duplicate_candidates,
)
from portal.addresses import SignInAddress
from portal.models import ChallengeChannel
from portal.selectors.customers import _holders as _portal_holders
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


def test_merge_suggestions_read_names_as_the_search_box_does(world):
    with world.active():
        jose = factories.ContactFactory(tenant=world.tenant, first_name="José", last_name="Peña")
        twin = factories.ContactFactory(tenant=world.tenant, first_name="jose", last_name="PENA")
        factories.ContactFactory(tenant=world.tenant, first_name="Jose", last_name="Penalver")
        assert duplicate_candidates(tenant=world.tenant, contact=jose) == [twin]
        assert duplicate_candidates(tenant=world.tenant, contact=twin) == [jose]


@pytest.mark.parametrize(
    "find",
    [
        lambda world, address: contact_match(tenant=world.tenant, emails=[address]),
        lambda world, address: contacts_with_addresses(tenant=world.tenant, emails=[address]),
        lambda world, address: duplicate_candidates(tenant=world.tenant, contact=world.contact),
    ],
    ids=["contact_match", "contacts_with_addresses", "duplicate_candidates"],
)
def test_the_lookup_compares_the_column_as_stored(world, find):
    with world.active():
        address = world.contact.emails.get().email
        with CaptureQueriesContext(connection) as captured:
            find(world, address)
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert re.search(r'(U\d+|"crm_contactemail")\."email" IN', sql), sql
    assert "LOWER(" not in sql.upper(), sql


@pytest.mark.parametrize(
    "holders",
    [
        lambda tenant, address: _holding(tenant, emails=[address]),
        lambda tenant, address: _portal_holders(
            tenant, SignInAddress(ChallengeChannel.EMAIL, address)
        ),
    ],
    ids=["inbound sender", "portal sign-in"],
)
def test_the_app_role_reads_the_address_through_the_index(world, holders):
    """The app role's plan, the tenant policy applied (scans priced out, as a tiny table would be
    scanned): the address is an index condition, not a filter over all the tenant's addresses."""
    assert "(tenant_id, email)" in _index_definition()
    with world.active(), transaction.atomic(), connection.cursor() as cursor:
        address = world.contact.emails.get().email
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = holders(world.tenant, address).explain()
    assert re.search(r"Index Cond: .*\(email\)::text = ", plan), plan
    assert "lower(" not in plan, plan


def test_an_address_is_stored_lower_case_whoever_writes_it(world):
    with world.active():
        world.contact.emails.update(email="tom@example.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            ContactEmail.objects.filter(contact=world.contact).update(email="Tom@Example.com")


def test_addresses_and_names_are_one_union_not_a_walk_of_every_contact(world):
    """`pk IN (emails) OR pk IN (phones)` checks every contact of the tenant against both lists
    (hashed subplans); the union reads each index and joins the few ids it finds."""
    with world.active():
        contact = world.contact
        holders = _holding(
            world.tenant,
            emails=[contact.emails.get().email],
            phones=[contact.phones.get().number],
            named=Contact.objects.filter(tenant=world.tenant, last_name=contact.last_name),
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = Contact.objects.filter(tenant=world.tenant, pk__in=holders).explain()
        assert (
            contact_match(
                tenant=world.tenant,
                emails=["nobody@example.com"],
                phones=[contact.phones.get().number],
            )
            == contact
        )
    assert "hashed SubPlan" not in plan, plan
    assert "Append" in plan, plan
