"""The manager dashboard at /dashboard/ (a rep's own smaller version at the same address) and the
CSV export of each section's numbers."""

import csv
import datetime as dt
from collections.abc import Callable

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from crm.models import Brand
from crm.permissions import tenant_member_required
from dashboards import anomalies, sections, selectors_aging, selectors_speed, selectors_team
from dashboards import selectors_lost as lost
from dashboards import selectors_sources as sources
from dashboards.aggregates import without_jit
from dashboards.period import PERIODS, Scope, scope_from_request
from dashboards.tables import Table
from followups import selectors as follow_up_selectors
from leads.models import Pipeline

# Each section's numbers as one table, for the CSV export (the page renders the same tables).
SECTION_TABLES: dict[str, Callable[[Scope], Table]] = {
    "aging": lambda scope: selectors_aging.aging_figures(scope).table(),
    "uncontacted": lambda scope: selectors_aging.uncontacted_figures(scope).table(),
    "speed": lambda scope: selectors_speed.speed_figures(scope).table(),
    "team": lambda scope: selectors_team.team_figures(scope).table(),
    "stages": lambda scope: selectors_team.stage_flow_figures(scope).table(),
    "sources": lambda scope: sources.sources_table(sources.sources_report(scope)),
    "sources-by-month": lambda scope: sources.sources_by_month_table(sources.sources_report(scope)),
    "sources-wrong-jobs": lambda scope: sources.wrong_jobs_table(sources.sources_report(scope)),
    "lost": lambda scope: lost.lost_by_reason_table(lost.lost_report(scope)),
    "lost-by-source": lambda scope: lost.lost_by_source_table(lost.lost_report(scope)),
    "lost-by-rep": lambda scope: lost.lost_by_rep_table(lost.lost_report(scope)),
    "lost-by-month": lambda scope: lost.lost_by_month_table(lost.lost_report(scope)),
    "anomalies": lambda scope: anomalies.anomalies_table(anomalies.anomaly_report(scope)),
}


@tenant_member_required
@require_GET
def dashboard_page(request):
    scope = scope_from_request(request)
    without_jit()
    now = timezone.now()
    context = {"scope": scope, **_filter_choices(scope)}
    # The follow-ups widget: the team's for a manager, their own for a rep.
    context["widget"] = follow_up_selectors.follow_up_stats(
        tenant=scope.tenant,
        zone=follow_up_selectors.member_zone(request.user, scope.tenant),
        assignee=scope.rep,
        now=now,
    )
    context["widget_assignee"] = "mine" if scope.rep else "all"
    context.update(sections.aging_section(scope, now=now))
    context.update(sections.speed_section(scope, now=now))
    context.update(sections.team_section(scope, now=now))
    # --- sources
    context.update(sources.sources_section(scope))
    # --- lost
    context.update(lost.lost_section(scope))
    # --- anomalies
    context.update(anomalies.anomalies_section(scope, now=now))
    return render(request, "dashboards/page.html", context)


def _filter_choices(scope: Scope) -> dict:
    """What the period and filter form offers, and what it has selected."""
    pipelines = list(Pipeline.objects.filter(tenant=scope.tenant, is_archived=False))
    brands = list(Brand.objects.filter(tenant=scope.tenant, is_archived=False))
    last_day = timezone.localtime(scope.end, scope.tenant.zone).date() - dt.timedelta(days=1)
    return {
        "periods": PERIODS.items(),
        "pipelines": pipelines,
        "brands": brands,
        "selected_pipeline": next((p for p in pipelines if p.pk == scope.pipeline_id), None),
        "selected_brand": next((b for b in brands if b.pk == scope.brand_id), None),
        "custom_start": timezone.localtime(scope.start, scope.tenant.zone).date(),
        "custom_end": last_day,
    }


class _Echo:
    def write(self, value: str) -> str:
        return value


@tenant_member_required
@require_GET
def section_export(request, section: str):
    """One section's table as CSV, for the same period and filters as the page."""
    table_for = SECTION_TABLES.get(section)
    if table_for is None:
        raise Http404("No such dashboard section.")
    scope = scope_from_request(request)
    without_jit()
    # Read now, inside the request's tenant transaction; the response streams what was read.
    rows = list(table_for(scope).csv_rows())
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime(scope.start, scope.tenant.zone).strftime("%Y-%m-%d")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"dashboard-{section}-{stamp}.csv"
    )
    return response
