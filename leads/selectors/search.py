"""Full-text search of leads: the words typed, the query, the matching leads."""

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet

from crm.kit.search import prefix_terms, search_words
from crm.tenancy.context import current_tenant
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
# How a term's commonness is judged before reading the index: among the tenant's newest
# COMMON_SAMPLE leads, COMMON_MATCHES or more match (0.25 %; "mar", "smith", "tyler" at a million
# leads). The list then finds its page's 50 within a few thousand leads of its ordered scan.
COMMON_SAMPLE = 2000
COMMON_MATCHES = 5


def leads_matching(leads: QuerySet[Lead], text: str, *, open_only: bool = False) -> QuerySet[Lead]:
    """Leads whose name, email, phone, address or number match the search box; `open_only` when
    the caller lists only open leads (the index read is then of theirs alone).

    Under row-level security PostgreSQL may not use the full-text index for a `@@` written in
    the query itself (the operator is not leakproof), so a rare term ("(954) 220-1296") would be
    checked against every lead of the tenant. The index is read through `threadline_lead_search`
    (leads migration 0002), which applies the same current-tenant setting as the policy. A common
    term ("mar") has thousands of matches: then the list's own ordered scan, which stops at the
    first page, is faster, and the term is matched in the query.

    Reading the index costs as much as the matches it finds (a common term: 180-700 ms at a
    million leads, to learn only that there are more than the limit), so a term is first tried
    on a sample, the tenant's newest leads (a few milliseconds): common there, it goes straight
    to the ordered scan. Both reads find the same leads; the choice changes only the time.

    The index reads only the words none of the sample matches, when there are some: an email
    address's "com" (in most leads) or "aol" made PostgreSQL collect the index's entries of a
    million leads to intersect them with one (40-55 ms). The ids it finds are then candidates,
    checked against every word. For the open leads the index read is of lead_open_search, which
    holds only theirs (through `threadline_open_lead_search`, leads migration 0016): "john wil"
    collected the entries of 54,000 leads from lead_search (11 ms) for 79 open ones (1.5 ms).
    """
    terms = search_terms(text)
    if terms is None:
        return leads
    common, ids = _common_or_indexed(terms, open_only=open_only)
    if common or len(ids) > SEARCH_INDEX_LIMIT:
        return leads.filter(search_vector=search_query(text))
    return leads.filter(pk__in=ids, search_vector=search_query(text))


# The index reads of leads_matching, each a SECURITY DEFINER function that applies the current
# tenant (a fixed name put into the statement, never text from the request).
_INDEX_SEARCH = {False: "threadline_lead_search", True: "threadline_open_lead_search"}
_COMMON_OR_INDEXED = """
    WITH newest AS NOT MATERIALIZED (
        SELECT search_vector FROM leads_lead
        WHERE tenant_id = %(tenant)s ORDER BY created_at DESC, id DESC LIMIT %(sample)s
    ), words AS MATERIALIZED (
        SELECT word, to_tsquery('simple', word) AS query
        FROM unnest(%(words)s::text[]) AS word
    ), common AS MATERIALIZED (
        SELECT count(*) >= %(matches)s AS yes FROM newest
        WHERE search_vector @@ (SELECT to_tsquery('simple', %(terms)s))
    ), rare AS MATERIALIZED (
        SELECT coalesce(string_agg(word, ' & '), %(terms)s) AS terms FROM words
        WHERE NOT EXISTS (SELECT FROM newest WHERE search_vector @@ words.query)
    )
    SELECT (SELECT yes FROM common), ARRAY(
        SELECT id
        FROM {search}(to_tsquery('simple', (SELECT terms FROM rare))) AS id
        WHERE NOT (SELECT yes FROM common) LIMIT %(most)s
    )
"""


def _common_or_indexed(terms: str, *, open_only: bool) -> tuple[bool, list[int]]:
    """One statement: whether at least COMMON_MATCHES of the current tenant's newest
    COMMON_SAMPLE leads match (their rows come in index order, lead_all_recent, and the words
    are checked only on those: the limit applies first, so row-level security's order of
    conditions does not matter), else up to the limit and one of the index's matches of the
    words that no lead of the sample has (all the words when each is in some): a superset of
    the matches, to be checked against every word (the function is not run for a common term:
    a one-time filter). `open_only`: the index read finds only open leads."""
    words = terms.split(" & ")  # search_terms joins each word's prefix with " & "
    # {search} is one of _INDEX_SEARCH's names: no text from the request.
    sql = _COMMON_OR_INDEXED.format(search=_INDEX_SEARCH[open_only])  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "matches": COMMON_MATCHES,
                "tenant": current_tenant().pk,
                "sample": COMMON_SAMPLE,
                "terms": terms,
                "words": words if len(words) > 1 else [],  # one word is its own rarest
                "most": SEARCH_INDEX_LIMIT + 1,
            },
        )
        return cursor.fetchone()
