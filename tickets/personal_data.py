"""What the tickets app holds on a contact: erasure's rules for its fields (ticket numbers,
statuses and SLA times stay, addresses and words go) and its section of the export (see
crm.privacy)."""

from crm.privacy import (
    BLANK,
    ERASED,
    ExportKind,
    Keep,
    PersonalModel,
    Replace,
    register_export_kinds,
    register_personal_models,
)
from tickets.models import Direction, TicketMessage

CHUNK = 500


register_personal_models(
    PersonalModel(
        "tickets.Ticket",
        "contact",
        {
            "subject": Replace(ERASED),
            "last_message_snippet": BLANK,
            "priority_reason": BLANK,
            "priority_reason_params": BLANK,
            "last_message_direction": Keep("in or out, which the inbox sorts by"),
        },
    ),
    # The raw events their ticket messages came from.
    PersonalModel(
        "tickets.InboundEvent",
        "message__ticket__contact",
        {
            "payload": BLANK,
            "raw": BLANK,
            "provider_post": BLANK,
            "last_error": BLANK,
            "event_key": Keep("the provider's event id, which makes a replay a no-op"),
            "provider_message_id": Keep("the provider's id, which a replay is matched by"),
            "recipient": Keep("the business's own inbox address"),
            "post_content_type": Keep("a MIME type"),
        },
        counted_as="inbound_events",
    ),
    PersonalModel(
        "tickets.TicketAttachment",
        "message__ticket__contact",
        delete=True,
        files=("file",),
    ),
    PersonalModel(
        "tickets.TicketMessage",
        "ticket__contact",
        {
            "from_address": BLANK,
            "to_address": BLANK,
            "subject": BLANK,
            "body_text": BLANK,
            "reply_text": BLANK,
            "body_html": BLANK,
            "message_id": BLANK,
            "in_reply_to": BLANK,
            "media": BLANK,
            "enclosed": BLANK,
            "dated_at": BLANK,
        },
        counted_as="ticket_messages",
    ),
    PersonalModel(
        "tickets.SlaEvent",
        "ticket__contact",
        {
            "detail": Keep(
                "the SLA change and the rule behind it (tone, the tenant's own urgent words)"
            ),
            "detail_params": Keep("the same detail's values: a target, a duration"),
        },
    ),
)


def _ticket_messages(subject):
    rows = (
        TicketMessage.objects.filter(
            tenant=subject.tenant, ticket__contact_id__in=subject.contact_ids
        )
        .exclude(direction=Direction.INTERNAL)
        .select_related("ticket")
        .order_by("ticket_id", "sent_at", "id")
    )
    for message in rows.iterator(chunk_size=CHUNK):
        yield (
            f"T-{message.ticket.number}",
            message.get_direction_display(),
            message.get_channel_display(),
            message.from_address,
            message.to_address,
            message.subject,
            message.reply_text or message.body_text,
            message.sent_at,
        )


register_export_kinds(
    ExportKind(
        "conversations",
        ("ticket", "direction", "channel", "from", "to", "subject", "text", "sent"),
        _ticket_messages,
    ),
)
