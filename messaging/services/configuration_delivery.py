"""The tenant's delivery policy: when each channel may reach a contact, how many marketing
messages a contact gets per week, the duplicate window, and the customer-update rhythm.

messaging.services.policy reads the row at scheduling and again at sending, so a change applies to every
message not sent yet. CommsSettings is in the audit trail through its database triggers.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.events import publish
from crm.models import Channel, Tenant, User
from messaging.events import UpdateIntervalChanged
from messaging.models import CommsSettings, MessageChannel
from messaging.services.policy import comms_settings_get

# Quiet hours cover phone calls too (follow-ups are scheduled inside them); caps only messages.
QUIET_HOURS_CHANNELS = tuple(Channel.values)
CAP_CHANNELS = tuple(MessageChannel.values)
DUPLICATE_WINDOW_HOURS = (0, 720)
UPDATE_INTERVAL_DAYS = (1, 90)

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _window_problem(window) -> str:
    """What is wrong with a sending window (None is "any time"), or an empty string."""
    if window is None:
        return ""
    if not isinstance(window, list | tuple) or len(window) != 2:
        return "Give a start and an end time, or choose any time."
    if not all(isinstance(clock, str) and CLOCK.match(clock) for clock in window):
        return "Times look like 08:00 (24-hour clock)."
    if window[0] == window[1]:
        return "The start and the end are the same time: choose any time instead."
    return ""


def _quiet_hours(current: dict, given: dict) -> tuple[dict, dict]:
    merged = {channel: current.get(channel) for channel in QUIET_HOURS_CHANNELS}
    errors = {}
    for channel, window in given.items():
        if channel not in QUIET_HOURS_CHANNELS:
            errors[f"quiet_hours.{channel}"] = f"{channel} is not a channel."
            continue
        problem = _window_problem(window)
        if problem:
            errors[f"quiet_hours.{channel}"] = f"{Channel(channel).label}: {problem}"
        else:
            merged[channel] = list(window) if window is not None else None
    return merged, errors


def _weekly_caps(current: dict, given: dict) -> tuple[dict, dict]:
    merged = {channel: current.get(channel) for channel in CAP_CHANNELS}
    errors = {}
    for channel, cap in given.items():
        if channel not in CAP_CHANNELS:
            errors[f"weekly_caps.{channel}"] = f"{channel} has no weekly cap."
        elif cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 0):
            errors[f"weekly_caps.{channel}"] = (
                f"{Channel(channel).label}: a cap is a whole number (0 or more), or empty."
            )
        else:
            merged[channel] = cap
    return merged, errors


def _in_range(value, bounds: tuple[int, int]) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]
    )


@transaction.atomic
def comms_settings_update(*, tenant: Tenant, actor: User, **values) -> CommsSettings:
    """Change some of the delivery policy: `quiet_hours` {channel: ["08:00", "20:00"] | None},
    `weekly_caps` {channel: int | None}, `duplicate_window_hours`, `update_interval_days`,
    `update_template` (a MessageTemplate or None). Channels left out keep their setting.

    Raises ValidationError keyed by setting ("quiet_hours.sms", "update_interval_days" …).
    """
    unknown = set(values) - {
        "quiet_hours",
        "weekly_caps",
        "duplicate_window_hours",
        "update_interval_days",
        "update_template",
    }
    if unknown:
        raise TypeError(f"Not a delivery setting: {', '.join(sorted(unknown))}")
    config = CommsSettings.objects.select_for_update().get(pk=comms_settings_get(tenant=tenant).pk)
    errors: dict[str, str] = {}
    if "quiet_hours" in values:
        config.quiet_hours, problems = _quiet_hours(config.quiet_hours, values["quiet_hours"])
        errors.update(problems)
    if "weekly_caps" in values:
        config.weekly_caps, problems = _weekly_caps(config.weekly_caps, values["weekly_caps"])
        errors.update(problems)
    if "duplicate_window_hours" in values:
        hours = values["duplicate_window_hours"]
        if _in_range(hours, DUPLICATE_WINDOW_HOURS):
            config.duplicate_window_hours = hours
        else:
            errors["duplicate_window_hours"] = (
                "Give a number of hours from 0 (no duplicate check) to 720 (30 days)."
            )
    interval_before = config.update_interval_days
    if "update_interval_days" in values:
        days = values["update_interval_days"]
        if _in_range(days, UPDATE_INTERVAL_DAYS):
            config.update_interval_days = days
        else:
            errors["update_interval_days"] = "Send customer updates every 1 to 90 days."
    if "update_template" in values:
        template = values["update_template"]
        if template is not None and (template.tenant_id != tenant.pk or template.is_archived):
            errors["update_template"] = "Pick one of your templates that is not archived."
        else:
            config.update_template = template
    if errors:
        raise ValidationError(errors)
    config.save()
    if config.update_interval_days != interval_before:
        publish(UpdateIntervalChanged(tenant=tenant))
    return config
