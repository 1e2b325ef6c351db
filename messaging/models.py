"""What the business says, on which channel and when, and the record of everything it sent.

Templates are data an admin edits (the triggers that send them are automation's). Every outbound
message is an OutboundMessage row with an idempotency key and a send-after time; a beat sweep
claims due rows and a task sends each through its provider. Nothing waits in a Celery ETA.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.models import Brand, Channel, Contact, Language, Membership, User, audited
from crm.tenancy.models import TenantOwnedModel
from leads.models import Lead, Stage


class MessageChannel(models.TextChoices):
    """The channels a message can be written for (a phone call is a follow-up, not a message)."""

    EMAIL = Channel.EMAIL.value, Channel.EMAIL.label
    SMS = Channel.SMS.value, Channel.SMS.label
    WHATSAPP = Channel.WHATSAPP.value, Channel.WHATSAPP.label


class Purpose(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional (about the customer's own job)")
    MARKETING = "marketing", _("Marketing (needs an opt-in, counts toward caps)")


# --- Settings -----------------------------------------------------------------------------------


def default_quiet_hours() -> dict:
    """When each channel may reach a contact, in the contact's time zone. None: any time."""
    return {
        "email": None,
        "sms": ["08:00", "20:00"],
        "whatsapp": ["08:00", "22:00"],
        "phone": ["09:00", "17:00"],
    }


def default_weekly_caps() -> dict:
    """Most non-transactional messages per contact per rolling week, per channel."""
    return {"email": 3, "sms": 2, "whatsapp": 2}


@audited
class CommsSettings(TenantOwnedModel):
    """A tenant's delivery policy and customer-update rhythm. One row per tenant."""

    quiet_hours = models.JSONField(default=default_quiet_hours)
    weekly_caps = models.JSONField(default=default_weekly_caps)
    duplicate_window_hours = models.PositiveIntegerField(
        default=24, help_text="The same template never reaches the same contact twice in this time."
    )
    update_interval_days = models.PositiveIntegerField(
        default=14, help_text="How often every active job sends its customer a status update."
    )
    update_template = models.ForeignKey(
        "MessageTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "comms settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="comms_settings_one")]


class UpdateFrequency(models.TextChoices):
    """A contact's own choice of how often they hear about their jobs."""

    DEFAULT = "default", gettext_noop("The business's rhythm")
    WEEKLY = "weekly", gettext_noop("Every week")
    BIWEEKLY = "biweekly", gettext_noop("Every two weeks")
    MONTHLY = "monthly", gettext_noop("Every month")
    NEVER = "never", gettext_noop("Only when something changes")


UPDATE_FREQUENCY_DAYS: dict[str, int] = {
    UpdateFrequency.WEEKLY: 7,
    UpdateFrequency.BIWEEKLY: 14,
    UpdateFrequency.MONTHLY: 30,
}


class ContactCommsProfile(TenantOwnedModel):
    """How a contact wants to hear from the business, beyond the core contact record."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="comms_profile")
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="Empty: the business's time zone."
    )
    update_frequency = models.CharField(
        max_length=16, choices=UpdateFrequency.choices, default=UpdateFrequency.DEFAULT
    )
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    bounced_email = models.EmailField(blank=True)
    last_whatsapp_inbound_at = models.DateTimeField(
        null=True, blank=True, help_text="Opens WhatsApp's 24-hour session window."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact"], name="comms_profile_one")
        ]


# --- Templates ----------------------------------------------------------------------------------


@audited
class MessageTemplate(TenantOwnedModel):
    """One thing the business says ("Quote sent"), written once per channel and language."""

    key = models.SlugField(max_length=60, help_text="A stable handle, e.g. quote-sent.")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    purpose = models.CharField(
        max_length=16, choices=Purpose.choices, default=Purpose.TRANSACTIONAL
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="message_template_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


# Who saved it and when is the history's own "who" and "when".
@audited(untracked=("updated_at", "updated_by"))
class TemplateVariant(TenantOwnedModel):
    """The words of a template for one channel, language and (optionally) brand."""

    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="variants")
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    brand = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Empty: every brand without its own wording.",
    )
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(help_text="The message; for email, the plain-text part.")
    body_html = models.TextField(blank=True, help_text="Email only; empty: made from the text.")
    whatsapp_approved = models.BooleanField(
        default=False,
        help_text="Approved by WhatsApp as a template: may open a conversation outside the "
        "24-hour session window.",
    )
    whatsapp_content_sid = models.CharField(
        max_length=64, blank=True, help_text="Twilio Content SID of the approved template."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["channel", "language", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "template", "channel", "language", "brand"],
                nulls_distinct=False,
                name="template_variant_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.get_channel_display()}, {self.language})"


# --- The outbox ---------------------------------------------------------------------------------


class MessageStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Queued for sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent (policy)")
    CANCELLED = "cancelled", _("Cancelled")


PENDING_STATUSES = (MessageStatus.SCHEDULED, MessageStatus.QUEUED)
# Statuses of a message that reached (or may have reached) the customer: caps and duplicates count them.
GONE_OUT_STATUSES = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.OPENED,
    MessageStatus.CLICKED,
)


class MessageSource(models.TextChoices):
    TRIGGER = "trigger", _("Trigger")
    QUOTE = "quote", _("Quote")
    INVOICE = "invoice", _("Invoice")
    UPDATE = "update", _("Customer update")
    STAFF = "staff", _("Staff notification")
    MANUAL = "manual", _("Sent by a person")
    SYSTEM = "system", _("Reply to a keyword")
    SEQUENCE = "sequence", _("Sequence")
    PORTAL_SIGN_IN = "portal_sign_in", _("Portal sign-in link or code")
    ONBOARDING = "onboarding", _("Portal onboarding reminder")
    DIGEST = "digest", _("Daily digest")


class Outcome:
    """What the delivery policy (messaging.services.policy) decided, as a message's decision log
    keeps it."""

    SEND = "send"
    DEFER = "defer"
    SUPPRESS = "suppress"  # a cap or a duplicate: the policy chose not to send
    BLOCK = "block"  # consent, a bad address, no address: the message may not be sent


# Sent many at once with nobody waiting on any one of them: a claim takes them after the other due
# messages and their sends queue behind the others' (settings.THREADLINE_BULK_SENDS_PRIORITY), so
# a customer's sign-in code or a rep's reply never waits behind a thousand teams' digests.
BULK_SOURCES = (MessageSource.DIGEST, MessageSource.SEQUENCE)


class Provider(models.TextChoices):
    SANDBOX = "sandbox", _("Sandbox (recorded, not sent)")
    EMAIL = "email", _("Email service (anymail)")
    TWILIO = "twilio", "Twilio"


# A queued row whose task never ran (a lost task message) is claimed again after this.
QUEUED_LEASE = dt.timedelta(minutes=5)


class OutboundMessage(TenantOwnedModel):
    """One message to one recipient on one channel, from the moment it is scheduled.

    ``decisions`` is the message's own log: every policy decision (sent, deferred, suppressed,
    blocked) with its time and reason, shown on the message and the contact's timeline.
    """

    idempotency_key = models.CharField(max_length=200)
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    purpose = models.CharField(
        max_length=16, choices=Purpose.choices, default=Purpose.TRANSACTIONAL
    )
    source = models.CharField(max_length=16, choices=MessageSource.choices)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.SCHEDULED
    )
    send_after = models.DateTimeField()
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_messages"
    )
    recipient_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_messages"
    )
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL)
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    variant = models.ForeignKey(
        TemplateVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The automation.TriggerStep that scheduled it: automation sits above messaging and owns the
    # relation (its migration 0004 holds the foreign key, SET NULL when the step goes); the
    # outbox asks automation about it (messaging.schedulers).
    trigger_step_id = models.BigIntegerField(null=True, blank=True)
    trigger_stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The stage whose trigger scheduled it: skipped if the lead has left it.",
    )
    context = models.JSONField(default=dict, blank=True, help_text="Extra template variables.")
    to_address = models.CharField(max_length=254, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    decisions = models.JSONField(default=list, blank=True)
    provider = models.CharField(max_length=16, choices=Provider.choices, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"], name="outbound_message_idempotent"
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(recipient_user__isnull=False),
                name="outbound_message_has_recipient",
            ),
        ]
        indexes = [
            # The sweep: due rows, oldest first.
            models.Index(
                fields=["tenant", "send_after"],
                condition=Q(status="scheduled"),
                name="outbox_due",
            ),
            # Rows queued but never sent (a lost task message) are queued again by the sweep.
            models.Index(
                fields=["tenant", "queued_at"], condition=Q(status="queued"), name="outbox_queued"
            ),
            # Caps and duplicates: this contact's recent messages on a channel.
            models.Index(
                fields=["tenant", "contact", "channel", "-send_after"],
                condition=Q(contact__isnull=False),
                name="outbox_by_contact",
            ),
            models.Index(
                fields=["tenant", "lead", "-created_at"],
                condition=Q(lead__isnull=False),
                name="outbox_by_lead",
            ),
            models.Index(fields=["tenant", "-created_at", "-id"], name="outbox_recent"),
            models.Index(
                fields=["tenant", "status", "-created_at", "-id"], name="outbox_by_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.to_address or self.contact_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES


class OutboundAttachment(TenantOwnedModel):
    """A file sent with an email (an invoice's PDF): kept with its message so a retry sends the
    same bytes. Erasing the contact deletes it."""

    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "message"], name="outbound_attachment_by_msg")]


class SandboxDelivery(TenantOwnedModel):
    """What the sandbox provider "sent": recorded instead of delivered, for `make dev` and tests.

    Written in the same transaction that marks the message sent, so a worker killed mid-send
    leaves neither behind.
    """

    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="sandbox_deliveries"
    )
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    to_address = models.CharField(max_length=254)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "message"], name="sandbox_by_message")]


class ProviderMessageRoute(models.Model):
    """Which tenant and message a provider's id belongs to, for delivery webhooks that arrive
    without a tenant. Deliberately not tenant-owned (no row-level security): it holds only ids."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    provider_message_id = models.CharField(max_length=200)
    tenant_id = models.BigIntegerField()
    message_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="provider_message_route_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_message_id}"


# --- Staff notifications ------------------------------------------------------------------------


class StaffNotificationKind(models.TextChoices):
    LEAD_ASSIGNED = "lead_assigned", _("A lead is assigned to me")
    LEAD_STUCK = "lead_stuck", _("A lead of mine is stuck in its stage")
    LEAD_UNTOUCHED = "lead_untouched", _("A new lead has not been contacted")
    CUSTOMER_REPLIED = "customer_replied", _("A customer replied")
    PAYMENT_RECEIVED = "payment_received", _("A payment was received")
    TICKET_ASSIGNED = "ticket_assigned", _("A ticket is assigned to me")
    TICKET_PRIORITY = "ticket_priority", _("A ticket of mine was raised in priority")
    SLA_BREACH = "sla_breach", _("A ticket breached its SLA")
    FOLLOW_UP_DUE = "follow_up_due", _("A follow-up is due")
    MESSAGE_FAILED = "message_failed", _("A message could not be sent")


class StaffNotificationPreference(TenantOwnedModel):
    """Besides the in-app bell, which notifications a member also gets by email or SMS."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=StaffNotificationKind.choices)
    by_email = models.BooleanField(default=False)
    by_sms = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "kind"], name="staff_notification_pref_unique"
            )
        ]
