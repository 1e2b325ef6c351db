"""The notification-preferences table: one row per kind of notification, a checkbox per channel
that can carry a copy (the in-app bell is always on)."""

import zoneinfo
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from crm.kit.forms import digest_hour_choices
from crm.phones import read_in_region
from messaging.models import MessageChannel, StaffNotificationKind
from messaging.services.notification_preferences import COPY_CHANNELS

NO_PHONE = "Your account has no mobile number, so notifications cannot go by SMS."


@dataclass(frozen=True)
class PreferenceRow:
    label: str
    email: forms.BoundField
    sms: forms.BoundField


def _field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args, chosen: dict[str, set], has_phone: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_phone = has_phone
        for kind in StaffNotificationKind:
            for channel in COPY_CHANNELS:
                widget = forms.CheckboxInput(
                    attrs={"aria-label": f"{gettext(MessageChannel(channel).label)}: {kind.label}"}
                )
                if channel == MessageChannel.SMS and not has_phone:
                    widget.attrs["disabled"] = True
                self.fields[_field_name(kind, channel)] = forms.BooleanField(
                    required=False,
                    initial=channel in chosen.get(kind, set())
                    and (has_phone or channel != MessageChannel.SMS),
                    widget=widget,
                )

    @property
    def rows(self) -> list[PreferenceRow]:
        return [
            PreferenceRow(
                label=kind.label,
                email=self[_field_name(kind, MessageChannel.EMAIL)],
                sms=self[_field_name(kind, MessageChannel.SMS)],
            )
            for kind in StaffNotificationKind
        ]

    def clean(self):
        cleaned = super().clean()
        choices = {
            kind.value: {
                channel.value
                for channel in COPY_CHANNELS
                if cleaned.get(_field_name(kind, channel))
            }
            for kind in StaffNotificationKind
        }
        # The box is greyed out in the browser; a hand-made request is refused here too.
        if not self.has_phone and any(MessageChannel.SMS in c for c in choices.values()):
            raise forms.ValidationError(NO_PHONE)
        cleaned["choices"] = choices
        return cleaned


class MobileNumberForm(forms.Form):
    phone = PhoneNumberField(
        required=False,
        label=_("Your mobile number"),
        help_text=_("For the notifications you choose to get by SMS. Empty: no SMS."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, region: str, **kwargs):
        super().__init__(*args, **kwargs)
        read_in_region(self.fields["phone"], region, hint=False)


DIGEST_OFF = "off"
TEAM_HOUR = "team"


class MyPreferencesForm(forms.Form):
    """The member's own time zone and daily digest (the hour in their zone, the team's, or none)."""

    time_zone = forms.ChoiceField(label=_("Your time zone"), required=False)
    language = forms.ChoiceField(label=_("Your language"), required=False)
    digest = forms.ChoiceField(label=_("Daily digest email"))

    def __init__(
        self, *args, tenant_id: int, tenant_zone: str, tenant_language_label: str = "", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", _("The team's time zone (%(zone)s)") % {"zone": tenant_zone})
        ] + [(name, name) for name in sorted(zoneinfo.available_timezones())]
        self.fields["time_zone"].help_text = _(
            "Every time in Threadline shows in this zone, and your digest goes by its clock."
        )
        self.fields["language"].choices = [
            ("", _("The team's language (%(language)s)") % {"language": tenant_language_label}),
            *[(code, native) for code, native in settings.LANGUAGES],
        ]
        self.fields["language"].help_text = _("The language of your Threadline pages.")
        self.fields["digest"].choices = [
            (TEAM_HOUR, _("At the team's hour (Settings → Follow-ups)")),
            *[(str(hour), label) for hour, label in digest_hour_choices(tenant_id)],
            (DIGEST_OFF, _("No digest")),
        ]
        self.fields["digest"].help_text = _(
            "Your follow-ups of the day, the overdue ones and your late leads, once a day."
        )

    @classmethod
    def initial_for(cls, membership) -> dict:
        if not membership.digest_enabled:
            digest = DIGEST_OFF
        elif membership.digest_hour is None:
            digest = TEAM_HOUR
        else:
            digest = str(membership.digest_hour)
        return {
            "time_zone": membership.user.time_zone,
            "language": membership.user.language,
            "digest": digest,
        }

    def clean(self):
        cleaned = super().clean()
        digest = cleaned.get("digest")
        cleaned["digest_enabled"] = digest != DIGEST_OFF
        cleaned["digest_hour"] = None if digest in (DIGEST_OFF, TEAM_HOUR, None) else int(digest)
        return cleaned
