from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiKeyScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What uses the key, e.g. “Website builder” or “Accounting sync”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiKeyScope.choices,
        initial=ApiKeyScope.READ,
        help_text=_("Read keys cannot change anything."),
    )
