"""The tenant's business calendar (crm.business_calendar) with its closed days, and the list the
settings page shows."""

import datetime as dt

from crm.business_calendar import BusinessCalendar, public_holidays
from crm.models import ClosedDay, Tenant

_CACHE_ATTRIBUTE = "_business_calendar"


def business_calendar(tenant: Tenant) -> BusinessCalendar:
    """One calendar per tenant object (a sweep or a page asks for it per ticket or lead);
    crm.services.calendar drops it when an admin changes the closed days."""
    key = (
        id(tenant.business_hours),
        tenant.time_zone,
        tenant.country,
        tenant.home_state,
        tenant.public_holidays,
    )
    cached = getattr(tenant, _CACHE_ATTRIBUTE, None)
    if cached is not None and cached[0] == key:
        return cached[1]
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
    setattr(tenant, _CACHE_ATTRIBUTE, (key, calendar))
    return calendar


def business_calendar_forget(tenant: Tenant) -> None:
    if hasattr(tenant, _CACHE_ATTRIBUTE):
        delattr(tenant, _CACHE_ATTRIBUTE)


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
