"""Forms of the invoice pages (staff) and the invoice settings (admin)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import BillingSettings
from leads.forms.quotes import DateInput
from leads.models import MONEY, PaymentMethod, Stage


class InvoiceForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("e.g. Extra work: gutter repair"),
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


class JobPaymentForm(InvoicePaymentForm):
    """A payment on a job with open invoices: which invoice it pays (the oldest open one first)."""

    invoice = forms.TypedChoiceField(label=_("Invoice"), coerce=int)

    field_order = ["invoice", "amount", "method", "received_on", "reference"]

    def __init__(self, *args, invoices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = invoices
        if invoices:
            self.initial.setdefault("invoice", invoices[0][0])


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
        fields = ["payment_terms_days", "invoice_prefix", "credit_note_prefix", "invoice_at_stage"]
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
        return cleaned
