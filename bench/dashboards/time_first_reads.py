"""Time what the dashboard's first request of a view counted before the first-touch rollup and
the widget's read from the team rollup, against what it reads now, alternating the two in one
process (the shared, loaded box's noise falls on both alike):

- speed to lead: counted over the period's leads (the code before, kept here verbatim) against
  dashboards.selectors.speed.speed_figures (FirstTouchDay and FirstTouchBin);
- the follow-ups widget: followups.selectors.widgets.follow_up_stats (counted) against
  dashboards.selectors.follow_ups.follow_up_widget (TeamDay), for the team and the busiest rep;
- the team section: dashboards.selectors.team.team_figures_counted against team_figures (TeamDay
  and TeamResponseBin).

    python bench/dashboards/time_first_reads.py --tenant bench-dash --runs 5

The rollups are brought up to date first (what beat does every minute). Prints a Markdown table:
the median and the slowest of --runs, ms, and the queries of one run.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.dashboards.time_dashboard import build_cases, keep_rollups  # noqa: E402
from bench.leads.time_list import machine, setup_django  # noqa: E402


def speed_counted(scope, *, now):
    """speed_figures as it was before the rollup (commit 55712db): two grouped counts and the
    members' names."""
    import datetime as dt

    from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

    from dashboards.aggregates import Median
    from dashboards.selectors.people import team_members

    first_touch_after = ExpressionWrapper(
        F("first_touch_at") - F("created_at"), output_field=DurationField()
    )
    touched = Q(first_touch_at__isnull=False)
    figures = {
        "new_leads": Count("created_at"),
        "judged": Count(
            "created_at", filter=touched | Q(created_at__lte=now - dt.timedelta(minutes=15))
        ),
        "within_window": Count(
            "created_at",
            filter=touched & Q(first_touch_after__lte=dt.timedelta(minutes=15)),
        ),
        "touched": Count("created_at", filter=touched),
        "median_first_touch": Median("first_touch_after", filter=touched),
    }
    new_leads = (
        scope.leads()
        .filter(created_at__gte=scope.start, created_at__lt=scope.end)
        .annotate(first_touch_after=first_touch_after)
    )
    total = new_leads.aggregate(**figures)
    per_owner = list(new_leads.values("owner_id").annotate(**figures).order_by())
    return total, per_owner, team_members(scope)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm.tenancy import tenant_context
    from dashboards.aggregates import planner_for_aggregates
    from dashboards.period import Scope, period_bounds
    from dashboards.selectors.follow_ups import follow_up_widget
    from dashboards.selectors.speed import speed_figures
    from dashboards.selectors.team import team_figures, team_figures_counted
    from followups.selectors.widgets import follow_up_stats
    from leads.models import Pipeline

    print(machine())
    _cases, facts = build_cases(args.tenant)
    manager, rep = facts["manager"], facts["rep"]
    tenant = manager.tenant
    print(f"{args.tenant}: {facts['leads']:,} leads; the busiest rep is {rep.user}")
    print(keep_rollups(tenant))
    now = timezone.now()
    with tenant_context(tenant):
        pipeline = Pipeline.objects.filter(tenant=tenant).order_by("position", "id").first()

    def scope(period, *, pipeline_id=None, for_rep=None):
        start, end = period_bounds(period, tenant=tenant, now=now)
        return Scope(tenant, start, end, pipeline_id, None, for_rep, period, period)

    views = [
        ("month", scope("month")),
        ("quarter", scope("quarter")),
        ("12 months", scope("year")),
        (f"month, pipeline {pipeline.name}", scope("month", pipeline_id=pipeline.pk)),
        ("12 months, the busiest rep's own", scope("year", for_rep=rep)),
    ]
    pairs = []
    for name, view in views:
        pairs.append(
            (
                f"speed to lead ({name})",
                lambda view=view: speed_counted(view, now=now),
                lambda view=view: speed_figures(view, now=now),
            )
        )
    for name, view in views:
        pairs.append(
            (
                f"team ({name})",
                lambda view=view: team_figures_counted(view, now=now),
                lambda view=view: team_figures(view, now=now),
            )
        )
    for name, assignee in (("team", None), ("the busiest rep", rep)):
        arguments = {"tenant": tenant, "zone": tenant.zone, "assignee": assignee, "now": now}
        pairs.append(
            (
                f"follow-ups widget ({name})",
                lambda arguments=arguments: follow_up_stats(**arguments),
                lambda arguments=arguments: follow_up_widget(**arguments),
            )
        )

    print()
    print(
        "| figure | counted: median ms | max ms | queries | rollup: median ms | max ms | queries |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, counted, rolled in pairs:
        times = {"counted": [], "rollup": []}
        queries = {}
        with transaction.atomic(), tenant_context(tenant):
            planner_for_aggregates()
            for _ in range(args.runs):
                for side, run in (("counted", counted), ("rollup", rolled)):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        run()
                        times[side].append((time.perf_counter() - started) * 1000)
                    queries[side] = len(captured)
        cells = []
        for side in ("counted", "rollup"):
            cells += [
                f"{statistics.median(times[side]):.0f}",
                f"{max(times[side]):.0f}",
                str(queries[side]),
            ]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
