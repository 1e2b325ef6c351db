"""PostgreSQL restarted under load: requests fail cleanly while it is down, the app recovers
without a restart of its own, and nothing is half-written or lost.

    RUN=".venv/bin/python scripts/devenv.py run -- .venv/bin/python"
    $RUN manage.py migrate
    $RUN bench/faults/postgres_restart.py \
        --restart "pg_ctlcluster --skip-systemctl-redirect 15 main restart"

Needs root (or the postgres user) for the restart command; it restarts the machine's PostgreSQL
once, so do not run it where others depend on that server. Steps:

1. A tenant of its own (--tenant, deleted at the end) with an inbox and its Twilio number, as in
   bench/tickets/ingest.py; gunicorn (--web-workers sync workers, DEBUG off, CONN_MAX_AGE and
   CONN_HEALTH_CHECKS as in production) on a free port.
2. --clients threads post signed Twilio inbound texts (each a write: the stored event) and
   Twilio status callbacks (a read) as fast as answers come, for --before seconds.
3. The restart command runs; the load goes on for --after seconds.
4. Every text that was not answered 200 is posted again, as Twilio retries it.
5. Checks, printed as a report: answers by phase (before, during, after) and status; that no
   error answer shows a traceback or a database message; how long after the restart the first
   and the steady 2xx came; that gunicorn is the same process throughout; that every text answered
   200 is stored exactly once, and after the retries every text sent is stored exactly once.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.comms.outbox_throughput import machine  # noqa: E402
from bench.tickets.ingest import (  # noqa: E402
    INBOX_NUMBER,
    TWILIO_ACCOUNT_SID,
    TWILIO_PATH,
    TWILIO_TOKEN,
    GunicornPoster,
    create_tenant,
    customer_phone,
    delete_tenant,
    free_port,
    purge_broker,
    setup_django,
)

STATUS_PATH = "/hooks/twilio/status/"
LEAKS = re.compile(r"Traceback|File \"/|psycopg|OperationalError|django\.db", re.IGNORECASE)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restart", required=True, help="the command that restarts PostgreSQL")
    parser.add_argument("--tenant", default="fault-pg-restart")
    parser.add_argument("--contacts", type=int, default=100)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--before", type=float, default=8)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--broker-db", type=int, default=13)
    return parser.parse_args()


@dataclass
class Answer:
    kind: str  # "text" or "status"
    sent_at: float
    status: int  # 0: no HTTP answer (connection refused or reset, timeout)
    body: str
    sid: str


def signed(site_url: str, path: str, fields: dict) -> tuple[bytes, dict]:
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TWILIO_TOKEN).compute_signature(site_url + path, fields)
    return urlencode(fields).encode(), {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def text_fields(number: int) -> dict:
    sid = f"SM{uuid.uuid4().hex}"
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": customer_phone(number),
        "To": INBOX_NUMBER,
        "Body": f"Text {number}: is the crew still coming?",
        "NumMedia": "0",
    }


class Load:
    """Client threads posting texts and status callbacks until stopped; every answer recorded."""

    def __init__(self, base: str, site_url: str, clients: int, contacts: int):
        import requests

        self.base, self.site_url, self.contacts = base, site_url, contacts
        self.answers: list[Answer] = []
        self.texts: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self.threads = [
            threading.Thread(target=self.run, args=(n, requests.Session()), daemon=True)
            for n in range(clients)
        ]

    def post(self, session, kind: str, path: str, fields: dict) -> Answer:
        import requests

        body, headers = signed(self.site_url, path, fields)
        sent_at = time.monotonic() - self.started
        try:
            response = session.post(self.base + path, data=body, headers=headers, timeout=30)
            status, text = response.status_code, response.text[:2000]
        except requests.RequestException as error:
            status, text = 0, type(error).__name__
        return Answer(kind, sent_at, status, text, fields["MessageSid"])

    def run(self, number: int, session) -> None:
        count = 0
        while not self.stopping.is_set():
            count += 1
            if count % 3:
                fields = text_fields((number * 7919 + count) % self.contacts)
                with self.lock:
                    self.texts[fields["MessageSid"]] = fields
                answer = self.post(session, "text", TWILIO_PATH, fields)
            else:
                fields = {"MessageSid": f"SM{uuid.uuid4().hex}", "MessageStatus": "delivered"}
                fields["From"] = INBOX_NUMBER
                answer = self.post(session, "status", STATUS_PATH, fields)
            with self.lock:
                self.answers.append(answer)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def now(self) -> float:
        return time.monotonic() - self.started


def stored_texts(tenant) -> Counter:
    from crm.tenancy import tenant_context
    from tickets.models import InboundEvent

    with tenant_context(tenant):
        keys = InboundEvent.objects.filter(tenant=tenant).values_list("event_key", flat=True)
        return Counter(key.removeprefix("twilio:") for key in keys)


def report(
    load: Load, restart: tuple[float, float], retried: dict, stored: Counter, pid_same: bool
):
    began, ended = restart
    steady_from = None
    for answer in sorted(load.answers, key=lambda a: a.sent_at, reverse=True):
        if answer.sent_at < began:
            break
        if not 200 <= answer.status < 300:
            steady_from = answer.sent_at
            break
    first_ok = min(
        (a.sent_at for a in load.answers if a.sent_at >= began and 200 <= a.status < 300),
        default=None,
    )

    def phase(answer: Answer) -> str:
        if answer.sent_at < began:
            return "before"
        if steady_from is not None and answer.sent_at <= steady_from:
            return "during"
        return "after"

    table = defaultdict(Counter)
    for answer in load.answers:
        table[(phase(answer), answer.kind)][answer.status] += 1
    print(f"\nMachine: {machine()}")
    print(f"Restart command took {ended - began:.1f} s (from {began:.1f} s to {ended:.1f} s).")
    print("\n| phase | request | answers | by status |")
    print("| --- | --- | ---: | --- |")
    for (when, kind), statuses in sorted(
        table.items(),
        key=lambda item: (["before", "during", "after"].index(item[0][0]), item[0][1]),
    ):
        by_status = ", ".join(
            f"{status or 'no answer'}: {n}" for status, n in sorted(statuses.items())
        )
        print(f"| {when} | {kind} | {sum(statuses.values())} | {by_status} |")
    leaks = [a for a in load.answers if a.status >= 400 and LEAKS.search(a.body)]
    errors = [a for a in load.answers if not 200 <= a.status < 300]
    print(
        f"\nError answers: {len(errors)}; showing a traceback or a database message: {len(leaks)}"
    )
    for sample in {a.body[:200] for a in errors if a.status}:
        print(f"  an error page: {sample!r}")
    if first_ok is not None:
        print(f"First 2xx after the restart began: {first_ok - began:.1f} s after it began.")
    if steady_from is not None:
        print(f"Every answer 2xx from {steady_from - ended:+.1f} s after the restart ended on.")
    print(f"gunicorn the same process throughout (no restart of the app): {pid_same}")
    answered_ok = {a.sid for a in load.answers if a.kind == "text" and 200 <= a.status < 300}
    print(
        f"Texts: {len(load.texts)} sent, {len(answered_ok)} answered 2xx at once, "
        f"{len(retried)} retried (Twilio would), answers to the retries: "
        f"{dict(Counter(retried.values()))}"
    )
    missing = [sid for sid in load.texts if stored[sid] == 0]
    twice = [sid for sid, n in stored.items() if n > 1]
    lost_after_2xx = [sid for sid in answered_ok if stored[sid] != 1]
    print(
        f"Stored: {sum(stored.values())} events for {len(load.texts)} texts; missing: "
        f"{len(missing)}; stored twice: {len(twice)}; answered 2xx but not stored once: "
        f"{len(lost_after_2xx)}"
    )
    return not (leaks or missing or twice or lost_after_2xx) and pid_same


def main() -> None:
    args = parse_args()
    port = free_port()
    site_url = f"http://127.0.0.1:{port}"
    os.environ["DJANGO_SECRET_KEY"] = uuid.uuid4().hex
    setup_django(args, site_url)
    from django.conf import settings

    print(
        f"CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']} "
        f"CONN_HEALTH_CHECKS={settings.DATABASES['default']['CONN_HEALTH_CHECKS']} "
        f"DEBUG={settings.DEBUG}"
    )
    from crm.models import Tenant

    if Tenant.objects.filter(slug=args.tenant).exists():
        delete_tenant(args.tenant)
    tenant = create_tenant(args.tenant, args.contacts)
    logs = Path(tempfile.mkdtemp(prefix="fault-pg-"))
    web = GunicornPoster(port, args.web_workers, logs)
    pid = web.process.pid
    ok = False
    try:
        load = Load(web.base, site_url, args.clients, args.contacts)
        load.start()
        time.sleep(args.before)
        began = load.now()
        print(f"{began:5.1f} s: {args.restart}")
        subprocess.run(shlex.split(args.restart), check=True)  # noqa: S603  (the operator's)
        ended = load.now()
        print(f"{ended:5.1f} s: restarted")
        time.sleep(args.after)
        load.stop()
        import requests

        session = requests.Session()
        retried = {}
        failed = {a.sid for a in load.answers if a.kind == "text" and not 200 <= a.status < 300}
        for sid in sorted(failed):
            body, headers = signed(site_url, TWILIO_PATH, load.texts[sid])
            retried[sid] = session.post(
                web.base + TWILIO_PATH, data=body, headers=headers, timeout=30
            ).status_code
        from django.db import connection

        connection.close()  # this process's own connection died with the restart
        stored = stored_texts(tenant)
        pid_same = web.process.poll() is None and web.process.pid == pid
        ok = report(load, (began, ended), retried, stored, pid_same)
        print(f"\ngunicorn's log: {web.log}")
    finally:
        web.close()
        delete_tenant(args.tenant)
        purge_broker()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
