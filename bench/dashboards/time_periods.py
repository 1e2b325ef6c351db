"""Time the dashboard's figures of a period (sources, lost reasons) counted from the leads against
read from the period rollups, alternating in one run, at a million leads.

    python bench/dashboards/time_periods.py --tenant bench-big --runs 5

Uses the tenant made by bench/leads/generate.py (and bench/dashboards/generate_activity.py). It
first runs the period sweep (dashboards.tasks.roll_up_periods for this tenant: on the first run
it builds every day and month since the oldest lead) and prints how long it took; then, for each
period and filter, it builds each section's figures as the page does (inside the tenant's
transaction, JIT off, never from the cache), once "counted" (the rollup set aside in a rolled
back savepoint: the code as it was) and once "rollup", in turn, --runs times. It prints a
Markdown table: the first run and the median of each, and the queries of each.
"""

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.time_list import machine, setup_django  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case and way (5)")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def sweep(tenant) -> str:
    from django.db import transaction

    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates
    from dashboards.services.period_rollups import period_roll_up

    started = time.perf_counter()
    with transaction.atomic(), tenant_context(tenant):
        planner_for_aggregates()
        counted = period_roll_up(tenant=tenant)
    return (
        f"period sweep: {counted:,} days or months counted in {time.perf_counter() - started:.1f} s"
    )


def scopes(tenant):
    from django.db.models import Count
    from django.utils import timezone

    from crm.models import Membership, Role
    from dashboards.period import Scope, period_bounds
    from leads.models import Lead, Pipeline

    now = timezone.now()
    today = timezone.localtime(now, tenant.zone).date()
    busiest = (
        Lead.objects.filter(tenant=tenant, status="open", owner__role=Role.REP)
        .values("owner")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    rep = Membership.objects.get(pk=busiest["owner"])
    pipeline = Pipeline.objects.filter(tenant=tenant).order_by("position", "id").first()

    def local(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=tenant.zone)

    def scope(name, start, end, **filters) -> tuple[str, Scope]:
        return name, Scope(
            tenant=tenant,
            start=start,
            end=end,
            pipeline_id=filters.get("pipeline_id"),
            brand_id=None,
            rep=filters.get("rep"),
            label=name,
            period="custom",
        )

    year_start = today - dt.timedelta(days=364)
    return [
        scope("month", *period_bounds("month", tenant=tenant, now=now)),
        scope("quarter", *period_bounds("quarter", tenant=tenant, now=now)),
        scope("12 months", *period_bounds("year", tenant=tenant, now=now)),
        scope("custom year to today", local(year_start), local(today + dt.timedelta(days=1))),
        scope(
            "custom 45 days a year ago",
            local(year_start + dt.timedelta(days=10)),
            local(year_start + dt.timedelta(days=55)),
        ),
        scope(
            f"custom year, pipeline {pipeline.name}",
            local(year_start),
            local(today + dt.timedelta(days=1)),
            pipeline_id=pipeline.pk,
        ),
        scope(
            "custom year, the busiest rep's own",
            local(year_start),
            local(today + dt.timedelta(days=1)),
            rep=rep,
        ),
    ]


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from crm.models import Tenant
    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates
    from dashboards.models import PeriodRollup
    from dashboards.selectors.lost import lost_report
    from dashboards.selectors.sources import sources_report

    print(machine())
    tenant = Tenant.objects.get(slug=args.tenant)
    print(sweep(tenant))
    sections = {"sources": sources_report, "lost": lost_report}

    def once(report, scope, counted: bool) -> tuple[float, int]:
        with transaction.atomic(), tenant_context(tenant):
            planner_for_aggregates()
            if counted:  # the code as it was: the rollup set aside, in a savepoint rolled back
                savepoint = transaction.savepoint()
                PeriodRollup.objects.filter(tenant=tenant).delete()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                report(scope)
                elapsed = (time.perf_counter() - started) * 1000
            if counted:
                transaction.savepoint_rollback(savepoint)
        return elapsed, len(captured.captured_queries)

    rows = []
    with transaction.atomic(), tenant_context(tenant):
        cases = scopes(tenant)
    for scope_name, scope in cases:
        for section, report in sections.items():
            name = f"{section} ({scope_name})"
            if args.only and args.only not in name:
                continue
            times = {True: [], False: []}
            queries = {}
            for _ in range(args.runs + 1):
                for counted in (True, False):
                    elapsed, queries[counted] = once(report, scope, counted)
                    times[counted].append(elapsed)
            row = (
                name,
                times[True][0],
                statistics.median(times[True][1:]),
                queries[True],
                times[False][0],
                statistics.median(times[False][1:]),
                queries[False],
            )
            print("  " + ", ".join(str(round(v)) if isinstance(v, float) else str(v) for v in row))
            rows.append(row)
    print()
    print(
        "| case | counted: first ms | counted: median ms | queries | rollup: first ms "
        "| rollup: median ms | queries |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, c_first, c_median, c_queries, r_first, r_median, r_queries in rows:
        print(
            f"| {name} | {c_first:.0f} | {c_median:.0f} | {c_queries} | {r_first:.0f} "
            f"| **{r_median:.0f}** | {r_queries} |"
        )


if __name__ == "__main__":
    main()
