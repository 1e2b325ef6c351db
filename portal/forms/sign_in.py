from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.addresses import SignInAddress, address_from_input
from portal.tokens import CODE_DIGITS


class SignInForm(forms.Form):
    address = forms.CharField(
        label=_("Email or mobile number"),
        max_length=254,
        help_text=_(
            "The one the business has for you. A number outside the US needs its "
            "country code, e.g. +31 6 1234 5678."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def clean_address(self) -> SignInAddress:
        return address_from_input(self.cleaned_data["address"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == CODE_DIGITS):
            raise ValidationError(_("The code has %(digits)d digits.") % {"digits": CODE_DIGITS})
        return code
