"""What the comms app holds on a contact: erasure's rules for its fields (channels, statuses and
times stay, addresses and words go) and its sections of the export (see crm.privacy)."""

from crm.privacy import (
    BLANK,
    ERASED,
    ExportKind,
    Keep,
    MergeRule,
    PersonalModel,
    Replace,
    register_export_kinds,
    register_merge_rules,
    register_personal_models,
)
from messaging.models import GONE_OUT_STATUSES, ContactCommsProfile, MessageStatus, OutboundMessage
from messaging.services.contact_merge import comms_profile_merge

CHUNK = 500

register_personal_models(
    # An email's files (an invoice's PDF) are the customer's papers: they go.
    PersonalModel("comms.OutboundAttachment", "message__contact", delete=True),
    PersonalModel(
        "comms.ContactCommsProfile",
        "contact",
        {
            "bounced_email": BLANK,
            "time_zone": Keep("a time zone name, shared by everyone who lives there"),
        },
    ),
    PersonalModel(
        "comms.OutboundMessage",
        "contact",
        {
            "to_address": BLANK,
            "subject": Replace(ERASED),
            "body_text": BLANK,
            "body_html": BLANK,
            "context": BLANK,
            "idempotency_key": Keep("our own key made of ids, which keeps a resend a no-op"),
            "from_address": Keep("the business's own address"),
            "last_error": Keep("the provider's error, which the delivery figures read"),
            "decisions": Keep("the policy's log (sent, deferred, suppressed), no message text"),
            "provider_message_id": Keep("the provider's id, which late delivery webhooks match"),
        },
        counted_as="outbound_messages",
    ),
    PersonalModel(
        "comms.SandboxDelivery",
        "message__contact",
        {
            "to_address": BLANK,
            "subject": Replace(ERASED),
            "body_text": BLANK,
            "body_html": BLANK,
            "headers": BLANK,
            "from_address": Keep("the business's own address"),
        },
    ),
)


def _profiles(subject):
    rows = ContactCommsProfile.objects.filter(
        tenant=subject.tenant, contact_id__in=subject.contact_ids
    )
    for profile in rows.order_by("contact_id"):
        yield (
            profile.contact_id,
            profile.get_update_frequency_display(),
            profile.time_zone or "the business's",
            profile.bounced_email,
        )


def _messages(subject):
    sent = OutboundMessage.objects.filter(
        tenant=subject.tenant,
        contact_id__in=subject.contact_ids,
        status__in=[*GONE_OUT_STATUSES, MessageStatus.BOUNCED],
    ).order_by("sent_at", "id")
    for message in sent.iterator(chunk_size=CHUNK):
        yield (
            message.contact_id,
            message.get_channel_display(),
            message.to_address,
            message.subject,
            message.body_text,
            message.get_status_display(),
            message.sent_at,
        )


register_export_kinds(
    ExportKind(
        "messaging_profile",
        ("contact_id", "update_frequency", "time_zone", "bounced_email"),
        _profiles,
    ),
    ExportKind(
        "messages_sent",
        ("contact_id", "channel", "to", "subject", "text", "status", "sent"),
        _messages,
    ),
)


register_merge_rules(
    MergeRule("comms.ContactCommsProfile", "contact", comms_profile_merge),
)
