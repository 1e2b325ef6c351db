"""Where a period's figures come from when they are read from the period rollups.

The rollups (dashboards.services.period_rollups) hold per tenant-local day, and per month, the
leads created (LeadCohortDay/Month: the sources report) and the leads lost (LostDay/Month: the
lost reasons). A period is a run of whole local days: its whole months are read from the month
rows, the days at either end from the day rows, and the days a PeriodChange names (a lead or a
quote changed and the sweep has not recounted that day yet; today's new leads among them) are
counted live from the leads, so a read is exact at any moment, whether the sweep ran or not.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from crm.models import Tenant
from dashboards.models import PeriodChange, PeriodRollup
from dashboards.period import Scope

DAY = dt.timedelta(days=1)


def local_date(moment: dt.datetime, tenant: Tenant) -> dt.date:
    return timezone.localtime(moment, tenant.zone).date()


def local_midnight(day: dt.date, tenant: Tenant) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tenant.zone)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def day_runs(days) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as [first, after) runs of consecutive days."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + DAY
        else:
            runs.append([day, day + DAY])
    return [(first, after) for first, after in runs]


def moments_on(field_name: str, days, tenant: Tenant) -> Q:
    """`field_name` falls on one of the local `days` (one range per run of days)."""
    condition = Q(pk__in=[])
    for first, after in day_runs(days):
        condition |= Q(
            **{
                f"{field_name}__gte": local_midnight(first, tenant),
                f"{field_name}__lt": local_midnight(after, tenant),
            }
        )
    return condition


@dataclass
class RollupPlan:
    """A period split into what is read from month rows, from day rows, and counted live."""

    months: list[dt.date] = field(default_factory=list)  # whole months, first days
    days: Q = field(default_factory=lambda: Q(pk__in=[]))  # on the day rows' `day`
    live_days: list[dt.date] = field(default_factory=list)  # counted from the leads

    def live(self, field_name: str, tenant: Tenant) -> Q | None:
        return moments_on(field_name, self.live_days, tenant) if self.live_days else None


def changed_days(tenant: Tenant) -> tuple[set[dt.date], set[dt.date]]:
    """The local days of created leads and of lost leads that changed since the sweep's last
    recount: (cohort days, lost days)."""
    cohort_days: set[dt.date] = set()
    lost_days: set[dt.date] = set()
    changes = PeriodChange.objects.filter(tenant=tenant).values_list("created_at", "closed_at")
    for created_at, closed_at in changes.order_by().distinct():
        cohort_days.add(local_date(created_at, tenant))
        if closed_at is not None:
            lost_days.add(local_date(closed_at, tenant))
    return cohort_days, lost_days


def rollup_plans(scope: Scope) -> tuple[RollupPlan, RollupPlan] | None:
    """The plans for the cohort (sources) and lost figures of the scope's period; None when the
    tenant's rollups are not built (or were built in another time zone): count live."""
    tenant = scope.tenant
    state = PeriodRollup.objects.filter(tenant=tenant).values_list("zone", flat=True).first()
    if state != tenant.time_zone:
        return None
    cohort_days, lost_days = changed_days(tenant)
    first = local_date(scope.start, tenant)
    after = local_date(scope.end, tenant)
    if scope.start != local_midnight(first, tenant) or scope.end != local_midnight(after, tenant):
        return None  # not whole local days (the page's periods always are)
    return _plan(first, after, cohort_days), _plan(first, after, lost_days)


def _plan(first: dt.date, after: dt.date, changed: set[dt.date]) -> RollupPlan:
    plan = RollupPlan(live_days=sorted(day for day in changed if first <= day < after))
    stored_days: list[dt.date] = []
    day = first
    while day < after:
        month_after = next_month(day)
        whole = day.day == 1 and month_after <= after
        if whole and not any(day <= d < month_after for d in plan.live_days):
            plan.months.append(day)
            day = month_after
            continue
        end = min(month_after, after)
        stored_days.extend(
            day + i * DAY for i in range((end - day).days) if day + i * DAY not in changed
        )
        day = end
    for run_first, run_after in day_runs(stored_days):
        plan.days |= Q(day__gte=run_first, day__lt=run_after)
    return plan
