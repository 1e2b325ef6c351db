"""SMS keywords: STOP, START and HELP, answered the way carriers and the law expect.

A customer who texts STOP (or STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) is opted out of that
channel; START (UNSTOP) opts them back in to messages about their jobs; HELP (INFO) is told who is texting and how to stop.
Consent changes are recorded with their source (crm.ContactConsent, audited, and the timeline), a
HELP on the timeline only. Each is answered through the outbox as a system message, which the
delivery policy lets through whatever the consent now says. The inbound webhook calls this first
and threads the message into the inbox only when it was not a keyword.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.languages import contact_language
from crm.kit.stored_text import stored_label
from crm.models import Channel, ConsentStatus, Contact, Tenant
from crm.services.consent import consent_record
from crm.services.timeline import timeline_record
from leads.selectors.brands import contact_brand
from messaging.models import MessageSource, Purpose
from messaging.services import outbox

STOP = "STOP"
START = "START"
HELP = "HELP"
KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), STOP),
    # Not YES: customers answer "yes" to an appointment text, which is no opt-in to anything.
    **dict.fromkeys(("START", "UNSTOP"), START),
    **dict.fromkeys(("HELP", "INFO"), HELP),
}


def keyword_of(body: str) -> str | None:
    """STOP, START or HELP when the whole message is one of their words (any case), else None."""
    return KEYWORDS.get(body.strip().upper())


def is_keyword_text(*, channel: str, body: str) -> bool:
    """A text (SMS or WhatsApp) that is a keyword: the system answers it, nobody on the team
    owes a reply."""
    return channel in (Channel.SMS, Channel.WHATSAPP) and keyword_of(body) is not None


def _reply(keyword: str, *, business: str, channel_label: str, reach_us: str) -> str:
    """The answer, in the active language (the caller's: the contact's). The keywords themselves
    stay STOP, START and HELP: carriers act on those words."""
    values = {"business": business, "channel": _(channel_label), "reach_us": reach_us}
    if keyword == STOP:
        return (
            _(
                "%(business)s: you are unsubscribed and will get no more %(channel)s messages "
                "from us. Reply START to subscribe again."
            )
            % values
        )
    if keyword == START:
        return (
            _(
                "%(business)s: you are subscribed to %(channel)s messages again. Reply STOP to "
                "unsubscribe, HELP for help."
            )
            % values
        )
    if reach_us:
        return (
            _(
                "%(business)s: updates about your job by %(channel)s. Questions? %(reach_us)s. "
                "Reply STOP to unsubscribe."
            )
            % values
        )
    return (
        _("%(business)s: updates about your job by %(channel)s. Reply STOP to unsubscribe.")
        % values
    )


def _in_language(language: str, keyword: str, **values) -> str:
    with translation.override(language):
        return _reply(keyword, **values)


def _speaks_for_contact(contact: Contact, from_number: str) -> bool:
    """Whether a keyword from `from_number` may change the contact's consent: a number proved
    theirs, or any of their numbers while none is proved yet (a new lead). A stranger whose
    number came with the customer's email on a web form (crm.services.contacts.contact_find_or_create)
    must not silence the customer's own phone with STOP, nor undo the customer's STOP."""
    if not from_number:
        return True
    proved = contact.phones.filter(verified_at__isnull=False)
    return not proved.exists() or proved.filter(number=from_number).exists()


def _keyword_answer(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: str,
    keyword: str,
    from_number: str,
    now: dt.datetime,
) -> None:
    """Schedule the confirmation of `keyword` in the contact's language, from their brand."""
    label = Channel(channel).label
    brand = contact_brand(tenant=tenant, contact=contact)
    reach_us = (brand.reply_to_email or brand.sender_email or brand.website) if brand else ""
    outbox.message_schedule(
        tenant=tenant,
        channel=channel,
        source=MessageSource.SYSTEM,
        purpose=Purpose.TRANSACTIONAL,
        contact=contact,
        brand=brand,
        body_text=_in_language(
            contact_language(contact, tenant),
            keyword,
            business=brand.name if brand else tenant.name,
            channel_label=label,
            reach_us=reach_us,
        ),
        # The answer goes back to the number that texted, whichever of the contact's it is.
        to_address=from_number,
        context={"answer_sender": True} if from_number else {},
        # One answer per keyword a minute: a customer who sends STOP twice in a row (or a
        # webhook delivered twice) gets one confirmation.
        idempotency_key=f"keyword:{channel}:{contact.pk}:{keyword}:{now:%Y%m%dT%H%M}",
        now=now,
    )


@transaction.atomic
def sms_keyword_handle(
    *,
    tenant: Tenant,
    contact: Contact,
    channel: str,
    body: str,
    from_number: str = "",
    now: dt.datetime | None = None,
) -> str | None:
    """Act on a keyword text from `contact` on `channel` (sms or whatsapp) and schedule the
    confirmation to the number that texted (`from_number`; the contact's own number when it is
    not given). Returns STOP, START or HELP, or None for an ordinary message."""
    keyword = keyword_of(body)
    if keyword is None:
        return None
    now = now or timezone.now()
    label = Channel(channel).label
    if keyword != HELP and not _speaks_for_contact(contact, from_number):
        # The number stays unverified, so it gets none of the customer's texts (messaging.services.outbox
        # sends to proved addresses only once there are any); staff see why nothing changed.
        timeline_record(
            tenant=tenant,
            kind="contact.keyword_unverified",
            summary=gettext_noop(
                "Texted %(keyword)s from %(number)s, a number not verified as theirs: their "
                "%(channel)s consent is unchanged"
            ),
            params={"keyword": keyword, "number": from_number, "channel": stored_label(label)},
            contact=contact,
            detail={"channel": channel, "keyword": keyword, "from": from_number},
        )
        if keyword == START:
            return keyword
    elif keyword == STOP:
        consent_record(
            tenant=tenant,
            contact=contact,
            channel=channel,
            status=ConsentStatus.WITHDRAWN,
            source="STOP reply",
        )
    elif keyword == START:
        consent_record(
            tenant=tenant,
            contact=contact,
            channel=channel,
            # Back to hearing about their jobs; marketing needs its own, explicit opt-in.
            status=ConsentStatus.NO_MARKETING,
            source="START reply",
        )
    else:
        timeline_record(
            tenant=tenant,
            kind="contact.keyword",
            summary=gettext_noop(
                "Texted %(keyword)s by %(channel)s: sent who we are and how to stop"
            ),
            params={"keyword": body.strip().upper(), "channel": stored_label(label)},
            contact=contact,
            detail={"channel": channel, "keyword": keyword},
        )
    _keyword_answer(
        tenant=tenant,
        contact=contact,
        channel=channel,
        keyword=keyword,
        from_number=from_number,
        now=now,
    )
    return keyword
