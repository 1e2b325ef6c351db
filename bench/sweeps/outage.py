"""Play an outage of beat: the open follow-ups of the next --hours hours are moved that far back,
so the missed sweep's next round finds them past their slot at once, as after beat was stopped.

    python bench/sweeps/outage.py --hours 7 --tenants 'sweeps-small-*'

Run it through `scripts/devenv.py run --` with DATABASE_URL naming the database bench/sweeps/setup.py
filled, then bench/sweeps/run.py. Every follow-up still pending or in progress whose time falls
between now and --hours from now is moved back by --hours and one more (so the missed sweep's
15-minute grace has passed for the latest of them): the burst of alerts, and of their email
copies, that an outage of that length leaves. The small tenants are copies of one template, so
their follow-ups fall at the same moments: a few hours' window names most of them. It prints how
many follow-ups of how many tenants were moved. Only a rerun of bench/sweeps/setup.py undoes it.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.sweeps.setup import setup_django  # noqa: E402  (after the path is set)

MOVE_BACK_SQL = """
WITH moved AS (
    UPDATE followups_followup AS follow_up
    SET scheduled_at = follow_up.scheduled_at - make_interval(hours => %(hours)s + 1)
    FROM crm_tenant AS tenant
    WHERE tenant.id = follow_up.tenant_id
      AND tenant.slug LIKE %(slugs)s
      AND follow_up.status = ANY(%(statuses)s)
      AND follow_up.scheduled_at >= now()
      AND follow_up.scheduled_at < now() + make_interval(hours => %(hours)s)
    RETURNING follow_up.tenant_id
)
SELECT count(*), count(DISTINCT tenant_id) FROM moved
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=int, default=7, help="how long beat was down (7)")
    parser.add_argument(
        "--tenants", default="sweeps-small-*", help="slugs, * for any ending ('sweeps-small-*')"
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def move_back(*, hours: int, tenants: str) -> tuple[int, int]:
    """Move the open follow-ups of the next `hours` hours back; (follow-ups, tenants) moved."""
    from django.db import connections, transaction

    from followups.models import OPEN_STATUSES

    params = {
        "hours": hours,
        "slugs": tenants.replace("_", r"\_").replace("*", "%"),
        "statuses": list(OPEN_STATUSES),
    }
    with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        cursor.execute(MOVE_BACK_SQL, params)
        return cursor.fetchone()


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    follow_ups, tenants = move_back(hours=args.hours, tenants=args.tenants)
    print(f"moved {follow_ups:,} follow-ups of {tenants:,} tenants back {args.hours + 1} hours")


if __name__ == "__main__":
    main()
