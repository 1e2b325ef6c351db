"""Time the manager dashboard (GET /dashboard/) and each of its sections at a million leads, as
the app role with row-level security.

    python bench/dashboards/time_dashboard.py --tenant bench-big --runs 10
    python bench/dashboards/time_dashboard.py --tenant bench-big --runs 20 --pages

`--pages` times only the page as it runs in production, for every period (week, month, quarter,
12 months, a custom 45 days), a pipeline, a brand and a rep's own, on the first tab and the team
tab: the first request after the cache is cleared (the first of the day: the team's figures and
those of the moment come from the rollups beat keeps, brought up to date just before), then the
p50 and p95 of --runs more.

Uses the tenant made by bench/leads/generate.py (and bench/dashboards/generate_activity.py). It
first brings the stage-flow rollup up to now as its beat task does (all history on
the first run) and prints how long that took. Then, for each period (this month, this quarter,
the last twelve months) and filter (a pipeline; the busiest rep's own version) it times every
section's table as the CSV export builds it (`dashboards.views.SECTION_TABLES`: the same figures
the page reads) inside the tenant's context, then the whole page through Django's test Client
signed in as a manager (or the rep): counted on every request ("page"), and with the figures
kept for a few minutes as in production ("page, figures kept": the first request counts them,
the next ones read them; "page, kept by beat": beat's recount of the team's kept periods ran
just before, so even the first request reads). Sections are always counted. It prints how long
beat's recount takes, a Markdown table of milliseconds (first run and median of --runs), the
number of queries, and EXPLAIN (ANALYZE, BUFFERS) of the slowest queries. DEBUG is off, as in
production.
"""

import argparse
import gc
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.time_list import client_for, machine, setup_django  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per case (10)")
    parser.add_argument("--explain", type=int, default=4, help="plans of the N slowest queries")
    parser.add_argument(
        "--only",
        default="",
        help="run only the cases whose name contains this (with --pages: the views, e.g. "
        "'tab team')",
    )
    parser.add_argument(
        "--slow-statements",
        type=float,
        default=0,
        help="with --pages: print each first request's statements that took this many ms or more",
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    parser.add_argument(
        "--pages",
        action="store_true",
        help="time only the page, as in production, for every period, filter and person: the "
        "first request with an empty cache (the first of the day), then p50 and p95 of --runs",
    )
    return parser.parse_args()


@dataclass
class Case:
    name: str
    run: object  # () -> number of rows (a section) or None (the page)
    first_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    queries: int = 0
    slowest_sql: str = ""
    slowest_sql_ms: float = 0.0
    rows: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)


def timed(case: Case, runs: int, membership) -> None:
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, override_settings

    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates

    # Only "figures kept" cases read the cache; the first of their runs starts from an empty one,
    # or, "kept by beat", from what beat's recount has just kept.
    kept = case.name.endswith(("figures kept", "kept by beat"))
    if kept:
        cache.clear()
    if case.name.endswith("kept by beat"):
        beat_recount(membership.tenant)

    def once() -> float:
        with override_settings(**({} if kept else {"DASHBOARD_FIGURES_SECONDS": 0})):
            return timed_once()

    def timed_once() -> float:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if case.name.startswith("page"):
                case.rows = case.run()
            else:
                with transaction.atomic(), tenant_context(membership.tenant):
                    planner_for_aggregates()  # as the page and the export do
                    case.rows = case.run()
            elapsed = (time.perf_counter() - started) * 1000
        queries = captured.captured_queries
        case.queries = len(queries)
        slowest = max(queries, key=lambda q: float(q["time"]))
        if float(slowest["time"]) * 1000 >= case.slowest_sql_ms:
            case.slowest_sql, case.slowest_sql_ms = slowest["sql"], float(slowest["time"]) * 1000
        return elapsed

    case.first_ms = once()
    case.times_ms = [once() for _ in range(runs)]


def build_cases(tenant_slug: str) -> tuple[list[Case], dict]:
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from crm.models import Membership, Role, Tenant
    from crm.tenancy import tenant_context
    from dashboards.period import Scope, period_bounds
    from dashboards.selectors.figures import KEPT_PERIODS, Figures
    from dashboards.views import SECTION_TABLES
    from leads.models import Lead, Pipeline

    tenant = Tenant.objects.get(slug=tenant_slug)
    now = timezone.now()
    with transaction.atomic(), tenant_context(tenant):
        manager = (
            Membership.objects.filter(tenant=tenant, role=Role.MANAGER)
            .select_related("user", "tenant")
            .order_by("pk")
            .first()
        )
        busiest = (
            Lead.objects.filter(tenant=tenant, status="open", owner__role=Role.REP)
            .values("owner")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        rep = Membership.objects.select_related("user", "tenant").get(pk=busiest["owner"])
        pipeline = Pipeline.objects.filter(tenant=tenant).order_by("position", "id").first()
        facts = {
            "manager": manager,
            "rep": rep,
            "leads": Lead.objects.filter(tenant=tenant).count(),
            "open": Lead.objects.filter(tenant=tenant, status="open").count(),
            "month": Lead.objects.filter(
                tenant=tenant, created_at__gte=period_bounds("month", tenant=tenant, now=now)[0]
            ).count(),
        }

    def scope(period: str, *, pipeline_id=None, for_rep=None) -> Scope:
        start, end = period_bounds(period, tenant=tenant, now=now)
        return Scope(
            tenant=tenant,
            start=start,
            end=end,
            pipeline_id=pipeline_id,
            brand_id=None,
            rep=for_rep,
            label=period,
            period=period,
        )

    scopes = {
        "month": (scope("month"), ""),
        "quarter": (scope("quarter"), "?period=quarter"),
        "12 months": (scope("year"), ""),
        f"month, pipeline {pipeline.name}": (
            scope("month", pipeline_id=pipeline.pk),
            f"?pipeline={pipeline.pk}",
        ),
        "month, the busiest rep's own": (scope("month", for_rep=rep), ""),
    }
    page_queries = {"12 months": "?period=year"}
    cases = []
    for scope_name, (the_scope, query) in scopes.items():
        for section, table_for in SECTION_TABLES.items():
            cases.append(
                Case(
                    f"{section} ({scope_name})",
                    lambda table_for=table_for, the_scope=the_scope: len(
                        table_for(Figures(the_scope)).rows
                    ),
                )
            )
        member = rep if the_scope.rep else manager
        client = client_for(member)
        url = "/dashboard/" + page_queries.get(scope_name, query)

        def page(client=client, url=url):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")

        cases.append(Case(f"page ({scope_name})", page))
        cases.append(Case(f"page ({scope_name}), figures kept", page))
        if the_scope.period in KEPT_PERIODS and not (the_scope.pipeline_id or the_scope.rep):
            cases.append(Case(f"page ({scope_name}), kept by beat", page))
    return cases, facts


def roll_up(tenant) -> str:
    """Bring the stage-flow rollup up to now and the activity rollup up to yesterday, as their beat
    tasks do; the first run rolls up all history. Returns what it did and how long it took."""
    from django.db import transaction

    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates
    from dashboards.services.rollups import activity_roll_up, stage_flow_roll_up

    done = []
    for name, roll in (("stage-flow", stage_flow_roll_up), ("activity", activity_roll_up)):
        started = time.perf_counter()
        with transaction.atomic(), tenant_context(tenant):
            planner_for_aggregates()
            days = roll(tenant=tenant)
        done.append(
            f"{name} rollup: {days:,} days rolled up in {time.perf_counter() - started:.1f} s"
        )
    return "; ".join(done)


def beat_recount(tenant) -> str:
    """Time what beat's keep_figures_fresh does for one tenant: count the team's kept periods."""
    from django.db import transaction
    from django.test.utils import override_settings

    from crm.tenancy import tenant_context
    from dashboards.selectors.figures import KEPT_PERIODS, team_views_recount

    started = time.perf_counter()
    settings = override_settings(DASHBOARD_FIGURES_SECONDS=300)
    with settings, transaction.atomic(), tenant_context(tenant):
        reports = team_views_recount(tenant=tenant)
    return (
        f"beat's recount of the team's {', '.join(KEPT_PERIODS)}: {reports} reports in "
        f"{time.perf_counter() - started:.1f} s"
    )


def explain(tenant, sql: str) -> str:
    from django.db import connection, transaction

    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates

    with transaction.atomic(), tenant_context(tenant), connection.cursor() as cursor:
        planner_for_aggregates()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def keep_rollups(tenant) -> str:
    """What beat does every minute: the period, team and stage-flow rollups' sweeps (all history
    on their first run) and the count of the figures of the moment. Returns how long each
    took."""
    from django.db import transaction

    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates
    from dashboards.services.moment import moment_keep
    from dashboards.services.period_rollups import period_roll_up
    from dashboards.services.rollups import stage_flow_roll_up
    from dashboards.services.team_rollup import team_roll_up

    done = []
    for name, keep in (
        ("period rollups", period_roll_up),
        ("team rollup", team_roll_up),
        ("stage-flow rollup", stage_flow_roll_up),
        ("figures of the moment", moment_keep),
    ):
        started = time.perf_counter()
        with transaction.atomic(), tenant_context(tenant):
            planner_for_aggregates()
            counted = keep(tenant=tenant)
        done.append(f"{name}: {counted:,} in {time.perf_counter() - started:.1f} s")
    return "; ".join(done)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_pages(args, facts) -> None:
    """GET /dashboard/ as in production for each period, filter, person and tab: the cache is
    cleared before the first request (the first of the day), then --runs more."""
    import datetime as dt

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm.models import Brand
    from crm.tenancy import tenant_context
    from leads.models import Pipeline

    tenant = facts["manager"].tenant
    with tenant_context(tenant):
        pipeline = Pipeline.objects.filter(tenant=tenant).order_by("position", "id").first()
        brand = Brand.objects.filter(tenant=tenant).order_by("id").first()
    today = timezone.localdate(timezone.now(), tenant.zone)
    custom = f"period=custom&start={today - dt.timedelta(days=44)}&end={today}"
    views = [
        ("week", "period=week", "manager"),
        ("month", "period=month", "manager"),
        ("quarter", "period=quarter", "manager"),
        ("12 months", "period=year", "manager"),
        ("custom 45 days", custom, "manager"),
        (f"month, pipeline {pipeline.name}", f"pipeline={pipeline.pk}", "manager"),
        (f"quarter, brand {brand.name}", f"period=quarter&brand={brand.pk}", "manager"),
        ("month, the busiest rep's own", "period=month", "rep"),
        ("12 months, the busiest rep's own", "period=year", "rep"),
    ]
    rows = []
    for name, query, who in views:
        for tab in ("now", "team"):
            if args.only not in f"{name}, tab {tab}":
                continue
            url = f"/dashboard/?{query}&tab={tab}"
            cache.clear()
            # The sessions live in the same cache (setup_django): sign in again.
            clients = {"manager": client_for(facts["manager"]), "rep": client_for(facts["rep"])}
            times, queries = [], 0
            for _ in range(args.runs + 1):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = clients[who].get(url)
                    times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"GET {url} answered {response.status_code}")
                if args.slow_statements and len(times) == 1:
                    for statement in captured.captured_queries:
                        ms = float(statement["time"]) * 1000
                        if ms >= args.slow_statements:
                            sql = statement["sql"].split("; ")[-1]  # without a set_config prefix
                            print(f"    {ms:.0f} ms: {sql[:300]}")
                queries = len(captured)
            rest = times[1:]
            rows.append(
                (
                    f"{name}, tab {tab}",
                    times[0],
                    percentile(rest, 0.5),
                    percentile(rest, 0.95),
                    queries,
                )
            )
            print(
                f"  {rows[-1][0]}: first {times[0]:.0f} ms, p50 {rows[-1][2]:.0f}, p95 {rows[-1][3]:.0f}, {queries} queries",
                flush=True,
            )
    print()
    print("| page | first request, empty cache, ms | p50 ms | p95 ms | queries |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, first, p50, p95, queries in rows:
        print(f"| {name} | {first:.0f} | {p50:.0f} | {p95:.0f} | {queries} |")


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    print(machine())
    cases, facts = build_cases(args.tenant)
    if args.only:
        cases = [case for case in cases if args.only in case.name]
    print(
        f"{args.tenant}: {facts['leads']:,} leads, {facts['open']:,} open, "
        f"{facts['month']:,} created this month; the busiest rep is {facts['rep'].user}"
    )
    if not args.pages:
        print(roll_up(facts["manager"].tenant))
    print(keep_rollups(facts["manager"].tenant))
    if args.pages:
        client_for(facts["manager"]).get("/dashboard/")  # the URL map and templates, once
        # What a web process has loaded by now is kept out of Python's full collections, as
        # config/memory.py does in production (a collection otherwise lands in one request of
        # a view's runs, 100-150 ms).
        gc.freeze()
        time_pages(args, facts)
        return
    print(beat_recount(facts["manager"].tenant))
    # One throwaway request loads the URL map and compiles the templates before anything counts.
    client_for(facts["manager"]).get("/dashboard/")
    for case in cases:
        member = facts["rep"] if "rep's own" in case.name else facts["manager"]
        timed(case, args.runs, member)
        print(
            f"  {case.name}: first {case.first_ms:.0f} ms, median {case.median:.0f} ms, "
            f"{case.queries} queries, slowest query {case.slowest_sql_ms:.0f} ms",
            flush=True,
        )
    print()
    print("| case | first ms | median ms | queries | slowest query ms | rows |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        rows = "" if case.rows is None else case.rows
        print(
            f"| {case.name} | {case.first_ms:.0f} | {case.median:.0f} | {case.queries} | "
            f"{case.slowest_sql_ms:.0f} | {rows} |"
        )
    sections = [case for case in cases if not case.name.startswith("page")]
    tenant = facts["manager"].tenant
    for case in sorted(sections, key=lambda c: c.slowest_sql_ms, reverse=True)[: args.explain]:
        print(f"\n### {case.name}\n")
        print(case.slowest_sql[:2000] + ("…" if len(case.slowest_sql) > 2000 else ""))
        print()
        print(explain(tenant, case.slowest_sql))


if __name__ == "__main__":
    main()
