"""Time the anomalies and stage conversion of the dashboard alone (`anomaly_report`,
`stage_flow_figures`) for the team's month and 12 months, a rep's own and a pipeline, inside the
tenant's context as the app role. Run it from a worktree of each commit on the same database,
alternating, to compare them:

    python bench/dashboards/time_anomaly_reads.py --tenant bench-big --runs 3

Prints, per figure and view, the first run and the median of --runs more (ms) and the queries.
"""

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.time_list import machine, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    args = parser.parse_args()
    setup_django(args.database_url)
    print(machine())

    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm.models import Membership, Tenant
    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates
    from dashboards.period import team_scope
    from dashboards.selectors.anomalies import anomaly_report
    from dashboards.selectors.team import stage_flow_figures
    from leads.models import Lead, Pipeline

    tenant = Tenant.objects.get(slug=args.tenant)
    now = timezone.now()
    with tenant_context(tenant):
        busiest = (
            Lead.objects.filter(tenant=tenant)
            .values("owner_id")
            .annotate(leads=Count("id"))
            .order_by("-leads")
            .first()["owner_id"]
        )
        rep = Membership.objects.get(pk=busiest)
        pipeline = Pipeline.objects.filter(tenant=tenant).order_by("position", "id").first()
    views = []
    for period in ("month", "year"):
        scope = team_scope(tenant, now=now, period=period)
        views += [
            (period, scope),
            (f"{period}, the busiest rep's own", dataclasses.replace(scope, rep=rep)),
            (
                f"{period}, pipeline {pipeline.name}",
                dataclasses.replace(scope, pipeline_id=pipeline.pk),
            ),
        ]
    for name, figures in (("anomalies", anomaly_report), ("stage conversion", stage_flow_figures)):
        for label, scope in views:
            times = []
            for _ in range(args.runs + 1):
                with (
                    transaction.atomic(),
                    tenant_context(tenant),
                    CaptureQueriesContext(connection) as captured,
                ):
                    planner_for_aggregates()
                    started = time.perf_counter()
                    figures(scope, now=now)
                    times.append((time.perf_counter() - started) * 1000)
            print(
                f"{name} ({label}): first {times[0]:.0f} ms, median "
                f"{statistics.median(times[1:]):.0f} ms, {len(captured.captured_queries)} queries",
                flush=True,
            )


if __name__ == "__main__":
    main()
