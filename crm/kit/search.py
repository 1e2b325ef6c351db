"""The one search box: how typed text becomes words, a prefix query and a phone number.

Every list that searches (leads, contacts, the follow-up customer picker, the inbox, the header
search) reads the text through these functions, so "Maria Gonzalez", "jose pena" and
"(555) 010-2233" mean the same thing everywhere:

- words are folded: accents removed ("José Peña" is "jose pena") and lower-cased;
- every word must match as a prefix ("mar gon" finds Maria Gonzalez), in any order;
- text that is only a phone number ("+1 555.010.2233") is its digits; a contact is found by the
  end of their number, so the number with or without the country code, or its last digits, finds
  them.

The database side is plain PostgreSQL (no extension: the embedded PostgreSQL of `make dev` and the
tests has neither unaccent nor pg_trgm). `threadline_fold(text)` (crm migrations 0015 and 0023)
is `lower(translate(text, FOLD_FROM, FOLD_TO))`, or only `lower(text)` for ASCII text (translate()
costs about 14 µs a call), IMMUTABLE so indexes can use it; `fold` here is the same in Python.
The indexed reads run through SECURITY DEFINER functions that apply the tenant as the
row-level-security policy does: under row-level security PostgreSQL cannot use an index for a
condition that is not leakproof (`@@`, `threadline_fold`), see `leads.selectors.search`.
"""

import re

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

# Latin letters with diacritics and their base letter (one for one, as SQL translate() needs);
# the same two strings are in crm migration 0015's threadline_fold.
FOLD_FROM = (
    "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥ"
    "ĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘ"
    "ǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳøØđĐłŁħĦŧŦı"
)
FOLD_TO = (
    "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHh"
    "IiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoUuAaIiOoUuUuUu"
    "UuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyoOdDlLhHtTi"
)
_FOLD_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)

MOST_WORDS = 8
# A search of at least this many digits (and nothing but phone punctuation) is a phone number.
PHONE_DIGITS = 4
_PHONE_TEXT = re.compile(r"[\d\s()+.\-/]+")
# More matches than this and a list filters by the search inside its own ordered scan (which
# stops at the first page) rather than by a list of ids.
ID_LIST_LIMIT = 2000


def fold(text: str) -> str:
    """Without accents, lower-cased: the form both the index and the search box compare."""
    return text.translate(_FOLD_TABLE).lower()


def search_words(text: str) -> list[str]:
    """Folded words, split the same way for the search index and the search box."""
    return re.findall(r"\w+", fold(text))


def phone_digits(text: str) -> str | None:
    """The digits of a search that is a phone number, in any format; None for other text."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) >= PHONE_DIGITS and _PHONE_TEXT.fullmatch(text):
        return digits
    return None


def prefix_terms(text: str) -> str | None:
    """The tsquery text ('simple' configuration) of a search box: every word as a prefix, a phone
    number as its digits. Only letters and digits reach the query syntax."""
    digits = phone_digits(text)
    words = [digits] if digits else search_words(text)
    if not words:
        return None
    return " & ".join(f"{word}:*" for word in words[:MOST_WORDS])


def ids_from(function: str, params: list, *, limit: int = ID_LIST_LIMIT) -> list[int] | None:
    """The ids a SECURITY DEFINER search function returns (`function` is its trusted call
    text, e.g. "threadline_contact_search(to_tsquery('simple', %s), %s)"), or None when there
    are more than `limit`."""
    with connection.cursor() as cursor:
        # `function` is one of this app's constant call texts; the words are parameters.
        sql = f"SELECT id FROM {function} AS id LIMIT %s"  # noqa: S608  # nosec B608
        cursor.execute(sql, [*params, limit + 1])
        rows = cursor.fetchall()
    # The functions may return an id twice (found by name and by email): read as a set.
    return list(dict.fromkeys(row[0] for row in rows)) if len(rows) <= limit else None


def matching(field: str, function: str, params: list, *, limit: int = ID_LIST_LIMIT) -> Q:
    """A filter on `field` (a primary or foreign key) for the ids the search function returns:
    a list of ids when there are few, the function itself as a subquery when there are many."""
    ids = ids_from(function, params, limit=limit)
    if ids is not None:
        return Q(**{f"{field}__in": ids})
    subquery = RawSQL(f"SELECT id FROM {function} AS id", params)  # noqa: S608, S611  # nosec B608 B611
    return Q(**{f"{field}__in": subquery})


def contact_search_params(text: str) -> list | None:
    """The arguments of `threadline_contact_search` for a search box, None when it is empty:
    the words as a prefix query, and a phone number's digits reversed (the index reads numbers
    from their end)."""
    terms = prefix_terms(text)
    if terms is None:
        return None
    digits = phone_digits(text)
    return [terms, digits[::-1] if digits else ""]


CONTACT_SEARCH = "threadline_contact_search(to_tsquery('simple', %s), %s)"


def contacts_matching(text: str, *, field: str = "pk", limit: int = ID_LIST_LIMIT) -> Q | None:
    """A filter for contacts (or rows pointing at them through `field`, e.g. "contact_id")
    whose name, company, email or phone match the search box; None for an empty search."""
    params = contact_search_params(text)
    if params is None:
        return None
    return matching(field, CONTACT_SEARCH, params, limit=limit)


CONTACT_SEARCH_FIRST = "threadline_contact_search_first(to_tsquery('simple', %s), %s, %s, %s)"


def first_contacts_matching(
    text: str, *, most: int, by_name: bool = False, walk: bool | None = None
) -> Q | None:
    """A filter for the first `most` contacts matching the search box in a list's own order
    (newest first: created_at and id descending; `by_name`: first name, last name, id), None for
    an empty search. Filter and order by the same fields and take `most`: the rows are the ones
    `contacts_matching` gives in that order, but a common word no longer costs every match
    (crm migration 0017: the database walks the ordered index and stops at `most`, or sorts the
    indexed matches of a rare word). `walk` forces one of the two reads (tests)."""
    params = contact_search_params(text)
    if params is None:
        return None
    call = CONTACT_SEARCH_FIRST if walk is None else CONTACT_SEARCH_FIRST[:-1] + ", %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {call} AS id",  # noqa: S608  # nosec B608
            [*params, most, by_name] + ([] if walk is None else [walk]),
        )
        ids = [row[0] for row in cursor.fetchall()]
    return Q(pk__in=ids)
