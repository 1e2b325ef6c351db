"""Measure how many due outbox rows two Celery workers send per second through the sandbox
provider, and how long each message waits.

    python bench/comms/outbox_throughput.py --messages 5000 --concurrency 1 2

Run it through `scripts/devenv.py run --` so DATABASE_URL / REDIS_URL and the app role are set up
(see bench/README.md). For each --concurrency it creates a tenant of its own (--tenant) with
contacts and N outbox rows that carry their finished subject and bodies (no template to render),
starts two worker processes (`celery -A config worker --pool=prefork`, dev settings with DEBUG off
and the sandbox provider on) that read a queue of their own, makes every row due at the same
moment and runs the step of comms.tasks.dispatch_due_messages for the tenant from this process
(what the sweep's task for the tenant runs) every --sweep-every seconds, as beat does, until every
row is sent. It prints rows per second from the first claim to the last send and the p50/p95 of
each message's wait (sent_at - send_after), checks that every message has exactly one sandbox
delivery, stops the workers and deletes the tenant.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "threadline-bench-outbox"
WORKERS = 2
BODY_TEXT = (
    "Hello {name},\n\nthis is an update about the roof at your property: the crew has finished "
    "the tear-off and the new underlayment is down. Shingles go on tomorrow from 8 am, weather "
    "permitting; we will text you if the forecast changes. The dumpster leaves on Friday.\n\n"
    "Questions? Reply to this email or call the office.\n\nThe Bench Outbox Roofing team"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="due rows per run (5000)")
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[1, 2],
        help="prefork processes per worker; one run for each value (1 2)",
    )
    parser.add_argument(
        "--sweep-every",
        type=float,
        default=5.0,
        help="seconds between sweeps; beat's schedule is 5 (5.0)",
    )
    parser.add_argument("--tenant", default="bench-outbox", help="tenant slug (bench-outbox)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up a run after (s)")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # as in production: no query log kept per task
    os.environ["COMMS_SANDBOX"] = "true"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    describe = ["git", "describe", "--always", "--dirty"]  # read-only, fixed arguments
    commit = subprocess.run(describe, cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: S603
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, {version}, shared_buffers {buffers}; "
        f"commit {commit or 'unknown'}; load average before the run {load}"
    )


# --- Data -----------------------------------------------------------------------------------------


def create_tenant(slug: str, messages: int):
    """The tenant, a fifth as many contacts (each with an email) as messages, and the messages:
    scheduled, finished wording, due tomorrow (the run makes them due all at once)."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from crm.models import Contact, ContactEmail, Tenant
    from crm.tenancy import tenant_context
    from messaging.models import (
        MessageChannel,
        MessageSource,
        MessageStatus,
        OutboundMessage,
        Purpose,
    )
    from messaging.services import policy

    now = timezone.now()
    with transaction.atomic():
        tenant = Tenant.objects.create(
            slug=slug,
            name="Bench Outbox Roofing",
            time_zone="America/New_York",
            currency="USD",
            country="US",
            home_state="FL",
        )
        with tenant_context(tenant):
            policy.comms_settings_get(tenant=tenant)
            contacts = Contact.objects.bulk_create(
                Contact(tenant=tenant, first_name="Customer", last_name=f"{number:05d}")
                for number in range(max(1, messages // 5))
            )
            ContactEmail.objects.bulk_create(
                ContactEmail(
                    tenant=tenant,
                    contact=contact,
                    email=f"customer{contact.pk}@example.org",
                    is_primary=True,
                )
                for contact in contacts
            )
            decisions = [{"at": now.isoformat(), "decision": "scheduled", "reason": "Scheduled"}]
            rows = []
            for number in range(messages):
                contact = contacts[number % len(contacts)]
                text = BODY_TEXT.format(name=f"Customer {contact.last_name}")
                rows.append(
                    OutboundMessage(
                        tenant=tenant,
                        idempotency_key=f"bench-{number}",
                        channel=MessageChannel.EMAIL,
                        source=MessageSource.MANUAL,
                        purpose=Purpose.TRANSACTIONAL,
                        status=MessageStatus.SCHEDULED,
                        send_after=now + dt.timedelta(days=1),
                        contact=contact,
                        to_address=f"customer{contact.pk}@example.org",
                        from_address="Bench Outbox Roofing <hello@bench-outbox.test>",
                        subject=f"Your roof: shingles go on tomorrow (job {number})",
                        body_text=text,
                        body_html="".join(f"<p>{part}</p>" for part in text.split("\n\n")),
                        decisions=decisions,
                    )
                )
            OutboundMessage.objects.bulk_create(rows, batch_size=1000)
    return tenant


def analyze() -> None:
    """Statistics as a table that has lived in production has them (autovacuum's ANALYZE)."""
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        for table in ("comms_outboundmessage", "crm_contact", "crm_contactemail"):
            cursor.execute(f"ANALYZE {table}")


def delete_tenant(slug: str) -> None:
    from bench.leads.generate import Clock, reset_tenant

    reset_tenant(slug, Clock())


# --- Workers --------------------------------------------------------------------------------------


@dataclass
class Worker:
    node: str
    process: subprocess.Popen
    log: Path


def start_worker(
    number: int,
    concurrency: int,
    logs: Path,
    *,
    name: str = "outbox",
    queue: str | None = QUEUE,
    include: str | None = None,
) -> Worker:
    """A worker process of its own session (so a signal reaches its pool), reading `queue`
    (None: the default queues), importing the module `include` too (a bench's own tasks),
    logging to `logs`. The other benches start theirs with it."""
    node = f"bench-{name}-{number}@{socket.gethostname()}"
    log = logs / f"worker-{number}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=prefork", f"--concurrency={concurrency}", "-n", node,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
    ]  # fmt: skip
    if queue:
        command += ["-Q", queue]
    if include:
        command += ["--include", include]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (our interpreter, fixed arguments)
            command,
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(node, process, log)


def wait_until_ready(workers: list[Worker], timeout: float = 120) -> None:
    from config.celery import app

    waiting = {worker.node for worker in workers}
    deadline = time.monotonic() + timeout
    while waiting:
        for worker in workers:
            if worker.process.poll() is not None:
                raise SystemExit(f"{worker.node} exited:\n{worker.log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"Workers not ready after {timeout:.0f} s: {sorted(waiting)}")
        for reply in app.control.ping(destination=sorted(waiting), timeout=1.0):
            waiting -= set(reply)


def stop(workers: list[Worker]) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL for a worker that has not gone in 30 s."""
    for worker in workers:
        if worker.process.poll() is None:
            os.killpg(worker.process.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()


def purge_queue(queue: str = QUEUE) -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


# --- A run ----------------------------------------------------------------------------------------


@dataclass
class Result:
    concurrency: int
    messages: int
    seconds: float
    wait_p50: float
    wait_p95: float
    sweeps: int
    largest_claim: int
    slowest_sweep_ms: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def sweep_until_sent(tenant, messages: int, every: float, timeout: float, workers: list[Worker]):
    """Make every row due now and sweep until all are sent. Returns (first claim, sweeps)."""
    from django.utils import timezone

    from crm.tenancy import tenant_context
    from messaging.models import MessageStatus, OutboundMessage
    from messaging.tasks import dispatch_due_messages

    with tenant_context(tenant):
        OutboundMessage.objects.filter(tenant=tenant).update(send_after=timezone.now())
    first_claim = timezone.now()
    started = time.monotonic()
    sweeps = []  # (rows claimed, milliseconds)
    next_sweep = started
    while True:
        if time.monotonic() >= next_sweep:
            began = time.perf_counter()
            # The sweep's step for this tenant, as its fanned-out task runs it: calling the beat
            # task itself would queue that task on the messages queue, which no worker here reads.
            with tenant_context(tenant):
                claimed = dispatch_due_messages.sweep.run(tenant=tenant)
            sweeps.append((claimed, (time.perf_counter() - began) * 1000))
            next_sweep += every
        with tenant_context(tenant):
            sent = OutboundMessage.objects.filter(tenant=tenant, status=MessageStatus.SENT).count()
        if sent == messages:
            return first_claim, sweeps
        for worker in workers:
            if worker.process.poll() is not None:
                raise SystemExit(f"{worker.node} exited:\n{worker.log.read_text()[-3000:]}")
        if time.monotonic() - started > timeout:
            raise SystemExit(f"Only {sent:,} of {messages:,} sent after {timeout:.0f} s")
        time.sleep(min(0.2, max(0.0, next_sweep - time.monotonic())))


def measure(tenant, messages: int, concurrency: int, first_claim, sweeps) -> Result:
    from django.db.models import Count

    from crm.tenancy import tenant_context
    from messaging.models import OutboundMessage, SandboxDelivery

    with tenant_context(tenant):
        times = list(
            OutboundMessage.objects.filter(tenant=tenant).values_list("send_after", "sent_at")
        )
        deliveries = SandboxDelivery.objects.filter(tenant=tenant).count()
        twice = (
            SandboxDelivery.objects.filter(tenant=tenant)
            .values("message")
            .annotate(times=Count("id"))
            .filter(times__gt=1)
            .count()
        )
    if deliveries != messages or twice:
        raise SystemExit(
            f"Not exactly once: {deliveries:,} sandbox deliveries for {messages:,} messages, "
            f"{twice} messages delivered more than once"
        )
    waits = [(sent_at - send_after).total_seconds() for send_after, sent_at in times]
    last_sent = max(sent_at for _send_after, sent_at in times)
    return Result(
        concurrency=concurrency,
        messages=messages,
        seconds=(last_sent - first_claim).total_seconds(),
        wait_p50=percentile(waits, 0.50),
        wait_p95=percentile(waits, 0.95),
        sweeps=len(sweeps),
        largest_claim=max(claimed for claimed, _ms in sweeps),
        slowest_sweep_ms=max(ms for _claimed, ms in sweeps),
    )


def run(args, concurrency: int, logs: Path) -> Result:
    from config.celery import app
    from crm.models import Tenant

    # Only this run's workers take its send tasks (a dev worker on the same Redis reads "celery").
    app.conf.task_routes = {"comms.tasks.send_message": {"queue": QUEUE}}
    if Tenant.objects.filter(slug=args.tenant).exists():
        delete_tenant(args.tenant)  # left behind by an interrupted run
    print(f"{WORKERS} workers x concurrency {concurrency}: creating {args.messages:,} messages")
    tenant = create_tenant(args.tenant, args.messages)
    workers = []
    try:
        analyze()
        purge_queue()
        workers = [start_worker(n, concurrency, logs) for n in range(1, WORKERS + 1)]
        wait_until_ready(workers)
        first_claim, sweeps = sweep_until_sent(
            tenant, args.messages, args.sweep_every, args.timeout, workers
        )
        result = measure(tenant, args.messages, concurrency, first_claim, sweeps)
    finally:
        stop(workers)
        purge_queue()
        delete_tenant(args.tenant)
    print(
        f"  {result.messages:,} sent in {result.seconds:.1f} s: {result.per_second:.1f} rows/s; "
        f"wait p50 {result.wait_p50:.1f} s, p95 {result.wait_p95:.1f} s; {result.sweeps} sweeps, "
        f"largest claim {result.largest_claim:,} rows, slowest sweep "
        f"{result.slowest_sweep_ms:.0f} ms; one sandbox delivery per message",
        flush=True,
    )
    return result


def main() -> None:
    args = parse_args()
    if not 1 <= args.messages <= 1_000_000:
        raise SystemExit("--messages must be between 1 and 1,000,000.")
    setup_django(args.database_url)
    print(machine(), flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="outbox-bench-") as logs:
        for concurrency in args.concurrency:
            results.append(run(args, concurrency, Path(logs)))
    print()
    print(
        "| workers x processes | messages | first claim to last send | rows/s "
        "| wait p50 | wait p95 | sweeps | largest claim | slowest sweep |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        print(
            f"| {WORKERS} x {result.concurrency} | {result.messages:,} | {result.seconds:.1f} s "
            f"| {result.per_second:.1f} | {result.wait_p50:.1f} s | {result.wait_p95:.1f} s "
            f"| {result.sweeps} | {result.largest_claim:,} | {result.slowest_sweep_ms:.0f} ms |"
        )


if __name__ == "__main__":
    main()
