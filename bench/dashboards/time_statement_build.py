"""Time what the team section's sums cost Python before PostgreSQL sees them: the queryset built
and compiled (`dashboards.selectors.team.team_sums` of the last 12 months, the team's scope), and
built and run, as the mean of --runs.

    python bench/dashboards/time_statement_build.py --tenant bench-big --runs 50

The team's sums are read on every request of the team tab (not kept in the cache), so what the ORM
spends building them is in every one of those requests. Run it in two checkouts one after another
to compare (each imports its own code).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.dashboards.time_dashboard import build_cases  # noqa: E402
from bench.leads.time_list import machine, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.utils import timezone

    from crm.tenancy import tenant_context
    from dashboards.period import Scope, period_bounds
    from dashboards.selectors.team import team_sums

    print(machine())
    _cases, facts = build_cases(args.tenant)
    tenant = facts["manager"].tenant
    now = timezone.now()
    with tenant_context(tenant):
        start, end = period_bounds("year", tenant=tenant, now=now)
        scope = Scope(tenant, start, end, None, None, None, "year", "year")
        first = timezone.localtime(start, tenant.zone).date()
        after = timezone.localtime(end, tenant.zone).date()
        today = timezone.localdate(now, tenant.zone)

        def built():
            return team_sums(scope, first, after, (today, today), today)

        def mean_ms(work, runs) -> float:
            for _ in range(3):
                work()
            started = time.perf_counter()
            for _ in range(runs):
                work()
            return (time.perf_counter() - started) / runs * 1000

        print(f"| the team's sums, 12 months ({args.runs} runs) | mean ms |")
        print("| --- | ---: |")
        print(
            f"| built and compiled | {mean_ms(lambda: built().query.sql_with_params(), args.runs):.2f} |"
        )
        print(f"| built and run | {mean_ms(lambda: list(built()), max(args.runs // 2, 1)):.2f} |")


if __name__ == "__main__":
    main()
