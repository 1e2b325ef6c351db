"""The portal's preferences form: one tick for job messages and one for offers per channel."""

from django import forms

from crm.models import Channel
from messaging.models import UpdateFrequency
from portal.services.preferences import CONSENT_CHANNELS, ChannelChoice


class PreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(label="How should we reach you first?")
    language = forms.ChoiceField(label="Language of our messages")
    update_frequency = forms.ChoiceField(
        choices=UpdateFrequency.choices, label="How often do you want an update on your jobs?"
    )

    def __init__(self, *args, channels, languages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_channel"].choices = channels
        self.fields["language"].choices = languages
        labels = dict(Channel.choices)
        for channel in CONSENT_CHANNELS:
            self.fields[f"{channel}_updates"] = forms.BooleanField(
                required=False, label=f"Messages about my jobs by {labels[channel]}"
            )
            self.fields[f"{channel}_marketing"] = forms.BooleanField(
                required=False, label=f"Offers and news by {labels[channel]}"
            )

    def channel_rows(self):
        """(label, job-messages field, offers field) per channel, for the template."""
        labels = dict(Channel.choices)
        return [
            (labels[channel], self[f"{channel}_updates"], self[f"{channel}_marketing"])
            for channel in CONSENT_CHANNELS
        ]

    def clean(self):
        data = super().clean()
        for channel in CONSENT_CHANNELS:
            if data.get(f"{channel}_marketing") and not data.get(f"{channel}_updates"):
                self.add_error(
                    f"{channel}_marketing",
                    f"Offers by {Channel(channel).label} need messages by "
                    f"{Channel(channel).label} switched on too.",
                )
        preferred = data.get("preferred_channel")
        if preferred in CONSENT_CHANNELS and not data.get(f"{preferred}_updates"):
            self.add_error(
                "preferred_channel",
                f"You switched off messages by {Channel(preferred).label}: pick another way to "
                "reach you first, or switch them back on.",
            )
        return data

    def channel_choices(self) -> list[ChannelChoice]:
        data = self.cleaned_data
        return [
            ChannelChoice(channel, data[f"{channel}_updates"], data[f"{channel}_marketing"])
            for channel in CONSENT_CHANNELS
        ]
