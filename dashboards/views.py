"""The manager dashboard at /dashboard/ (a rep's own smaller version at the same address) and the
CSV export of each section's numbers."""

from collections.abc import Callable

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from crm.kit.csv_files import csv_stream
from crm.permissions import tenant_member_required
from dashboards import sections
from dashboards.aggregates import planner_for_aggregates
from dashboards.period import scope_from_request
from dashboards.selectors import anomalies, lost, receivables, sources
from dashboards.selectors.figures import Figures, figures_seconds
from dashboards.selectors.filters import filter_choices
from dashboards.tables import Table

# Each section's numbers as one table, for the CSV export (the page renders the same tables).
SECTION_TABLES: dict[str, Callable[[Figures], Table]] = {
    "aging": lambda figures: figures["aging"].table(),
    "uncontacted": lambda figures: figures["uncontacted"].table(),
    "speed": lambda figures: figures["speed"].table(),
    "team": lambda figures: figures.team().table(),
    "stages": lambda figures: figures["stages"].table(),
    "sources": lambda figures: sources.sources_table(figures["sources"]),
    "sources-by-month": lambda figures: sources.sources_by_month_table(figures["sources"]),
    "sources-wrong-jobs": lambda figures: sources.wrong_jobs_table(figures["sources"]),
    "lost": lambda figures: lost.lost_by_reason_table(figures["lost"]),
    "lost-by-source": lambda figures: lost.lost_by_source_table(figures["lost"]),
    "lost-by-rep": lambda figures: lost.lost_by_rep_table(figures["lost"]),
    "lost-by-month": lambda figures: lost.lost_by_month_table(figures["lost"]),
    "anomalies": lambda figures: anomalies.anomalies_table(figures["anomalies"]),
    "receivables": lambda figures: receivables.receivables_table(
        figures["receivables"], figures.scope
    ),
    "receivables-by-rep": lambda figures: receivables.receivables_by_rep_table(
        figures["receivables"], figures.scope
    ),
    "receivables-by-brand": lambda figures: receivables.receivables_by_brand_table(
        figures["receivables"], figures.scope
    ),
}


@tenant_member_required
@require_GET
def dashboard_page(request):
    scope = scope_from_request(request)
    tab = sections.tab_from_query(request.GET.get("tab"))
    planner_for_aggregates()
    figures = Figures(scope)
    tabs = _tab_links(request, tab)
    context = {
        "scope": scope,
        "tab": tab,
        "tabs": tabs,
        # Each tab's address by its slug, for the first screen's "details" links.
        "tab_urls": {each.slug: url for each, url, _current in tabs},
        **filter_choices(scope),
    }
    if tab == sections.DEFAULT_TAB:
        context.update(sections.follow_ups_widget(figures, request.user))
    for section in tab.sections:
        context.update(section(figures))
    context["figures_as_of"] = figures.as_of
    context["figures_minutes"] = max(1, figures_seconds() // 60)
    return render(request, "dashboards/page.html", context)


def _tab_links(request, current: sections.Tab) -> list[tuple[sections.Tab, str, bool]]:
    """Each tab with its address: the same period and filters, another tab."""
    links = []
    for tab in sections.TABS:
        query = request.GET.copy()
        query["tab"] = tab.slug
        links.append((tab, f"?{query.urlencode()}", tab == current))
    return links


@tenant_member_required
@require_GET
def section_export(request, section: str):
    """One section's table as CSV, for the same period and filters as the page."""
    table_for = SECTION_TABLES.get(section)
    if table_for is None:
        raise Http404("No such dashboard section.")
    scope = scope_from_request(request)
    planner_for_aggregates()
    # Read now, inside the request's tenant transaction; the response streams what was read.
    rows = list(table_for(Figures(scope)).csv_rows())
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(scope.start, scope.tenant.zone).strftime("%Y-%m-%d")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"dashboard-{section}-{stamp}.csv"
    )
    return response
