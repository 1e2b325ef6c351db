"""The portal's Messages page: the customer's conversation with the team.

What the customer reads is their side of the inbox: every message that went between them and the
team on the tickets of their contacts, whatever the channel — what they wrote (here, by email, SMS
or WhatsApp) and what the team answered. Only answers that reached them: a reply the delivery
policy blocked (consent withdrawn, STOP, WhatsApp's 24-hour window), held back (quiet hours),
that failed, bounced or is still waiting to go is the team's to see in their inbox, not something
the customer was told. Never the team's internal notes, their summaries of phone calls,
out-of-office auto-replies, nor anybody else's tickets.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from crm.pagination import KeysetPage, keyset_page
from messaging.models import GONE_OUT_STATUSES
from portal.auth import PortalCustomer
from tickets.models import Direction, MessageChannel, Ticket, TicketMessage

MESSAGES_PER_PAGE = 50
# Newest first through the keyset (ticket_message_by_time narrows by time); shown oldest first.
ORDER = ("-sent_at", "-id")
# A call's summary is the team's note of what was said, not a message the customer received.
NOT_SHOWN_CHANNELS = (MessageChannel.NOTE, MessageChannel.PHONE)


@dataclass(frozen=True)
class ConversationLine:
    message: TicketMessage
    text: str
    from_customer: bool

    @property
    def sent_at(self) -> dt.datetime:
        return self.message.sent_at

    @property
    def channel_label(self) -> str:
        if self.message.channel == MessageChannel.PORTAL:
            return gettext("in the portal")
        return gettext("by %(channel)s") % {"channel": gettext(self.message.get_channel_display())}

    @property
    def author(self) -> str:
        user = self.message.author
        return user.full_name if user is not None and user.full_name else ""


@dataclass(frozen=True)
class Conversation:
    lines: list[ConversationLine]  # oldest first: the newest is at the bottom
    older_cursor: str | None  # the page of older messages, if there are any
    is_latest: bool  # False when showing an older page


def _conversation_messages(customer: PortalCustomer) -> QuerySet[TicketMessage]:
    tickets = Ticket.objects.filter(tenant=customer.tenant, contact_id__in=customer.contact_ids)
    return (
        TicketMessage.objects.filter(
            tenant=customer.tenant,
            ticket_id__in=tickets.values("pk"),
            direction__in=(Direction.INBOUND, Direction.OUTBOUND),
            is_auto_reply=False,
        )
        .exclude(channel__in=NOT_SHOWN_CHANNELS)
        # The customer's own messages have no outbox row; the team's show once theirs went out.
        .filter(Q(outbound__isnull=True) | Q(outbound__status__in=GONE_OUT_STATUSES))
        .select_related("outbound", "author")
        # The thread shows plain text: the HTML of long emails stays in the database.
        .defer("body_html", "media", "outbound__body_html", "outbound__context")
    )


def _text(message: TicketMessage) -> str:
    outbound = message.outbound
    if outbound is not None and outbound.template_id and outbound.body_text:
        # A template reply's wording is on its outbox row, rendered when it was sent.
        return outbound.body_text
    return message.shown_text


def portal_conversation(*, customer: PortalCustomer, before: str | None = None) -> Conversation:
    """The latest messages (or those before the `before` cursor) in one query."""
    page: KeysetPage = keyset_page(
        _conversation_messages(customer), order=ORDER, after=before, per_page=MESSAGES_PER_PAGE
    )
    lines = [
        ConversationLine(message, _text(message), message.direction == Direction.INBOUND)
        for message in reversed(page.items)
    ]
    return Conversation(lines=lines, older_cursor=page.next_cursor, is_latest=not before)


def portal_writing_contact(customer: PortalCustomer):
    """Whom a message from the portal is from: the contact the customer is greeted as (the
    oldest with the address they signed in with), so a household that shares an address writes
    into one thread."""
    return customer.contacts[0]
