"""What the business does by itself: triggers (when something happens to a lead, or a time comes,
run the trigger's steps) and sequences (ordered steps a contact or lead is enrolled in; an enrolment
stops on a reply, an unsubscribe, a bounce or the lead being won or lost).

The models moved here from comms (triggers) and followups (sequences) without moving their rows:
each keeps its table, and its audit event table, under the old name (``db_table``), so the data,
the row-level-security policies and the audit history stay where they were.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.kit.stored_text import stored_render
from crm.models import Brand, Contact, Membership, User, audited
from crm.tenancy.models import TenantOwnedModel
from followups.models import FollowUpType
from leads.models import Lead, LeadSource, LeadType, Pipeline, Stage
from messaging.models import MessageChannel, MessageTemplate

# --- Sequences ----------------------------------------------------------------------------------


@audited(event_table="followups_sequenceevent")
class Sequence(TenantOwnedModel):
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "followups_sequence"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="sequence_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    MESSAGE = "message", _("Send a message")
    TASK = "task", _("Create a follow-up")
    ESCALATE = "escalate", _("Escalate to a manager")


class SequenceStep(TenantOwnedModel):
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    day_offset = models.PositiveIntegerField(help_text="Days after enrolment.")
    kind = models.CharField(max_length=16, choices=StepKind.choices, default=StepKind.TASK)
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channels = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    follow_up_type = models.ForeignKey(
        FollowUpType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "followups_sequencestep"
        ordering = ["position", "day_offset", "id"]
        indexes = [models.Index(fields=["tenant", "sequence", "position"], name="seq_step_order")]


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


class SequenceEnrolment(TenantOwnedModel):
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="enrolments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="enrolments")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="enrolments"
    )
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    next_step = models.PositiveIntegerField(default=0, help_text="Index of the next step to run.")
    next_step_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)
    # The reason's msgid and values (crm.kit.stored_text): it reads in the reader's language.
    # Empty for a reason kept as a bare msgid (or written before): the pages translate that.
    stop_reason_params = models.JSONField(null=True, blank=True)
    enrolled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "followups_sequenceenrolment"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "sequence", "contact", "lead"],
                condition=Q(status="active"),
                nulls_distinct=False,
                name="enrolment_one_active",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "next_step_at"],
                condition=Q(status="active"),
                name="enrolment_due",
            ),
            models.Index(
                fields=["tenant", "contact"],
                condition=Q(status="active"),
                name="enrolment_active_by_contact",
            ),
        ]

    @property
    def shown_stop_reason(self) -> str:
        """Why it stopped, in the active language: a stored message through stored_text, a bare
        msgid (e.g. "Stopped by hand") through gettext, anything else as written."""
        if self.stop_reason_params:
            return stored_render(self.stop_reason, self.stop_reason_params)
        return gettext(self.stop_reason) if self.stop_reason else ""


# --- Triggers -----------------------------------------------------------------------------------


class TriggerOn(models.TextChoices):
    STAGE_ENTERED = "stage_entered", _("A lead enters a stage")
    LEAD_CREATED = "lead_created", _("A new lead arrives")
    LEAD_LOST = "lead_lost", _("A lead is lost")
    DATE_REACHED = "date_reached", _("A time relative to a date on the lead")
    NO_RESPONSE = "no_response", _("The customer has not answered")


class TriggerDateField(models.TextChoices):
    """Dates on a lead a time trigger can count from."""

    APPOINTMENT_AT = "appointment_at", _("Appointment")
    STAGE_ENTERED_AT = "stage_entered_at", _("Entered its current stage")
    WON_AT = "won_at", _("Won")
    CREATED_AT = "created_at", _("Created")


# The time sweep moves swept_until every minute: its cursor, not a change anyone made.
@audited(event_table="comms_triggerevent", untracked=("swept_until", "updated_at"))
class Trigger(TenantOwnedModel):
    """When something happens to a lead (or a time comes), do the trigger's steps.

    Conditions narrow which leads it applies to; an empty condition matches every lead.
    """

    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    event = models.CharField(max_length=24, choices=TriggerOn.choices)
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="triggers"
    )
    date_field = models.CharField(max_length=24, choices=TriggerDateField.choices, blank=True)
    offset_minutes = models.IntegerField(
        default=0,
        help_text="Time triggers: minutes after the date (negative: before). No response: minutes "
        "since our last message.",
    )
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.CASCADE)
    lead_type = models.CharField(max_length=16, choices=LeadType.choices, blank=True)
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.CASCADE)
    source = models.ForeignKey(LeadSource, null=True, blank=True, on_delete=models.CASCADE)
    min_priority = models.IntegerField(null=True, blank=True)
    swept_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Time triggers: checked up to here."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "comms_trigger"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(event="stage_entered") | Q(stage__isnull=False),
                name="trigger_stage_event_has_stage",
            ),
            models.CheckConstraint(
                condition=~Q(event="date_reached") | ~Q(date_field=""),
                name="trigger_time_event_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "event", "stage"],
                condition=Q(is_active=True),
                name="trigger_active_by_event",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StepAction(models.TextChoices):
    SEND = "send", _("Send a message")
    FOLLOW_UP = "follow_up", _("Create a follow-up for the owner")
    ENROL = "enrol", _("Enrol in a follow-up sequence")


class ChannelChoice(models.TextChoices):
    PREFERRED = "preferred", _("The customer's preferred one of these channels")
    ALL = "all", _("Every one of these channels")


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Phone call")
    EMAIL = "email", _("Email")
    MESSAGE = "message", _("SMS/WhatsApp")
    MEETING = "meeting", _("Meeting")
    ESCALATION = "escalation", _("Escalation to a manager")


@audited(event_table="comms_triggerstepevent")
class TriggerStep(TenantOwnedModel):
    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    action = models.CharField(max_length=16, choices=StepAction.choices, default=StepAction.SEND)
    delay_minutes = models.PositiveIntegerField(
        default=0, help_text="How long after the trigger fires."
    )
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="steps"
    )
    channels = ArrayField(
        models.CharField(max_length=16, choices=MessageChannel.choices), default=list, blank=True
    )
    channel_choice = models.CharField(
        max_length=16, choices=ChannelChoice.choices, default=ChannelChoice.PREFERRED
    )
    follow_up_kind = models.CharField(max_length=16, choices=FollowUpKind.choices, blank=True)
    follow_up_subject = models.CharField(max_length=200, blank=True)
    repeat_every_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Follow-ups: again every N days while the lead stays."
    )
    only_while_in_stage = models.BooleanField(
        default=True,
        help_text="Stage triggers: skip this step if the lead has left the stage by then.",
    )
    sequence = models.ForeignKey(
        Sequence,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trigger_steps",
        help_text="Enrol steps: the sequence the lead joins.",
    )

    class Meta:
        db_table = "comms_triggerstep"
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="send") | Q(template__isnull=False),
                name="trigger_step_send_has_template",
            ),
            models.CheckConstraint(
                condition=~Q(action="enrol") | Q(sequence__isnull=False),
                name="trigger_step_enrol_has_sequence",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "trigger", "position"], name="step_by_trigger")]
