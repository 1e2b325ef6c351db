"""Search of tickets (the inbox and the header search): by subject words, by the customer
(name, company, email or phone, as every list finds contacts) and by number ("T-1042")."""

import re

from django.db.models import Q

from crm.kit.search import contacts_matching, matching, prefix_terms

TICKET_SEARCH = "threadline_ticket_search(to_tsquery('simple', %s))"
_NUMBER = re.compile(r"#?\s*(?:t-?\s*)?(\d{1,9})", re.IGNORECASE)


def tickets_matching(text: str) -> Q | None:
    """A filter for the tickets the search box finds; None for an empty search."""
    terms = prefix_terms(text)
    if terms is None:
        return None
    found = matching("pk", TICKET_SEARCH, [terms]) | contacts_matching(text, field="contact_id")
    number = _NUMBER.fullmatch(text.strip())
    if number:
        found |= Q(number=int(number.group(1)))
    return found
