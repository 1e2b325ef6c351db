"""Invoices and credit notes, their lines, their numbering and the payments recorded against them.

An invoice belongs to a job (leads.Lead): made from an accepted quote's payment schedule (a deposit
invoice, progress invoices, the final invoice) or by hand. A draft has no number; sending it gives
it the next number of its series (per tenant and brand), which is never given again. Payments are
leads.Payment rows (the job's one record of money received), linked here to the invoice they pay.

An insurance job (InsuranceClaim) is billed as separate invoices, each with one payer: the
homeowner's deductible, the insurer's part less the recoverable depreciation (the ACV payment), and
the depreciation itself, held back until the work is completed. One payer per invoice keeps every
invoice's status, balance, due date and Pay button about one party: the homeowner sees and pays only
their own invoice, and the held-back invoice is a draft, outside every balance and reminder, until
its release numbers and issues it.
"""

import datetime as dt
import secrets
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.models import UI_LANGUAGES, Brand, User, audited
from crm.tenancy.models import TenantOwnedModel
from leads.models import MONEY, PERCENT_FIELD, Lead, Payment, Quote, Stage

DEFAULT_PAYMENT_TERMS_DAYS = 14
MAX_REMINDERS = 3


@audited
class BillingSettings(TenantOwnedModel):
    """The tenant's invoice settings: payment terms, how numbers read, the stage that invoices, and
    the reminders an open invoice gets: at most `reminders_max`, the first
    `reminder_days_before_due` days before the due date (0: none before it), then one every
    `reminder_every_days` days after it."""

    payment_terms_days = models.PositiveSmallIntegerField(
        default=DEFAULT_PAYMENT_TERMS_DAYS,
        help_text="Days between sending an invoice and its due date.",
    )
    invoice_prefix = models.CharField(max_length=12, default="INV-", blank=True)
    credit_note_prefix = models.CharField(max_length=12, default="CN-", blank=True)
    reminders_max = models.PositiveSmallIntegerField(default=2)
    reminder_days_before_due = models.PositiveSmallIntegerField(default=0)
    reminder_every_days = models.PositiveSmallIntegerField(default=7)
    # When a job enters this stage, its accepted quote's schedule is invoiced (made and sent).
    invoice_at_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="billing_settings_one_per_tenant"),
            models.CheckConstraint(
                condition=Q(reminders_max__lte=MAX_REMINDERS), name="billing_reminders_at_most_3"
            ),
            models.CheckConstraint(
                condition=Q(reminder_every_days__gte=1), name="billing_reminder_every_day_or_more"
            ),
        ]


class Series(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceCounter(TenantOwnedModel):
    """The last number given in a series (per tenant and brand): read and raised under
    SELECT … FOR UPDATE, in the transaction that sends the invoice, so numbers run without gaps."""

    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    series = models.CharField(max_length=16, choices=Series.choices)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "brand", "series"],
                name="invoice_counter_one_per_series",
                nulls_distinct=False,
            )
        ]


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", gettext_noop("Draft")
    SENT = "sent", gettext_noop("Sent")
    PARTLY_PAID = "partly_paid", gettext_noop("Partly paid")
    PAID = "paid", gettext_noop("Paid")
    VOID = "void", gettext_noop("Void")


# Sent and not yet paid in full: what reminders chase and receivables count.
OPEN_STATUSES = (InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID)


class Payer(models.TextChoices):
    """Who pays an invoice: the customer (the homeowner), or their insurer on an insurance job."""

    HOMEOWNER = "homeowner", _("Homeowner")
    INSURER = "insurer", _("Insurer")


class ScheduleKind(models.TextChoices):
    """Which instalment of its quote's payment schedule an invoice bills (empty: made by hand)."""

    DEPOSIT = "deposit", _("Deposit")
    PROGRESS = "progress", _("Progress payment")
    FINAL = "final", _("Final payment")


class SentVia(models.TextChoices):
    """The channel an invoice went to the customer by; its reminders follow it."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


def new_invoice_token() -> str:
    return secrets.token_urlsafe(24)


# Audited without the customer link's token (a bearer secret), "updated at" (bookkeeping) and
# the number's place in its series (the number itself is shown).
# The reminder sweep's bookkeeping is left out: each reminder is on the lead's activity already.
@audited(
    untracked=(
        "public_token",
        "updated_at",
        "sequence",
        "reminders_sent",
        "last_reminder_at",
        "next_reminder_on",
        "overdue_at",
    )
)
class Invoice(TenantOwnedModel):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    quote = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    schedule_kind = models.CharField(max_length=16, choices=ScheduleKind.choices, blank=True)
    schedule_position = models.PositiveSmallIntegerField(default=0)
    series = models.CharField(max_length=16, choices=Series.choices, default=Series.INVOICE)
    # A credit note names the invoice it cancels.
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    payer = models.CharField(max_length=16, choices=Payer.choices, default=Payer.HOMEOWNER)
    claim = models.ForeignKey(
        "InsuranceClaim", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    # The claim's recoverable depreciation: held back (a draft that owes nothing) until its
    # release, when the work is completed, issues it.
    is_depreciation = models.BooleanField(default=False)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=8, choices=UI_LANGUAGES)
    currency = models.CharField(max_length=3)
    title = models.CharField(max_length=200, blank=True)
    # Given when the invoice is sent; a draft has none. `sequence` is the number in its series.
    number = models.CharField(max_length=90, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    subtotal = models.DecimalField(**MONEY, default=Decimal("0"))
    tax_total = models.DecimalField(**MONEY, default=Decimal("0"))
    total = models.DecimalField(**MONEY, default=Decimal("0"))
    # The customer's link is signed around this token; rotating it revokes the links.
    public_token = models.CharField(max_length=64, default=new_invoice_token, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    sent_via = models.CharField(max_length=8, choices=SentVia.choices, blank=True)
    # Reminders of the open balance: how many went, when the last did and when the next is due
    # (None: no more). The sweep claims by `next_reminder_on`.
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    next_reminder_on = models.DateField(null=True, blank=True)
    # When "overdue" was published (once per invoice).
    overdue_at = models.DateTimeField(null=True, blank=True)
    # Moved by every save (see save()): the API's "changed since" reads it.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number"], condition=~Q(number=""), name="invoice_unique_number"
            ),
            # A quote's instalment is invoiced once (again only after that invoice is void).
            models.UniqueConstraint(
                fields=["tenant", "quote", "schedule_kind", "schedule_position"],
                condition=Q(quote__isnull=False, series="invoice")
                & ~Q(schedule_kind="")
                & ~Q(status="void"),
                name="invoice_once_per_instalment",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "lead"], name="invoice_by_lead"),
            models.Index(
                fields=["tenant", "due_on"],
                condition=Q(status__in=["sent", "partly_paid"]),
                name="invoice_open_by_due_date",
            ),
            models.Index(
                fields=["tenant", "next_reminder_on"],
                condition=Q(status__in=["sent", "partly_paid"], next_reminder_on__isnull=False),
                name="invoice_reminder_due",
            ),
            models.Index(fields=["tenant", "-created_at", "-id"], name="invoice_newest"),
            models.Index(fields=["tenant", "updated_at", "id"], name="invoice_by_update"),
            # The accounting export by invoice date (the team's list reads invoice_newest).
            models.Index(fields=["tenant", "issued_on"], name="invoice_by_issue_date"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        # Every service saves only the fields it changed: "updated at" goes with them.
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        """The number once sent; a draft is named by its place in the job."""
        return self.number or f"{self.lead.reference}-D{self.pk}"

    @property
    def is_credit_note(self) -> bool:
        return self.series == Series.CREDIT_NOTE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def held_back(self) -> bool:
        """Recoverable depreciation not yet released: not due, not overdue, not remindable."""
        return self.is_depreciation and self.status == InvoiceStatus.DRAFT

    def is_overdue(self, today: dt.date) -> bool:
        """Open past its due date (computed when read; nothing sweeps it)."""
        return self.is_open and self.due_on is not None and self.due_on < today


@audited
class InvoiceLine(TenantOwnedModel):
    """A line as the customer reads it: its net amount and its tax are stored (an instalment's
    share of a quote, a credit, a deduction of an earlier invoice are figures, not
    quantity times price only)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(**PERCENT_FIELD, default=Decimal("0"))  # type: ignore[arg-type]
    tax_amount = models.DecimalField(**MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["tenant", "invoice", "position"], name="invoice_line_order")
        ]


class InvoicePayment(TenantOwnedModel):
    """A payment (or refund) of the job, recorded against this invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="+")
    # When the customer's receipt (and the owner's notice) went: once per payment.
    receipt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "payment"], name="invoice_payment_once")
        ]
        indexes = [models.Index(fields=["tenant", "invoice"], name="invoice_payment_by_invoice")]


class InsuranceClaim(TenantOwnedModel):
    """The insurance claim that pays a job: who insures it, the homeowner's deductible and the
    recoverable depreciation the insurer pays only once the work is completed. Its invoices
    (Invoice.claim) are the homeowner's deductible invoice and the insurer's invoices."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    quote = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    insurer_name = models.CharField(max_length=200)
    claim_number = models.CharField(max_length=100, blank=True)
    policy_number = models.CharField(max_length=100, blank=True)
    adjuster = models.CharField(max_length=200, blank=True)
    deductible = models.DecimalField(**MONEY)
    depreciation = models.DecimalField(**MONEY, default=Decimal("0"))
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "lead"], name="insurance_claim_by_lead")]

    def __str__(self) -> str:
        return self.claim_number or self.insurer_name

    @property
    def depreciation_released(self) -> bool:
        return self.released_at is not None
