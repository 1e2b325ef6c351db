"""Who reads in which language. Threadline speaks settings.LANGUAGES (English, Dutch, Spanish):

- staff pages: the member's own language, else their team's (crm.middleware.LanguageMiddleware);
- the portal: the signed-in contact's language (they switch it there), else their team's;
- public pages (lead form, quote page, unsubscribe): the contact's language when the link names
  one, else the team's; the browser's (Accept-Language) where nobody is known, such as the
  portal's sign-in page;
- messages to a contact: the contact's language and time zone (messaging.rendering).

A contact whose language Threadline is not translated into (Portuguese, say) reads pages and
system messages in their team's language; the messages the team wrote for them are still chosen
by their own (messaging.services.outbox picks the template variant).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


def supported_language(code: str | None) -> str | None:
    """ "nl", "nl-be" -> "nl"; a language Threadline is not translated into -> None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def tenant_language(tenant) -> str:
    return supported_language(getattr(tenant, "language", None)) or settings.LANGUAGE_CODE


def staff_language(user, tenant) -> str:
    """A member's pages: their own language, else the team's."""
    return supported_language(getattr(user, "language", None)) or tenant_language(tenant)


def contact_language(contact, tenant) -> str:
    """What a contact reads pages and system messages in: theirs, else their team's."""
    return supported_language(getattr(contact, "language", None)) or tenant_language(tenant)


def browser_language(request) -> str:
    """Nobody known: the browser's preferred language among ours (Accept-Language), else
    English."""
    return supported_language(translation.get_language_from_request(request)) or (
        settings.LANGUAGE_CODE
    )


def translated_choices(choices_class):
    """A form field's choices from a TextChoices whose labels are marked with gettext_noop (kept
    plain on the model, so nothing stores a translation): a callable, so the form shows them in
    the language active when it renders."""
    return lambda: [(value, gettext(label)) for value, label in choices_class.choices]


def in_english(text) -> str:
    """A (lazily translated) label as the English words, whatever language is active: for the
    sentences kept in the database in English (timeline summaries, stop reasons, notes), so a
    label does not come out Dutch inside an English sentence."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)
