"""Forms of the quote pages (staff), the customer's quote page (public) and payments."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import MONEY, LostReason, PaymentKind, PaymentMethod, Quote

QUOTE_VALID_DAYS = 30
MAX_QUOTE_LINES = 100


def default_valid_until() -> dt.date:
    """Today in the active (tenant's) time zone, plus the usual validity."""
    return timezone.localdate() + dt.timedelta(days=QUOTE_VALID_DAYS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class QuoteForm(forms.ModelForm):
    class Meta:
        model = Quote
        fields = ["title", "message", "valid_until"]
        labels = {
            "title": _("Title"),
            "valid_until": _("Valid until"),
            "message": _("Message to the customer"),
        }
        help_texts = {
            "message": _("Shown to the customer above the lines."),
            "title": _("e.g. Roof replacement, 2,400 sq ft"),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 3}), "valid_until": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("valid_until", default_valid_until())

    def clean_valid_until(self):
        valid_until = self.cleaned_data["valid_until"]
        if valid_until < timezone.localdate():
            raise ValidationError(_("The quote must be valid at least until today."))
        return valid_until


class QuoteLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(
        min_value=0, max_digits=10, decimal_places=2, initial=Decimal("1"), label=_("Qty")
    )
    unit_price = forms.DecimalField(min_value=0, label=_("Unit price"), **MONEY)


class BaseQuoteLineFormSet(forms.BaseFormSet):
    """Any row may stay blank: blank rows are dropped, the filled ones must be complete."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = True
        form.use_required_attribute = False
        return form

    def clean(self):
        if any(self.errors):
            return
        if not self.lines:
            raise ValidationError(
                _("Add at least one line: what the customer gets, and its price.")
            )

    @property
    def lines(self) -> list[tuple[str, Decimal, Decimal]]:
        """(description, quantity, unit price) of every filled row, in order."""
        return [
            (
                form.cleaned_data["description"],
                form.cleaned_data["quantity"],
                form.cleaned_data["unit_price"],
            )
            for form in self.forms
            if form.is_valid() and form.cleaned_data
        ]

    @property
    def running_total(self) -> Decimal:
        """The total of the rows typed so far, read without validating them (the live total)."""
        total = Decimal("0")
        for row in self.raw_rows():
            try:
                quantity, price = Decimal(str(row["quantity"])), Decimal(str(row["unit_price"]))
                if quantity >= 0 and price >= 0:
                    total += (quantity * price).quantize(Decimal("0.01"))
            except ArithmeticError:
                continue  # not a number (yet), or an absurd one: left out until it is fixed
        return total

    def raw_rows(self) -> list[dict]:
        """What the member typed in each row, unvalidated: to redraw the rows after adding or
        removing one without showing errors for rows they have not finished."""
        return [{name: form[name].value() for name in form.fields} for form in self.forms]


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm,
    formset=BaseQuoteLineFormSet,
    extra=0,
    max_num=MAX_QUOTE_LINES,
    absolute_max=MAX_QUOTE_LINES,
    validate_max=True,
)

LINES_PREFIX = "lines"


def quote_line_formset(
    data=None, *, initial: list[dict] | None = None, blank_rows: int = 1
) -> BaseQuoteLineFormSet:
    """The quote's rows: bound to `data`, or showing `initial` rows plus `blank_rows` empty ones."""
    formset = QuoteLineFormSet(data, initial=initial, prefix=LINES_PREFIX)
    if data is None:
        formset.extra = blank_rows
    return formset


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(
        choices=PaymentKind.choices,
        initial=PaymentKind.PROGRESS,
        label=_("Kind of payment"),
        help_text=_("A final payment settles the balance; the job is then paid in full."),
    )
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Check number, receipt number …"),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise ValidationError(_("A payment cannot be received in the future."))
        return received_on


# --- The customer's quote page -----------------------------------------------------------------


class QuoteAcceptForm(forms.Form):
    full_name = forms.CharField(
        max_length=200,
        label=_("Your full name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(label=_("I accept this quote"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agree"].error_messages["required"] = _("Tick the box to accept the quote.")
        self.fields["full_name"].error_messages["required"] = _("Type your full name to sign.")

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise ValidationError(_("Type your full name to sign."))
        return name


# What the customer is asked, in their words, for each lost reason the lead records.
DECLINE_REASONS = [
    (LostReason.PRICE, _("The price")),
    (LostReason.TOO_FAR_OUT, _("The start date is too far out")),
    (LostReason.COMPETITOR, _("I chose another company")),
    (LostReason.NO_LONGER_NEEDED, _("I no longer need the work")),
    (LostReason.OTHER, _("Something else")),
]


class QuoteDeclineForm(forms.Form):
    reason = forms.ChoiceField(
        choices=DECLINE_REASONS, widget=forms.RadioSelect, label=_("What made you decide?")
    )
    note = forms.CharField(
        max_length=450,
        required=False,
        label=_("Anything you would like to add? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("Choose the answer closest to yours.")
