"""The tenant's business calendar (crm.business_calendar) with its closed days, and the list the
settings page shows."""

import datetime as dt
import json

from crm.business_calendar import BusinessCalendar, public_holidays
from crm.models import ClosedDay, Tenant

# One calendar per tenant and process, valid while the tenant's calendar settings and
# calendar_version are what they were: a page or a sweep reads it without a query.
_KEPT: dict[int, tuple[tuple, BusinessCalendar]] = {}


def _calendar_key(tenant: Tenant) -> tuple:
    return (
        tenant.created_at,
        tenant.calendar_version,
        json.dumps(tenant.business_hours, sort_keys=True),
        tenant.time_zone,
        tenant.country,
        tenant.home_state,
        tenant.public_holidays,
    )


def business_calendar(tenant: Tenant) -> BusinessCalendar:
    """The tenant's calendar, kept in this process until crm.services.calendar raises the
    tenant's calendar_version (a closed day added or removed) or its hours, zone, country or
    holidays change."""
    key = _calendar_key(tenant)
    kept = _KEPT.get(tenant.pk)
    if kept is not None and kept[0] == key:
        return kept[1]
    calendar = BusinessCalendar(
        hours=tenant.business_hours,
        zone=tenant.zone,
        closed_days=frozenset(
            ClosedDay.objects.filter(tenant=tenant).values_list("date", flat=True)
        ),
        holiday=(
            public_holidays(tenant.country, tenant.home_state)
            if tenant.public_holidays
            else (lambda day: None)
        ),
    )
    _KEPT[tenant.pk] = (key, calendar)
    return calendar


def business_calendar_forget(tenant: Tenant) -> None:
    _KEPT.pop(tenant.pk, None)


def closed_days(*, tenant: Tenant, since: dt.date) -> list[ClosedDay]:
    return list(ClosedDay.objects.filter(tenant=tenant, date__gte=since).order_by("date"))


def upcoming_public_holidays(*, tenant: Tenant, since: dt.date, days: int = 366) -> list:
    """(date, name) of the public holidays in the coming year, for the settings page."""
    if not tenant.public_holidays:
        return []
    holiday = public_holidays(tenant.country, tenant.home_state)
    found = []
    for offset in range(days):
        day = since + dt.timedelta(days=offset)
        name = holiday(day)
        if name:
            found.append((day, name))
    return found
