"""Measure the inbox's ingest: how long the inbound webhooks take to answer, and how many inbound
messages per second end up as threaded ticket messages.

    python bench/tickets/ingest.py --posts 500 --messages 2000 --contacts 200 --concurrency 0 1 2

Run it through `scripts/devenv.py run --` so DATABASE_URL / REDIS_URL and the app role are set up
(see bench/README.md). Each part creates a tenant of its own (--tenant) with an inbox (an email
address, an SMS and a WhatsApp number with their own Twilio token), four agents available all
week, and --contacts customers, each with an email address and a mobile number; the tenant is
deleted at the end. Celery talks to Redis database 13 (--broker-db), so no dev worker takes the
bench's tasks.

(a) Accept latency: --posts signed Twilio SMS posts and --posts Postmark inbound posts (with the
raw email), alternating, each from a random customer, timed from request to response. With
--server testclient they go through Django's test Client in this process (the application's own
cost: middleware, signature or basic auth, anymail's parsing, the INSERT and the on-commit publish
to Redis); with --server gunicorn, over HTTP to gunicorn (sync workers, as the Dockerfile runs it).
No Celery worker runs during this part.

(b) Throughput: --messages inbound messages (45 % SMS, 10 % WhatsApp, 45 % email of which a third
answer the sender's previous email by In-Reply-To, 5 % from strangers), stored by the functions the
webhooks call. --concurrency 0: stored first, then threaded one after another in this process
(what one message costs). N > 0: two Celery worker processes with N prefork children each are
started and answer a ping, then the messages are stored in a burst, each event's task published on
commit as the webhook does, while the workers thread them. Prints messages per second from the
first store to the last event processed, and each message's wait (processed - received). Checks:
every event processed, one ticket message per event, one ticket per sender.
"""

import argparse
import base64
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.comms import outbox_throughput as outbox_bench  # noqa: E402
from bench.comms.outbox_throughput import (  # noqa: E402
    Worker,
    machine,
    percentile,
    stop,
    wait_until_ready,
)

INBOX_EMAIL = "support@bench-inbox.test"
INBOX_NUMBER = "+17865550100"
TWILIO_ACCOUNT_SID = "AC" + "b" * 32
TWILIO_TOKEN = "bench-twilio-auth-token"  # noqa: S105  (the bench tenant's own, deleted after)
WEBHOOK_SECRET = "bench:bench-webhook-secret"  # noqa: S105  (set for this process only)
TWILIO_PATH = "/hooks/twilio/inbound/"
POSTMARK_PATH = "/hooks/anymail/postmark/inbound/"
WORKERS = 2
WARM_UP = 20
AREA_CODES = ("305", "954", "561", "407")
SUBJECTS = (
    "Leak over the kitchen after the storm",
    "Quote for a new roof",
    "Gutter cleaning",
    "Question about my invoice",
    "Skylight replacement",
    "Inspection on Thursday",
)
TEXTS = (
    "Hi, the crew left some shingles in the driveway, can someone pick them up?",
    "Is the inspection still on for Thursday morning?",
    "Water is dripping through the ceiling again, please call me.",
    "Thanks, the new gutters look great.",
    "Can you send me the quote again? I can't find the email.",
    "What time will the crew arrive tomorrow?",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=500, help="timed posts per provider (500)")
    parser.add_argument("--messages", type=int, default=2000, help="messages per run (2000)")
    parser.add_argument("--contacts", type=int, default=200, help="customers (200)")
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="0: thread in this process; N: two workers of N processes; a run each (0 1 2)",
    )
    parser.add_argument(
        "--server", choices=["testclient", "gunicorn"], default="testclient", help="for (a)"
    )
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--only", choices=["latency", "throughput"], help="run one part")
    parser.add_argument("--tenant", default="bench-inbox", help="tenant slug (bench-inbox)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (4)")
    parser.add_argument("--broker-db", type=int, default=13, help="Redis database for Celery")
    parser.add_argument("--timeout", type=float, default=1800, help="give up a run after (s)")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup_django(args, site_url: str) -> None:
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    redis = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    os.environ["CELERY_BROKER_URL"] = urlunsplit(redis._replace(path=f"/{args.broker_db}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # as in production: no query log kept per request
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["COMMS_SANDBOX"] = "true"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ANYMAIL_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    # Twilio signs the public URL; the webhook checks against this one.
    os.environ["THREADLINE_SITE_URL"] = site_url
    import django

    django.setup()


# --- Data -----------------------------------------------------------------------------------------


def customer_email(number: int) -> str:
    return f"customer{number}@example.org"


def customer_phone(number: int) -> str:
    return f"+1{AREA_CODES[number // 10_000 % len(AREA_CODES)]}555{number % 10_000:04d}"


def create_tenant(slug: str, contacts: int):
    """The tenant, its team (four reps on duty all week), the inbox with its three addresses, the
    SLA policies, and the customers (bulk-created as the app role in the tenant's context)."""
    import phonenumbers
    from django.db import transaction

    from bench.leads.generate import member_email
    from crm.models import (
        WEEKDAYS,
        Contact,
        ContactEmail,
        ContactPhone,
        Membership,
        Role,
        Tenant,
        User,
    )
    from crm.tenancy import tenant_context
    from tickets.services import configuration

    always = {day: [["00:00", "23:59"]] for day in WEEKDAYS}
    with transaction.atomic():
        tenant = Tenant.objects.create(
            slug=slug,
            name="Bench Inbox Roofing",
            time_zone="America/New_York",
            currency="USD",
            country="US",
            home_state="FL",
            business_hours=always,
        )
        with tenant_context(tenant):
            reps = [
                Membership.objects.create(
                    tenant=tenant,
                    user=User.objects.create_user(
                        email=member_email(slug, f"rep{n}"), full_name=f"Bench Rep {n}"
                    ),
                    role=Role.REP,
                    weekly_availability=always,
                )
                for n in range(1, 5)
            ]
            inbox = configuration.inbox_save(
                tenant=tenant, actor=None, name="Support", team_lead=reps[0]
            )
            configuration.inbox_address_save(
                tenant=tenant, inbox=inbox, channel="email", address=INBOX_EMAIL
            )
            for channel in ("sms", "whatsapp"):
                configuration.inbox_address_save(
                    tenant=tenant,
                    inbox=inbox,
                    channel=channel,
                    address=INBOX_NUMBER,
                    twilio_account_sid=TWILIO_ACCOUNT_SID,
                    twilio_auth_token=TWILIO_TOKEN,
                )
            for rep in reps:
                configuration.inbox_agent_set(tenant=tenant, inbox=inbox, membership=rep)
            configuration.sla_policies_ensure(tenant=tenant)
            people = Contact.objects.bulk_create(
                Contact(tenant=tenant, first_name="Customer", last_name=f"{number:05d}")
                for number in range(contacts)
            )
            ContactEmail.objects.bulk_create(
                ContactEmail(
                    tenant=tenant, contact=person, email=customer_email(number), is_primary=True
                )
                for number, person in enumerate(people)
            )
            ContactPhone.objects.bulk_create(
                ContactPhone(
                    tenant=tenant,
                    contact=person,
                    number=phonenumbers.parse(customer_phone(number)),
                    is_primary=True,
                )
                for number, person in enumerate(people)
            )
    analyze()
    return tenant


def analyze() -> None:
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        for table in (
            "crm_contact",
            "crm_contactemail",
            "crm_contactphone",
            "tickets_ticket",
            "tickets_inboundevent",
        ):
            cursor.execute(f"ANALYZE {table}")


def delete_tenant(slug: str) -> None:
    from bench.leads.generate import Clock, reset_tenant

    reset_tenant(slug, Clock())


def purge_broker() -> None:
    from config.celery import app

    app.control.purge()


# --- Messages as the providers send them ----------------------------------------------------------


@dataclass
class Message:
    channel: str  # sms, whatsapp, email
    sender: int | None  # the customer's number; None: a stranger
    twilio: dict = field(default_factory=dict)
    raw: bytes = b""


def email_bytes(*, sender: str, subject: str, text: str, message_id: str, in_reply_to: str = ""):
    quoted = ""
    threading = ""
    if in_reply_to:
        subject = f"Re: {subject}"
        threading = f"In-Reply-To: <{in_reply_to}>\r\nReferences: <{in_reply_to}>\r\n"
        quoted = (
            "\r\n\r\nOn Mon, Jun 9, 2025 at 10:02 AM Bench Inbox Roofing <support@bench-inbox.test>"
            " wrote:\r\n> Thanks for your message, we will get back to you today.\r\n"
        )
    html = f'<div dir="ltr"><p>{text}</p><p>Thanks</p></div>'
    return (
        f"From: {sender}\r\nTo: Bench Inbox Roofing <{INBOX_EMAIL}>\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(time_now())}\r\nMessage-ID: <{message_id}>\r\n{threading}"
        'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text}\r\n\r\nThanks{quoted}\r\n"
        "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"{html}\r\n--b1--\r\n"
    ).encode()


def time_now():
    from django.utils import timezone

    return timezone.now()


def plan_messages(count: int, contacts: int, rng: random.Random) -> list[Message]:
    run = uuid.uuid4().hex[:8]
    last_email: dict[int, tuple[str, str]] = {}
    plan = []
    for index in range(count):
        stranger = rng.random() < 0.05
        sender = None if stranger else rng.randrange(contacts)
        roll = rng.random()
        channel = "sms" if roll < 0.45 else "whatsapp" if roll < 0.55 else "email"
        text = rng.choice(TEXTS)
        if channel == "email":
            address = f"stranger{index}@example.net" if stranger else customer_email(sender)
            message_id = f"bench-{run}-{index}@example.org"
            previous = last_email.get(sender) if sender is not None else None
            subject, in_reply_to = previous if previous and rng.random() < 0.33 else ("", "")
            subject = subject or rng.choice(SUBJECTS)
            raw = email_bytes(
                sender=f"Customer <{address}>",
                subject=subject,
                text=text,
                message_id=message_id,
                in_reply_to=in_reply_to,
            )
            if sender is not None:
                last_email[sender] = (subject, message_id)
            plan.append(Message("email", sender, raw=raw))
        else:
            phone = f"+1813555{index % 10_000:04d}" if stranger else customer_phone(sender)
            prefix = "whatsapp:" if channel == "whatsapp" else ""
            sid = f"SM{uuid.uuid4().hex}"
            fields = {
                "MessageSid": sid,
                "SmsSid": sid,
                "AccountSid": TWILIO_ACCOUNT_SID,
                "From": prefix + phone,
                "To": prefix + INBOX_NUMBER,
                "Body": text,
                "NumMedia": "0",
                "NumSegments": "1",
                "SmsStatus": "received",
                "ApiVersion": "2010-04-01",
            }
            if channel == "whatsapp":
                fields |= {"ProfileName": "Customer", "WaId": phone.lstrip("+")}
            plan.append(Message(channel, sender, twilio=fields))
    return plan


# --- (a) Accept latency ---------------------------------------------------------------------------


def twilio_post(site_url: str, rng: random.Random, contacts: int):
    from twilio.request_validator import RequestValidator

    sid = f"SM{uuid.uuid4().hex}"
    fields = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": customer_phone(rng.randrange(contacts)),
        "To": INBOX_NUMBER,
        "Body": rng.choice(TEXTS),
        "NumMedia": "0",
    }
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(site_url + TWILIO_PATH, fields)
    return (
        TWILIO_PATH,
        urlencode(fields).encode(),
        "application/x-www-form-urlencoded",
        {"X-Twilio-Signature": signature},
    )


def postmark_post(rng: random.Random, contacts: int):
    import json

    sender = customer_email(rng.randrange(contacts))
    message_id = f"bench-latency-{uuid.uuid4().hex}@example.org"
    raw = email_bytes(
        sender=f"Customer <{sender}>",
        subject=rng.choice(SUBJECTS),
        text=rng.choice(TEXTS),
        message_id=message_id,
    ).decode()
    payload = {
        "FromFull": {"Email": sender, "Name": "Customer", "MailboxHash": ""},
        "ToFull": [{"Email": INBOX_EMAIL, "Name": "Bench Inbox Roofing", "MailboxHash": ""}],
        "OriginalRecipient": INBOX_EMAIL,
        "Subject": "",
        "MessageID": str(uuid.uuid4()),
        "Headers": [{"Name": "Message-ID", "Value": f"<{message_id}>"}],
        "Attachments": [],
        "RawEmail": raw,
    }
    auth = "Basic " + base64.b64encode(WEBHOOK_SECRET.encode()).decode()
    return POSTMARK_PATH, json.dumps(payload).encode(), "application/json", {"Authorization": auth}


class TestClientPoster:
    label = "Django test Client, in process"

    def __init__(self):
        from django.test import Client

        self.client = Client()

    def post(self, path, body, content_type, headers) -> int:
        return self.client.post(path, body, content_type=content_type, headers=headers).status_code

    def close(self):
        pass


class GunicornPoster:
    def __init__(self, port: int, workers: int, logs: Path):
        import requests

        self.label = f"gunicorn, {workers} sync workers, over HTTP on 127.0.0.1"
        self.base = f"http://127.0.0.1:{port}"
        self.log = logs / "gunicorn.log"
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--timeout", "30", "--keep-alive", "5", "--error-logfile", str(self.log),
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603  (our interpreter, fixed arguments)
            command, cwd=ROOT, env=os.environ.copy(), start_new_session=True
        )
        self.session = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:  # anymail's webhooks answer HEAD (ESPs check them that way)
                self.session.head(self.base + POSTMARK_PATH, timeout=5)
                break
            except requests.RequestException:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    log = self.log.read_text()[-3000:]
                    raise SystemExit(f"gunicorn did not start:\n{log}") from None
                time.sleep(0.2)

    def post(self, path, body, content_type, headers) -> int:
        headers = {**headers, "Content-Type": content_type}
        return self.session.post(
            self.base + path, data=body, headers=headers, timeout=30
        ).status_code

    def close(self):
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def measure_latency(args, site_url: str, logs: Path) -> tuple[str, dict[str, list[float]]]:
    rng = random.Random(args.seed)
    if args.server == "gunicorn":
        poster = GunicornPoster(urlsplit(site_url).port, args.web_workers, logs)
    else:
        poster = TestClientPoster()
    timings = {"Twilio SMS": [], "Postmark inbound": []}
    try:
        for index in range(WARM_UP * 2 + args.posts * 2):
            kind = "Twilio SMS" if index % 2 == 0 else "Postmark inbound"
            request = (
                twilio_post(site_url, rng, args.contacts)
                if kind == "Twilio SMS"
                else postmark_post(rng, args.contacts)
            )
            started = time.perf_counter()
            status = poster.post(*request)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if status != 200:
                raise SystemExit(f"{kind} answered {status}")
            if index >= WARM_UP * 2:
                timings[kind].append(elapsed_ms)
    finally:
        poster.close()
    return poster.label, timings


def check_latency_events(tenant, posts: int) -> None:
    from crm.tenancy import tenant_context
    from tickets.models import InboundEvent

    with tenant_context(tenant):
        stored = InboundEvent.objects.filter(tenant=tenant).count()
    expected = (posts + WARM_UP) * 2
    if stored != expected:
        raise SystemExit(f"{stored} events stored for {expected} posts")


# --- (b) Throughput -------------------------------------------------------------------------------


def start_worker(number: int, concurrency: int, logs: Path) -> Worker:
    return outbox_bench.start_worker(number, concurrency, logs, name="inbox", queue=None)


def store(plan: list[Message], routes: dict) -> None:
    from tickets.services import ingest

    for message in plan:
        if message.channel == "email":
            ingest.email_inbound_store(
                provider="postmark",
                raw=message.raw,
                envelope_recipients=[INBOX_EMAIL],
                esp_message_id=str(uuid.uuid4()),
            )
        else:
            ingest.twilio_inbound_store(route=routes[message.channel], payload=message.twilio)


@dataclass
class Run:
    concurrency: int
    messages: int
    store_seconds: float
    seconds: float
    waits: list[float] = field(default_factory=list)
    per_message_ms: list[float] = field(default_factory=list)
    tickets: int = 0
    channels: Counter = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def wait_until_processed(tenant, messages: int, timeout: float, workers: list[Worker]) -> None:
    from crm.tenancy import tenant_context
    from tickets.models import EventStatus, InboundEvent

    deadline = time.monotonic() + timeout
    while True:
        with tenant_context(tenant):
            counts = Counter(
                InboundEvent.objects.filter(tenant=tenant).values_list("status", flat=True)
            )
        if counts[EventStatus.PROCESSED] == messages:
            return
        if counts[EventStatus.DEAD] or counts[EventStatus.FAILED]:
            raise SystemExit(f"Events failed: {dict(counts)}")
        for worker in workers:
            if worker.process.poll() is not None:
                raise SystemExit(f"{worker.node} exited:\n{worker.log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"Only {counts[EventStatus.PROCESSED]:,} of {messages:,} processed")
        time.sleep(0.1)


def check(tenant, plan: list[Message]) -> tuple[int, list[float]]:
    """Every event processed, one inbound ticket message each, one ticket per sender."""
    from django.db.models import Count

    from crm.models import Contact
    from crm.tenancy import tenant_context
    from tickets.models import EventStatus, InboundEvent, Ticket, TicketMessage

    strangers = sum(message.sender is None for message in plan)
    senders = len({message.sender for message in plan if message.sender is not None})
    with tenant_context(tenant):
        events = InboundEvent.objects.filter(tenant=tenant)
        statuses = Counter(events.values_list("status", flat=True))
        linked = TicketMessage.objects.filter(tenant=tenant, inbound_event__isnull=False).count()
        tickets = Ticket.objects.filter(tenant=tenant).count()
        doubled = (
            Ticket.objects.filter(tenant=tenant)
            .values("contact")
            .annotate(tickets=Count("id"))
            .filter(tickets__gt=1)
            .count()
        )
        new_contacts = Contact.objects.filter(tenant=tenant, needs_review=True).count()
        waits = [
            (processed - received).total_seconds()
            for received, processed in events.values_list("received_at", "processed_at")
        ]
    problems = []
    if statuses != {EventStatus.PROCESSED: len(plan)}:
        problems.append(f"event statuses {dict(statuses)}")
    if linked != len(plan):
        problems.append(f"{linked} ticket messages for {len(plan)} events")
    if doubled or tickets != senders + strangers:
        problems.append(f"{tickets} tickets for {senders + strangers} senders ({doubled} doubled)")
    if new_contacts != strangers:
        problems.append(f"{new_contacts} new contacts for {strangers} strangers")
    if problems:
        raise SystemExit("Check failed: " + "; ".join(problems))
    return tickets, waits


def run_throughput(args, concurrency: int, logs: Path) -> Run:
    from django.db import connection

    from crm.models import Tenant
    from crm.tenancy import tenant_context
    from tickets.models import InboundEvent, InboundRoute
    from tickets.services import ingest

    if Tenant.objects.filter(slug=args.tenant).exists():
        delete_tenant(args.tenant)  # left behind by an interrupted run
    mode = "this process" if concurrency == 0 else f"{WORKERS} workers x {concurrency}"
    print(f"{mode}: {args.messages:,} messages from {args.contacts:,} customers", flush=True)
    tenant = create_tenant(args.tenant, args.contacts)
    plan = plan_messages(args.messages, args.contacts, random.Random(args.seed))
    routes = {
        channel: InboundRoute.objects.get(channel=channel, address=INBOX_NUMBER)
        for channel in ("sms", "whatsapp")
    }
    workers = []
    try:
        purge_broker()
        if concurrency:
            workers = [start_worker(n, concurrency, logs) for n in range(1, WORKERS + 1)]
            wait_until_ready(workers)
        started = time.perf_counter()
        store(plan, routes)
        store_seconds = time.perf_counter() - started
        per_message = []
        if concurrency:
            wait_until_processed(tenant, len(plan), args.timeout, workers)
            seconds = time.perf_counter() - started
        else:
            with tenant_context(tenant):
                ids = list(
                    InboundEvent.objects.filter(tenant=tenant)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
            threading_started = time.perf_counter()
            for event_id in ids:
                began = time.perf_counter()
                with tenant_context(tenant):
                    ingest.inbound_event_process(tenant=tenant, event_id=event_id)
                per_message.append((time.perf_counter() - began) * 1000)
            seconds = time.perf_counter() - threading_started
        tickets, waits = check(tenant, plan)
    finally:
        stop(workers)
        purge_broker()
        connection.close()
        delete_tenant(args.tenant)
    result = Run(
        concurrency=concurrency,
        messages=len(plan),
        store_seconds=store_seconds,
        seconds=seconds,
        waits=waits if concurrency else [],
        per_message_ms=per_message,
        tickets=tickets,
        channels=Counter(message.channel for message in plan),
    )
    print(
        f"  stored in {result.store_seconds:.1f} s ({result.messages / result.store_seconds:.0f}/s);"
        f" threaded {result.messages:,} into {result.tickets:,} tickets: "
        f"{result.per_second:.1f} messages/s",
        flush=True,
    )
    return result


# --- Report ---------------------------------------------------------------------------------------


def latency_table(label: str, timings: dict[str, list[float]]) -> None:
    print(f"\nAccept latency ({label}; {WARM_UP} warm-up posts each not counted):\n")
    print("| webhook | posts | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, values in timings.items():
        print(
            f"| {kind} | {len(values):,} | {statistics.median(values):.1f} "
            f"| {percentile(values, 0.95):.1f} | {percentile(values, 0.99):.1f} "
            f"| {max(values):.1f} |"
        )


def throughput_table(runs: list[Run], contacts: int) -> None:
    print(f"\nThroughput ({contacts:,} customers):\n")
    print(
        "| threaded by | messages (SMS / WhatsApp / email) | tickets | stored in "
        "| first store to last threaded | messages/s | wait p50 | wait p95 | ms per message p50 / p95 |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in runs:
        mix = " / ".join(f"{run.channels[c]:,}" for c in ("sms", "whatsapp", "email"))
        who = "this process" if run.concurrency == 0 else f"{WORKERS} workers x {run.concurrency}"
        waits = (
            f"{percentile(run.waits, 0.5):.1f} s | {percentile(run.waits, 0.95):.1f} s"
            if run.waits
            else "– | –"
        )
        each = (
            f"{percentile(run.per_message_ms, 0.5):.0f} / {percentile(run.per_message_ms, 0.95):.0f}"
            if run.per_message_ms
            else "–"
        )
        print(
            f"| {who} | {run.messages:,} ({mix}) | {run.tickets:,} | {run.store_seconds:.1f} s "
            f"| {run.seconds:.1f} s | {run.per_second:.1f} | {waits} | {each} |"
        )


def main() -> None:
    args = parse_args()
    if not 1 <= args.messages <= 200_000 or not 1 <= args.contacts <= 40_000:
        raise SystemExit("--messages must be 1 to 200,000 and --contacts 1 to 40,000.")
    port = free_port()
    site_url = f"http://127.0.0.1:{port}" if args.server == "gunicorn" else "http://testserver"
    setup_django(args, site_url)
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as directory:
        logs = Path(directory)
        if args.only in (None, "latency"):
            from crm.models import Tenant

            if Tenant.objects.filter(slug=args.tenant).exists():
                delete_tenant(args.tenant)
            tenant = create_tenant(args.tenant, args.contacts)
            try:
                purge_broker()
                label, timings = measure_latency(args, site_url, logs)
                check_latency_events(tenant, args.posts)
            finally:
                purge_broker()
                delete_tenant(args.tenant)
            latency_table(label, timings)
        if args.only in (None, "throughput"):
            runs = [run_throughput(args, c, logs) for c in args.concurrency]
            throughput_table(runs, args.contacts)


if __name__ == "__main__":
    main()
