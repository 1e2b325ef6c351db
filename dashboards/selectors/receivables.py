"""Receivables on the dashboard: what customers owe on open invoices today, by days past the due
date, per rep (the job's owner) and per brand (billing.selectors.receivables counts them, with
the balance every invoice page shows).

A figure of the moment, like the open leads' aging: the period does not change what is owed
today; the pipeline and brand filters, and a rep's own view, do. Each amount links to the invoice
list filtered to the invoices it adds up.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.selectors.receivables import (
    AGE_BUCKETS,
    INSURER,
    Receivables,
    ReceivablesGroup,
    receivables,
)
from crm.kit.formatting import money_format
from crm.models import Brand
from dashboards.charts import Chart, bar_chart
from dashboards.charts import money_format as chart_money_format
from dashboards.period import Scope
from dashboards.selectors.people import member_name, team_members
from dashboards.tables import Cell, Table

NO_BRAND = gettext_lazy("No brand")
# Past two months the amounts show in red: the invoices most likely never to be paid.
LONG_OVERDUE_DAYS = 60


@dataclass
class ReceivablesReport:
    figures: Receivables
    rep_names: dict[int | None, str | Promise]
    brand_names: dict[int | None, str | Promise]


def receivables_report(scope: Scope, *, now) -> ReceivablesReport:
    """The scope's open invoices by age, rep and brand (one query), with the names to show."""
    figures = receivables(
        tenant=scope.tenant,
        today=timezone.localtime(now, scope.tenant.zone).date(),
        owner_id=scope.rep.pk if scope.rep else None,
        brand_id=scope.brand_id,
        pipeline_id=scope.pipeline_id,
    )
    members = team_members(scope)
    brand_ids = [group.key for group in figures.by_brand if group.key is not None]
    brands = (
        dict(Brand.objects.filter(tenant=scope.tenant, pk__in=brand_ids).values_list("pk", "name"))
        if brand_ids
        else {}
    )
    return ReceivablesReport(
        figures=figures,
        rep_names={group.key: member_name(members, group.key) for group in figures.by_rep},
        brand_names={
            group.key: brands.get(group.key, NO_BRAND) if group.key else NO_BRAND
            for group in figures.by_brand
        },
    )


def _list_url(**filters) -> str:
    query = {"status": "open", **{name: value for name, value in filters.items() if value}}
    return f"{reverse('billing:list')}?{urlencode(query)}"


def insurers_list_url(scope: Scope) -> str:
    """The open invoices insurers owe on claims, in the scope."""
    return _list_url(status=INSURER, rep=scope.rep.pk if scope.rep else None, brand=scope.brand_id)


def _row(name, group: ReceivablesGroup, currency: str, *, linked: bool, **filters) -> list:
    """A name, then the amount owed in each age bucket and in all, each a link to those
    invoices (when the list can be filtered to them)."""
    amount = money_format(currency)
    cells: list = [name]
    for bucket in AGE_BUCKETS:
        owed = group.buckets[bucket.slug]
        url = _list_url(age=bucket.slug, **filters) if linked and owed.count else ""
        long_overdue = owed.count and (bucket.first or 0) > LONG_OVERDUE_DAYS
        cells.append(Cell(amount(owed.amount), url=url, tone="danger" if long_overdue else ""))
    url = _list_url(**filters) if linked and group.total.count else ""
    cells.append(Cell(amount(group.total.amount), url=url))
    cells.append(group.total.count)
    return cells


def _headers(first: str) -> list:
    return [first, *(bucket.label for bucket in AGE_BUCKETS), _("Total"), _("Invoices")]


def receivables_table(report: ReceivablesReport, scope: Scope) -> Table:
    """The totals by age: the one row a rep's own view shows too."""
    owner = scope.rep.pk if scope.rep else None
    return Table(
        title=_("Owed on open invoices, by days past the due date"),
        headers=_headers(""),
        rows=[
            _row(
                _("All open invoices"),
                report.figures.total,
                report.figures.currency,
                linked=True,
                rep=owner,
                brand=scope.brand_id,
            )
        ],
    )


def receivables_by_rep_table(report: ReceivablesReport, scope: Scope) -> Table:
    return Table(
        title=_("Owed on open invoices, by rep"),
        headers=_headers(_("Rep")),
        rows=[
            _row(
                report.rep_names[group.key],
                group,
                report.figures.currency,
                # The list filters by a member, not by "no owner".
                linked=group.key is not None,
                rep=group.key,
                brand=scope.brand_id,
            )
            for group in report.figures.by_rep
        ],
    )


def receivables_by_brand_table(report: ReceivablesReport, scope: Scope) -> Table:
    owner = scope.rep.pk if scope.rep else None
    return Table(
        title=_("Owed on open invoices, by brand"),
        headers=_headers(_("Brand")),
        rows=[
            _row(
                report.brand_names[group.key],
                group,
                report.figures.currency,
                linked=group.key is not None,
                brand=group.key,
                rep=owner,
            )
            for group in report.figures.by_brand
        ],
    )


def receivables_chart(report: ReceivablesReport) -> Chart:
    """What is owed in each age bucket."""
    total = report.figures.total
    return bar_chart(
        [(str(bucket.label), total.buckets[bucket.slug].amount) for bucket in AGE_BUCKETS],
        title=_("Owed by days past the due date"),
        value_format=chart_money_format(report.figures.currency),
        key="receivables-age",
    )
