"""A ticket's priority: where it starts (the inbox's default, one step up for a VIP) and what
raises it (an angry message by sentiment, or a word the admin listed)."""

import functools
import re

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from crm.models import Contact, Tenant
from leads.models import LeadStatus
from tickets.models import PRIORITY_RANK, Inbox, InboxSettings, Priority

# VADER reads sentences; past this much text the score no longer changes, only the cost.
SENTIMENT_CHARS = 5000
_BY_RANK = {rank: priority for priority, rank in PRIORITY_RANK.items()}


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # loads its lexicon from the package: offline


def sentiment_of(text: str) -> float | None:
    """VADER's compound score, -1 (angry) to 1 (delighted); None for no text."""
    text = text.strip()[:SENTIMENT_CHARS]
    if not text:
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
) -> tuple[str, str]:
    """(priority, why) for a new ticket."""
    if is_vip(tenant=tenant, contact=contact, settings=settings):
        why = "VIP contact" if contact.is_vip else "repeat customer"
        return raised(inbox.default_priority), why
    return inbox.default_priority, ""


def boost_reason(*, text: str, sentiment: float | None, settings: InboxSettings) -> str:
    """Why this inbound text should raise its ticket's priority, or "" if it should not."""
    reasons = []
    if sentiment is not None and sentiment < settings.sentiment_threshold:
        reasons.append(f"negative tone ({sentiment:+.2f})")
    found = keywords_in(text, settings.priority_keywords)
    if found:
        reasons.append("mentions " + ", ".join(f"“{word}”" for word in found))
    return "; ".join(reasons)
