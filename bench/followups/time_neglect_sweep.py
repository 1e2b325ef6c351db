"""Time one hourly round of the neglect sweep at a tenant, step by step as its tasks run it.

    python bench/followups/time_neglect_sweep.py --tenant bench-big --rounds 2

Run it through `scripts/devenv.py run --` (see bench/README.md). A round is
`followups.services.neglect.neglect_sweep` at --hours-ahead hours from now (so the flags the
last hour's sweeps raised do not count against its 1,000 an hour): every step until one finds
nothing left, each timed, in a transaction rolled back at the end, so every round starts from the
same rows. It prints each round's steps (seconds and statements), the round's total and the median
round. To compare two commits, run a copy of it in a worktree of the other (bench/README.md).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.time_list import machine, setup_django  # noqa: E402  (after the path is set)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big", help="tenant slug (bench-big)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, each rolled back (2)")
    parser.add_argument("--hours-ahead", type=float, default=2, help="the round's time (2)")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def time_round(tenant, at) -> list[tuple[float, int]]:
    """The round's steps: (seconds, statements) each."""
    from django.db import connection, transaction

    from followups.services import neglect

    steps: list[tuple[float, int]] = []
    step = neglect.neglect_sweep_step
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def timed_step(*args, **kwargs):
        started, before = time.perf_counter(), statements[0]
        result = step(*args, **kwargs)
        steps.append((time.perf_counter() - started, statements[0] - before))
        return result

    neglect.neglect_sweep_step = timed_step
    try:
        with connection.execute_wrapper(count), transaction.atomic():
            neglect.neglect_sweep(tenant=tenant, now=at)
            transaction.set_rollback(True)
    finally:
        neglect.neglect_sweep_step = step
    return steps


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    import datetime as dt

    from django.utils import timezone

    from crm.models import Tenant
    from crm.tenancy import tenant_context
    from followups.models import NeglectFlag

    tenant = Tenant.objects.get(slug=args.tenant)
    at = timezone.now() + dt.timedelta(hours=args.hours_ahead)
    print(f"{machine()}; code {ROOT}; tenant {tenant.slug}; the round at {at:%Y-%m-%d %H:%M} UTC")
    with tenant_context(tenant):
        open_flags = NeglectFlag.objects.filter(tenant=tenant, cleared_at__isnull=True).count()
        print(f"{open_flags} open flags before each round")
        totals = []
        for number in range(1, args.rounds + 1):
            steps = time_round(tenant, at)
            total = sum(seconds for seconds, _ in steps)
            totals.append(total)
            shown = ", ".join(f"{seconds:.1f} s/{statements}" for seconds, statements in steps)
            print(
                f"round {number}: {len(steps)} steps, {total:.1f} s, "
                f"{sum(n for _, n in steps)} statements; each step (s/statements): {shown}"
            )
    print(f"median round {statistics.median(totals):.1f} s over {len(totals)}")


if __name__ == "__main__":
    main()
