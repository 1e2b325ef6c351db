"""The admin's form for the tenant's payment provider. The secret fields are write-only: the
page says "•••• set" next to a stored secret and its field stays empty; what is typed there
replaces it (gateway.services.accounts keeps the stored one when the field is left empty)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import ServiceErrorsMixin
from gateway.models import PaymentMethod, Provider


class PaymentAccountForm(ServiceErrorsMixin, forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=Provider.choices)
    publishable_key = forms.CharField(
        label=_("Publishable key"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "pk_live_…", "autocomplete": "off"}),
    )
    secret_key = forms.CharField(
        label=_("Secret key"),
        max_length=255,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"placeholder": "sk_live_…", "autocomplete": "off"}),
    )
    webhook_secret = forms.CharField(
        label=_("Webhook signing secret"),
        max_length=255,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"placeholder": "whsec_…", "autocomplete": "off"}),
    )
    methods = forms.MultipleChoiceField(
        label=_("Payment methods"),
        choices=PaymentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one payment method.")},
    )
    is_enabled = forms.BooleanField(label=_("Accept online payments"), required=False)

    def __init__(self, *args, sandbox_allowed: bool, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        if not sandbox_allowed:
            self.fields["provider"].choices = [(Provider.STRIPE, Provider.STRIPE.label)]  # type: ignore[attr-defined]
        if currency != "EUR":
            self.fields["methods"].help_text = _("iDEAL takes euros only.")
