"""Forms of the comms panel on a contact's page."""

from django import forms

from crm.kit.forms import TenantFormMixin
from crm.models import TIME_ZONE_CHOICES, Channel, ConsentStatus
from messaging.models import UpdateFrequency
from messaging.services.contact_comms import CONSENT_NOTE_MAX

NOTE_REQUIRED = "Say how the customer told you, e.g. “told us on the phone”."


class StaffConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    status = forms.ChoiceField(choices=ConsentStatus.choices)
    note = forms.CharField(
        max_length=CONSENT_NOTE_MAX,
        label="How did they tell you?",
        error_messages={
            "required": NOTE_REQUIRED,
            "max_length": f"Keep the note to {CONSENT_NOTE_MAX} characters.",
        },
    )


class ContactCommsProfileForm(TenantFormMixin, forms.Form):
    time_zone = forms.ChoiceField(required=False, label="Time zone")
    update_frequency = forms.ChoiceField(choices=UpdateFrequency.choices, label="Job updates")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", f"The business's ({self.tenant.time_zone})"),
            *TIME_ZONE_CHOICES,
        ]
