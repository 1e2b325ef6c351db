"""Sentiment in the contact's language: VADER's English word list never scores Dutch or Spanish
text (it would read "no", "super" or "fatal" as English); their messages are raised by keywords
only, the admin's and the Dutch or Spanish alarm words."""

import pytest
from django.utils import translation

from crm.models import Language
from tests.tickets.test_priority import CALM, desk, reload, text_in  # noqa: F401 (desk: fixture)
from tickets import priority
from tickets.models import InboxSettings, Priority, SlaEventKind, Ticket

# VADER scores these as English: "no" and "fatal" are negative words in its lexicon, "super" and
# "top" positive; none of that is what the writer meant.
DUTCH_CALM = "Nee hoor, geen probleem, de monteur was super. Top service!"
DUTCH_SPOED = "Er is lekkage bij de laadpaal, dit is dringend."
SPANISH_CALM = "No, todo bien, gracias. El técnico fue muy amable."
SPANISH_FATAL = "Fatal: no funciona nada y quiero un reembolso."


def test_vader_scores_english_only():
    assert priority.sentiment_of("This is terrible, awful service", "en") < -0.5
    assert priority.sentiment_of(SPANISH_FATAL, "en") < 0  # what English VADER would say
    assert priority.sentiment_of(SPANISH_FATAL, "es") is None
    assert priority.sentiment_of(DUTCH_CALM, "nl") is None
    assert priority.sentiment_of(DUTCH_CALM, "pt") is None


@pytest.mark.parametrize(
    ("language", "text", "found"),
    [
        ("nl", DUTCH_SPOED, "mentions “lekkage”, “dringend”"),
        ("nl", "Ik heb een klacht over de offerte", "mentions “klacht”"),
        ("es", SPANISH_FATAL, "mentions “reembolso”"),
        ("es", "Hay una gotera en el garaje, es urgente", "mentions “gotera”, “urgente”"),
        ("nl", "Bedankt, alles werkt prima en het weer is lekker", ""),
        ("nl", "De laadpaal lekt", "mentions “lekt”"),
        ("en", "Hay una gotera", ""),  # the Spanish words are for Spanish writers
    ],
)
def test_dutch_and_spanish_messages_are_raised_by_their_own_keywords(language, text, found):
    settings = InboxSettings(sentiment_threshold=-0.5, priority_keywords=["lawyer"])
    assert priority.boost_reason(
        text=text, sentiment=None, settings=settings, language=language
    ) == (found)


def test_a_spanish_customer_is_not_scored_with_the_english_word_list(world, desk):  # noqa: F811
    with world.active():
        world.contact.language = Language.SPANISH
        world.contact.save(update_fields=["language"])
    first = text_in(world, desk, CALM, sid="SM1")
    fatal = text_in(world, desk, "Fatal, no, no y no.", sid="SM2")
    assert first.sentiment is None and fatal.sentiment is None
    assert reload(world, fatal.ticket).priority == Priority.NORMAL
    leak = text_in(world, desk, "Hay una gotera en el garaje", sid="SM3")
    ticket = reload(world, leak.ticket)
    assert ticket.priority == Priority.HIGH
    assert ticket.priority_reason == "mentions “gotera”"
    # The reason and the SLA event's detail read in the reader's language.
    with translation.override("nl"):
        assert ticket.shown_priority_reason == "noemt “gotera”"
    with world.active(), translation.override("es"):
        boosted = ticket.sla_events.get(kind=SlaEventKind.PRIORITY_BOOSTED)
        assert boosted.shown_detail == "Subida a Alta: menciona “gotera”"


def test_a_priority_reason_reads_in_the_readers_language():
    settings = InboxSettings(sentiment_threshold=-0.5, priority_keywords=["lawyer"])
    reason = priority.boost_reason_message(
        text="Calling my lawyer", sentiment=-0.8, settings=settings, language="en"
    )
    ticket = Ticket(**priority.priority_reason_columns(reason))
    assert ticket.priority_reason == "negative tone (-0.80); mentions “lawyer”"
    with translation.override("nl"):
        assert ticket.shown_priority_reason == "negatieve toon (-0.80); noemt “lawyer”"
    assert Ticket(priority_reason="set by Ana").shown_priority_reason == "set by Ana"
