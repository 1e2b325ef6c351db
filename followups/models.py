"""Follow-ups: promises to a customer with a time on them, separate from notes.

A FollowUp is one promise (call Maria Tuesday 10:00). Reminders are rows of their own, one per
offset and channel, each sent exactly once (claimed with SKIP LOCKED). A recurring follow-up is a
FollowUpSeries (an RFC 5545 rule) whose occurrences are materialised ahead of time. Sequences,
whose steps make follow-ups, are automation's. Neglect ("rotting") flags customers nobody has
touched.
"""

import builtins
import datetime as dt
import zoneinfo

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.models import Contact, Membership, Property, User, audited
from crm.tenancy.models import TenantOwnedModel
from leads.models import Lead, Quote, Stage
from tickets.models import Ticket


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.PENDING, Status.IN_PROGRESS)
# An open follow-up is missed once its slot is over, at least MIN_GRACE after its time; a started
# one STARTED_GRACE later still (followups.services.missed).
MIN_GRACE = dt.timedelta(minutes=15)
STARTED_GRACE = dt.timedelta(hours=2)
# A follow-up's slot lasts at most a day (the CSV import's limit too): what is due recently can
# then be found by a range of scheduled times, without reading every follow-up.
LONGEST_SLOT_MINUTES = 24 * 60


class Outcome(models.TextChoices):
    SUCCESSFUL = "successful", _("Successful")
    NO_RESPONSE = "no_response", _("No response")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    NOT_INTERESTED = "not_interested", _("Not interested")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    MANUAL = "manual", _("Created by a person")
    BULK = "bulk", _("Created in bulk")
    TEMPLATE = "template", _("From a follow-up template")
    TRIGGER = "trigger", _("By a trigger")
    SEQUENCE = "sequence", _("By a sequence")
    SERIES = "series", _("Recurring")
    NEGLECT = "neglect", _("Neglected customer")
    IMPORT = "import", _("Imported")


# The types every tenant starts with (key, name); admins add their own. The name is made in the
# team's language when the tenant first needs the types.
BUILTIN_TYPES = (
    ("call", gettext_noop("Phone call")),
    ("email", gettext_noop("Email")),
    ("message", gettext_noop("SMS/WhatsApp")),
    ("video", gettext_noop("Video call")),
    ("meeting", gettext_noop("In-person meeting")),
    ("document_review", gettext_noop("Document review")),
    ("status_check", gettext_noop("Application status check")),
    ("payment", gettext_noop("Payment follow-up")),
    ("service", gettext_noop("Service follow-up")),
)


@audited
class FollowUpType(TenantOwnedModel):
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    is_builtin = models.BooleanField(default=False)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="follow_up_type_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


class FollowUpSeries(TenantOwnedModel):
    """A recurring follow-up: the rule (RFC 5545 RRULE, read with dateutil) and what each
    occurrence looks like. Occurrences are FollowUp rows made ahead by a sweep; "this one" edits
    change a row, "the whole series" edits change this and the rows not yet done."""

    rule = models.CharField(max_length=500, help_text="An RRULE, e.g. FREQ=WEEKLY;BYDAY=TU.")
    starts_at = models.DateTimeField(help_text="The first occurrence, in UTC.")
    time_zone = models.CharField(
        max_length=64, help_text="Occurrences keep their local time across DST in this zone."
    )
    until = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    skipped = ArrayField(
        models.DateTimeField(), default=list, blank=True, help_text="Occurrences left out."
    )
    generated_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # What each occurrence looks like (a "whole series" edit changes these and the open rows).
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.ForeignKey("FollowUpType", on_delete=models.PROTECT, related_name="+")
    duration_minutes = models.PositiveIntegerField(default=30)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    assignee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quote = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminders = models.JSONField(
        default=list, blank=True, help_text="[minutes before, channel] pairs for each occurrence."
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "follow-up series"

    def __str__(self) -> str:
        return self.subject

    @builtins.property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class FollowUp(TenantOwnedModel):
    """One promise to a customer with a time on it."""

    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.ForeignKey(FollowUpType, on_delete=models.PROTECT, related_name="follow_ups")
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(
        default=30, validators=[MaxValueValidator(LONGEST_SLOT_MINUTES)]
    )
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    assignee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="follow_ups")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="follow_ups")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    quote = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_notes = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    series = models.ForeignKey(
        FollowUpSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    occurrence_at = models.DateTimeField(
        null=True, blank=True, help_text="The series occurrence this row is (kept if moved)."
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    key = models.CharField(
        max_length=200, blank=True, help_text="Idempotency key of an automatic follow-up."
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], condition=~Q(key=""), name="follow_up_unique_key"
            ),
            models.UniqueConstraint(
                fields=["tenant", "series", "occurrence_at"],
                condition=Q(series__isnull=False),
                name="follow_up_one_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__lte=LONGEST_SLOT_MINUTES),
                name="follow_up_slot_at_most_a_day",
                violation_error_message="A follow-up lasts at most a day.",
            ),
        ]
        indexes = [
            # A rep's list, calendar and widget: their open follow-ups by time.
            models.Index(
                fields=["tenant", "assignee", "status", "scheduled_at", "id"],
                name="follow_up_by_assignee",
            ),
            models.Index(
                fields=["tenant", "status", "scheduled_at", "id"], name="follow_up_by_status"
            ),
            models.Index(fields=["tenant", "scheduled_at", "id"], name="follow_up_by_time"),
            # The missed sweep: open follow-ups past their time.
            models.Index(
                fields=["tenant", "scheduled_at"],
                condition=Q(status__in=["pending", "in_progress"]),
                name="follow_up_open_due",
            ),
            models.Index(
                fields=["tenant", "contact", "-scheduled_at"], name="follow_up_by_contact"
            ),
            models.Index(
                fields=["tenant", "lead", "-scheduled_at"],
                condition=Q(lead__isnull=False),
                name="follow_up_by_lead",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    # `property` is a field of this class, so the decorator is spelled out in full.
    @builtins.property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FollowUpNote(TenantOwnedModel):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "follow_up"], name="follow_up_note_by_fu")]


class ReminderChannel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


# A queued reminder whose task never ran (a lost task message) is claimed again after this.
QUEUED_LEASE = dt.timedelta(minutes=5)


class Reminder(TenantOwnedModel):
    """One reminder of one follow-up on one channel, sent exactly once: a unique row, claimed with
    SKIP LOCKED, marked sent in the transaction that sends it."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField(help_text="How long before the follow-up.")
    channel = models.CharField(max_length=8, choices=ReminderChannel.choices)
    remind_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "follow_up", "offset_minutes", "channel"],
                name="reminder_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "remind_at"],
                condition=Q(status="pending"),
                name="reminder_due",
            ),
            models.Index(
                fields=["tenant", "queued_at"],
                condition=Q(status="queued"),
                name="reminder_queued",
            ),
        ]


# --- Templates and sequences ----------------------------------------------------------------------


@audited
class FollowUpTemplate(TenantOwnedModel):
    """A follow-up written once ("Post-inspection call"), created from with a few clicks."""

    name = models.CharField(max_length=120)
    type = models.ForeignKey(FollowUpType, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    days_after = models.PositiveIntegerField(default=1)
    at_time = models.TimeField(null=True, blank=True, help_text="Local time; empty: 10:00.")
    reminder_offsets = ArrayField(
        models.PositiveIntegerField(), default=list, blank=True, help_text="Minutes before."
    )
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Neglect, settings, feeds ---------------------------------------------------------------------


@audited
class FollowUpSettings(TenantOwnedModel):
    """A tenant's neglect thresholds and digest hour. One row per tenant."""

    neglect_after_days = models.PositiveIntegerField(
        default=14, help_text="A customer or open lead with no touch this long is neglected."
    )
    manager_alert_after_days = models.PositiveIntegerField(
        default=3, help_text="Still untouched this long after the rep was told: the manager is."
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=7, help_text="The daily digest goes out at this hour in each member's zone."
    )

    class Meta:
        verbose_name_plural = "follow-up settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="follow_up_settings_one")]


class StageNeglect(TenantOwnedModel):
    """A stage's own neglect threshold (an inspection booked may wait longer than a new lead)."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    neglect_after_days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "stage"], name="stage_neglect_one")
        ]


class NeglectFlag(TenantOwnedModel):
    """A customer (or one of their open leads) nobody has touched for too long."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="neglect_flags")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="neglect_flags"
    )
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_touch_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(default=timezone.now)
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_alerted_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact", "lead"],
                condition=Q(cleared_at__isnull=True),
                nulls_distinct=False,
                name="neglect_flag_one_open",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "flagged_at"],
                condition=Q(cleared_at__isnull=True),
                name="neglect_flag_open",
            ),
            # A member's digest lists their neglected customers oldest touch first, and a
            # manager's the team's escalated ones: walked in that order until the first twenty
            # still showing, instead of sorting thousands (at a million leads).
            models.Index(
                fields=["tenant", "owner", "last_touch_at", "id"],
                condition=Q(cleared_at__isnull=True),
                name="neglect_flag_open_by_owner",
            ),
            models.Index(
                fields=["tenant", "last_touch_at", "id"],
                condition=Q(cleared_at__isnull=True, manager_alerted_at__isnull=False),
                name="neglect_flag_escalated",
            ),
            # A tenant's latest clearing in one probe: the dashboard's minute sweep asks every
            # tenant whether a flag changed since its figures were counted (dashboards
            # migration 0027).
            models.Index(
                fields=["tenant", "cleared_at"],
                condition=Q(cleared_at__isnull=False),
                name="neglect_flag_cleared",
            ),
        ]


class CalendarFeed(TenantOwnedModel):
    """A member's private iCalendar feed: the URL carries a random token; revoking it (and
    making a new one) cuts off every calendar subscribed to the old URL."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token"], name="calendar_feed_token"),
            models.UniqueConstraint(
                fields=["tenant", "membership"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_live",
            ),
        ]


class SavedFollowUpFilter(TenantOwnedModel):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "name"], name="follow_up_filter_unique"
            )
        ]


class DigestSent(TenantOwnedModel):
    """A member's daily digest of one local day: sent once."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership", "day"], name="digest_once")
        ]
