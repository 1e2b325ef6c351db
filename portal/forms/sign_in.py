from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.addresses import SignInAddress
from portal.selectors.customers import sign_in_address_read
from portal.tokens import CODE_DIGITS


class SignInForm(forms.Form):
    address = forms.CharField(
        label=_("Email or mobile number"),
        max_length=254,
        help_text=_(
            "The one the business has for you. A number without its country code is read as "
            "one of the business's country."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def clean_address(self) -> SignInAddress:
        return sign_in_address_read(text=self.cleaned_data["address"])


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
