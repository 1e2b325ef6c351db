"""Search of tickets (the inbox and the header search): by subject words, by the customer
(name, company, email or phone, as every list finds contacts) and by number ("T-1042"); the
inbox also by the text of the messages (subject and body, either way, internal notes included:
the inbox is staff's)."""

import re

from django.db import connection
from django.db.models import Q

from crm.kit.search import contact_search_params, contacts_matching, matching, prefix_terms

TICKET_SEARCH = "threadline_ticket_search(to_tsquery('simple', %s))"
MESSAGE_SEARCH = "threadline_ticket_message_search(to_tsquery('simple', %s))"
TICKET_SEARCH_FIRST = "threadline_ticket_search_first(to_tsquery('simple', %s), %s, %s, %s)"
_NUMBER = re.compile(r"#?\s*(?:t-?\s*)?(\d{1,9})", re.IGNORECASE)


def tickets_matching(text: str, *, message_text: bool = False) -> Q | None:
    """A filter for the tickets the search box finds; None for an empty search. With
    `message_text`, also the tickets one of whose messages has the words (tickets migration
    0005's index)."""
    terms = prefix_terms(text)
    by_contact = contacts_matching(text, field="contact_id")  # None for the same texts
    if terms is None or by_contact is None:
        return None
    found = matching("pk", TICKET_SEARCH, [terms]) | by_contact
    if message_text:
        found |= matching("pk", MESSAGE_SEARCH, [terms])
    number = _NUMBER.fullmatch(text.strip())
    if number:
        found |= Q(number=int(number.group(1)))
    return found


def first_tickets_matching(text: str, *, most: int, walk: bool | None = None) -> Q | None:
    """A filter for the `most` newest tickets (last message first) the search box finds among
    ALL the tenant's tickets, None for an empty search: for a list that shows every ticket
    (a manager's) ordered by last message and id and cut at `most`, the same rows as
    `tickets_matching`, without reading every match of a common word (tickets migration 0009).
    `walk` forces the ordered walk (True) or the indexes (False), for tests."""
    params = contact_search_params(text)
    if params is None:
        return None
    with connection.cursor() as cursor:
        sql = f"SELECT id FROM {TICKET_SEARCH_FIRST} AS id"  # noqa: S608  # nosec B608
        cursor.execute(sql, [*params, most, walk])
        found = Q(pk__in=[row[0] for row in cursor.fetchall()])
    number = _NUMBER.fullmatch(text.strip())
    if number:
        found |= Q(number=int(number.group(1)))
    return found
