"""Time one minute of the period rollups' sweep at a million leads: the step that recounts the days
a minute of writes named, with its statements.

    python bench/dashboards/time_period_step.py --tenant bench-big --touches 60 --rounds 5

Run it through `scripts/devenv.py run --` (see bench/README.md). A round gives --touches leads of
the tenant, picked at random across all its years (a seed per round, so two checkouts time the same
leads), their first touch now, as logging a call on an untouched lead does (leads that had one get
it again: no change), which notes a PeriodChange for each lead's cohort day (the load test's
writes name about 25 days in a dozen months a minute); then it times
`dashboards.services.period_rollups.period_roll_up_step` once, with each statement, in a
transaction rolled back at the end, so every round starts from the same rows. It prints each
round's changes, days and seconds, the statements that took longest, and the median round. To
compare two commits, run a copy of it in a worktree of the other (bench/README.md); on a server
with autovacuum off, VACUUM the rollup tables between the two, or the second reads the first's
dead rows.
"""

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.time_list import machine, setup_django  # noqa: E402  (after the path is set)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--touches", type=int, default=60, help="leads touched a round (60)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each rolled back (5)")
    parser.add_argument("--top", type=int, default=5, help="longest statements shown (5)")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def time_round(tenant, touches: int, seed: int, top: int) -> float:
    from django.db import connection, transaction

    from dashboards.models import PeriodChange
    from dashboards.services.period_rollups import period_roll_up_step
    from leads.models import Lead

    statements: dict[str, list[float]] = defaultdict(list)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements[" ".join(sql.split())[:90]].append(time.perf_counter() - started)

    with transaction.atomic():
        ids = Lead.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True)
        first, last = ids.first(), ids.last()
        picked = random.Random(seed).sample(range(first, last + 1), touches)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leads_lead SET first_touch_at = coalesce(first_touch_at, now())"
                " WHERE tenant_id = %s AND id = ANY(%s)",
                [tenant.pk, picked],
            )
        changes = PeriodChange.objects.filter(tenant=tenant).count()
        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            days, left = period_roll_up_step(tenant=tenant)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    print(
        f"round {seed}: {changes} changes, {days} days recounted{' (more left)' if left else ''}, "
        f"{seconds:.2f} s, {sum(len(times) for times in statements.values())} statements"
    )
    longest = sorted(statements.items(), key=lambda item: -sum(item[1]))[:top]
    for sql, times in longest:
        print(f"    {1000 * sum(times):8.1f} ms  {sql}")
    return seconds


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from crm.models import Tenant
    from crm.tenancy import tenant_context

    tenant = Tenant.objects.get(slug=args.tenant)
    print(f"{machine()}; code {ROOT}; tenant {tenant.slug}; {args.touches} leads touched a round")
    rounds = []
    for seed in range(1, args.rounds + 1):
        with tenant_context(tenant):
            rounds.append(time_round(tenant, args.touches, seed, args.top))
    print(f"median round {statistics.median(rounds):.2f} s over {len(rounds)}")


if __name__ == "__main__":
    main()
