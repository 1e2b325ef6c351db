"""Forms of the quote pages (staff), the customer's quote page (public) and payments."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads import quote_totals
from leads.models import (
    MONEY,
    AmountKind,
    LostReason,
    PaymentKind,
    PaymentMethod,
    Quote,
    TaxRate,
)
from leads.quote_totals import tax_label

QUOTE_VALID_DAYS = 30
MAX_QUOTE_LINES = 100


def default_valid_until() -> dt.date:
    """Today in the active (tenant's) time zone, plus the usual validity."""
    return timezone.localdate() + dt.timedelta(days=QUOTE_VALID_DAYS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


MAX_PROGRESS_PAYMENTS = 10


class PercentListField(forms.CharField):
    """Percents typed as "30, 30" (a comma or a space between them; "30,5" is not one)."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(f"{percent.normalize():f}" for percent in value)
        return value

    def to_python(self, value) -> list[Decimal]:
        text = super().to_python(value) or ""
        words = [word for word in text.replace(";", ",").replace(",", " ").split() if word]
        percents = []
        for word in words:
            try:
                percent = Decimal(word.rstrip("%"))
            except ArithmeticError:
                raise ValidationError(
                    _("“%(word)s” is not a percent: type numbers such as 30, 30.") % {"word": word}
                ) from None
            if not 0 < percent <= 100 or percent != round(percent, 2):
                raise ValidationError(
                    _("Each progress payment is a percent above 0 and at most 100.")
                )
            percents.append(percent)
        if len(percents) > MAX_PROGRESS_PAYMENTS:
            raise ValidationError(
                _("At most %(count)s progress payments.") % {"count": MAX_PROGRESS_PAYMENTS}
            )
        return percents


class QuoteForm(forms.ModelForm):
    progress_percents = PercentListField(
        label=_("Progress payments (percent of the total)"),
        required=False,
        help_text=_(
            "Between the deposit and the final payment, e.g. “30, 30”. The final payment is "
            "whatever is left."
        ),
    )

    class Meta:
        model = Quote
        fields = [
            "title",
            "message",
            "valid_until",
            "discount_kind",
            "discount_value",
            "deposit_kind",
            "deposit_value",
        ]
        labels = {
            "title": _("Title"),
            "valid_until": _("Valid until"),
            "message": _("Message to the customer"),
            "discount_kind": _("Discount"),
            "discount_value": _("Discount (percent or amount)"),
            "deposit_kind": _("Deposit"),
            "deposit_value": _("Deposit (percent or amount)"),
        }
        help_texts = {
            "message": _("Shown to the customer above the lines."),
            "title": _("e.g. Roof replacement, 2,400 sq ft"),
            "discount_value": _("Taken off before tax."),
            "deposit_value": _("Asked for when the customer accepts; a percent of the total."),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 3}), "valid_until": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("valid_until", default_valid_until())
        for name in ("discount_kind", "deposit_kind"):
            self.fields[name].choices = [("", _("None")), *AmountKind.choices]
            self.fields[name].required = False
        for name in ("discount_value", "deposit_value"):
            self.fields[name].required = False
        self.fields["deposit_value"].help_text = _(
            "Asked for when the customer accepts: a percent of the total, or a fixed amount."
        )

    def clean(self):
        cleaned = super().clean()
        for kind, value in (("discount_kind", "discount_value"), ("deposit_kind", "deposit_value")):
            cleaned[value] = cleaned.get(value) or Decimal("0")
            if cleaned.get(kind) == AmountKind.PERCENT and cleaned[value] > 100:
                self.add_error(value, _("A percent is at most 100."))
            if cleaned.get(kind) and not cleaned[value]:
                self.add_error(value, _("Type the percent or the amount."))
        return cleaned

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
    tax_rate = forms.TypedChoiceField(label=_("Tax"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, tax_rates: list[TaxRate] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.tax_rates = {rate.pk: rate for rate in tax_rates}
        self.fields["tax_rate"].choices = [("", _("No tax"))] + [
            (rate.pk, tax_label(rate.name, rate.percent)) for rate in tax_rates
        ]

    def clean_tax_rate(self):
        return self.tax_rates.get(self.cleaned_data["tax_rate"])


class BaseQuoteLineFormSet(forms.BaseFormSet):
    """Any row may stay blank: blank rows are dropped, the filled ones must be complete."""

    default_tax_rate: TaxRate | None = None

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if (
            index is not None
            and index >= len(self.initial or [])
            and self.default_tax_rate is not None
        ):
            kwargs["initial"] = {"tax_rate": self.default_tax_rate.pk}
        return kwargs

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
    def lines(self) -> list[tuple[str, Decimal, Decimal, TaxRate | None]]:
        """(description, quantity, unit price, tax rate) of every filled row, in order."""
        return [
            (
                form.cleaned_data["description"],
                form.cleaned_data["quantity"],
                form.cleaned_data["unit_price"],
                form.cleaned_data.get("tax_rate"),
            )
            for form in self.forms
            if form.is_valid() and form.cleaned_data
        ]

    def running_totals(
        self, *, discount_kind: str = "", discount_value=None
    ) -> quote_totals.Totals:
        """The totals of the rows typed so far, read without validating them (the live total)."""
        rates = self.form_kwargs.get("tax_rates", [])
        by_pk = {str(rate.pk): rate for rate in rates}
        amounts = []
        for row in self.raw_rows():
            try:
                quantity, price = Decimal(str(row["quantity"])), Decimal(str(row["unit_price"]))
                if quantity >= 0 and price >= 0:
                    rate = by_pk.get(str(row.get("tax_rate") or ""))
                    amount = (quantity * price).quantize(Decimal("0.01"))
                    amounts.append(
                        (amount, rate.name if rate else "", rate.percent if rate else Decimal(0))
                    )
            except ArithmeticError:
                continue  # not a number (yet), or an absurd one: left out until it is fixed
        try:
            discount = Decimal(str(discount_value or "0"))
        except ArithmeticError:
            discount = Decimal("0")
        if discount_kind not in AmountKind.values or not 0 <= discount <= MAX_DISCOUNT:
            discount_kind, discount = "", Decimal("0")
        return quote_totals.totals_of(amounts, discount_kind=discount_kind, discount_value=discount)

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


MAX_DISCOUNT = Decimal("9999999999.99")


def quote_line_formset(
    data=None,
    *,
    initial: list[dict] | None = None,
    blank_rows: int = 1,
    tax_rates: list[TaxRate] | None = None,
    default_tax_rate: TaxRate | None = None,
) -> BaseQuoteLineFormSet:
    """The quote's rows: bound to `data`, or showing `initial` rows plus `blank_rows` empty ones
    (a blank row offers the default tax rate)."""
    formset = QuoteLineFormSet(
        data,
        initial=initial,
        prefix=LINES_PREFIX,
        form_kwargs={"tax_rates": list(tax_rates or [])},
    )
    formset.default_tax_rate = default_tax_rate
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
