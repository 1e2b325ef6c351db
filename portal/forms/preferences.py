"""The portal's preferences form: one tick for job messages and one for offers per channel, opened
with the customer's current values (portal.selectors.preferences)."""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.kit.languages import translated_choices
from crm.models import Channel, ContactConsent
from messaging.models import UpdateFrequency
from portal.auth import PortalCustomer
from portal.selectors.preferences import (
    CONSENT_CHANNELS,
    preferences_initial,
    reachable_channels,
    tenant_languages,
)
from portal.services.preferences import ChannelChoice


class PreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(label=_("How should we reach you first?"))
    language = forms.ChoiceField(label=_("Language of our messages"))
    update_frequency = forms.ChoiceField(
        choices=translated_choices(UpdateFrequency),
        label=_("How often do you want an update on your jobs?"),
    )

    def __init__(self, *args, channels, languages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_channel"].choices = channels
        self.fields["language"].choices = languages
        labels = dict(translated_choices(Channel)())
        for channel in CONSENT_CHANNELS:
            self.fields[f"{channel}_updates"] = forms.BooleanField(
                required=False,
                label=_("Messages about my jobs by %(channel)s") % {"channel": labels[channel]},
            )
            self.fields[f"{channel}_marketing"] = forms.BooleanField(
                required=False,
                label=_("Offers and news by %(channel)s") % {"channel": labels[channel]},
            )

    def channel_rows(self):
        """(label, job-messages field, offers field) per channel, for the template."""
        labels = dict(translated_choices(Channel)())
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
                    _("Offers by %(channel)s need messages by %(channel)s switched on too.")
                    % {"channel": gettext(Channel(channel).label)},
                )
        preferred = data.get("preferred_channel")
        if preferred in CONSENT_CHANNELS and not data.get(f"{preferred}_updates"):
            self.add_error(
                "preferred_channel",
                _(
                    "You switched off messages by %(channel)s: pick another way to reach you "
                    "first, or switch them back on."
                )
                % {"channel": gettext(Channel(preferred).label)},
            )
        return data

    def channel_choices(self) -> list[ChannelChoice]:
        data = self.cleaned_data
        return [
            ChannelChoice(channel, data[f"{channel}_updates"], data[f"{channel}_marketing"])
            for channel in CONSENT_CHANNELS
        ]


@dataclass(frozen=True)
class PreferencesPage:
    form: PreferencesForm
    contact_count: int
    consents: dict[str, ContactConsent]  # the first contact's, by channel


def preferences_form(customer: PortalCustomer, data=None) -> PreferencesPage:
    initial, consents = preferences_initial(customer)
    form = PreferencesForm(
        data,
        initial=initial,
        channels=reachable_channels(customer),
        languages=tenant_languages(tenant=customer.tenant, current=initial["language"]),
    )
    return PreferencesPage(form=form, contact_count=len(customer.contacts), consents=consents)
