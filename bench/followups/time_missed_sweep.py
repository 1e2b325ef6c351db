"""Time the missed sweep catching up at a tenant: every follow-up that an outage of --hours-ahead
hours would leave past its slot, marked missed batch by batch as the sweep's tasks do.

    python bench/followups/time_missed_sweep.py --tenant bench-big --hours-ahead 0.5 --rounds 3
    python bench/followups/time_missed_sweep.py --tenant all --hours-ahead 0.5 --rounds 1

Run it through `scripts/devenv.py run --` (see bench/README.md). A round calls
`followups.services.missed.follow_ups_mark_missed` (a batch of SWEEP_BATCH, what one task does) at
--hours-ahead hours from now until a batch finds nothing, each batch timed with its statements,
in a transaction rolled back at the end, so every round starts from the same rows (what runs after
the commit, the email copies of the alerts, is not in it unless `--copies`: then each batch's new
alerts get their copies written in the same transaction by what the messages queue's task runs,
`messaging.services.staff_notifications.copies_schedule`, timed apart). It prints each round's
batches, the round's total, the milliseconds per follow-up and the median round. `--tenant all` (or
`sweeps-small-*`: the tenants whose slug begins so) times the burst a restart of beat after such an
outage sends: every tenant's round one after another (what the sweep's tasks share between the
workers), with the sum and how many tenants had any. To compare two commits, run a
copy of it in a worktree of the other (bench/README.md).
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
    parser.add_argument(
        "--tenant",
        default="bench-big",
        help="tenant slug, all, or a slug's start and * (bench-big)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each rolled back (3)")
    parser.add_argument("--hours-ahead", type=float, default=0.5, help="the outage's length (0.5)")
    parser.add_argument(
        "--copies", action="store_true", help="also time the copies' task of each batch's alerts"
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


class Copies:
    """The copies' tasks of a round's batches: seconds, copies written and statements."""

    def __init__(self) -> None:
        self.seconds, self.written, self.statements, self.tasks = 0.0, 0, 0, 0


def time_round(tenant, at, copies: Copies | None = None) -> list[tuple[float, int, int]]:
    """The round's batches: (seconds, follow-ups marked, statements) each."""
    from django.db import connection, transaction

    from crm.models import Notification
    from followups.services import missed
    from messaging.services.staff_notifications import copies_schedule

    batches: list[tuple[float, int, int]] = []
    statements = [0]
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count), transaction.atomic():
        while True:
            started, before = time.perf_counter(), statements[0]
            done = missed.follow_ups_mark_missed(tenant=tenant, now=at)
            if not done:
                break
            batches.append((time.perf_counter() - started, done, statements[0] - before))
            if copies is None:
                continue
            # The ids the batch's NotificationsCreated would carry: its new alerts.
            new = list(
                Notification.objects.filter(tenant=tenant, pk__gt=last_notification or 0)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if not new:
                continue
            last_notification = new[-1]
            started, before = time.perf_counter(), statements[0]
            copies.written += copies_schedule(tenant=tenant, notification_ids=new)
            copies.seconds += time.perf_counter() - started
            copies.statements += statements[0] - before
            copies.tasks += 1
        transaction.set_rollback(True)
    return batches


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    import datetime as dt

    from django.utils import timezone

    from crm.models import Tenant
    from crm.tenancy import tenant_context

    at = timezone.now() + dt.timedelta(hours=args.hours_ahead)
    if args.tenant == "all" or args.tenant.endswith("*"):
        tenants = list(
            Tenant.objects.filter(
                slug__startswith="" if args.tenant == "all" else args.tenant[:-1]
            ).order_by("pk")
        )
        names = f"{len(tenants)} tenants ({args.tenant})"
    else:
        tenants = [Tenant.objects.get(slug=args.tenant)]
        names = f"tenant {tenants[0].slug}"
    print(f"{machine()}; code {ROOT}; {names}; the round at {at:%Y-%m-%d %H:%M} UTC")
    totals, per_follow_up = [], []
    for number in range(1, args.rounds + 1):
        batches = []
        due_at = 0
        copies = Copies() if args.copies else None
        for tenant in tenants:
            with tenant_context(tenant):
                tenant_batches = time_round(tenant, at, copies)
            batches += tenant_batches
            due_at += bool(tenant_batches)
        seconds = sum(batch[0] for batch in batches)
        marked = sum(batch[1] for batch in batches)
        totals.append(seconds)
        per_follow_up.append(1000 * seconds / marked if marked else 0.0)
        print(
            f"round {number}: {marked} follow-ups at {due_at} tenants in {len(batches)} batches, "
            f"{seconds:.2f} s, {sum(batch[2] for batch in batches)} statements, "
            f"{per_follow_up[-1]:.1f} ms a follow-up"
        )
        if copies is not None:
            print(
                f"  copies: {copies.written} in {copies.tasks} tasks, {copies.seconds:.2f} s, "
                f"{copies.statements} statements, "
                f"{1000 * copies.seconds / max(copies.tasks, 1):.1f} ms a task"
            )
    print(
        f"median round {statistics.median(totals):.2f} s, "
        f"{statistics.median(per_follow_up):.1f} ms a follow-up, over {len(totals)}"
    )


if __name__ == "__main__":
    main()
