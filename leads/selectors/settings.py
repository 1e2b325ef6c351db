"""Reads of a tenant's speed-to-lead settings."""

import datetime as dt

from crm.models import Tenant
from leads.models import LeadSettings


def lead_settings_get(*, tenant: Tenant) -> LeadSettings:
    """The tenant's settings row, or the defaults when it has none yet."""
    return LeadSettings.objects.filter(tenant=tenant).first() or LeadSettings(tenant=tenant)


def untouched_after(config: LeadSettings) -> dt.timedelta:
    return dt.timedelta(minutes=config.untouched_owner_alert_minutes)
