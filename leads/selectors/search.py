"""Full-text search of leads: the words typed, the query, the matching leads."""

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet

from crm.kit.search import prefix_terms, search_words
from leads.models import Lead

__all__ = ["leads_matching", "search_query", "search_terms", "search_words"]


def search_terms(text: str) -> str | None:
    """The tsquery text of a search box (crm.kit.search): every folded word as a prefix ("jan smi"
    finds Jane Smith, "jose" finds José), a phone number as its digits."""
    return prefix_terms(text)


def search_query(text: str) -> SearchQuery | None:
    terms = search_terms(text)
    return SearchQuery(terms, search_type="raw", config="simple") if terms else None


SEARCH_INDEX_LIMIT = 2000


def leads_matching(leads: QuerySet[Lead], text: str) -> QuerySet[Lead]:
    """Leads whose name, email, phone, address or number match the search box.

    Under row-level security PostgreSQL may not use the full-text index for a `@@` written in
    the query itself (the operator is not leakproof), so a rare term ("(954) 220-1296") would be
    checked against every lead of the tenant. The index is read through `threadline_lead_search`
    (leads migration 0002), which applies the same current-tenant setting as the policy. A common
    term ("mar") has thousands of matches: then the list's own ordered scan, which stops at the
    first page, is faster, and the term is matched in the query.
    """
    terms = search_terms(text)
    if terms is None:
        return leads
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM threadline_lead_search(to_tsquery('simple', %s)) AS id LIMIT %s",
            [terms, SEARCH_INDEX_LIMIT + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= SEARCH_INDEX_LIMIT:
        return leads.filter(pk__in=ids)
    return leads.filter(search_vector=search_query(text))
