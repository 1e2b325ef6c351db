"""The unified inbox: every message from or to a customer, on any channel, in one ticket.

An inbox (a brand's support@, or its text number) owns addresses on channels and a team of agents.
Every inbound webhook is first stored raw as an InboundEvent, then processed into a TicketMessage
of a Ticket; agents answer from the thread through the comms outbox. The SLA clock lives on the
ticket (its due time), and what happened to the clock is written down as SlaEvents.
"""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.kit.mail_domains import domain_canonical, is_platform_domain
from crm.kit.stored_text import stored_render
from crm.models import Brand, Contact, Membership, User, audited
from crm.tenancy.models import TenantOwnedModel
from leads.models import Lead
from messaging.models import OutboundMessage


class InboxChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class MessageChannel(models.TextChoices):
    """Where a ticket message came from or went: the inbox channels plus the portal, a logged
    phone call and the team's internal notes."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Phone call")
    NOTE = "note", _("Internal note")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


# Higher is more pressing: boosting moves one step up this ladder.
PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}
DEFAULT_SLA_MINUTES: dict[str, int] = {
    Priority.URGENT: 60,
    Priority.HIGH: 4 * 60,
    Priority.NORMAL: 24 * 60,
    Priority.LOW: 48 * 60,
}


def default_priority_keywords() -> list[str]:
    return ["complaint", "problem", "lawyer", "leak", "attorney", "refund", "urgent"]


# --- Configuration ------------------------------------------------------------------------------


@audited
class InboxSettings(TenantOwnedModel):
    """A tenant's threading window, priority boosts and escalation delay. One row per tenant."""

    thread_window_days = models.PositiveIntegerField(
        default=7,
        help_text="A message with no reply token or reference joins the sender's most recent "
        "open ticket if it had activity within this many days.",
    )
    sentiment_threshold = models.FloatField(
        default=-0.5,
        help_text="Inbound text scoring below this (VADER compound, -1 to 1) raises the priority.",
    )
    priority_keywords = ArrayField(
        models.CharField(max_length=60),
        default=default_priority_keywords,
        blank=True,
        help_text="Words that raise the priority of the message's ticket and alert its assignee.",
    )
    vip_after_won_jobs = models.PositiveIntegerField(
        default=2,
        help_text="A contact with this many won jobs is a repeat customer: their tickets start "
        "one priority higher. 0: only contacts flagged VIP.",
    )
    escalate_to_manager_after_minutes = models.PositiveIntegerField(
        default=60,
        help_text="A breached ticket still unanswered this long after the team lead was told "
        "goes to the managers.",
    )

    class Meta:
        verbose_name_plural = "inbox settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="inbox_settings_one")]


@audited
class SlaPolicy(TenantOwnedModel):
    """Response targets for one priority, counted in the tenant's business hours."""

    priority = models.CharField(max_length=8, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField()
    next_response_minutes = models.PositiveIntegerField()

    class Meta:
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "priority"], name="sla_policy_per_priority")
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.first_response_minutes} min"


@audited
class Inbox(TenantOwnedModel):
    """A place customers write to: a brand's support@ and sales@, or its text number."""

    name = models.CharField(max_length=120)
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL)
    agents = models.ManyToManyField(Membership, through="InboxAgent", related_name="inboxes")
    team_lead = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_inboxes",
        help_text="Told first when a ticket breaches its SLA; empty: the managers.",
    )
    default_priority = models.CharField(
        max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "inboxes"
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="inbox_unique_name")]

    def __str__(self) -> str:
        return self.name


class InboxAgent(TenantOwnedModel):
    """A member who answers an inbox, with how many open tickets they take at once."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="agent_links")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most open tickets at once; empty: no limit."
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "inbox", "membership"], name="inbox_agent_unique"
            )
        ]


# Audited without the auth token: the history must not become a second copy of the secret.
@audited(untracked=("twilio_auth_token_encrypted",))
class InboxAddress(TenantOwnedModel):
    """An email address or phone number an inbox receives on (and replies from).

    Twilio numbers carry their own account SID and auth token: a webhook for the number is
    verified with that token. Empty: the platform's TWILIO_* settings. The token is kept
    encrypted (crm/kit/encryption.py) and decrypted only where a request is signed or checked.
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="addresses")
    channel = models.CharField(max_length=16, choices=InboxChannel.choices)
    address = models.CharField(
        max_length=254, help_text="An email address, or a phone number in E.164 (+13055550100)."
    )
    twilio_account_sid = models.CharField(max_length=64, blank=True)
    twilio_auth_token_encrypted = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["channel", "address"]
        constraints = [
            # Unique across tenants too, through InboundRoute (which holds no tenant column).
            models.UniqueConstraint(
                fields=["tenant", "channel", "address"], name="inbox_address_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.address}"


class InboundRoute(models.Model):
    """Which tenant and address an inbound webhook's recipient belongs to, looked up before any
    tenant is known. Deliberately not tenant-owned (no row-level security): it holds only ids;
    the secrets stay on InboxAddress, read once the tenant is known.

    Every address has its route, switched off ones too (``is_receiving`` false), so an address
    or number stays one tenant's while it is paused; only receiving routes take messages in."""

    channel = models.CharField(max_length=16, choices=InboxChannel.choices)
    address = models.CharField(max_length=254)
    tenant_id = models.BigIntegerField()
    inbox_address_id = models.BigIntegerField()
    is_receiving = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="inbound_route_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class InboundDomain(models.Model):
    """A custom mail domain (and its subdomains) that one tenant receives on: the first tenant to
    add an inbox address on it claims it, and no other tenant can add one there. Shared mailbox
    domains (settings.THREADLINE_SHARED_MAIL_DOMAINS: gmail.com, outlook.com …) are never
    claimed. Platform-wide like InboundRoute (not tenant-owned: a claim must be seen by every
    tenant's check); a platform operator reassigns a domain in the platform admin."""

    domain = models.CharField(max_length=253, unique=True)
    claimed_by = models.ForeignKey(
        "crm.Tenant", on_delete=models.CASCADE, related_name="+", db_index=True
    )
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def clean(self):
        """One spelling per domain (crm.kit.mail_domains), and never the platform's own."""
        self.domain = domain_canonical(self.domain)
        if is_platform_domain(self.domain):
            raise ValidationError(
                {
                    "domain": _("%(domain)s is Threadline's own mail domain.")
                    % {"domain": self.domain}
                }
            )


# --- Ingest -------------------------------------------------------------------------------------


class EventProvider(models.TextChoices):
    TWILIO = "twilio", "Twilio"
    MAILGUN = "mailgun", "Mailgun"
    SENDGRID = "sendgrid", "SendGrid"
    POSTMARK = "postmark", "Postmark"
    AMAZON_SES = "amazon_ses", "Amazon SES"
    EMAIL_OTHER = "email", _("Email (other ESP)")
    IMPORT = "import", _("Imported file")
    PORTAL = "portal", _("Customer portal")


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed (retrying)")
    DEAD = "dead", _("Failed (gave up; needs a person)")
    UNREADABLE = "unreadable", _("Could not be read (original kept)")


class InboundEvent(TenantOwnedModel):
    """One inbound message exactly as the provider delivered it, stored before anything else.

    ``event_key`` makes a replay a no-op: Twilio's MessageSid; for email a hash of the message's
    content (the same mail reaching support@ and sales@ is one message), and a second post with
    the ESP's own id of an event already stored is a replay too. Never the Message-ID alone:
    mailers and forwarding tools reuse it for different messages.
    """

    provider = models.CharField(max_length=16, choices=EventProvider.choices)
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    event_key = models.CharField(max_length=300)
    provider_message_id = models.CharField(max_length=300, blank=True)
    inbox_address = models.ForeignKey(
        InboxAddress, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.CharField(max_length=254, blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text="Form fields (SMS/WhatsApp).")
    raw = models.BinaryField(blank=True, default=b"", help_text="The RFC 822 bytes (email).")
    provider_post = models.BinaryField(
        blank=True,
        default=b"",
        help_text="The provider's post as it came, when it carried no raw message (parsed "
        "fields) or could not be read: the original staff can download.",
    )
    post_content_type = models.CharField(max_length=200, blank=True)
    too_large_bytes = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The size of a message too large to keep: only its headers were stored.",
    )
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=1000, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event_key"], name="inbound_event_once")
        ]
        indexes = [
            # The sweep: events stored but not processed (a lost task, a worker killed).
            models.Index(
                fields=["tenant", "next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="inbound_event_unprocessed",
            ),
            models.Index(fields=["tenant", "-received_at", "-id"], name="inbound_event_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_key}"


class UnroutedInbound(models.Model):
    """Inbound mail or text for an address no tenant has: kept (not bounced) for the platform's
    operators to route by hand. Not tenant-owned: no tenant could be found for it."""

    provider = models.CharField(max_length=16, choices=EventProvider.choices)
    channel = models.CharField(max_length=16, choices=InboxChannel.choices)
    recipients = models.CharField(max_length=1000)
    sender = models.CharField(max_length=254, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    raw = models.BinaryField(blank=True, default=b"")
    received_at = models.DateTimeField(default=timezone.now)
    # A hash of what was posted: the provider's retries of one post are kept once.
    content_key = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "unrouted inbound messages"
        constraints = [
            models.UniqueConstraint(
                fields=["content_key"],
                condition=~Q(content_key=""),
                name="unrouted_inbound_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} to {self.recipients}"


# --- Tickets ------------------------------------------------------------------------------------


class TicketCounter(TenantOwnedModel):
    """The last ticket number given out in a tenant (T-1042); locked while a ticket is opened."""

    last_number = models.PositiveIntegerField(default=1000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="ticket_counter_one")]


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.WAITING)


class SlaTarget(models.TextChoices):
    FIRST = "first", _("First response")
    NEXT = "next", _("Next response")


class Ticket(TenantOwnedModel):
    """One conversation with a customer, whatever channels it uses.

    The SLA clock: ``sla_due_at`` is when our next answer is due (first or next response, see
    ``sla_target``), null while nothing is owed. Waiting on the customer pauses it, keeping the
    business minutes left in ``sla_paused_minutes_left``.
    """

    number = models.PositiveIntegerField(editable=False, help_text="Shown as T-1042.")
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    priority_reason = models.CharField(max_length=300, blank=True)
    # The reason's msgid and values (crm.kit.stored_text), so it reads in the reader's language.
    priority_reason_params = models.JSONField(null=True, blank=True)
    assignee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    last_message_at = models.DateTimeField(default=timezone.now)
    last_message_snippet = models.CharField(max_length=200, blank=True)
    last_message_channel = models.CharField(
        max_length=16, choices=MessageChannel.choices, blank=True
    )
    last_message_direction = models.CharField(max_length=8, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    sla_target = models.CharField(max_length=8, choices=SlaTarget.choices, blank=True)
    sla_started_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_paused_minutes_left = models.PositiveIntegerField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text="0: none; 1: team lead told; 2: managers told."
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_unique_number")
        ]
        indexes = [
            # The inbox views: newest activity first, by assignee / status / neither.
            models.Index(
                fields=["tenant", "assignee", "status", "-last_message_at", "-id"],
                name="ticket_by_assignee",
            ),
            models.Index(
                fields=["tenant", "status", "-last_message_at", "-id"], name="ticket_by_status"
            ),
            models.Index(fields=["tenant", "-last_message_at", "-id"], name="ticket_recent"),
            # Threading: the sender's most recent open ticket.
            models.Index(
                fields=["tenant", "contact", "-last_message_at"],
                condition=Q(status__in=["open", "waiting"]),
                name="ticket_open_by_contact",
            ),
            # The SLA sweep: running clocks, and breaches waiting to go to the managers.
            models.Index(
                fields=["tenant", "sla_due_at"],
                condition=Q(sla_due_at__isnull=False, sla_breached_at__isnull=True),
                name="ticket_sla_running",
            ),
            models.Index(
                fields=["tenant", "escalated_at"],
                condition=Q(escalation_level=1),
                name="ticket_sla_escalated_once",
            ),
            # The "SLA breached" view.
            models.Index(
                fields=["tenant", "-last_message_at", "-id"],
                condition=Q(sla_breached_at__isnull=False, status__in=["open", "waiting"]),
                name="ticket_breached",
            ),
            models.Index(
                fields=["tenant", "lead", "-last_message_at"],
                condition=Q(lead__isnull=False),
                name="ticket_by_lead",
            ),
            # The inbox's default views (open or waiting, newest first), read in index order: with
            # status IN (open, waiting) the status-led indexes above need a sort of every match.
            models.Index(
                fields=["tenant", "-last_message_at", "-id"],
                condition=Q(status__in=["open", "waiting"]),
                name="ticket_active_recent",
            ),
            models.Index(
                fields=["tenant", "assignee", "-last_message_at", "-id"],
                condition=Q(status__in=["open", "waiting"]),
                name="ticket_active_by_assignee",
            ),
        ]

    @property
    def shown_priority_reason(self) -> str:
        """Why the priority is what it is, in the active (the reader's) language."""
        return stored_render(self.priority_reason, self.priority_reason_params)

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}".strip()

    @property
    def reference(self) -> str:
        return f"T-{self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Direction(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")
    INTERNAL = "internal", _("Internal")


class TicketMessage(TenantOwnedModel):
    """One message of a thread. Outbound ones point at their outbox row, which holds the delivery
    status; inbound ones at the raw event they came from."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(
        default=timezone.now,
        help_text="Its place in the thread: for inbound mail, when we received it (imported "
        "history: when its last server did), never the sender's Date header.",
    )
    dated_at = models.DateTimeField(
        null=True, blank=True, help_text="The sender's Date header, shown but not trusted."
    )
    from_address = models.CharField(max_length=254, blank=True)
    to_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True, help_text="The whole text, quoted history included.")
    reply_text = models.TextField(blank=True, help_text="The new part; empty: all of body_text.")
    body_html = models.TextField(blank=True, help_text="Sanitised (nh3) before it is stored.")
    message_id = models.CharField(max_length=998, blank=True, help_text="Email Message-ID.")
    in_reply_to = models.CharField(max_length=998, blank=True)
    is_auto_reply = models.BooleanField(default=False)
    too_large_bytes = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The size of a message too large to keep: only its headers were stored.",
    )
    is_delivery_report = models.BooleanField(
        default=False, help_text="A bounce or delay notice about one of our emails."
    )
    enclosed = models.JSONField(
        default=list,
        blank=True,
        help_text="Messages forwarded as attachments or in a digest: sender, subject, date, text.",
    )
    sentiment = models.FloatField(null=True, blank=True)
    media = models.JSONField(
        default=list, blank=True, help_text="MMS/WhatsApp media the provider holds (URL, type)."
    )
    inbound_event = models.OneToOneField(
        InboundEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )
    outbound = models.OneToOneField(
        OutboundMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_message",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "ticket", "sent_at", "id"], name="ticket_message_thread"
            ),
            # The dashboard's weekly counts of messages, both ways.
            models.Index(
                fields=["tenant", "sent_at"],
                condition=Q(direction__in=[Direction.INBOUND, Direction.OUTBOUND]),
                name="ticket_message_by_time",
            ),
            # Threading by In-Reply-To / References against the Message-IDs we received.
            models.Index(
                fields=["tenant", "message_id"],
                condition=~Q(message_id=""),
                name="ticket_message_by_msgid",
            ),
        ]

    @property
    def shown_text(self) -> str:
        return self.reply_text or self.body_text

    @property
    def has_folded_history(self) -> bool:
        return bool(self.reply_text) and self.reply_text.strip() != self.body_text.strip()


def private_storage():
    return storages["private"]


def attachment_path(instance: "TicketAttachment", filename: str) -> str:
    # Private storage, never under MEDIA served by the web server; a random name so one file's
    # URL says nothing about another's.
    return f"tickets/{instance.tenant_id}/{instance.token}/{filename}"


class TicketAttachment(TenantOwnedModel):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, editable=False)
    file = models.FileField(upload_to=attachment_path, storage=private_storage, max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    is_inline = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["tenant", "message"], name="ticket_attachment_by_msg")]

    def __str__(self) -> str:
        return self.filename


class SlaEventKind(models.TextChoices):
    STARTED = "started", _("Clock started")
    MET = "met", _("Answered in time")
    ANSWERED_LATE = "answered_late", _("Answered after the target")
    PAUSED = "paused", _("Paused (waiting on customer)")
    RESUMED = "resumed", _("Resumed")
    BREACHED = "breached", _("Breached")
    ESCALATED_LEAD = "escalated_lead", _("Escalated to the team lead")
    ESCALATED_MANAGER = "escalated_manager", _("Escalated to the managers")
    PRIORITY_BOOSTED = "priority_boosted", _("Priority raised")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed by hand")


class SlaEvent(TenantOwnedModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_events")
    kind = models.CharField(max_length=24, choices=SlaEventKind.choices)
    target = models.CharField(max_length=8, choices=SlaTarget.choices, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    # The detail's msgid and values (crm.kit.stored_text), so it reads in the reader's language;
    # None on older rows, which read as stored.
    detail_params = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "ticket", "occurred_at"], name="sla_event_by_ticket"),
            models.Index(
                fields=["tenant", "kind", "occurred_at"], name="sla_event_by_kind"
            ),  # the dashboards' "answered within SLA"
            # The tenant's newest event (the team rollup's watermark, every minute): without it
            # PostgreSQL walks the primary key down through every later tenant's events.
            models.Index(fields=["tenant", "id"], name="sla_event_by_tenant_id"),
        ]

    @property
    def shown_detail(self) -> str:
        """The detail in the active (the reader's) language."""
        return stored_render(self.detail, self.detail_params)
