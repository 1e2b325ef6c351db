"""Forms of the comms panel on a contact's page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import TenantFormMixin
from crm.kit.languages import translated_choices
from crm.models import TIME_ZONE_CHOICES, Channel, ConsentStatus
from messaging.models import UpdateFrequency
from messaging.services.contact_comms import CONSENT_NOTE_MAX

NOTE_REQUIRED = _("Say how the customer told you, e.g. “told us on the phone”.")


class StaffConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=translated_choices(Channel))
    status = forms.ChoiceField(label=_("Status"), choices=ConsentStatus.choices)
    note = forms.CharField(
        max_length=CONSENT_NOTE_MAX,
        label=_("How did they tell you?"),
        error_messages={
            "required": NOTE_REQUIRED,
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["max_length"] = _(
            "Keep the note to %(max)s characters."
        ) % {"max": CONSENT_NOTE_MAX}


class ContactCommsProfileForm(TenantFormMixin, forms.Form):
    time_zone = forms.ChoiceField(required=False, label=_("Time zone"))
    update_frequency = forms.ChoiceField(
        choices=translated_choices(UpdateFrequency), label=_("Job updates")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", _("The business's (%(zone)s)") % {"zone": self.tenant.time_zone}),
            *TIME_ZONE_CHOICES,
        ]
