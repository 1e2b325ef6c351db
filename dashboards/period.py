"""What a dashboard shows: which tenant, which period, which pipeline and brand, and whose numbers.

Periods are read in the tenant's time zone (a manager in Miami means Miami's Monday), stored as
aware datetimes and used half-open, [start, end). "This week" starts on Monday.
"""

import datetime as dt
from dataclasses import dataclass, field, replace

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.kit.formatting import local_date
from crm.models import Brand, Membership, Role, Tenant
from leads.models import Lead, Pipeline

PERIODS = {
    "week": gettext_lazy("This week"),
    "month": gettext_lazy("This month"),
    "quarter": gettext_lazy("This quarter"),
    "year": gettext_lazy("Last 12 months"),
    "custom": gettext_lazy("Custom"),
}
DEFAULT_PERIOD = "month"
LONGEST_CUSTOM_PERIOD = dt.timedelta(days=366)
EARLIEST_CUSTOM_DATE = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Scope:
    tenant: Tenant
    start: dt.datetime
    end: dt.datetime
    pipeline_id: int | None
    brand_id: int | None
    rep: Membership | None
    label: str
    period: str = DEFAULT_PERIOD
    # What the selectors of one request read once and share (the team's members): a request's
    # scope, not a copy of it, holds them.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def length(self) -> dt.timedelta:
        return self.end - self.start

    def lead_conditions(self, via: str = "", *, by_owner: bool = True) -> Q:
        """The pipeline, brand and (unless `by_owner` is false) rep conditions on leads, from a
        related model `via` its lead path (e.g. "lead__"); the tenant condition is the caller's.
        Rows about work assigned to someone (follow-ups, tickets) pass by_owner=False and filter
        on their own assignee."""
        conditions = Q()
        if self.pipeline_id is not None:
            conditions &= Q(**{f"{via}pipeline_id": self.pipeline_id})
        if self.brand_id is not None:
            conditions &= Q(**{f"{via}brand_id": self.brand_id})
        if by_owner and self.rep is not None:
            conditions &= Q(**{f"{via}owner_id": self.rep.pk})
        return conditions

    def ticket_conditions(self, via: str = "") -> Q:
        """The pipeline (the ticket's lead), brand (its inbox) and rep (its assignee) conditions on
        tickets, from a related model `via` its ticket path (e.g. "ticket__")."""
        conditions = Q()
        if self.pipeline_id is not None:
            conditions &= Q(**{f"{via}lead__pipeline_id": self.pipeline_id})
        if self.brand_id is not None:
            conditions &= Q(**{f"{via}inbox__brand_id": self.brand_id})
        if self.rep is not None:
            conditions &= Q(**{f"{via}assignee": self.rep})
        return conditions

    def leads(self) -> QuerySet[Lead]:
        """The tenant's leads in this scope's pipeline, brand and (for a rep) ownership."""
        return Lead.objects.filter(self.lead_conditions(), tenant=self.tenant)

    def previous(self) -> "Scope":
        """The period of the same length that ends where this one starts."""
        return replace(
            self,
            start=self.start - self.length,
            end=self.start,
            label=_("Previous period (%(date_range_label)s)")
            % {
                "date_range_label": _date_range_label(
                    self.start - self.length, self.start, self.tenant
                )
            },
        )


def scope_from_request(request, *, now: dt.datetime | None = None) -> Scope:
    """The scope asked for in the query string (?period=week|month|quarter|year|custom&start=…
    &end=…&pipeline=…&brand=…). Input that makes no sense falls back to this month, or drops the
    filter, with a message saying so. A rep's scope is always their own numbers."""
    tenant = request.tenant
    now = now or timezone.now()
    query = request.GET
    period, start, end, problem = _period_from_query(query, tenant, now)
    if problem:
        messages.warning(request, problem, fail_silently=True)
    pipeline_id = _tenant_object_id(request, query.get("pipeline"), Pipeline, _("pipeline"))
    brand_id = _tenant_object_id(request, query.get("brand"), Brand, _("brand"))
    rep = request.membership if request.membership.role == Role.REP else None
    return Scope(
        tenant=tenant,
        start=start,
        end=end,
        pipeline_id=pipeline_id,
        brand_id=brand_id,
        rep=rep,
        label=_label(period, start, end, tenant),
        period=period,
    )


def team_scope(tenant: Tenant, *, now: dt.datetime, period: str = DEFAULT_PERIOD) -> Scope:
    """The team's numbers for one of PERIODS but custom: what a manager opens first."""
    start, end = period_bounds(period, tenant=tenant, now=now)
    return Scope(
        tenant=tenant,
        start=start,
        end=end,
        pipeline_id=None,
        brand_id=None,
        rep=None,
        label=_label(period, start, end, tenant),
        period=period,
    )


def period_bounds(
    period: str, *, tenant: Tenant, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """This week, month, quarter or the last twelve months (this one and the eleven before, whole
    months, so the sources and lost reasons show twelve full bars) around `now`, as local
    midnights of the tenant."""
    today = timezone.localtime(now, tenant.zone).date()
    if period == "week":
        first = today - dt.timedelta(days=today.weekday())
        after = first + dt.timedelta(days=7)
    elif period == "quarter":
        first = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        after = _add_months(first, 3)
    elif period == "year":
        after = _add_months(today.replace(day=1), 1)
        first = _add_months(after, -12)
    else:
        first = today.replace(day=1)
        after = _add_months(first, 1)
    return _local_midnight(first, tenant), _local_midnight(after, tenant)


def _period_from_query(query, tenant: Tenant, now: dt.datetime):
    period = query.get("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        start, end = period_bounds(DEFAULT_PERIOD, tenant=tenant, now=now)
        return DEFAULT_PERIOD, start, end, _("Unknown period; showing this month.")
    if period != "custom":
        start, end = period_bounds(period, tenant=tenant, now=now)
        return period, start, end, ""
    today = timezone.localtime(now, tenant.zone).date()
    try:
        first = dt.date.fromisoformat(query.get("start", ""))
        last = dt.date.fromisoformat(query.get("end", ""))
    except ValueError:
        problem = _("Give a custom period as two dates (YYYY-MM-DD); showing this month.")
    else:
        if last < first:
            problem = _("The custom period ends before it starts; showing this month.")
        elif first < EARLIEST_CUSTOM_DATE or last > today + LONGEST_CUSTOM_PERIOD:
            # Also keeps the date arithmetic (the trailing weeks, the previous period) in range.
            problem = _(
                "A custom period lies between %(year)s and a year from today; showing this month."
            ) % {"year": EARLIEST_CUSTOM_DATE.year}
        else:
            start = _local_midnight(first, tenant)
            end = _local_midnight(last + dt.timedelta(days=1), tenant)
            if end - start <= LONGEST_CUSTOM_PERIOD:
                return "custom", start, end, ""
            problem = _("A custom period can be at most a year; showing this month.")
    start, end = period_bounds(DEFAULT_PERIOD, tenant=tenant, now=now)
    return DEFAULT_PERIOD, start, end, problem


def _tenant_object_id(request, raw: str | None, model, noun: str) -> int | None:
    """The id if it names a row of the tenant; else None (all), with a message if one was asked."""
    if not raw:
        return None
    # isdigit() alone also passes "²" and other digits int() refuses.
    is_id = raw.isascii() and raw.isdigit() and len(raw) <= 18
    if is_id and model.objects.filter(tenant=request.tenant, pk=int(raw)).exists():
        return int(raw)
    messages.warning(
        request,
        _("That %(noun)s is not in this team; showing all.") % {"noun": noun},
        fail_silently=True,
    )
    return None


def _label(period: str, start: dt.datetime, end: dt.datetime, tenant: Tenant) -> str:
    first = timezone.localtime(start, tenant.zone).date()
    if period == "week":
        return _("This week (%(range)s)") % {"range": _date_range_label(start, end, tenant)}
    if period == "month":
        return _("This month (%(month)s)") % {"month": date_format(first, "YEAR_MONTH_FORMAT")}
    if period == "quarter":
        return _("This quarter (Q%(quarter)s %(year)s)") % {
            "quarter": (first.month - 1) // 3 + 1,
            "year": first.year,
        }
    if period == "year":
        last = timezone.localtime(end, tenant.zone).date() - dt.timedelta(days=1)
        return _("Last 12 months (%(first)s – %(last)s)") % {
            "first": local_date(first, "month_year"),
            "last": local_date(last, "month_year"),
        }
    return _date_range_label(start, end, tenant)


def _date_range_label(start: dt.datetime, end: dt.datetime, tenant: Tenant) -> str:
    """Inclusive dates: [Mar 2 00:00, Mar 9 00:00) reads "Mar 2 – Mar 8, 2026"."""
    first = timezone.localtime(start, tenant.zone).date()
    last = timezone.localtime(end, tenant.zone).date() - dt.timedelta(days=1)
    if first == last:
        return local_date(first, "date")
    if first.year == last.year:
        return f"{local_date(first, 'month_day')} – {local_date(last, 'date')}"
    return f"{local_date(first, 'date')} – {local_date(last, 'date')}"


def _local_midnight(day: dt.date, tenant: Tenant) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tenant.zone)


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    return day.replace(year=day.year + month_index // 12, month=month_index % 12 + 1)
