"""Run beat's sweeps over every tenant of the database with real workers, and report per sweep
whether each round finished within its interval.

    python bench/sweeps/run.py --minutes 5

Run it through `scripts/devenv.py run --` with DATABASE_URL naming the database bench/sweeps/setup.py
filled (see bench/README.md) and REDIS_URL a Redis database of its own (its default queue is
used). It starts the workers as production runs them (docs/operations/index.md, "Queues"): two of the
default queue (`celery -A config worker -Q celery --pool=prefork --concurrency=1`) and one of the
messages queue (`-Q messages`; `--messages-workers 0`: none, and the two read both queues, the
one-worker set-up), dev settings with DEBUG off, the sandbox provider on, bench/sweeps/probe.py
loaded, then plays beat itself for --minutes: every entry of CELERY_BEAT_SCHEDULE is sent when
its schedule says it is due (Celery's ScheduleEntry, as a beat started with the run: each entry at
the fixed times of the clock crm.schedules.every gives it, the hourly and daily ones at their own
minutes past the hour, so only those whose minute falls within the run are sent), with its beat
options (the expiry). Each beat message is one round: its fan-out task sends one task per tenant.
After the last beat it waits until the workers are idle, then prints a Markdown table per sweep:
the interval, rounds, tenant tasks run, follow-up tasks (a tenant's next batches), the wall time
of a round (the beat message sent to the last tenant task finished; median and slowest), the
slowest tenant task, tasks expired, skipped (the previous run still going) and failed, and how
many rounds overran their interval.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.comms.outbox_throughput import (  # noqa: E402  (after the path is set)
    percentile,
    start_worker,
    stop,
    wait_until_ready,
)

WORKERS = 2  # of the default queue
PROBE = "bench.sweeps.probe"
EVENTS = "bench:sweeps:events"
RAW: list[dict] = []  # every event read, written next to the worker logs
SCHEDULE_KEYS = ("task", "schedule", "options")  # what a CELERY_BEAT_SCHEDULE entry holds
# The sandbox provider's delivery reports (messaging/sandbox.py) come seconds after a send on
# purpose, as a provider's webhooks do: not the work of the round whose send queued them.
NOT_THE_ROUNDS = frozenset({"messaging.tasks.sandbox_report"})


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5, help="how long beat plays (5)")
    parser.add_argument("--only", nargs="*", default=[], help="sweeps whose task name has a word")
    parser.add_argument("--skip", nargs="*", default=[], help="sweeps whose task name has a word")
    parser.add_argument("--drain", type=float, default=900, help="most seconds to wait at the end")
    parser.add_argument("--concurrency", type=int, default=1, help="processes per worker (1)")
    parser.add_argument(
        "--messages-workers",
        type=int,
        default=1,
        help="workers of the messages queue (1; 0: the others read both queues)",
    )
    parser.add_argument(
        "--digests-due",
        action="store_true",
        help="every tenant's digest hour set to the hour its clock is in, today's digests "
        "forgotten: the run plays the digest hour (start it at the top of an hour)",
    )
    parser.add_argument(
        "--replies-every",
        type=float,
        default=0,
        help="seconds between a rep's reply scheduled in the next small tenant, each timed from "
        "due to sent (0: none)",
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # as in production: no query log kept per task
    os.environ["COMMS_SANDBOX"] = "true"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["BENCH_SWEEPS_EVENTS"] = EVENTS
    os.environ["PYTHONPATH"] = str(ROOT)
    import django

    django.setup()


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores, {version}, load average {load} at the start, commit {commit}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def tenants_line() -> str:
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*), max(n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n), sum(n) "
            "FROM (SELECT t.id, count(l.id) n FROM crm_tenant t "
            "LEFT JOIN leads_lead l ON l.tenant_id = t.id GROUP BY t.id) x"
        )
        tenants, most, median, total = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM (SELECT tenant_id FROM leads_lead GROUP BY tenant_id "
            "HAVING count(*) >= 1000000) x"
        )
        big = cursor.fetchone()[0]
    return (
        f"{tenants:,} tenants, {total:,} leads: {big} of a million or more (largest {most:,}), "
        f"median {median:,}"
    )


def digests_due_now() -> str:
    """Every tenant's team digest hour (followups' settings row) set to the hour its own clock is
    in now, and the digests of today forgotten, so this run is the digest hour: each team's
    members come due at the team's minute past it (crm.models.digest_minute). Started at the top
    of an hour, the run sees the burst from its start, as a thousand teams with one hour do."""
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "INSERT INTO followups_followupsettings "
            "(tenant_id, neglect_after_days, manager_alert_after_days, digest_hour) "
            "SELECT id, %s, %s, extract(hour FROM now() AT TIME ZONE time_zone) FROM crm_tenant "
            "ON CONFLICT (tenant_id) DO UPDATE SET digest_hour = excluded.digest_hour",
            [_default("neglect_after_days"), _default("manager_alert_after_days")],
        )
        tenants = cursor.rowcount
        cursor.execute("DELETE FROM followups_digestsent WHERE day >= current_date - 1")
        forgotten = cursor.rowcount
        # Their emails' keys too, or the outbox would take a digest again as the one it has.
        cursor.execute(
            "UPDATE comms_outboundmessage SET idempotency_key = idempotency_key || ':before-' || id "
            "WHERE idempotency_key LIKE 'digest:%%' AND created_at >= now() - interval '2 days'"
        )
    return (
        f"digest hour: every tenant's set to the hour its clock is in ({tenants:,} tenants), "
        f"{forgotten:,} digests of today forgotten, members' own hours kept"
    )


def _default(field: str) -> int:
    from followups.models import FollowUpSettings

    return FollowUpSettings._meta.get_field(field).default


# --- Workers --------------------------------------------------------------------------------------


def queue_keys(queue: str) -> list[str]:
    """The Redis lists of a queue: kombu keeps one per priority step (0 is the queue itself)."""
    return [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]


def all_queue_keys() -> list[str]:
    from django.conf import settings

    names = (settings.CELERY_TASK_DEFAULT_QUEUE, settings.THREADLINE_MESSAGES_QUEUE)
    return [key for name in names for key in queue_keys(name)]


def queued(redis_client) -> int:
    return sum(redis_client.llen(key) for key in all_queue_keys())


def start_workers(concurrency: int, messages_workers: int, logs: Path) -> list:
    """WORKERS of the default queue and `messages_workers` of the messages queue, as production
    runs them; without the latter, the WORKERS read both (a worker without -Q)."""
    from django.conf import settings

    default = settings.CELERY_TASK_DEFAULT_QUEUE if messages_workers else None
    workers = [
        start_worker(n, concurrency, logs, name="sweeps", queue=default, include=PROBE)
        for n in range(1, WORKERS + 1)
    ]
    workers += [
        start_worker(
            n,
            concurrency,
            logs,
            name="sweeps-messages",
            queue=settings.THREADLINE_MESSAGES_QUEUE,
            include=PROBE,
        )
        for n in range(WORKERS + 1, WORKERS + 1 + messages_workers)
    ]
    return workers


# --- Beat, played ---------------------------------------------------------------------------------


@dataclass
class Round:
    sweep: str
    sent: float
    fan_out: dict | None = None
    children: list[dict] = field(default_factory=list)
    # A tenant's next batches (crm.tenancy.sweeps.More): tasks its own tenant task queued.
    followups: list[dict] = field(default_factory=list)


class Replies:
    """A rep's reply to a customer every `every` seconds, each in the next of the small tenants
    (a contact with an email address), scheduled as the app does (outbox.message_schedule, due
    at once): what a customer waits for while the sweeps and the digests run. The report reads
    each one's wait, due to sent."""

    KEY = "bench-sweeps-reply"

    def __init__(self, every: float):
        from django.db import connections

        self.every = every
        self.next_at = time.time()
        self.sent = 0
        with connections["owner"].cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT ON (e.tenant_id) e.tenant_id, e.contact_id FROM crm_contactemail e "
                "JOIN crm_tenant t ON t.id = e.tenant_id WHERE t.slug LIKE 'sweeps-small-%%' "
                "ORDER BY e.tenant_id, e.contact_id"
            )
            self.targets = cursor.fetchall()
            # Those of an earlier run, so the report reads this run's only.
            cursor.execute(
                "UPDATE comms_outboundmessage SET idempotency_key = idempotency_key || ':done' "
                "WHERE idempotency_key LIKE %s AND idempotency_key NOT LIKE '%%:done'",
                [f"{self.KEY}-%"],
            )

    def schedule_due(self) -> None:
        from crm.models import Contact, Tenant
        from crm.tenancy import tenant_context
        from messaging.models import MessageChannel, MessageSource
        from messaging.services import outbox

        if time.time() < self.next_at or not self.targets:
            return
        self.next_at += self.every
        tenant_id, contact_id = self.targets[self.sent % len(self.targets)]
        self.sent += 1
        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_context(tenant):
            outbox.message_schedule(
                tenant=tenant,
                channel=MessageChannel.EMAIL,
                source=MessageSource.MANUAL,
                idempotency_key=f"{self.KEY}-{uuid.uuid4()}",
                contact=Contact.objects.get(pk=contact_id),
                subject="Re: your roof",
                body_text="Thanks, the crew will be there at 8 tomorrow.",
            )

    def report(self) -> None:
        from django.db import connections

        with connections["owner"].cursor() as cursor:
            cursor.execute(
                "SELECT extract(epoch FROM sent_at - send_after)::float FROM "
                "comms_outboundmessage WHERE idempotency_key LIKE %s "
                "AND idempotency_key NOT LIKE '%%:done'",
                [f"{self.KEY}-%"],
            )
            waits = [row[0] for row in cursor.fetchall()]
        gone = sorted(wait for wait in waits if wait is not None)
        if not gone:
            print(f"\nreplies: {self.sent} scheduled, none sent")
            return
        p95 = percentile(gone, 0.95) if len(gone) > 1 else gone[0]
        print(
            f"\nreplies (a rep's reply every {self.every:g} s, due to sent): {self.sent} scheduled, "
            f"{len(gone)} sent, {len(waits) - len(gone)} not; wait p50 "
            f"{statistics.median(gone):.1f} s, p95 {p95:.1f} s, max {gone[-1]:.1f} s"
        )


def play_beat(
    schedule: dict[str, dict], minutes: float, replies: "Replies | None" = None
) -> dict[str, Round]:
    """Send each entry's task when its schedule says it is due, with its beat options, for
    `minutes`, as beat started now does: Celery's own ScheduleEntry asked `is_due()` (the
    entries' crm.schedules.every: due at fixed times of the clock, each at its offset). With
    `replies`, a rep's reply is scheduled whenever the next is due."""
    from celery.beat import ScheduleEntry

    from config.celery import app

    rounds: dict[str, Round] = {}
    start = time.time()
    entries = [
        ScheduleEntry(name=name, app=app, **{key: entry[key] for key in SCHEDULE_KEYS})
        for name, entry in schedule.items()
    ]
    while time.time() < start + minutes * 60:
        for index, entry in enumerate(entries):
            if entry.is_due().is_due:
                task_id = str(uuid.uuid4())
                rounds[task_id] = Round(entry.task, time.time())
                app.send_task(entry.task, task_id=task_id, **entry.options)
                entries[index] = entry.next()
        if replies is not None:
            replies.schedule_due()
        time.sleep(0.2)
    return rounds


def due_in_run(schedule: dict[str, dict], minutes: float) -> str:
    """When each entry not due every few minutes is next due, and whether within the run."""
    from django.utils import timezone

    now = timezone.now()
    lines = []
    for entry in schedule.values():
        every = entry["schedule"]
        if every.run_every.total_seconds() <= 300:
            continue
        due = every.due_after(now)
        inside = (due - now).total_seconds() < minutes * 60
        lines.append(
            f"{entry['task'].rsplit('.', 1)[-1]} {due:%H:%M}{' (in this run)' if inside else ''}"
        )
    return "next due (UTC): " + ", ".join(lines)


def drain(redis_client, rounds: dict[str, Round], most: float) -> None:
    """Wait until the queue is empty and every fan-out's tenant tasks have reported."""
    deadline = time.time() + most
    while time.time() < deadline:
        collect(redis_client, rounds)
        expected = sum((r.fan_out or {}).get("result") or 0 for r in rounds.values())
        reported = sum(c.get("tenants", 1) for r in rounds.values() for c in r.children)
        fanned = all(r.fan_out is not None for r in rounds.values())
        if fanned and reported >= expected and queued(redis_client) == 0:
            return
        time.sleep(1)
    print(f"(gave up waiting after {most:.0f} s)")


def collect(redis_client, rounds: dict[str, Round]) -> None:
    while raw := redis_client.lpop(EVENTS):
        event = json.loads(raw)
        RAW.append(event)
        if event["id"] in rounds:
            rounds[event["id"]].fan_out = event
        elif event["parent"] in rounds:
            rounds[event["parent"]].children.append(event)
        elif event.get("root") in rounds and event["task"] not in NOT_THE_ROUNDS:
            rounds[event["root"]].followups.append(event)


# --- The report -----------------------------------------------------------------------------------


def report(entries: list[tuple[str, float]], rounds: dict[str, Round]) -> None:
    from crm.models import Tenant

    slugs = dict(Tenant.objects.values_list("pk", "slug"))
    by_sweep: dict[str, list[Round]] = defaultdict(list)
    for one in rounds.values():
        by_sweep[one.sweep].append(one)
    print(
        "| sweep | interval | rounds | tenant tasks run | follow-up tasks | round wall p50 "
        "| round wall max | slowest tenant task | expired | skipped | failed | not run at the end "
        "| rounds over interval |"
    )
    print(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
    )
    notes = []
    for task, every in sorted(entries, key=lambda e: (e[1], e[0])):
        played = by_sweep.get(task, [])
        walls, over = [], 0
        run = followups = expired = skipped = failed = unfinished = 0
        slowest = (0.0, "")
        for one in played:
            outcomes = defaultdict(int)
            passed_on = [e for e in one.followups if e["task"].endswith(".sweep_tenants")]
            for child in one.children + passed_on:
                summary = child["result"] if isinstance(child["result"], dict) else None
                if summary:  # a chunk of tenants (crm.tenancy.sweeps.sweep_tenants)
                    outcomes["success"] += summary["tenants"]
                    outcomes["skipped"] += summary["skipped"]
                    outcomes["failure"] += summary["failed"]
                    tenant, seconds = summary["slowest"]
                    if tenant and seconds > slowest[0]:
                        slowest = (seconds, slugs.get(tenant, str(tenant)))
                    continue
                outcomes[child["outcome"]] += child.get("tenants", 1)
                if child["start"] is not None and child["tenant"] is not None:
                    seconds = child["end"] - child["start"]
                    if seconds > slowest[0]:
                        slowest = (seconds, slugs.get(child["tenant"], str(child["tenant"])))
            for task_event in one.followups:
                if task_event in passed_on:
                    continue  # counted with the round's chunks above
                if task_event["outcome"] == "expired":
                    outcomes["followup-expired"] += 1
                    continue
                followups += 1
                if task_event["start"] is not None and task_event["tenant"] is not None:
                    seconds = task_event["end"] - task_event["start"]
                    if seconds > slowest[0]:
                        slowest = (seconds, slugs.get(task_event["tenant"], ""))
            fan_out = one.fan_out or {}
            if fan_out.get("outcome") == "expired":
                expired += 1
            ends = [c["end"] for c in one.children + one.followups] or [
                fan_out.get("end", one.sent)
            ]
            wall = max(ends) - one.sent
            walls.append(wall)
            sent = fan_out.get("result") or 0
            followup_expired = outcomes.pop("followup-expired", 0)
            missing = sent - sum(outcomes.values()) if fan_out.get("task") else 0
            expired_now = outcomes["expired"] + followup_expired
            if wall > every or expired_now or missing > 0 or not fan_out:
                over += 1
            run += outcomes["success"]
            expired += expired_now
            skipped += outcomes["skipped"]
            failed += outcomes["failure"]
            unfinished += max(missing, 0)
        name = task.rsplit(".", 1)[-1]
        if any(not _is_sweep_task(e) for one in played for e in one.followups):
            notes.append(_without_sends(name, every, played))
        p50 = f"{statistics.median(walls):.1f} s" if walls else "–"
        top = f"{max(walls):.1f} s" if walls else "–"
        slow = f"{slowest[0]:.2f} s ({slowest[1]})" if slowest[1] else "–"
        print(
            f"| {name} | {every:g} s | {len(played)} | {run:,} | {followups:,} | {p50} | {top} "
            f"| {slow} "
            f"| {expired} | {skipped} | {failed} | {unfinished} | {over} |"
        )
    for note in notes:
        print(note)


def _is_sweep_task(event: dict) -> bool:
    return event["task"].startswith("crm.tenancy.sweeps.sweep_tenant")


def _without_sends(name: str, every: float, played: list[Round]) -> str:
    """A claim sweep's rounds without the sends its claims queued (their tenant tasks and next
    batches only): whether the claims themselves kept their interval."""
    walls = []
    for one in played:
        ends = [e["end"] for e in one.children + one.followups if _is_sweep_task(e)]
        walls.append(max(ends or [(one.fan_out or {}).get("end", one.sent)]) - one.sent)
    over = sum(wall > every for wall in walls)
    return (
        f"\n{name} without the sends its claims queued: round wall p50 "
        f"{statistics.median(walls):.1f} s, max {max(walls):.1f} s, over {every:g} s in {over} "
        f"of {len(walls)} rounds"
    )


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    schedule = {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if (not args.only or any(word in entry["task"] for word in args.only))
        and not any(word in entry["task"] for word in args.skip)
    }
    entries = [
        (entry["task"], entry["schedule"].run_every.total_seconds()) for entry in schedule.values()
    ]
    print(machine())
    print(tenants_line())
    shape = (
        f"{WORKERS} workers of the default queue and {args.messages_workers} of the messages queue"
        if args.messages_workers
        else f"{WORKERS} workers of both queues"
    )
    print(f"{shape}, each of concurrency {args.concurrency}, beat played {args.minutes:g} min")
    if args.digests_due:
        print(digests_due_now())
    print(due_in_run(schedule, args.minutes))
    print()
    client.delete(EVENTS)
    client.delete(*all_queue_keys())
    logs = Path(tempfile.mkdtemp(prefix="bench-sweeps-"))
    workers = start_workers(args.concurrency, args.messages_workers, logs)
    try:
        wait_until_ready(workers)
        replies = Replies(args.replies_every) if args.replies_every else None
        rounds = play_beat(schedule, args.minutes, replies)
        drain(client, rounds, args.drain)
    finally:
        stop(workers)
    report(entries, rounds)
    if replies is not None:
        replies.report()
    sent = [{"id": key, "sweep": one.sweep, "sent": one.sent} for key, one in rounds.items()]
    (logs / "events.json").write_text(json.dumps({"rounds": sent, "events": RAW}))
    print(f"\nworker logs and events: {logs}")


if __name__ == "__main__":
    main()
