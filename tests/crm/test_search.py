"""The shared search (crm.kit.search): folding, phone numbers, the contact search function and
the indexes it reads."""

import pytest
from django.db import connection, connections, transaction

from crm.kit.search import (
    FOLD_FROM,
    FOLD_TO,
    contact_search_params,
    fold,
    phone_digits,
    prefix_terms,
    search_words,
)
from crm.models import Contact
from crm.selectors.contacts import contact_list
from tests import factories


def test_fold_removes_accents_and_case():
    assert fold("José PEÑA") == "jose pena"
    assert search_words("Ångström-Łukasz, Zoë") == ["angstrom", "lukasz", "zoe"]
    assert len(FOLD_FROM) == len(FOLD_TO)


@pytest.mark.parametrize(
    "typed", ["(555) 010-2233", "555.010.2233", "+15550102233", "555 010 2233", "010-2233"]
)
def test_a_phone_in_any_format_is_its_digits(typed):
    digits = phone_digits(typed)
    assert digits and "5550102233".endswith(digits.removeprefix("1"))
    assert prefix_terms(typed) == f"{digits}:*"


def test_words_are_prefixes_and_nothing_else_reaches_the_query():
    assert phone_digits("Maria Gonzalez") is None
    assert phone_digits("555") is None  # too short to be a number: a word
    assert prefix_terms("Maria  Gonzalez") == "maria:* & gonzalez:*"
    assert prefix_terms("o'brien & | ! :*") == "o:* & brien:*"
    assert prefix_terms("  ¿? ") is None
    assert contact_search_params("+1 (555) 010-2233") == ["15550102233:*", "33220105551"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        FOLD_FROM + " José Peña ÅSA",
        # ASCII alone skips translate(): lower-cased, nothing else changed.
        "Maria GONZALEZ-O'Brien mg.roofs+1@Example.NET (555) 010-2233 ~\t\x7f",
        "",
        "ASCII then one accent: Zoë",
    ],
)
def test_fold_in_sql_is_the_same_as_in_python(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT threadline_fold(%s), threadline_fold(NULL)", [text])
        assert cursor.fetchone() == (fold(text), None)


def _maria(world, **names):
    with world.active():
        contact = factories.ContactFactory(tenant=world.tenant, **names)
        factories.ContactPhoneFactory(tenant=world.tenant, contact=contact, number="+15550102233")
        factories.ContactEmailFactory(
            tenant=world.tenant, contact=contact, email="mg.roofs@example.net"
        )
    return contact


def _found(world, text) -> list[Contact]:
    with world.active():
        return list(contact_list(tenant=world.tenant, search=text).items)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "Maria Gonzalez",
        "gonzalez maria",
        "mar gon",
        "MARÍA GONZÁLEZ",
        "(555) 010-2233",
        "555.010.2233",
        "+15550102233",
        "0102233",
        "mg.roofs@example.net",
        "mg.roofs",
    ],
)
def test_the_contact_list_finds_a_contact_by_full_name_phone_or_email(world, text):
    maria = _maria(world, first_name="Maria", last_name="Gonzalez")
    with world.active():
        factories.ContactFactory(tenant=world.tenant, first_name="Maria", last_name="Smith")
        factories.ContactFactory(tenant=world.tenant, first_name="Ana", last_name="Gonzalez")
    assert _found(world, text) == [maria]


@pytest.mark.django_db
def test_jose_pena_finds_jose_pena_with_accents(world):
    jose = _maria(world, first_name="José", last_name="Peña", company_name="Peña Tejados")
    assert _found(world, "jose pena") == [jose]
    assert _found(world, "tejados") == [jose]
    assert _found(world, "josé peña") == [jose]


@pytest.mark.django_db
def test_many_matches_are_filtered_in_the_query_itself(world, monkeypatch):
    """Past the id-list limit the function is a subquery: the same contacts."""
    from crm.kit import search

    with world.active():
        for _ in range(3):
            factories.ContactFactory(tenant=world.tenant, last_name="Whitfield")
    expected = {c.pk for c in _found(world, "whitfield")}
    monkeypatch.setattr(search, "ID_LIST_LIMIT", 1)
    monkeypatch.setattr(search.ids_from, "__kwdefaults__", {"limit": 1})
    monkeypatch.setattr(search.matching, "__kwdefaults__", {"limit": 1})
    monkeypatch.setattr(search.contacts_matching, "__kwdefaults__", {"field": "pk", "limit": 1})
    assert {c.pk for c in _found(world, "whitfield")} == expected
    assert len(expected) == 3


@pytest.mark.django_db
def test_the_contact_search_function_answers_only_for_the_current_tenant(world, other_world):
    for each in (world, other_world):
        _maria(each, first_name="Zelda", last_name="Quinn")
    assert len(_found(world, "zelda quinn")) == 1
    assert _found(world, "zelda quinn")[0].tenant_id == world.tenant.pk

    def raw(tenant_id) -> list:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id or "")])
            cursor.execute(
                "SELECT threadline_contact_search(to_tsquery('simple', 'zel:*'), '3322')"
            )
            return cursor.fetchall()

    with transaction.atomic():
        assert raw(None) == []
        assert len({row[0] for row in raw(other_world.tenant.pk)}) == 1


@pytest.mark.django_db(databases=["default", "owner"])
@pytest.mark.parametrize(
    ("function", "indexes"),
    [
        (
            "threadline_contact_search(tsquery,text)",
            ["contact_search_words", "contact_email_search_words", "contact_phone_digits_end"],
        ),
        ("threadline_ticket_search(tsquery)", ["ticket_subject_words"]),
    ],
)
def test_the_search_functions_read_their_indexes(function, indexes):
    """Each statement of the function, planned as the function runs it, uses its index: the
    index expressions are written exactly as the queries (threadline_fold inlined on both)."""
    owner = connections["owner"]
    with owner.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE oid = %s::regprocedure", [function])
        body = cursor.fetchone()[0].strip().rstrip(";")
        body = body.replace("@@ query", "@@ to_tsquery('simple', 'maria:*')")
        body = body.replace("digits_reversed", "'3322'")
        tenant = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"
        plans = []
        # Without the tenant condition, only the search index can serve a word search (an empty
        # table's plan would otherwise take the tenant's own index as cheaply); with one, the
        # phone's (tenant, trailing digits) index beats a scan of the whole unique index, which
        # an empty table's plan may otherwise pick as cheaply.
        for condition in ("true", "tenant_id = 1"):
            with transaction.atomic(using="owner"):
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {body.replace(tenant, condition)}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    plan = "\n".join(plans)
    for index in indexes:
        assert index in plan, plan
