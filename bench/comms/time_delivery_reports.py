"""Time the sandbox provider's delivery reports in this process: what each `sandbox_report` task
of the messages queue runs, without Celery around it.

    python bench/comms/time_delivery_reports.py --reports 2000 --rounds 3

Run it through `scripts/devenv.py run --` with DATABASE_URL naming a database where the sandbox
has sent emails (the sweeps' data set after `bench/sweeps/run.py` played a burst with copies: see
bench/README.md). It takes the --reports most recent emails the sandbox sent, and in a transaction
rolled back at the end (so every round starts from the same rows) sets them back to sent, then
hands each a "delivered" report and every other one an "opened" report, as the sandbox's tasks do
(`messaging.tasks.sandbox_report`: the route lookup, the recipient check and the status update of
the provider's webhook). It prints each round's seconds, milliseconds per report and statements
per report (one more than in a worker's task: inside the round's transaction the tenant's
context gives the setting back after each report), and the median round. To compare two commits, run a copy of it in a worktree of the
other (bench/README.md).
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
    parser.add_argument("--reports", type=int, default=2000, help="emails reported on (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each rolled back (3)")
    parser.add_argument("--database-url", help="URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


class Rollback(Exception):
    pass


def sent_emails(limit: int) -> list[tuple[str, str, int, int]]:
    """(provider id, address, tenant id, message id) of the most recent emails the sandbox sent,
    read across tenants on the owner connection (row-level security hides them from the app)."""
    from django.db import connections

    from messaging.models import OutboundMessage, ProviderMessageRoute

    routes, messages = ProviderMessageRoute._meta.db_table, OutboundMessage._meta.db_table
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            f"SELECT r.provider_message_id, m.to_address, m.tenant_id, m.id "  # noqa: S608  # nosec B608
            f"FROM {routes} r JOIN {messages} m ON m.id = r.message_id "
            "WHERE r.provider = 'sandbox' AND m.channel = 'email' AND m.sent_at IS NOT NULL "
            "ORDER BY r.id DESC LIMIT %s",
            [limit],
        )
        return cursor.fetchall()


def time_round(emails: list[tuple[str, str, int, int]]) -> tuple[float, int, int, dict]:
    """(seconds, reports, statements, outcomes) of one round, rolled back."""
    from django.db import connection, transaction

    from crm.models import Tenant
    from crm.tenancy import tenant_context
    from messaging import sandbox
    from messaging.models import MessageStatus, OutboundMessage
    from messaging.tasks import sandbox_report

    statements = [0]
    outcomes: dict[str, int] = {}

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    reports = [
        (provider_id, address, kind)
        for index, (provider_id, address, _, _) in enumerate(emails)
        for kind in ((sandbox.DELIVERED, sandbox.OPENED) if index % 2 else (sandbox.DELIVERED,))
    ]
    by_tenant: dict[int, list[int]] = {}
    for _, _, tenant_id, message_id in emails:
        by_tenant.setdefault(tenant_id, []).append(message_id)
    seconds = 0.0
    try:
        with transaction.atomic():
            # Back to sent, as the app would see them, in the transaction rolled back below.
            for tenant in Tenant.objects.filter(pk__in=by_tenant):
                with tenant_context(tenant):
                    OutboundMessage.objects.filter(
                        tenant=tenant, pk__in=by_tenant[tenant.pk]
                    ).update(status=MessageStatus.SENT, delivered_at=None, opened_at=None)
            with connection.execute_wrapper(count):
                started = time.perf_counter()
                for provider_id, address, kind in reports:
                    outcome = sandbox_report(
                        channel="email",
                        provider_message_id=provider_id,
                        to_address=address,
                        kind=kind,
                    )
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
                seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return seconds, len(reports), statements[0], outcomes


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    print(machine())
    emails = sent_emails(args.reports)
    if not emails:
        sys.exit("no emails sent by the sandbox here: play a burst with copies first")
    rounds = []
    for number in range(1, args.rounds + 1):
        seconds, reports, statements, outcomes = time_round(emails)
        rounds.append(seconds)
        print(
            f"round {number}: {reports} reports on {len(emails)} emails in {seconds:.2f} s, "
            f"{1000 * seconds / reports:.2f} ms and {statements / reports:.2f} statements "
            f"a report; {outcomes}"
        )
    median = statistics.median(rounds)
    print(f"median round: {median:.2f} s")


if __name__ == "__main__":
    main()
