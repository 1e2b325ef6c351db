"""Pipelines and their stages, leads and their stage visits, sources, quotes and payments.

A lead is the job's one record from first contact to the review after payment: sales, production
and after-care stages belong to one pipeline, so one progress bar shows the whole life of the job.
"""

import builtins
import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext_lazy as _

from crm.models import (
    UI_LANGUAGES,
    Brand,
    Contact,
    Membership,
    Property,
    TimelineEvent,
    User,
    audited,
)
from crm.tenancy.models import TenantOwnedModel
from leads import quote_totals

MONEY = {"max_digits": 12, "decimal_places": 2}


class Phase(models.TextChoices):
    SALES = "sales", _("Sales")
    PRODUCTION = "production", _("Production")
    AFTER_CARE = "after_care", _("After-care")


class DelayUnit(models.TextChoices):
    HOURS = "hours", _("Hours")
    BUSINESS_DAYS = "business_days", _("Business days")


class LeadEvent(models.TextChoices):
    """Things that happen to a lead elsewhere and may move it to the stage configured for them."""

    QUOTE_SENT = "quote_sent", _("Quote sent")
    QUOTE_ACCEPTED = "quote_accepted", _("Quote accepted")
    PAYMENT_RECORDED = "payment_recorded", _("Any payment recorded (a deposit too)")
    # The job is paid in full and its work is completed (both, in either order).
    PAID_IN_FULL = "paid_in_full", _("Paid in full, work completed")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    APPOINTMENT_BOOKED = "appointment_booked", _("Appointment booked")
    FIRST_TOUCH = "first_touch", _("First contact made")


class LeadType(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")


@audited
class Pipeline(TenantOwnedModel):
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    lead_type = models.CharField(
        max_length=16,
        choices=LeadType.choices,
        blank=True,
        help_text="The usual type of job in this pipeline; new leads default to it.",
    )
    position = models.PositiveIntegerField(default=0)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="pipeline_unique_name"),
        ]
        indexes = [models.Index(fields=["tenant", "position"], name="pipeline_tenant_position")]

    def __str__(self) -> str:
        return self.name


CUSTOMER_LABEL_MAX_LENGTH = 80


def validate_customer_labels(value) -> None:
    """{language: label}: only languages Threadline speaks, each a short non-empty text."""
    languages = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, dict):
        raise ValidationError(_("Customer labels are a label per language."))
    for language, label in value.items():
        if language not in languages:
            raise ValidationError(
                _("“%(language)s” is not a language Threadline speaks."),
                params={"language": language},
            )
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(_("A customer label cannot be empty."))
        if len(label) > CUSTOMER_LABEL_MAX_LENGTH:
            raise ValidationError(
                _("A customer label has at most %(limit)d characters."),
                params={"limit": CUSTOMER_LABEL_MAX_LENGTH},
            )


@audited
class Stage(TenantOwnedModel):
    """A step of a pipeline. Leads point at stages, so renaming, reordering and archiving a stage
    never rewrites a lead's history; a stage with leads is archived, not deleted."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    customer_label = models.CharField(
        max_length=CUSTOMER_LABEL_MAX_LENGTH,
        blank=True,
        help_text="What the customer sees in the portal, in the team's language.",
    )
    customer_labels = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_customer_labels],
        help_text="The customer label in other languages: {language code: label}.",
    )
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.SALES)
    position = models.PositiveIntegerField(default=0)
    delay_unit = models.CharField(
        max_length=16, choices=DelayUnit.choices, default=DelayUnit.BUSINESS_DAYS
    )
    orange_after = models.PositiveIntegerField(
        null=True, blank=True, help_text="Time in this stage before it turns orange; empty: never."
    )
    red_after = models.PositiveIntegerField(
        null=True, blank=True, help_text="Time in this stage before it turns red; empty: never."
    )
    is_won = models.BooleanField(default=False, help_text="Entering this stage marks the lead won.")
    is_lost = models.BooleanField(
        default=False, help_text="Leads marked lost move here (they keep their history)."
    )
    is_terminal = models.BooleanField(
        default=False, help_text="The job's life ends here: no aging, no alerts."
    )
    show_in_portal = models.BooleanField(
        default=True, help_text="Hidden stages fold into the previous step in the customer portal."
    )
    moves_on = models.CharField(
        max_length=32,
        choices=LeadEvent.choices,
        blank=True,
        help_text="Leads move here on their own when this happens (if they are not past it).",
    )
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(orange_after__isnull=True)
                | Q(red_after__isnull=True)
                | Q(red_after__gte=F("orange_after")),
                name="stage_red_not_before_orange",
            ),
            models.CheckConstraint(
                condition=~Q(is_won=True, is_lost=True), name="stage_not_won_and_lost"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "pipeline", "position"], name="stage_pipeline_position")
        ]

    def __str__(self) -> str:
        return self.name

    def customer_label_in(self, language: str | None) -> str:
        """What a customer reading `language` sees: the label in their language, else the customer
        label (written in the team's language), else the stage's own name."""
        return (self.customer_labels or {}).get(language or "") or self.customer_label or self.name

    @property
    def label_for_customer(self) -> str:
        """The customer's words in the active language (a portal page speaks its reader's)."""
        return self.customer_label_in(get_language())

    @property
    def translated_customer_labels(self) -> list[tuple[str, str]]:
        """(language, label) for each language with a label of its own, in settings' order."""
        labels = self.customer_labels or {}
        return [(code, labels[code]) for code, _name in settings.LANGUAGES if labels.get(code)]


@audited
class LeadSource(TenantOwnedModel):
    """Where leads come from, what one usually costs, and how much a lead from it matters."""

    name = models.CharField(max_length=80)
    default_cost = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="What a lead from this source usually costs; each lead can differ.",
    )
    priority_points = models.IntegerField(
        default=0, help_text="Added to the priority score of its leads (negative lowers it)."
    )
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="lead_source_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentRule(TenantOwnedModel):
    """Who gets a new lead: the first active rule that matches picks, round robin, among its
    eligible members. No eligible member: the lead waits in the managers' queue."""

    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    pipeline = models.ForeignKey(
        Pipeline, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: any."
    )
    lead_type = models.CharField(
        max_length=16, choices=LeadType.choices, blank=True, help_text="Empty: any."
    )
    source = models.ForeignKey(
        LeadSource, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: any."
    )
    members = models.ManyToManyField(
        Membership, blank=True, related_name="+", help_text="Empty: every active rep."
    )
    require_availability = models.BooleanField(
        default=True, help_text="Only members working now (weekly hours, not on time off)."
    )
    require_capacity = models.BooleanField(
        default=True, help_text="Only members below their open-lead cap."
    )
    require_expertise = models.BooleanField(
        default=True, help_text="Only members whose expertise matches residential/commercial."
    )
    require_territory = models.BooleanField(
        default=True, help_text="Only members whose territories cover the property."
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "position"], name="assignment_rule_position")]

    def __str__(self) -> str:
        return self.name


class CapacityCounts(models.TextChoices):
    """What a rep's lead cap counts: the leads they are working, not the jobs the crew builds."""

    OPEN_SALES = "open_sales", _("Open sales leads (not won jobs in production or after-care)")
    OPEN_AND_WON = "open_and_won", _("Open sales leads and won jobs not yet closed")


class LeadSettings(TenantOwnedModel):
    """A tenant's lead-handling settings (one row per tenant, created on first read)."""

    capacity_counts = models.CharField(
        max_length=16,
        choices=CapacityCounts.choices,
        default=CapacityCounts.OPEN_SALES,
        help_text=_("What a rep's lead cap counts when new leads are assigned."),
    )

    untouched_owner_alert_minutes = models.PositiveIntegerField(
        default=15, help_text="A new lead nobody has contacted after this long alerts its owner."
    )
    untouched_manager_alert_minutes = models.PositiveIntegerField(
        default=60, help_text="…and after this long, the managers."
    )
    priority_refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # No stored score can change by the clock before this (the priority sweep's due-tenant test).
    priority_next_change_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="lead_settings_one")]


class LeadStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    TOO_FAR_OUT = "too_far_out", _("Scheduled too far out")
    COMPETITOR = "competitor", _("Chose a competitor")
    NO_RESPONSE = "no_response", _("No response")
    OUT_OF_AREA = "out_of_area", _("Out of service area")
    NOT_OUR_WORK = "not_our_work", _("Job we don't do")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
    OTHER = "other", _("Other")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached them")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class Location(models.TextChoices):
    IN_STATE = "in_state", _("In-state")
    OUT_OF_STATE = "out_of_state", _("Out-of-state")
    UNKNOWN = "unknown", _("Unknown")


class Lead(TenantOwnedModel):
    """Not in the audit trail: its changes that matter are on its timeline, and the priority sweep
    rewrites scores too often for a history row each."""

    number = models.PositiveIntegerField(editable=False, help_text="Shown as L-1042.")
    title = models.CharField(max_length=200, blank=True, help_text="e.g. Roof replacement")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="leads")
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="leads")
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    lead_type = models.CharField(
        max_length=16, choices=LeadType.choices, default=LeadType.RESIDENTIAL
    )
    estimated_value = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    source = models.ForeignKey(
        LeadSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    cost = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="What the business paid for this lead.",
    )
    location = models.CharField(max_length=16, choices=Location.choices, default=Location.UNKNOWN)
    priority_score = models.IntegerField(default=0)
    status = models.CharField(max_length=8, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    lost_reason = models.CharField(max_length=16, choices=LostReason.choices, blank=True)
    lost_note = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    next_follow_up_at = models.DateTimeField(
        null=True, blank=True, help_text="Kept up to date by the follow-ups app."
    )
    won_at = models.DateTimeField(null=True, blank=True)
    appointment_at = models.DateTimeField(
        null=True, blank=True, help_text="The next visit or meeting booked with the customer."
    )
    last_outbound_at = models.DateTimeField(
        null=True, blank=True, help_text="When we last sent the customer a message."
    )
    last_customer_reply_at = models.DateTimeField(null=True, blank=True)
    last_update_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer last got a regular status update."
    )
    next_update_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Active jobs only: when the next status update is due."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    untouched_alerts_sent = models.PositiveSmallIntegerField(default=0)
    assignment_decision = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="How the lead got its owner or why it has none: the round robin's eligible and "
        "skipped members with their reasons (leads.assignment_text renders it).",
    )
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="lead_unique_number"),
            models.CheckConstraint(
                condition=Q(status=LeadStatus.LOST) | Q(lost_reason=""),
                name="lead_lost_reason_only_when_lost",
            ),
        ]
        indexes = [
            # The rep's list: their own leads by status, in each of the three sort orders.
            models.Index(
                fields=["tenant", "owner", "status", "-priority_score", "-id"],
                name="lead_owner_priority",
            ),
            # The stage rides along: a rep's leads gone red (the digest) are counted and listed
            # from the entries alone, each stage's window checked on them (leads.aging).
            models.Index(
                fields=["tenant", "owner", "status", "stage_entered_at", "id"],
                include=["stage_id"],
                name="lead_owner_aging",
            ),
            models.Index(
                fields=["tenant", "owner", "status", "-created_at", "-id"],
                name="lead_owner_recent",
            ),
            # The manager's list: the whole team.
            models.Index(
                fields=["tenant", "status", "-priority_score", "-id"], name="lead_team_priority"
            ),
            models.Index(
                fields=["tenant", "status", "stage_entered_at", "id"],
                include=["stage_id"],
                name="lead_team_aging",
            ),
            models.Index(
                fields=["tenant", "status", "-created_at", "-id"], name="lead_team_recent"
            ),
            # "Any status": without these, PostgreSQL sorts every lead of the tenant (benchmarks).
            # The owner rides along so that a rep's own list of any status is checked from the
            # index alone (six thousand rows read from the table for a page otherwise).
            models.Index(
                fields=["tenant", "-priority_score", "-id"],
                include=["owner_id"],
                name="lead_all_priority",
            ),
            models.Index(fields=["tenant", "-created_at", "-id"], name="lead_all_recent"),
            # The open leads by priority with their stage and its entry time: a stage or aging
            # filter walks the list's order from the index alone (a rare stage, an aging colour
            # few of the first leads have; leads.aging.aging_filter).
            models.Index(
                fields=["tenant", "-priority_score", "-id"],
                include=["stage_id", "stage_entered_at"],
                condition=Q(status="open"),
                name="lead_open_priority",
            ),
            # The same with the search words: a common word searched ("smith": fifty matches
            # among 14,600 open leads) is checked on its entries, not on rows read from the table.
            models.Index(
                fields=["tenant", "-priority_score", "-id"],
                include=["search_vector"],
                condition=Q(status="open"),
                name="lead_open_priority_search",
            ),
            # The same for each owner, with the pipeline: a rep's own list filtered by a pipeline,
            # a stage or a colour they have few leads in walks its entries, not its rows (ten
            # thousand rows read from the table for an empty page otherwise).
            models.Index(
                fields=["tenant", "owner", "-priority_score", "-id"],
                include=["pipeline_id", "stage_id", "stage_entered_at"],
                condition=Q(status="open"),
                name="lead_owner_open_priority",
            ),
            # A rep's own search, as lead_open_priority_search for the team: the words are
            # checked in the index, not in the table (12,000 rows read for "smith" otherwise).
            models.Index(
                fields=["tenant", "owner", "-priority_score", "-id"],
                include=["search_vector"],
                condition=Q(status="open"),
                name="lead_owner_open_search",
            ),
            # Aging per stage (dashboard, filters) and the contact/property pages.
            models.Index(fields=["tenant", "stage", "stage_entered_at"], name="lead_stage_aging"),
            models.Index(fields=["tenant", "contact"], name="lead_by_contact"),
            models.Index(fields=["tenant", "property"], name="lead_by_property"),
            # Speed to lead: the sweep looks for new leads nobody has touched.
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(first_touch_at__isnull=True, status="open"),
                name="lead_untouched",
            ),
            # Leads still waiting for a speed-to-lead alert: which tenants the sweep visits.
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(
                    first_touch_at__isnull=True, status="open", untouched_alerts_sent__lt=2
                ),
                name="lead_untouched_unalerted",
            ),
            GinIndex(fields=["search_vector"], name="lead_search"),
            # The open leads' words alone, read by threadline_open_lead_search (leads migration
            # 0016): a search of the open list reads a sixth of lead_search's entries.
            GinIndex(fields=["search_vector"], condition=Q(status="open"), name="lead_open_search"),
            # Time triggers and customer updates sweep live leads by these dates.
            models.Index(
                fields=["tenant", "appointment_at"],
                condition=Q(appointment_at__isnull=False),
                name="lead_appointment",
            ),
            models.Index(
                fields=["tenant", "last_outbound_at"],
                condition=Q(last_outbound_at__isnull=False),
                name="lead_awaiting_reply",
            ),
            models.Index(
                fields=["tenant", "next_update_due_at"],
                condition=Q(next_update_due_at__isnull=False),
                name="lead_update_due",
            ),
            # Dashboards: leads lost, and sales, in a period (lost reasons, anomalies).
            models.Index(
                fields=["tenant", "closed_at"],
                condition=Q(status="lost"),
                name="lead_lost_by_date",
            ),
            models.Index(
                fields=["tenant", "won_at"],
                condition=Q(won_at__isnull=False),
                name="lead_won_by_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.contact}"

    # `property` is a field of this class, so the decorator is spelled out in full.
    @builtins.property
    def reference(self) -> str:
        return f"L-{self.number}"

    @builtins.property
    def is_closed(self) -> bool:
        return self.status == LeadStatus.LOST or bool(self.stage and self.stage.is_terminal)

    @builtins.property
    def timeline(self) -> models.QuerySet:
        """The job's timeline events: the timeline keeps its id (crm.TimelineEvent.lead_id), the
        relation is the leads app's."""
        return TimelineEvent.objects.filter(tenant_id=self.tenant_id, lead_id=self.pk)


class LeadCounter(TenantOwnedModel):
    """The last lead number a tenant used; locked while a lead takes the next one."""

    last_number = models.PositiveIntegerField(default=1000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="lead_counter_one")]


class StageVisit(TenantOwnedModel):
    """A lead's stay in a stage: when it entered and left, and who moved it."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="visits")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="visits")
    entered_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    left_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["entered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "lead"],
                condition=Q(left_at__isnull=True),
                name="stage_visit_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "lead", "entered_at"], name="stage_visit_by_lead"),
            models.Index(fields=["tenant", "stage", "entered_at"], name="stage_visit_by_stage"),
        ]


class SavedLeadFilter(TenantOwnedModel):
    """A named set of list filters a member saved (their own, or shared with the team)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, help_text="The list's query string.")
    is_shared = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "name"], name="saved_lead_filter_unique"
            )
        ]


# --- Quotes and payments ------------------------------------------------------------------------


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", gettext_noop("Draft")
    SENT = "sent", gettext_noop("Sent")
    VIEWED = "viewed", gettext_noop("Viewed")
    ACCEPTED = "accepted", gettext_noop("Accepted")
    REJECTED = "rejected", gettext_noop("Rejected")
    EXPIRED = "expired", gettext_noop("Expired")


def new_quote_token() -> str:
    return secrets.token_urlsafe(24)


PERCENT_FIELD = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}


class TaxRate(TenantOwnedModel):
    """A tax the tenant charges (US sales tax, Dutch BTW 21 % and 9 %). A quote line names one;
    the line keeps the rate's name and percent as they were, so changing a rate later never
    changes a quote or invoice already written."""

    name = models.CharField(max_length=100)
    percent = models.DecimalField(**PERCENT_FIELD)  # type: ignore[arg-type]
    is_default = models.BooleanField(
        default=False, help_text="Given to every new quote line unless the line picks another."
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="tax_rate_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="tax_rate_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AmountKind(models.TextChoices):
    """How a discount or a deposit is given: a percent of the amount, or a fixed amount."""

    PERCENT = "percent", _("Percent")
    FIXED = "fixed", _("Fixed amount")


@audited
class Quote(TenantOwnedModel):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="quotes")
    number = models.PositiveIntegerField(editable=False, help_text="Per lead: Q-1042-2.")
    title = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True, help_text="Shown to the customer above the lines.")
    status = models.CharField(max_length=16, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    valid_until = models.DateField()
    # Discount (before tax) and deposit; each empty kind means none.
    discount_kind = models.CharField(max_length=8, choices=AmountKind.choices, blank=True)
    discount_value = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    deposit_kind = models.CharField(max_length=8, choices=AmountKind.choices, blank=True)
    deposit_value = models.DecimalField(
        **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    # Progress payments between the deposit and the final payment, each a percent of the total.
    progress_percents = ArrayField(
        models.DecimalField(**PERCENT_FIELD),  # type: ignore[arg-type]
        default=list,
        blank=True,
        size=10,
    )
    # The figures leads.quote_totals computes from the lines, stored when the draft is saved.
    subtotal = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    discount_total = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    tax_total = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    total = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    deposit_total = models.DecimalField(**MONEY, default=Decimal("0"), editable=False)
    # The public link is signed (django.core.signing) around this token; rotating it revokes links.
    public_token = models.CharField(max_length=64, default=new_quote_token, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_name = models.CharField(max_length=200, blank=True)
    rejection_reason = models.CharField(max_length=16, choices=LostReason.choices, blank=True)
    rejection_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "lead", "number"], name="quote_unique_number"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "lead"], name="quote_by_lead"),
            models.Index(
                fields=["tenant", "valid_until"],
                condition=Q(status__in=["sent", "viewed"]),
                name="quote_open_by_expiry",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"Q-{self.lead.number}-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in (QuoteStatus.SENT, QuoteStatus.VIEWED)

    def is_past_due(self, today: dt.date) -> bool:
        """Open with its valid-until date before `today`, the tenant's (Tenant.today): the
        hourly sweep has not marked it expired yet, and it can no longer be accepted."""
        return self.is_open and self.valid_until < today

    @property
    def totals(self) -> quote_totals.Totals:
        """Subtotal, discount, tax per rate and total, from the lines (read once, prefetched)."""
        return quote_totals.totals_of(
            ((line.amount, line.tax_name, line.tax_percent) for line in self.lines.all()),
            discount_kind=self.discount_kind,
            discount_value=self.discount_value,
        )

    @property
    def schedule(self) -> list[quote_totals.Instalment]:
        """The deposit, progress payments and final payment, from the stored total."""
        return quote_totals.schedule_of(
            self.total,
            deposit_kind=self.deposit_kind,
            deposit_value=self.deposit_value,
            progress_percents=self.progress_percents,
        )

    @property
    def has_schedule(self) -> bool:
        return bool(self.deposit_kind or self.progress_percents)


class QuoteLine(TenantOwnedModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    tax_rate = models.ForeignKey(
        TaxRate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The rate as it was when the line was written (empty name, 0: no tax).
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(**PERCENT_FIELD, default=Decimal("0"))  # type: ignore[arg-type]

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "quote", "position"], name="quote_line_order")]

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    IDEAL = "ideal", _("iDEAL")
    CHECK = "check", _("Check")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    INSURANCE = "insurance", _("Insurance payout")
    FINANCING = "financing", _("Financing")
    OTHER = "other", _("Other")


class PaymentKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    PROGRESS = "progress", _("Progress payment")
    FINAL = "final", _("Final payment")
    # Money given back to the customer; it counts against what was paid.
    REFUND = "refund", _("Refund")


@audited
class Payment(TenantOwnedModel):
    """Money the customer paid towards the job: a deposit, progress payments, the final payment.
    The job's balance is its accepted quotes' total less its payments (leads.selectors.money)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(
        max_length=16, choices=PaymentKind.choices, default=PaymentKind.PROGRESS
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True, help_text="Check number, receipt …")
    received_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["tenant", "lead"], name="payment_by_lead")]


# --- Capture ------------------------------------------------------------------------------------


def new_form_key() -> str:
    return secrets.token_urlsafe(12)


class LeadCaptureForm(TenantOwnedModel):
    """A public web form a tenant embeds on its own site; each submission becomes a lead.

    Its public URL is signed around (tenant, form, key): a submission finds its tenant without a
    session, and a new key revokes every old embed.
    """

    name = models.CharField(max_length=120)
    key = models.CharField(max_length=32, default=new_form_key, editable=False)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE)
    source = models.ForeignKey(LeadSource, null=True, blank=True, on_delete=models.SET_NULL)
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL)
    heading = models.CharField(max_length=200, default="Request a free estimate")
    thank_you_message = models.CharField(
        max_length=500, default="Thank you! We will be in touch shortly."
    )
    ask_for_address = models.BooleanField(default=True)
    language = models.CharField(
        max_length=8,
        choices=UI_LANGUAGES,
        blank=True,
        help_text="What a new contact who sends this form speaks; empty: its brand's language, "
        "else the team's.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="lead_capture_form_key"),
        ]

    def __str__(self) -> str:
        return self.name


class LeadImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LeadImport(TenantOwnedModel):
    """A CSV upload: checked in a dry run first, imported only when the member confirms."""

    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=200)
    content = models.TextField(help_text="The decoded CSV, kept until the import is confirmed.")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE)
    source = models.ForeignKey(LeadSource, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(
        max_length=16, choices=LeadImportStatus.choices, default=LeadImportStatus.PREVIEWED
    )
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="lead_import_recent")]
