"""How long a message someone is waiting on (a rep's reply) waits while a burst of bulk messages
(the digest hour's digests) is sent.

    python bench/comms/outbox_priority.py --tenants 20 --per-tenant 250 --runs 2

Run it through `scripts/devenv.py run --` with DATABASE_URL naming a database of its own, migrated
and otherwise empty (the outbox's fan-out visits every tenant with due rows), and REDIS_URL a
Redis database of its own (see bench/README.md).

The burst: --tenants tenants, each with --per-tenant emails to a member of staff with their
wording written, due at the same moment, as a thousand teams' digests fall due in the digest
hour. While it drains, one more tenant schedules a rep's reply every --every seconds
(outbox.message_schedule, due at once). Two workers of the messages queue as production runs them
(`celery -A config worker -Q messages --pool=prefork --concurrency=1`, dev settings with DEBUG
off, the sandbox provider on); the script plays beat, sending the outbox's fan-out every 5 s.

Each run plays the burst twice, in turn: its rows as digests (`bulk`: claimed after the others,
their sends queued behind theirs, settings.THREADLINE_BULK_SENDS_PRIORITY) and as staff
notifications (`alike`: as the digests were sent before they had a source of their own, every
send in the order the claims took them). Prints, per run and mode: the burst's time from due to
its last send and its rows a second, and the replies' waits (sent_at - send_after) p50, p95 and
max. Tenants are made for each run and deleted after it.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.comms.outbox_throughput import (  # noqa: E402  (after the path is set)
    analyze,
    create_tenant,
    delete_tenant,
    machine,
    percentile,
    purge_queue,
    setup_django,
    start_worker,
    stop,
    wait_until_ready,
)

WORKERS = 2
BEAT_EVERY = 5.0  # the outbox's beat entry (config/settings/base.py)
MODES = ("bulk", "alike")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=20, help="tenants in the burst (20)")
    parser.add_argument("--per-tenant", type=int, default=250, help="messages each (250)")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between replies (1)")
    parser.add_argument("--runs", type=int, default=2, help="runs of both modes, alternating (2)")
    parser.add_argument("--timeout", type=float, default=900, help="give up a mode after (s)")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def owner_rows(sql: str, params: list) -> list[tuple]:
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def burst_to_staff(tenant_ids: list[int], user) -> None:
    """The burst's rows to a member of staff instead of their contacts, as a digest goes: the
    policy then reads only the business's quiet hours, whichever the source."""
    owner_rows(
        "UPDATE comms_outboundmessage SET recipient_user_id = %s, contact_id = NULL, "
        "to_address = %s WHERE tenant_id = ANY(%s)",
        [user.pk, user.email, tenant_ids],
    )


def make_burst_due(tenant_ids: list[int], source: str) -> None:
    """Every burst row due now, as `source` (the rows were made due tomorrow)."""
    owner_rows(
        "UPDATE comms_outboundmessage SET source = %s, send_after = now() "
        "WHERE tenant_id = ANY(%s)",
        [source, tenant_ids],
    )


def sent_count(tenant_ids: list[int]) -> int:
    [(sent,)] = owner_rows(
        "SELECT count(sent_at) FROM comms_outboundmessage WHERE tenant_id = ANY(%s)", [tenant_ids]
    )
    return sent


def schedule_reply(tenant, contact, number: int) -> None:
    from crm.tenancy import tenant_context
    from messaging.models import MessageChannel, MessageSource
    from messaging.services import outbox

    with tenant_context(tenant):
        outbox.message_schedule(
            tenant=tenant,
            channel=MessageChannel.EMAIL,
            source=MessageSource.MANUAL,
            idempotency_key=f"reply-{number}",
            contact=contact,
            subject=f"Re: your roof ({number})",
            body_text="Thanks, we will be there at 8 tomorrow.",
        )


def play(burst: list[int], replier, contact, args, workers) -> None:
    """Beat every 5 s, a reply every --every s while the burst drains, until everything is sent."""
    from messaging.tasks import dispatch_due_messages

    burst_total = len(burst) * args.per_tenant
    started = time.monotonic()
    next_beat = next_reply = started
    replies = 0
    while True:
        now = time.monotonic()
        if now >= next_beat:
            dispatch_due_messages.apply_async()  # as beat sends it: the router queues it
            next_beat += BEAT_EVERY
        burst_sent = sent_count(burst)
        if now >= next_reply and burst_sent < burst_total:
            replies += 1
            schedule_reply(replier, contact, replies)
            next_reply += args.every
        if burst_sent == burst_total and sent_count([replier.pk]) == replies:
            return
        for worker in workers:
            if worker.process.poll() is not None:
                raise SystemExit(f"{worker.node} exited:\n{worker.log.read_text()[-3000:]}")
        if now - started > args.timeout:
            raise SystemExit(f"Not sent after {args.timeout:.0f} s: {burst_sent:,} of the burst")
        time.sleep(min(0.2, max(0.0, min(next_beat, next_reply) - time.monotonic())))


def measure(burst: list[int], replier_id: int) -> dict:
    [(due, last, rows)] = owner_rows(
        "SELECT min(send_after), max(sent_at), count(*) FROM comms_outboundmessage "
        "WHERE tenant_id = ANY(%s) AND idempotency_key LIKE 'bench-%%'",
        [burst],
    )
    waits = [
        row[0]
        for row in owner_rows(
            "SELECT extract(epoch FROM sent_at - send_after)::float FROM comms_outboundmessage "
            "WHERE tenant_id = %s AND idempotency_key LIKE 'reply-%%'",
            [replier_id],
        )
    ]
    seconds = (last - due).total_seconds()
    return {
        "burst": rows,
        "seconds": seconds,
        "per_second": rows / seconds,
        "replies": len(waits),
        "p50": statistics.median(waits),
        "p95": percentile(waits, 0.95) if len(waits) > 1 else waits[0],
        "max": max(waits),
    }


def run_mode(args, mode: str, run: int, logs: Path) -> dict:
    from django.conf import settings

    from crm.models import Contact, User
    from crm.tenancy import tenant_context
    from messaging.models import MessageSource

    # `alike`: a staff notification, as the digests were sent before they had a source of their own.
    source = MessageSource.DIGEST if mode == "bulk" else MessageSource.STAFF
    slugs = [f"bench-burst-{run}-{mode}-{n:02d}" for n in range(args.tenants)]
    replier_slug = f"bench-replier-{run}-{mode}"
    for slug in [*slugs, replier_slug]:
        delete_tenant(slug)  # left behind by an interrupted run
    burst = [create_tenant(slug, args.per_tenant).pk for slug in slugs]
    manager, _new = User.objects.get_or_create(email="manager@bench-burst.test")
    burst_to_staff(burst, manager)
    replier = create_tenant(replier_slug, 1)
    owner_rows("DELETE FROM comms_outboundmessage WHERE tenant_id = %s", [replier.pk])
    with tenant_context(replier):
        contact = Contact.objects.filter(tenant=replier).get()
    analyze()
    queue = settings.THREADLINE_MESSAGES_QUEUE
    workers = []
    try:
        purge_queue(queue)
        workers = [
            start_worker(n, 1, logs, name=f"priority-{mode}", queue=queue)
            for n in range(1, WORKERS + 1)
        ]
        wait_until_ready(workers)
        make_burst_due(burst, source)
        play(burst, replier, contact, args, workers)
        result = measure(burst, replier.pk)
    finally:
        stop(workers)
        purge_queue(queue)
        purge_queue(settings.CELERY_TASK_DEFAULT_QUEUE)  # the sandbox's delivery reports
        for slug in [*slugs, replier_slug]:
            delete_tenant(slug)
    print(
        f"  run {run} {mode}: {result['burst']:,} sent in {result['seconds']:.1f} s "
        f"({result['per_second']:.1f} rows/s); {result['replies']} replies waited p50 "
        f"{result['p50']:.1f} s, p95 {result['p95']:.1f} s, max {result['max']:.1f} s",
        flush=True,
    )
    return {"run": run, "mode": mode, **result}


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    print(machine(), flush=True)
    print(
        f"{args.tenants} tenants x {args.per_tenant} messages due at once; a reply every "
        f"{args.every:g} s; {WORKERS} workers of the messages queue, one process each",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="outbox-priority-") as logs:
        for run in range(1, args.runs + 1):
            order = MODES if run % 2 else tuple(reversed(MODES))
            for mode in order:
                results.append(run_mode(args, mode, run, Path(logs)))
    print()
    print("| run | burst as | burst sent in | rows/s | replies | reply wait p50 | p95 | max |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['run']} | {r['mode']} | {r['seconds']:.1f} s | {r['per_second']:.1f} "
            f"| {r['replies']} | {r['p50']:.1f} s | {r['p95']:.1f} s | {r['max']:.1f} s |"
        )


if __name__ == "__main__":
    main()
