"""Measure the reminder sweep: how long two Celery workers take to send N due follow-up reminders,
each exactly once.

    python bench/followups/reminder_sweep.py --reminders 100000

Run it through `scripts/devenv.py run --` so DATABASE_URL / REDIS_URL and the app role are set up
(see bench/README.md). It creates a tenant of its own (--tenant) with a team of reps, contacts and
N follow-ups with one reminder each (in the app, and every --email-every'th by email, which the
send hands to the outbox), starts two worker processes (`celery -A config worker --pool=prefork`, dev
settings with DEBUG off) that read a queue of their own, makes every reminder due at the same
moment and sweeps from this process with followups.tasks.dispatch_due_reminders, as beat does,
until every reminder is sent. It prints reminders per second from the first claim to the last
send and the p50/p95 of each reminder's wait (sent_at - remind_at), checks that every in-app
reminder rang exactly one bell and every email reminder wrote exactly one outbox row, stops the
workers and deletes the tenant.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.comms import outbox_throughput as outbox_bench  # noqa: E402  (after the path is set)
from bench.comms.outbox_throughput import (  # noqa: E402
    Worker,
    machine,
    percentile,
    stop,
    wait_until_ready,
)

QUEUE = "threadline-bench-reminders"
WORKERS = 2
REPS = 12
OFFSET_MINUTES = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=100_000, help="due reminders (100000)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="prefork processes per worker (1)"
    )
    parser.add_argument(
        "--email-every",
        type=int,
        default=5,
        help="every Nth reminder is an email (an outbox row), the rest in-app; 0: none (5)",
    )
    parser.add_argument(
        "--sweep-every",
        type=float,
        default=15.0,
        help="seconds between sweeps; beat's schedule is 15 (15.0)",
    )
    parser.add_argument("--tenant", default="bench-reminders", help="tenant slug")
    parser.add_argument("--timeout", type=float, default=7200, help="give up after (s)")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # as in production: no query log kept per task
    os.environ["COMMS_SANDBOX"] = "true"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


# --- Data -----------------------------------------------------------------------------------------


def create_tenant(slug: str, reminders: int, email_every: int):
    """The tenant, REPS reps, a fifth as many contacts as reminders, and one follow-up with one
    reminder per reminder, tomorrow (the run makes them due all at once)."""
    from django.db import transaction
    from django.utils import timezone

    from crm.models import Contact, Membership, Role, Tenant, User
    from crm.tenancy import tenant_context
    from followups.models import FollowUp, Reminder, Source
    from followups.services.followups import follow_up_type_get
    from messaging.services import policy

    tomorrow = timezone.now() + dt.timedelta(days=1)
    with transaction.atomic():
        tenant = Tenant.objects.create(
            slug=slug,
            name="Bench Reminders Roofing",
            time_zone="America/New_York",
            currency="USD",
            country="US",
            home_state="FL",
        )
        with tenant_context(tenant):
            policy.comms_settings_get(tenant=tenant)
            call = follow_up_type_get(tenant=tenant, key="call")
            reps = [
                Membership.objects.create(
                    tenant=tenant,
                    role=Role.REP,
                    user=User.objects.create_user(
                        email=f"rep{number:02d}@{slug}.bench.test",
                        password="threadline-bench",  # noqa: S106  (a bench login)
                        full_name=f"Rep {number:02d}",
                    ),
                )
                for number in range(1, REPS + 1)
            ]
            contacts = Contact.objects.bulk_create(
                (
                    Contact(tenant=tenant, first_name="Customer", last_name=f"{number:06d}")
                    for number in range(max(1, reminders // 5))
                ),
                batch_size=2000,
            )
            follow_ups = FollowUp.objects.bulk_create(
                (
                    FollowUp(
                        tenant=tenant,
                        subject=f"Call back about job {number}",
                        type=call,
                        scheduled_at=tomorrow,
                        assignee=reps[number % REPS],
                        contact=contacts[number % len(contacts)],
                        source=Source.MANUAL,
                    )
                    for number in range(reminders)
                ),
                batch_size=2000,
            )
            Reminder.objects.bulk_create(
                (
                    Reminder(
                        tenant=tenant,
                        follow_up=follow_up,
                        offset_minutes=OFFSET_MINUTES,
                        channel="email" if email_every and number % email_every == 0 else "in_app",
                        remind_at=tomorrow - dt.timedelta(minutes=OFFSET_MINUTES),
                    )
                    for number, follow_up in enumerate(follow_ups)
                ),
                batch_size=2000,
            )
    return tenant


def analyze() -> None:
    """Statistics as tables that have lived in production have them (autovacuum's ANALYZE)."""
    from django.db import connections

    tables = (
        "followups_reminder",
        "followups_followup",
        "crm_contact",
        "crm_notification",
        "comms_outboundmessage",
    )
    with connections["owner"].cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def delete_tenant(slug: str) -> None:
    from bench.leads.generate import Clock, reset_tenant

    reset_tenant(slug, Clock())


# --- Workers --------------------------------------------------------------------------------------


def start_worker(number: int, concurrency: int, logs: Path) -> Worker:
    return outbox_bench.start_worker(number, concurrency, logs, name="reminders", queue=QUEUE)


def purge_queue() -> None:
    outbox_bench.purge_queue(QUEUE)


# --- A run ----------------------------------------------------------------------------------------


@dataclass
class Result:
    reminders: int
    emails: int
    seconds: float
    wait_p50: float
    wait_p95: float
    sweeps: int
    largest_claim: int
    slowest_sweep_ms: float

    @property
    def per_second(self) -> float:
        return self.reminders / self.seconds


def sweep_until_sent(tenant, reminders: int, every: float, timeout: float, workers: list[Worker]):
    """Make every reminder due now and sweep until all are sent. Returns (first claim, sweeps)."""
    from django.utils import timezone

    from crm.tenancy import tenant_context
    from followups.models import FollowUp, Reminder, ReminderStatus
    from followups.tasks import dispatch_due_reminders

    now = timezone.now()
    with tenant_context(tenant):
        # The follow-ups an hour from now, so each reminder is due now (the send checks it).
        FollowUp.objects.filter(tenant=tenant).update(
            scheduled_at=now + dt.timedelta(minutes=OFFSET_MINUTES)
        )
        Reminder.objects.filter(tenant=tenant).update(remind_at=now)
    first_claim = timezone.now()
    started = time.monotonic()
    sweeps = []  # (rows claimed, milliseconds)
    next_sweep = started
    last_report = started
    while True:
        if time.monotonic() >= next_sweep:
            began = time.perf_counter()
            claimed = dispatch_due_reminders()
            sweeps.append((claimed, (time.perf_counter() - began) * 1000))
            next_sweep += every
        with tenant_context(tenant):
            sent = Reminder.objects.filter(tenant=tenant, status=ReminderStatus.SENT).count()
        if sent == reminders:
            return first_claim, sweeps
        if time.monotonic() - last_report >= 60:
            last_report = time.monotonic()
            print(f"  {sent:,} sent after {last_report - started:.0f} s", flush=True)
        for worker in workers:
            if worker.process.poll() is not None:
                raise SystemExit(f"{worker.node} exited:\n{worker.log.read_text()[-3000:]}")
        if time.monotonic() - started > timeout:
            raise SystemExit(f"Only {sent:,} of {reminders:,} sent after {timeout:.0f} s")
        time.sleep(min(1.0, max(0.0, next_sweep - time.monotonic())))


def measure(tenant, reminders: int, first_claim, sweeps) -> Result:
    from django.db.models import Count

    from crm.models import Notification
    from crm.tenancy import tenant_context
    from followups.models import Reminder
    from messaging.models import OutboundMessage

    with tenant_context(tenant):
        times = list(Reminder.objects.filter(tenant=tenant).values_list("remind_at", "sent_at"))
        in_app = Reminder.objects.filter(tenant=tenant, channel="in_app").count()
        emails = reminders - in_app
        bells = Notification.objects.filter(tenant=tenant, kind="follow_up_due")
        rang = bells.count()
        rang_twice = bells.values("url").annotate(times=Count("id")).filter(times__gt=1).count()
        written = OutboundMessage.objects.filter(
            tenant=tenant, idempotency_key__startswith="reminder:"
        ).count()
    if rang != in_app or rang_twice or written != emails:
        raise SystemExit(
            f"Not exactly once: {rang:,} bells for {in_app:,} in-app reminders ({rang_twice} "
            f"twice), {written:,} outbox rows for {emails:,} email reminders"
        )
    waits = [(sent_at - remind_at).total_seconds() for remind_at, sent_at in times]
    last_sent = max(sent_at for _remind_at, sent_at in times)
    return Result(
        reminders=reminders,
        emails=emails,
        seconds=(last_sent - first_claim).total_seconds(),
        wait_p50=percentile(waits, 0.50),
        wait_p95=percentile(waits, 0.95),
        sweeps=len(sweeps),
        largest_claim=max(claimed for claimed, _ms in sweeps),
        slowest_sweep_ms=max(ms for _claimed, ms in sweeps),
    )


def run(args, logs: Path) -> Result:
    from config.celery import app
    from crm.models import Tenant

    # Only this run's workers take its send tasks (a dev worker on the same Redis reads "celery").
    app.conf.task_routes = {"followups.tasks.send_reminder": {"queue": QUEUE}}
    if Tenant.objects.filter(slug=args.tenant).exists():
        delete_tenant(args.tenant)  # left behind by an interrupted run
    print(f"creating {args.reminders:,} follow-ups with a reminder each", flush=True)
    began = time.perf_counter()
    tenant = create_tenant(args.tenant, args.reminders, args.email_every)
    print(f"  created in {time.perf_counter() - began:.0f} s", flush=True)
    workers = []
    try:
        analyze()
        purge_queue()
        workers = [start_worker(n, args.concurrency, logs) for n in range(1, WORKERS + 1)]
        wait_until_ready(workers)
        print(f"{WORKERS} workers x concurrency {args.concurrency}: sweeping", flush=True)
        first_claim, sweeps = sweep_until_sent(
            tenant, args.reminders, args.sweep_every, args.timeout, workers
        )
        result = measure(tenant, args.reminders, first_claim, sweeps)
    finally:
        stop(workers)
        purge_queue()
        delete_tenant(args.tenant)
    return result


def main() -> None:
    args = parse_args()
    if not 1 <= args.reminders <= 1_000_000:
        raise SystemExit("--reminders must be between 1 and 1,000,000.")
    setup_django(args.database_url)
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="reminder-bench-") as logs:
        result = run(args, Path(logs))
    print(
        f"  {result.reminders:,} sent in {result.seconds:.1f} s: {result.per_second:.1f} "
        f"reminders/s; wait p50 {result.wait_p50:.1f} s, p95 {result.wait_p95:.1f} s; "
        f"{result.sweeps} sweeps, largest claim {result.largest_claim:,}, slowest sweep "
        f"{result.slowest_sweep_ms:.0f} ms; each exactly once",
        flush=True,
    )
    print()
    print(
        "| workers x processes | reminders (email) | first claim to last send | reminders/s "
        "| wait p50 | wait p95 | sweeps | largest claim | slowest sweep |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {WORKERS} x {args.concurrency} | {result.reminders:,} ({result.emails:,}) "
        f"| {result.seconds:.1f} s | {result.per_second:.1f} | {result.wait_p50:.1f} s "
        f"| {result.wait_p95:.1f} s | {result.sweeps} | {result.largest_claim:,} "
        f"| {result.slowest_sweep_ms:.0f} ms |"
    )


if __name__ == "__main__":
    main()
