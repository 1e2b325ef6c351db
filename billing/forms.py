"""Forms of the invoice pages (staff) and the invoice settings (admin)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import BillingSettings
from leads.forms.quotes import DateInput
from leads.models import MONEY, PaymentMethod


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


class InvoiceVoidForm(forms.Form):
    reason = forms.CharField(label=_("Why is it void?"), max_length=300, required=False)


class BillingSettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = ["payment_terms_days", "invoice_prefix", "credit_note_prefix"]
        labels = {
            "payment_terms_days": _("Payment terms (days)"),
            "invoice_prefix": _("Invoice number prefix"),
            "credit_note_prefix": _("Credit note number prefix"),
        }
        help_texts = {
            "payment_terms_days": _(
                "An invoice is due this many days after it is sent, e.g. 14 or 30."
            ),
            "invoice_prefix": _(
                "Invoice numbers read prefix, brand, number: INV-00001, INV-CHARGECARS-00001."
            ),
            "credit_note_prefix": _("Credit notes count in a series of their own: CN-00001."),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("invoice_prefix", "") == cleaned.get("credit_note_prefix", ""):
            raise ValidationError(_("Invoices and credit notes need different prefixes."))
        if not 0 <= (cleaned.get("payment_terms_days") or 0) <= 365:
            self.add_error("payment_terms_days", _("Between 0 and 365 days."))
        return cleaned
