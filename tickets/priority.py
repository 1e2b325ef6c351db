"""A ticket's priority: where it starts (the inbox's default, one step up for a VIP) and what
raises it (an angry message by sentiment, or a word the admin listed).

VADER's word list is English: it would read a Dutch or Spanish message by the few English-looking
words in it ("no", "super", "fatal"). A message from a contact who writes another language is
scored by keywords only: the admin's list and, for Dutch and Spanish, the alarm words below."""

import functools
import re

from django.utils.translation import gettext_noop
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from crm.kit.stored_text import clipped, stored_columns, stored_list, stored_message
from crm.models import Contact, Tenant
from leads.models import LeadStatus
from tickets.models import PRIORITY_RANK, Inbox, InboxSettings, Priority

# VADER reads sentences; past this much text the score no longer changes, only the cost.
SENTIMENT_CHARS = 5000
# The languages VADER's lexicon is written in.
SENTIMENT_LANGUAGES = frozenset({"en"})
# The default keywords (tickets.models.default_priority_keywords) as a Dutch or Spanish customer
# writes them; they raise a message in that language alongside the admin's own list.
LANGUAGE_KEYWORDS = {
    # Not "lek": it would find "lekker" (nice); these start only a leak.
    "nl": (
        "klacht",
        "probleem",
        "advocaat",
        "lekkage",
        "lekt",
        "terugbetaling",
        "dringend",
        "spoed",
    ),
    "es": ("queja", "reclamación", "problema", "abogado", "fuga", "gotera", "reembolso", "urgente"),
}
_BY_RANK = {rank: priority for priority, rank in PRIORITY_RANK.items()}


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # loads its lexicon from the package: offline


def sentiment_of(text: str, language: str = "en") -> float | None:
    """VADER's compound score, -1 (angry) to 1 (delighted); None for no text, or for text in a
    language VADER does not read (`language`: the writer's, e.g. the contact's)."""
    text = text.strip()[:SENTIMENT_CHARS]
    if not text or language not in SENTIMENT_LANGUAGES:
        return None
    return _analyzer().polarity_scores(text)["compound"]


def keywords_in(text: str, keywords) -> list[str]:
    """The listed words that start a word of `text`, any case ("leak" finds "leaking")."""
    folded = text.casefold()
    words = [word.strip() for word in keywords]
    return [
        word for word in words if word and re.search(rf"\b{re.escape(word.casefold())}", folded)
    ]


def raised(priority: str, steps: int = 1) -> str:
    return _BY_RANK[min(PRIORITY_RANK[priority] + steps, PRIORITY_RANK[Priority.URGENT])]


def is_vip(*, tenant: Tenant, contact: Contact, settings: InboxSettings) -> bool:
    if contact.is_vip:
        return True
    if not settings.vip_after_won_jobs:
        return False
    won = contact.leads.filter(tenant=tenant, status=LeadStatus.WON).count()
    return won >= settings.vip_after_won_jobs


def starting_priority(
    *, tenant: Tenant, inbox: Inbox, contact: Contact, settings: InboxSettings
) -> tuple[str, dict | None]:
    """(priority, why) for a new ticket."""
    if is_vip(tenant=tenant, contact=contact, settings=settings):
        why = gettext_noop("VIP contact") if contact.is_vip else gettext_noop("repeat customer")
        return raised(inbox.default_priority), stored_message(why)
    return inbox.default_priority, None


def boost_reason_message(
    *, text: str, sentiment: float | None, settings: InboxSettings, language: str = "en"
) -> dict | None:
    """Why this inbound text should raise its ticket's priority (a stored message), or None."""
    reasons = []
    if sentiment is not None and sentiment < settings.sentiment_threshold:
        reasons.append(
            stored_message(gettext_noop("negative tone (%(score)s)"), score=f"{sentiment:+.2f}")
        )
    keywords = list(settings.priority_keywords)
    keywords += [word for word in LANGUAGE_KEYWORDS.get(language, ()) if word not in keywords]
    found = keywords_in(text, keywords)
    if found:
        words = ", ".join(f"“{word}”" for word in found)
        reasons.append(stored_message(gettext_noop("mentions %(words)s"), words=words))
    if not reasons:
        return None
    return stored_message("%(reasons)s", reasons=stored_list(reasons, "; "))


def boost_reason(
    *, text: str, sentiment: float | None, settings: InboxSettings, language: str = "en"
) -> str:
    """boost_reason_message in English, or "" if the text raises nothing."""
    message = boost_reason_message(
        text=text, sentiment=sentiment, settings=settings, language=language
    )
    return stored_columns(message)[0] if message else ""


def priority_reason_columns(message: dict | None) -> dict:
    """A ticket's priority_reason columns for a stored message (blank for None)."""
    if message is None:
        return {"priority_reason": "", "priority_reason_params": None}
    text, params = stored_columns(message)
    return {"priority_reason": clipped(text, 300), "priority_reason_params": params}
