"""The delivery-policy form: a sending window per channel (or any time), weekly marketing caps,
the duplicate window and the customer-update rhythm, folded into the values
messaging.services.configuration_delivery.comms_settings_update takes."""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import ServiceErrorsMixin, TenantFormMixin
from crm.models import Channel
from messaging.models import (
    CommsSettings,
    MessageTemplate,
    default_quiet_hours,
    default_weekly_caps,
)
from messaging.services.configuration_delivery import (
    CAP_CHANNELS,
    CLOCK,
    DUPLICATE_WINDOW_HOURS,
    QUIET_HOURS_CHANNELS,
    UPDATE_INTERVAL_DAYS,
)

CLOCK_ERROR = _("Times look like 08:00 (24-hour clock).")

DEFAULT_DUPLICATE_WINDOW_HOURS = CommsSettings._meta.get_field("duplicate_window_hours").default
DEFAULT_UPDATE_INTERVAL_DAYS = CommsSettings._meta.get_field("update_interval_days").default


def describe_window(window) -> str:
    return _("any time") if window is None else f"{window[0]}–{window[1]}"


def describe_cap(cap) -> str:
    return _("no cap") if cap is None else _("%(cap)s a week") % {"cap": cap}


def _clock_field(label: str) -> forms.CharField:
    """Checked in clean(): a row set to any time keeps whatever was left in its time boxes."""
    return forms.CharField(
        required=False,
        label=label,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )


def _clock(text: str) -> str | None:
    """The time as typed when it is a 24-hour one ("08:00"), else None."""
    return text if CLOCK.match(text) else None


@dataclass(frozen=True)
class WindowRow:
    """One channel's line on the page."""

    label: str
    any_time: forms.BoundField
    start: forms.BoundField
    end: forms.BoundField
    default: str
    crosses_midnight: bool


class DeliveryPolicyForm(ServiceErrorsMixin, TenantFormMixin, forms.Form):
    duplicate_window_hours = forms.IntegerField(
        min_value=DUPLICATE_WINDOW_HOURS[0],
        max_value=DUPLICATE_WINDOW_HOURS[1],
        label=_("No repeat of the same template within (hours)"),
    )
    update_interval_days = forms.IntegerField(
        min_value=UPDATE_INTERVAL_DAYS[0],
        max_value=UPDATE_INTERVAL_DAYS[1],
        label=_("Send each active job's customer an update every (days)"),
    )
    update_template = forms.ModelChoiceField(
        queryset=MessageTemplate.unscoped.none(),
        required=False,
        label=_("Update template"),
        empty_label=_("None yet (default): no updates are sent"),
        help_text=_("What the customer update says; archived templates are not offered."),
    )

    def __init__(self, *args, config: CommsSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_window_hours"].help_text = _(
            "Default: %(hours)s hours. 0 turns the check off. Messages a person sends by hand are "
            "never held back."
        ) % {"hours": DEFAULT_DUPLICATE_WINDOW_HOURS}
        self.fields["update_interval_days"].help_text = _(
            "Default: %(days)s days; from 1 to 90. A contact who chose their own rhythm keeps it."
        ) % {"days": DEFAULT_UPDATE_INTERVAL_DAYS}
        self.fields["update_template"].queryset = MessageTemplate.objects.filter(
            tenant=self.tenant, is_archived=False
        ).order_by("name")
        defaults = default_quiet_hours()
        for channel in QUIET_HOURS_CHANNELS:
            window = config.quiet_hours.get(channel)
            shown = window or defaults.get(channel) or ("", "")
            label = gettext(Channel(channel).label)
            self.fields[f"{channel}_any_time"] = forms.BooleanField(
                required=False, initial=window is None, label=_("Any time")
            )
            self.fields[f"{channel}_start"] = _clock_field(
                _("%(channel)s from") % {"channel": label}
            )
            self.fields[f"{channel}_end"] = _clock_field(
                _("%(channel)s until") % {"channel": label}
            )
            self.initial.setdefault(f"{channel}_start", shown[0])
            self.initial.setdefault(f"{channel}_end", shown[1])
        caps = default_weekly_caps()
        for channel in CAP_CHANNELS:
            self.fields[f"{channel}_cap"] = forms.IntegerField(
                required=False,
                min_value=0,
                label=gettext(Channel(channel).label),
                help_text=_("Default: %(cap)s. Empty: no cap.")
                % {"cap": describe_cap(caps.get(channel))},
                widget=forms.NumberInput(attrs={"placeholder": _("No cap")}),
            )
            self.initial.setdefault(f"{channel}_cap", config.weekly_caps.get(channel))
        self.initial.setdefault("duplicate_window_hours", config.duplicate_window_hours)
        self.initial.setdefault("update_interval_days", config.update_interval_days)
        self.initial.setdefault("update_template", config.update_template_id)

    @property
    def window_rows(self) -> list[WindowRow]:
        defaults = default_quiet_hours()
        rows = []
        for channel in QUIET_HOURS_CHANNELS:
            start, end = (self[f"{channel}_{part}"].value() for part in ("start", "end"))
            start, end = (_clock_text(value) for value in (start, end))
            rows.append(
                WindowRow(
                    label=gettext(Channel(channel).label),
                    any_time=self[f"{channel}_any_time"],
                    start=self[f"{channel}_start"],
                    end=self[f"{channel}_end"],
                    default=describe_window(defaults.get(channel)),
                    crosses_midnight=not self[f"{channel}_any_time"].value()
                    and bool(start and end)
                    and end < start,
                )
            )
        return rows

    @property
    def cap_fields(self) -> list[forms.BoundField]:
        return [self[f"{channel}_cap"] for channel in CAP_CHANNELS]

    def clean(self):
        cleaned = super().clean()
        quiet_hours = {}
        for channel in QUIET_HOURS_CHANNELS:
            if cleaned.get(f"{channel}_any_time"):
                quiet_hours[channel] = None
                continue
            texts = {
                part: cleaned.get(f"{channel}_{part}", "").strip() for part in ("start", "end")
            }
            if not all(texts.values()):
                self.add_error(
                    f"{channel}_end", _("Give both times, or tick any time for this channel.")
                )
                continue
            clocks = {part: _clock(text) for part, text in texts.items()}
            bad = [part for part, clock in clocks.items() if clock is None]
            for part in bad:
                self.add_error(f"{channel}_{part}", CLOCK_ERROR)
            if bad:
                continue
            if clocks["start"] == clocks["end"]:
                self.add_error(
                    f"{channel}_end",
                    _("The start and the end are the same time: tick any time instead."),
                )
            else:
                quiet_hours[channel] = [clocks["start"], clocks["end"]]
        cleaned["quiet_hours"] = quiet_hours
        cleaned["weekly_caps"] = {
            channel: cleaned.get(f"{channel}_cap") for channel in CAP_CHANNELS
        }
        return cleaned

    def service_values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "quiet_hours",
                "weekly_caps",
                "duplicate_window_hours",
                "update_interval_days",
                "update_template",
            )
        }

    def form_field_for(self, service_field: str) -> str:
        """Puts "quiet_hours.sms" on the SMS row, "weekly_caps.email" on the email cap …"""
        setting, _, channel = service_field.partition(".")
        return {
            "quiet_hours": f"{channel}_end",
            "weekly_caps": f"{channel}_cap",
        }.get(setting, setting)


def _clock_text(value) -> str:
    """A time box's value as shown: the posted text or the saved time, if it is a valid one."""
    return _clock(str(value or "").strip()) or ""
