"""Writes of the business calendar: the closed days an admin adds (company holidays, bridge days)
and whether the country's public holidays count as days off. SLAs and lead aging read the
calendar through crm.selectors.calendar.business_calendar. The closed days and the tenant are
audited models: the audit trail records who changed them."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from crm.models import ClosedDay, Tenant, User
from crm.selectors.calendar import business_calendar_forget


@transaction.atomic
def closed_day_add(*, tenant: Tenant, actor: User, date: dt.date, name: str) -> ClosedDay:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Say what the day is, e.g. Company picnic.")})
    try:
        with transaction.atomic():
            closed = ClosedDay.objects.create(tenant=tenant, date=date, name=name[:100])
    except IntegrityError as taken:
        raise ValidationError({"date": _("That day is closed already.")}) from taken
    _calendar_changed(tenant)
    return closed


@transaction.atomic
def closed_day_remove(*, tenant: Tenant, actor: User, closed_day_id: int) -> None:
    closed = ClosedDay.objects.get(tenant=tenant, pk=closed_day_id)
    closed.delete()
    _calendar_changed(tenant)


@transaction.atomic
def public_holidays_set(*, tenant: Tenant, actor: User, observed: bool) -> Tenant:
    tenant.public_holidays = observed
    tenant.save(update_fields=["public_holidays"])
    business_calendar_forget(tenant)
    return tenant


def _calendar_changed(tenant: Tenant) -> None:
    """Every process's kept calendar of the tenant is stale: they compare the version."""
    Tenant.objects.filter(pk=tenant.pk).update(calendar_version=F("calendar_version") + 1)
    tenant.refresh_from_db(fields=["calendar_version"])
    business_calendar_forget(tenant)
