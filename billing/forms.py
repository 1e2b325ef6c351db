"""Forms of the invoice pages (staff) and the invoice settings (admin)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import MAX_REMINDERS, BillingSettings, SentVia
from billing.selectors.receivables import AGE_BUCKETS, InvoiceFilters
from crm.kit.formatting import local_date
from crm.kit.forms import MemberChoiceField, TenantFormMixin
from crm.models import Brand, Membership
from leads.forms.quotes import DateInput
from leads.models import MONEY, PaymentMethod, Stage

# An export covers a year at most (a fiscal year of 366 days included).
LONGEST_EXPORT_DAYS = 366


class InvoiceForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("e.g. Extra work: gutter repair"),
    )


class InsuranceForm(forms.Form):
    """An accepted quote billed as an insurance job: the claim and the homeowner's share."""

    insurer_name = forms.CharField(
        label=_("Insurer"), max_length=200, help_text=_("e.g. State Farm")
    )
    claim_number = forms.CharField(label=_("Claim number"), max_length=100, required=False)
    policy_number = forms.CharField(label=_("Policy number"), max_length=100, required=False)
    adjuster = forms.CharField(
        label=_("Adjuster"),
        max_length=200,
        required=False,
        help_text=_("Name, phone or email of the insurer's adjuster."),
    )
    deductible = forms.DecimalField(
        label=_("Deductible"),
        min_value=Decimal("0"),
        help_text=_("What the homeowner pays: the only invoice they see and pay online."),
        **MONEY,
    )
    depreciation = forms.DecimalField(
        label=_("Recoverable depreciation"),
        min_value=Decimal("0"),
        initial=Decimal("0"),
        help_text=_(
            "What the insurer holds back until the work is completed (the replacement cost less "
            "the actual cash value). It is not due until it is released."
        ),
        **MONEY,
    )


class InvoicePaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Check number, receipt number …"),
    )
    received_on = forms.DateField(label=_("Date"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return received_on


class OnlineRefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("e.g. Part of the work cancelled; the job's timeline keeps it."),
    )


class FillingSelect(forms.Select):
    """A select whose choice fills another field with the value that goes with it (shell.js:
    data-fills names the field, each option's data-fill holds its value)."""

    def __init__(self, *args, fills: str, values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.attrs["data-fills"] = fills
        self.values = values or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.values:
            option["attrs"]["data-fill"] = str(self.values[value])
        return option


class JobPaymentForm(InvoicePaymentForm):
    """A payment on a job with open invoices: which invoice it pays (the oldest open one first);
    choosing one puts its balance in the amount."""

    invoice = forms.TypedChoiceField(label=_("Invoice"), coerce=int)

    field_order = ["invoice", "amount", "method", "received_on", "reference"]

    def __init__(self, *args, invoices: list[tuple[int, str, Decimal]], **kwargs):
        """`invoices`: each open invoice's id, label and balance."""
        super().__init__(*args, **kwargs)
        field = self.fields["invoice"]
        field.choices = [(pk, label) for pk, label, _balance in invoices]
        field.widget = FillingSelect(
            choices=field.choices,
            fills=self["amount"].auto_id,
            values={pk: balance for pk, _label, balance in invoices},
        )
        if invoices:
            self.initial.setdefault("invoice", invoices[0][0])
            self.initial.setdefault("amount", invoices[0][2])


class InvoiceVoidForm(forms.Form):
    reason = forms.CharField(label=_("Why is it void?"), max_length=300, required=False)


class BillingSettingsForm(forms.ModelForm):
    # Declared here: the model's default manager needs a tenant, which __init__ knows.
    invoice_at_stage = forms.ModelChoiceField(
        label=_("Invoice the accepted quote when a job enters"),
        queryset=Stage.unscoped.none(),
        required=False,
        help_text=_(
            "The quote's invoices still to send (the final one, progress payments) are made "
            "and emailed once, when the job enters this stage. Leave empty to send them by hand."
        ),
    )

    class Meta:
        model = BillingSettings
        fields = [
            "payment_terms_days",
            "invoice_prefix",
            "credit_note_prefix",
            "invoice_at_stage",
            "reminders_max",
            "reminder_days_before_due",
            "reminder_every_days",
        ]
        labels = {
            "payment_terms_days": _("Payment terms (days)"),
            "invoice_prefix": _("Invoice number prefix"),
            "credit_note_prefix": _("Credit note number prefix"),
            "reminders_max": _("Reminders per invoice, at most"),
            "reminder_days_before_due": _("Days before the due date"),
            "reminder_every_days": _("Then every … days after the due date"),
        }
        help_texts = {
            "payment_terms_days": _(
                "An invoice is due this many days after it is sent, e.g. 14 or 30."
            ),
            "invoice_prefix": _(
                "Invoice numbers read prefix, brand, number: INV-00001, INV-CHARGECARS-00001."
            ),
            "credit_note_prefix": _("Credit notes count in a series of their own: CN-00001."),
            "reminders_max": _("0 to 3. 0 sends no reminders."),
            "reminder_days_before_due": _(
                "A first reminder this many days before the due date; 0 for none before it."
            ),
            "reminder_every_days": _(
                "e.g. 7: a reminder 7 days after the due date, the next 14 days after it, up to "
                "the number above."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stage = self.fields["invoice_at_stage"]
        stage.queryset = (
            Stage.unscoped.filter(
                tenant_id=self.instance.tenant_id, is_archived=False, is_lost=False
            )
            .select_related("pipeline")
            .order_by("pipeline__name", "position", "id")
        )
        stage.label_from_instance = lambda s: f"{s.pipeline.name} · {s.name}"
        stage.empty_label = _("No stage: invoices are sent by hand")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("invoice_prefix", "") == cleaned.get("credit_note_prefix", ""):
            raise ValidationError(_("Invoices and credit notes need different prefixes."))
        if not 0 <= (cleaned.get("payment_terms_days") or 0) <= 365:
            self.add_error("payment_terms_days", _("Between 0 and 365 days."))
        if not 0 <= (cleaned.get("reminders_max") or 0) <= MAX_REMINDERS:
            self.add_error("reminders_max", _("Between 0 and 3 reminders."))
        if not 0 <= (cleaned.get("reminder_days_before_due") or 0) <= 60:
            self.add_error("reminder_days_before_due", _("Between 0 and 60 days."))
        every = cleaned.get("reminder_every_days")
        if every is not None and not 1 <= every <= 60:
            self.add_error("reminder_every_days", _("Between 1 and 60 days."))
        return cleaned


class InvoiceSendForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=SentVia.choices)


class InvoiceListFilterForm(TenantFormMixin, forms.Form):
    """The invoice list's filters (GET). A value that is not one of the choices is dropped with
    the field's error; the rest still filter."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            ("insurer", _("Owed by insurers")),
            ("paid", _("Paid")),
            ("void", _("Void")),
            ("draft", _("Draft")),
        ],
    )
    age = forms.ChoiceField(label=_("Days overdue"), required=False)
    rep = MemberChoiceField(
        label=_("Rep"), queryset=Membership.unscoped.none(), required=False, empty_label=_("Anyone")
    )
    brand = forms.ModelChoiceField(
        label=_("Brand"),
        queryset=Brand.unscoped.none(),
        required=False,
        empty_label=_("All brands"),
    )
    issued_from = forms.DateField(label=_("Invoiced from"), required=False, widget=DateInput)
    issued_to = forms.DateField(label=_("Invoiced to"), required=False, widget=DateInput)

    def __init__(self, *args, owner: Membership | None = None, **kwargs):
        """`owner`: a rep, who sees only the invoices of their own jobs (no rep to choose)."""
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["age"].choices = [
            ("", _("Any age")),
            *((bucket.slug, bucket.label) for bucket in AGE_BUCKETS),
        ]
        # Archived brands too: their invoices still count, and the dashboard links to them.
        self.fields["brand"].queryset = Brand.objects.filter(tenant=self.tenant)
        if owner is None:
            self.fields["rep"].queryset = Membership.objects.filter(
                tenant=self.tenant
            ).select_related("user")
        else:
            del self.fields["rep"]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("issued_from"), cleaned.get("issued_to")
        if first and last and last < first:
            self.add_error(
                "issued_to",
                _("%(last)s is before %(first)s: pick a date on or after the first.")
                % {"last": local_date(last, "date"), "first": local_date(first, "date")},
            )
        return cleaned

    def filters(self) -> InvoiceFilters:
        """What the valid fields ask for (the form is bound, possibly to nothing)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        rep = data.get("rep")
        brand = data.get("brand")
        return InvoiceFilters(
            status=data.get("status", ""),
            age=data.get("age", ""),
            owner_id=self.owner.pk if self.owner else (rep.pk if rep else None),
            brand_id=brand.pk if brand else None,
            issued_from=data.get("issued_from"),
            issued_to=None if "issued_to" in self.errors else data.get("issued_to"),
        )


class ExportPeriodForm(forms.Form):
    """The period of a CSV export of invoices or payments: both dates, at most a year apart."""

    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("start"), cleaned.get("end")
        if first and last:
            if last < first:
                raise ValidationError(
                    _("The period ends on %(last)s, before it starts on %(first)s.")
                    % {"last": local_date(last, "date"), "first": local_date(first, "date")}
                )
            days = (last - first).days + 1
            if days > LONGEST_EXPORT_DAYS:
                raise ValidationError(
                    _("The period is %(days)s days; an export covers at most %(most)s.")
                    % {"days": days, "most": LONGEST_EXPORT_DAYS}
                )
        return cleaned
