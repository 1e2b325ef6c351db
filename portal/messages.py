"""The portal's Messages page: the customer's conversation with the team, and writing to it.

What the customer reads is their side of the inbox: every message that went between them and the
team on the tickets of their contacts, whatever the channel — what they wrote (here, by email, SMS
or WhatsApp) and what the team answered. Only answers that reached them: a reply the delivery
policy blocked (consent withdrawn, STOP, WhatsApp's 24-hour window), held back (quiet hours),
that failed, bounced or is still waiting to go is the team's to see in their inbox, not something
the customer was told. Never the team's internal notes, their summaries of phone calls,
out-of-office auto-replies, nor anybody else's tickets.

What the customer writes goes the way every inbound message goes (tickets/ingest.py): stored as
an inbound event under a key made from the form's nonce (a double submit stores one message),
then threaded into the contact's ticket. It is processed here, in the request, so the customer
sees it in the thread at once; the task the store enqueues then finds it done. A failure leaves
the event to the inbound sweep, like any other.
"""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from crm.pagination import KeysetPage, keyset_page
from messaging.models import GONE_OUT_STATUSES
from portal.auth import PortalCustomer
from tickets.ingest import inbound_event_process, portal_message_store
from tickets.models import Direction, MessageChannel, Ticket, TicketMessage

MESSAGE_MAX_CHARS = 5000
MESSAGES_PER_PAGE = 50
# Newest first through the keyset (ticket_message_by_time narrows by time); shown oldest first.
ORDER = ("-sent_at", "-id")
# A call's summary is the team's note of what was said, not a message the customer received.
NOT_SHOWN_CHANNELS = (MessageChannel.NOTE, MessageChannel.PHONE)


class MessageForm(forms.Form):
    """No maxlength on the box: a browser would cut a long paste silently. A message over the
    limit comes back with its whole text and says by how much."""

    body = forms.CharField(label="Your message", widget=forms.Textarea(attrs={"rows": 5}))
    nonce = forms.UUIDField(widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > MESSAGE_MAX_CHARS:
            raise ValidationError(
                f"Your message is {len(body):,} characters long; the limit is "
                f"{MESSAGE_MAX_CHARS:,}. Shorten it, or send it in two parts. "
                "Nothing was sent yet, and your text is still here."
            )
        return body


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
            return "in the portal"
        return f"by {self.message.get_channel_display()}"

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


def portal_message_send(*, customer: PortalCustomer, body: str, nonce: str) -> bool:
    """Store and thread the customer's message. Returns False when this form was already sent
    (the same nonce): nothing is stored twice."""
    body = body.strip()
    if not body:
        raise ValidationError("Write your message first.")
    if len(body) > MESSAGE_MAX_CHARS:
        raise ValidationError(f"A message can be at most {MESSAGE_MAX_CHARS:,} characters long.")
    contact = portal_writing_contact(customer)
    stored = portal_message_store(
        tenant=customer.tenant, contact=contact, body=body, key=f"{contact.pk}:{nonce}"
    )
    if not stored.created:
        return False
    inbound_event_process(tenant=customer.tenant, event_id=stored.event_id)
    return True
