"""Play an outage of beat: the open follow-ups of the next --hours hours are moved that far back,
so the missed sweep's next round finds them past their slot at once, as after beat was stopped.

    python bench/sweeps/outage.py --hours 7 --tenants 'sweeps-small-*'

Run it through `scripts/devenv.py run --` with DATABASE_URL naming the database
bench/sweeps/setup.py filled, then bench/sweeps/run.py. Every follow-up still pending or in
progress whose time falls between now and --hours from now is moved back by --hours and one more
(so the missed sweep's 15-minute grace has passed for the latest of them): the burst of alerts, and
of their email copies, that an outage of that length leaves. The small tenants are copies of one
template, so their follow-ups fall at the same moments: a few hours' window names most of them. It
prints how many follow-ups of how many tenants were moved. With --email-copies every member of
those tenants first asks for an email copy of the follow-up alerts (the data set's members ask for
none), and the last day's follow-up alerts of those tenants are forgotten (a recipient's alerts of
a day share one group and one copy), so the burst queues the most copies it can on the messages
queue. Only a new data set undoes it.
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

# Every member of the tenants asks for an email copy of the alerts about follow-ups, the most
# copies such a burst can queue.
EMAIL_COPIES_SQL = """
INSERT INTO comms_staffnotificationpreference (tenant_id, membership_id, kind, by_email, by_sms)
SELECT membership.tenant_id, membership.id, %(kind)s, true, false
FROM crm_membership AS membership
JOIN crm_tenant AS tenant ON tenant.id = membership.tenant_id
WHERE tenant.slug LIKE %(slugs)s AND membership.is_active
ON CONFLICT (tenant_id, membership_id, kind) DO UPDATE SET by_email = true
"""
# And the alerts of the last day of those tenants about follow-ups are forgotten: an alert joins
# its recipient's group of the day, whose copy went when the group began, so a second burst the
# same day would queue no copies.
FORGET_ALERTS_SQL = """
WITH forgotten AS (
    SELECT notification.id
    FROM crm_notification AS notification
    JOIN crm_tenant AS tenant ON tenant.id = notification.tenant_id
    WHERE tenant.slug LIKE %(slugs)s AND notification.kind = %(kind)s
      AND notification.created_at > now() - interval '1 day'
), items AS (
    DELETE FROM crm_notificationitem WHERE notification_id IN (SELECT id FROM forgotten)
)
DELETE FROM crm_notification WHERE id IN (SELECT id FROM forgotten)
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=int, default=7, help="how long beat was down (7)")
    parser.add_argument(
        "--tenants", default="sweeps-small-*", help="slugs, * for any ending ('sweeps-small-*')"
    )
    parser.add_argument(
        "--email-copies",
        action="store_true",
        help="every member of those tenants asks for email copies of the follow-up alerts",
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def _slugs(tenants: str) -> str:
    return tenants.replace("_", r"\_").replace("*", "%")


def move_back(*, hours: int, tenants: str) -> tuple[int, int]:
    """Move the open follow-ups of the next `hours` hours back; (follow-ups, tenants) moved."""
    from django.db import connections, transaction

    from followups.models import OPEN_STATUSES

    params = {"hours": hours, "slugs": _slugs(tenants), "statuses": list(OPEN_STATUSES)}
    with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        cursor.execute(MOVE_BACK_SQL, params)
        return cursor.fetchone()


def email_copies_ask(*, tenants: str) -> int:
    """Every active member of the tenants asks for email copies of the follow-up alerts (and
    the last day's such alerts are forgotten); how many members."""
    from django.db import connections, transaction

    from messaging.models import StaffNotificationKind

    params = {"kind": StaffNotificationKind.FOLLOW_UP_DUE.value, "slugs": _slugs(tenants)}
    with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        cursor.execute(EMAIL_COPIES_SQL, params)
        members = cursor.rowcount
        cursor.execute(FORGET_ALERTS_SQL, params)
    return members


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    if args.email_copies:
        print(f"{email_copies_ask(tenants=args.tenants):,} members ask for email copies")
    follow_ups, tenants = move_back(hours=args.hours, tenants=args.tenants)
    print(f"moved {follow_ups:,} follow-ups of {tenants:,} tenants back {args.hours + 1} hours")


if __name__ == "__main__":
    main()
