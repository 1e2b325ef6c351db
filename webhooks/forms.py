from django import forms
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import ServiceErrorsMixin
from webhooks import targets
from webhooks.models import EventType


class EndpointForm(ServiceErrorsMixin, forms.Form):
    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("HTTPS only; every delivery is signed, so leave credentials out of the URL."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/threadline"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives it, e.g. “Accounting sync”."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one event.")},
    )

    def clean_url(self) -> str:
        return targets.url_check(self.cleaned_data["url"])
