"""Time the daily digests' reads, one member at a time: what a digest round costs a worker.

    python bench/followups/time_digests.py --tenant bench-big --runs 5

Run it through `scripts/devenv.py run --` (see bench/README.md). For every active member of the
tenant who wants the digest (or the first --members of them, reps first), it builds the digest as
the sweep does (`followups.selectors.digest.digest_for`, with what the round's digests share,
`DigestRound`: the red windows and the team's part, counted once) and renders it (`digest_render`), --runs times, and prints for each member the
median time of the build and of the render, the statements run and the slowest of them. Nothing
is written: the sending and its DigestSent row are left out (they cost the same at any size).

    python bench/followups/time_digests.py --tenant sweeps-small-0002 --rounds 9

`--rounds N` times instead what a worker spends on the tenant's round at its digest moment (the
team's hour and minute today): `digests_send_due` whole, the DigestSent rows and the outbox rows
included, N times, each in a transaction rolled back; it prints the median round (the first run
left out: a new process's templates and statements) and the statements of one round.
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
    parser.add_argument("--runs", type=int, default=5, help="builds per member (5)")
    parser.add_argument("--members", type=int, default=0, help="at most this many members (all)")
    parser.add_argument("--slowest", type=int, default=1, help="slowest statements shown (1)")
    parser.add_argument(
        "--rounds", type=int, default=0, help="time the sweep's whole round this many times"
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def time_rounds(slug: str, rounds: int) -> None:
    """The tenant's digest round at its digest moment, as the sweep's task runs it."""
    import datetime as dt
    import zoneinfo

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm.models import Tenant, digest_minute
    from crm.tenancy import tenant_context
    from followups.selectors.configuration import follow_up_settings_get
    from followups.services.digest import digests_send_due

    tenant = Tenant.objects.get(slug=slug)
    with tenant_context(tenant):
        hour = follow_up_settings_get(tenant=tenant).digest_hour
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    day = timezone.now().astimezone(zone).date()
    now = dt.datetime.combine(day, dt.time(hour), tzinfo=zone) + dt.timedelta(
        minutes=digest_minute(tenant.pk) + 1
    )
    times = []
    for _ in range(rounds):
        with transaction.atomic(), tenant_context(tenant):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                sent = digests_send_due(tenant=tenant, now=now)
            times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    steady = times[1:] or times
    print(
        f"{slug}: {sent} digests a round, round p50 {statistics.median(steady):.0f} ms "
        f"({statistics.median(steady) / max(sent, 1):.1f} ms a digest), {len(captured)} "
        f"statements; runs {', '.join(f'{t:.0f}' for t in times)} ms"
    )


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    if args.rounds:
        print(machine())
        time_rounds(args.tenant, args.rounds)
        return
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm.models import Membership, Tenant
    from crm.tenancy import tenant_context
    from followups.selectors.digest import DigestRound, digest_for, reads_the_team
    from followups.services.digest import digest_render

    print(machine())
    tenant = Tenant.objects.get(slug=args.tenant)
    now = timezone.now()
    with tenant_context(tenant):
        members = list(
            Membership.objects.filter(tenant=tenant, is_active=True, digest_enabled=True)
            .select_related("user", "tenant")
            .order_by("role", "pk")
        )
    members.sort(key=reads_the_team)  # reps first
    if args.members:
        members = members[: args.members]

    def slowest(queries) -> str:
        ranked = sorted(queries, key=lambda query: -float(query["time"]))[: args.slowest]
        return "; ".join(
            f"{float(query['time']) * 1000:.0f} ms {query['sql'][:90]}" for query in ranked
        )

    with transaction.atomic(), tenant_context(tenant):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            shared = DigestRound(tenant, now)
            shared.team  # noqa: B018  (counted here, once, as the round's first manager does)
        team_ms = (time.perf_counter() - started) * 1000
        print(
            f"\nshared by the round (red windows, team part): {team_ms:.0f} ms, {len(captured)} statements; "
            f"{slowest(captured.captured_queries)}"
        )
        print(
            f"\n{'member':<28} {'role':<8} {'build p50':>10} {'render p50':>11} {'stmts':>6}"
            f"  slowest statement"
        )
        builds_all, renders_all = [], []
        for membership in members:
            builds, renders = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    digest = digest_for(tenant=tenant, membership=membership, shared=shared)
                builds.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                digest_render(digest)
                renders.append((time.perf_counter() - started) * 1000)
            builds_all.append(statistics.median(builds))
            renders_all.append(statistics.median(renders))
            print(
                f"{membership.user.email[:28]:<28} {membership.role:<8} "
                f"{statistics.median(builds):>8.1f}ms {statistics.median(renders):>9.1f}ms "
                f"{len(captured):>6}  {slowest(captured.captured_queries)}"
            )
        transaction.set_rollback(True)
    print(
        f"\n{len(members)} members: build p50 {statistics.median(builds_all):.1f} ms, "
        f"sum {sum(builds_all):.0f} ms; render p50 {statistics.median(renders_all):.1f} ms; "
        f"the round's total with the team part {team_ms + sum(builds_all) + sum(renders_all):.0f} ms"
    )


if __name__ == "__main__":
    main()
