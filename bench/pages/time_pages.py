"""Time the pages people live in at a million leads: inbox list and thread, follow-up list and
board, contact page, portal home and job page, lead page; as a manager and as a rep.

    python scripts/devenv.py run -- .venv/bin/python bench/pages/time_pages.py --runs 20

Run it through `scripts/devenv.py run --` with DATABASE_URL naming the bench database (the owner
role, e.g. postgresql://postgres@127.0.0.1:5432/threadline_bench) holding the tenant made by
bench/leads/generate.py and bench/dashboards/generate_activity.py. It picks its pages from the
data (the busiest rep, a ticket of theirs with several messages, that customer's contact and lead,
a customer with a job for the portal), then requests every case once (untimed: templates and
query shapes warm) and then --runs rounds, each round one request per case in turn, so the
machine's noise falls on every case alike.

Two ways to serve the requests:

- `--server inprocess` (the default): Django's test client in this process with DEBUG off, as
  bench/leads/time_list.py does. Per case: median and p95 of the request's wall time and of its
  CPU time in this process (`time.process_time`, which the neighbours on a shared machine do not
  change), the SQL time and the number of queries.
- `--server gunicorn`: the app as production runs it (config.settings.production, DEBUG off,
  collected static files), gunicorn with one sync worker, as bench/load/run.py starts it; server
  time is gunicorn's own (%(D)s in its access log). `--compare-root DIR` starts a second gunicorn
  from another checkout of Threadline (e.g. a `git worktree` of the commit before a change) and
  alternates each request between the two, for a before/after in one run. The query count is
  still counted in this process (one in-process request per case).

`--read-only` writes nothing to the database, for a shared bench database that must stay as it
is: every connection (this process's and the servers') runs its transactions read-only
(PGOPTIONS default_transaction_read_only), and the signed-in sessions live in the cache only
(Redis at REDIS_URL; the servers use bench/pages/site/pages_bench_readonly_settings.py, the
production settings with that one change). A page that writes on a GET then fails loudly.

The servers' answers are compared without CSRF tokens and with each run of whitespace read as one
space (how the browser reads it: pages whose rows are now built in Python space them so).

It prints a Markdown table (and the machine line to go with it). `--only WORD` keeps the cases
whose name contains WORD (repeatable); `--list` prints the case names.
"""

import argparse
import logging
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(__file__).resolve().parent / "site"
CACHE_SESSIONS = "django.contrib.sessions.backends.cache"
PYTHON = sys.executable
# Enough messages that the thread is a conversation, not a single exchange.
THREAD_MESSAGES = 6


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=20, help="timed rounds (20)")
    parser.add_argument("--deep", type=int, default=5_000, help="rows before the deep pages")
    parser.add_argument(
        "--only", action="append", default=[], help="cases whose name contains this; repeatable"
    )
    parser.add_argument("--list", action="store_true", help="print the case names and stop")
    parser.add_argument("--server", choices=("inprocess", "gunicorn"), default="inprocess")
    parser.add_argument("--port", type=int, default=8791, help="gunicorn's port (8791)")
    parser.add_argument(
        "--compare-root",
        help="gunicorn: another checkout to serve on --port + 1 and alternate with",
    )
    parser.add_argument("--explain", type=int, default=0, help="plans of the N slowest queries")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="write a pyinstrument profile of 10 in-process requests per case to DIR (needs "
        "pyinstrument importable, e.g. PYTHONPATH=<a venv's site-packages>)",
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="write nothing to the database: read-only transactions, sessions in the cache only",
    )
    return parser.parse_args()


def setup_django(args) -> None:
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # production rendering; no query log kept per request
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    if args.server == "gunicorn":
        # Sessions this process writes carry a hash made with the secret key: the servers share it.
        os.environ["DJANGO_SECRET_KEY"] = os.environ.get("BENCH_PAGES_SECRET") or (
            secrets.token_urlsafe(40)
        )
    if args.read_only:
        # Inherited by the servers too (libpq reads it on every connection).
        read_only = "-c default_transaction_read_only=on"
        os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} {read_only}".strip()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    logging.disable(logging.INFO)
    if args.read_only:
        from django.conf import settings

        settings.SESSION_ENGINE = CACHE_SESSIONS  # before the first request builds the middleware


# --- The cases ------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    url: str
    membership: object = None  # staff
    portal: tuple | None = None  # (tenant, contact) for a portal customer
    expect: str = ""  # a piece of markup the answer must hold (the page really is the page)
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    other_ms: list[float] = field(default_factory=list)  # --compare-root's server
    queries: int = 0
    size: int = 0
    sql: list[tuple[float, str]] = field(default_factory=list)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _cursor(values: list) -> str:
    from crm.pagination import encode_cursor

    return encode_cursor(values)


def build_cases(tenant_slug: str, deep: int) -> tuple[list[Case], dict]:
    """The cases, with their ids taken from the generated data."""
    from django.db import transaction
    from django.db.models import Count
    from django.urls import reverse

    from crm.models import ContactEmail, Membership, Role, Tenant
    from crm.tenancy import tenant_context
    from followups.models import FollowUp
    from followups.selectors.lists import TODO_STATUSES
    from leads.models import Lead, LeadStatus
    from tickets.models import ACTIVE_STATUSES, Ticket, TicketMessage

    tenant = Tenant.objects.get(slug=tenant_slug)
    with transaction.atomic(), tenant_context(tenant):
        members = Membership.objects.select_related("user", "tenant")
        manager = members.filter(tenant=tenant, role=Role.MANAGER).order_by("pk").first()
        busiest = (
            Lead.objects.filter(tenant=tenant, status=LeadStatus.OPEN, owner__role=Role.REP)
            .values("owner")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        rep = members.get(tenant=tenant, pk=busiest["owner"])
        # A recent ticket on one of the rep's leads with a conversation in it.
        recent = list(
            Ticket.objects.filter(tenant=tenant, lead__owner=rep, contact__isnull=False)
            .order_by("-last_message_at", "-id")
            .values_list("pk", flat=True)[:400]
        )
        counts = dict(
            TicketMessage.objects.filter(tenant=tenant, ticket_id__in=recent)
            .values("ticket")
            .annotate(n=Count("id"))
            .values_list("ticket", "n")
        )
        ticket_id = max(recent, key=lambda pk: (min(counts.get(pk, 0), THREAD_MESSAGES), pk))
        ticket = Ticket.objects.select_related("lead").get(pk=ticket_id)
        lead = ticket.lead
        contact_id = ticket.contact_id
        # The portal customer: a contact with a job (open or won) and an email address.
        portal_lead = lead
        if lead.status not in (LeadStatus.OPEN, LeadStatus.WON) or not (
            ContactEmail.objects.filter(tenant=tenant, contact_id=lead.contact_id).exists()
        ):
            portal_lead = (
                Lead.objects.filter(
                    tenant=tenant,
                    owner=rep,
                    status__in=[LeadStatus.OPEN, LeadStatus.WON],
                    contact__emails__isnull=False,
                )
                .order_by("-pk")
                .first()
            )
        portal_contact = portal_lead.contact
        # Deep pages: the cursor the "Show more" link carries after `deep` rows.
        all_active = Ticket.objects.filter(tenant=tenant, status__in=ACTIVE_STATUSES).order_by(
            "-last_message_at", "-id"
        )
        deep_ticket = all_active.values_list("last_message_at", "id")[deep - 1 : deep].first()
        todo = FollowUp.objects.filter(tenant=tenant, status__in=TODO_STATUSES).order_by(
            "scheduled_at", "id"
        )
        deep_follow_up = todo.values_list("scheduled_at", "id")[deep - 1 : deep].first()
        facts = {
            "tenant": tenant,
            "manager": manager,
            "rep": rep,
            "rep_open": busiest["n"],
            "ticket": ticket_id,
            "messages": counts.get(ticket_id, 0),
            "leads": Lead.objects.filter(tenant=tenant).count(),
            "tickets": Ticket.objects.filter(tenant=tenant).count(),
            "follow_ups": FollowUp.objects.filter(tenant=tenant).count(),
        }
    m, r = manager, rep
    inbox = reverse("tickets:inbox")
    thread = reverse("tickets:detail", kwargs={"ticket_pk": ticket_id})
    follow_ups = reverse("followups:list")
    board = reverse("followups:board")
    contact = reverse("contacts:detail", kwargs={"contact_pk": contact_id})
    lead_page = reverse("leads:detail", kwargs={"lead_pk": lead.pk})
    portal = (tenant, portal_contact)
    cases = [
        Case("inbox list, manager (all, open or waiting)", inbox, m, expect="ticket-results"),
        Case("inbox list, manager, unassigned, high priority", inbox
             + "?view=unassigned&status=active&priority=high", m, expect="ticket-results"),
        Case("inbox list, manager, SLA breached", inbox + "?view=breached", m,
             expect="ticket-results"),
        Case("inbox list, manager, any status", inbox + "?view=all&status=any", m,
             expect="ticket-results"),
        Case("inbox list, rep (mine)", inbox, r, expect="ticket-results"),
        Case("inbox list, rep, my inboxes", inbox + "?view=all", r, expect="ticket-results"),
        Case(f"inbox thread ({facts['messages']} messages), manager", thread, m),
        Case(f"inbox thread ({facts['messages']} messages), rep", thread, r),
        Case("follow-up list, manager (team, to do)", follow_ups, m),
        Case("follow-up list, manager, overdue", follow_ups + "?when=overdue", m),
        Case("follow-up list, rep (mine, to do)", follow_ups, r),
        Case("follow-up board, manager", board, m),
        Case("follow-up board, rep", board, r),
        Case("contact page, manager", contact, m),
        Case("contact page, rep", contact, r),
        Case("lead page, manager", lead_page, m),
        Case("lead page, rep", lead_page, r),
        Case("portal home", reverse("portal:home"), portal=portal),
        Case("portal job page", reverse("portal:job", kwargs={"job_pk": portal_lead.pk}),
             portal=portal),
    ]  # fmt: skip
    if deep_ticket:
        cases.insert(
            4,
            Case(f"inbox list, manager, {deep:,} rows deep", inbox + "?after="
                 + _cursor(list(deep_ticket)), m, expect="ticket-results"),
        )  # fmt: skip
    if deep_follow_up:
        position = next(i for i, c in enumerate(cases) if c.name.startswith("follow-up list, rep"))
        cases.insert(
            position,
            Case(f"follow-up list, manager, {deep:,} rows deep", follow_ups + "?after="
                 + _cursor(list(deep_follow_up)), m),
        )  # fmt: skip
    return cases, facts


# --- Signing in -----------------------------------------------------------------------------------


def staff_session_key(membership) -> str:
    """A signed-in staff session with the tenant chosen, as the sign-in page leaves it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from crm.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(membership.user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
    session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
    session["membership_count"] = 1
    session.save()
    return session.session_key


def portal_session_key(tenant, contact) -> str:
    """A portal session for the customer, as their sign-in link makes it (bench/load/setup.py)."""
    from importlib import import_module

    from django.conf import settings
    from django.db import transaction

    from crm.models import ContactEmail
    from crm.tenancy import tenant_context
    from portal.addresses import SignInAddress
    from portal.auth import PortalSignIn, session_sign_in
    from portal.models import ChallengeChannel
    from portal.sessions import SIGNED_IN_AGE

    with transaction.atomic(), tenant_context(tenant):
        email = (
            ContactEmail.objects.filter(tenant=tenant, contact=contact)
            .order_by("-is_primary", "id")
            .values_list("email", flat=True)
            .first()
        )
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session.set_expiry(int(SIGNED_IN_AGE.total_seconds()))
        address = SignInAddress(ChallengeChannel.EMAIL, email.lower())
        session_sign_in(session, PortalSignIn(tenant, (contact.pk,), address))
        session.save()
        return session.session_key


def cookies_for(case: Case, keys: dict, *, secure: bool) -> dict[str, str]:
    """The cookies a browser would send for the case (production names them __Secure-…)."""
    prefix = "__Secure-" if secure else ""
    if case.portal is not None:
        tenant, contact = case.portal
        key = keys.setdefault(("portal", contact.pk), portal_session_key(tenant, contact))
        return {f"{prefix}threadline_portal": key}
    key = keys.setdefault(("staff", case.membership.pk), staff_session_key(case.membership))
    return {f"{prefix}sessionid": key}


# --- In-process requests --------------------------------------------------------------------------


class InProcess:
    def __init__(self):
        from django.test import Client

        self.clients: dict[int, object] = {}
        self.keys: dict = {}
        self.client_class = Client

    def client(self, case: Case):
        if id(case) not in self.clients:
            client = self.client_class()
            for name, value in cookies_for(case, self.keys, secure=False).items():
                client.cookies[name] = value
            self.clients[id(case)] = client
        return self.clients[id(case)]

    def get(self, case: Case, *, keep_sql: bool = False) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.client(case)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            cpu = time.process_time()
            started = time.perf_counter()
            response = client.get(case.url)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu) * 1000
        check(case, response.status_code, response.content)
        queries = captured.captured_queries
        case.queries = len(queries)
        case.size = len(response.content)
        if keep_sql:
            case.sql = [(float(q["time"]) * 1000, q["sql"]) for q in queries]
            return
        case.times_ms.append(elapsed)
        case.cpu_ms.append(cpu)
        case.sql_ms.append(sum(float(q["time"]) for q in queries) * 1000)


def check(case: Case, status: int, content: bytes) -> None:
    if status != 200:
        raise SystemExit(f"{case.name}: GET {case.url} answered {status}")
    if case.expect and case.expect.encode() not in content:
        raise SystemExit(f"{case.name}: GET {case.url} lacks {case.expect!r}")


# --- gunicorn -------------------------------------------------------------------------------------


class Gunicorn:
    """One sync worker serving `root` with production settings on `port`; server times from its
    access log."""

    def __init__(self, root: Path, port: int, log_dir: Path, *, read_only: bool = False):
        self.root, self.port = root, port
        self.access_log = log_dir / f"access-{port}.log"
        self.access_log.write_text("")
        self.read_at = 0
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "THREADLINE_SITE_URL": f"https://127.0.0.1:{port}",
            "COMMS_SANDBOX": "true",
            "LOG_LEVEL": "WARNING",
            "PRIVATE_MEDIA_ROOT": str(log_dir / "private"),
            "PYTHONUNBUFFERED": "1",
        }
        if read_only:
            self.env["DJANGO_SETTINGS_MODULE"] = "pages_bench_readonly_settings"
            self.env["PYTHONPATH"] = str(SITE)
        python = root / ".venv" / "bin" / "python"
        self.python = str(python if python.exists() else PYTHON)
        subprocess.run(  # noqa: S603  (our interpreter, fixed arguments)
            [self.python, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=root,
            env=self.env,
            check=True,
        )
        log = (log_dir / f"gunicorn-{port}.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603  (our interpreter and tools, fixed arguments)
            [
                self.python, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--worker-tmp-dir", "/dev/shm",  # noqa: S108  # nosec B108
                "--timeout", "60", "--keep-alive", "5",
                "--access-logfile", str(self.access_log),
                "--access-logformat", "%(U)s|%(s)s|%(D)s",
            ],
            cwd=root, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self._wait()

    def _wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn on {self.port} exited; see its log")
            try:
                self.fetch("/healthz", {})
                return
            except (OSError, SystemExit):
                time.sleep(0.5)
        raise SystemExit(f"gunicorn on {self.port} did not answer in {timeout:.0f} s")

    def fetch(self, path: str, cookies: dict) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={
                "X-Forwarded-Proto": "https",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            },
        )
        try:
            # Our own server on the loopback (bandit B310 warns about file:// and custom schemes).
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  # nosec B310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def server_ms(self) -> float:
        """gunicorn's own time for the last request (microseconds in the log)."""
        for _ in range(200):
            with self.access_log.open() as log:
                log.seek(self.read_at)
                lines = log.read().splitlines()
            if lines:
                self.read_at = self.access_log.stat().st_size
                return int(lines[-1].rsplit("|", 1)[1]) / 1000
            time.sleep(0.005)
        raise SystemExit(f"gunicorn on {self.port} logged no request")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


# Each render masks the CSRF token anew, and a reply form carries a fresh nonce.
CSRF_TOKEN = re.compile(
    rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|name="nonce" value=")[^"]+'
)


def comparable(body: bytes) -> bytes:
    return re.sub(rb"\s+", b" ", CSRF_TOKEN.sub(rb"\1-", body))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# --- The run --------------------------------------------------------------------------------------


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607  (git from PATH, fixed arguments)
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, {version}, shared_buffers {buffers}; "
        f"commit {commit}; load average before the run {load}"
    )


def explain(tenant, sql: str) -> str:
    from django.db import connection, transaction

    from crm.tenancy import tenant_context

    with transaction.atomic(), tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def profile(local: InProcess, cases: list[Case], out: Path) -> None:
    from pyinstrument import Profiler

    out.mkdir(parents=True, exist_ok=True)
    for number, case in enumerate(cases, 1):
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(10):
            local.get(case, keep_sql=True)
        profiler.stop()
        name = out / f"{number:02d}-{slug(case.name)}"
        name.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
        name.with_suffix(".html").write_text(profiler.output_html())
        print(f"  {case.name}: {name}.txt", flush=True)


def main() -> None:
    args = parse_args()
    setup_django(args)
    cases, facts = build_cases(args.tenant, args.deep)
    if args.only:
        cases = [case for case in cases if any(word in case.name for word in args.only)]
    if args.list:
        print("\n".join(case.name for case in cases))
        return
    print(machine())
    print(
        f"{args.tenant}: {facts['leads']:,} leads, {facts['tickets']:,} tickets, "
        f"{facts['follow_ups']:,} follow-ups; rep {facts['rep'].user.email} "
        f"({facts['rep_open']:,} open leads); thread T{facts['ticket']}",
        flush=True,
    )
    local = InProcess()
    for case in cases:  # untimed: warms templates and query shapes, counts the queries
        local.get(case, keep_sql=True)
    if args.profile:
        profile(local, cases, Path(args.profile))
        return
    servers: list[Gunicorn] = []
    log_dir = ROOT / ".data" / "bench-pages"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        if args.server == "gunicorn":
            servers.append(Gunicorn(ROOT, args.port, log_dir, read_only=args.read_only))
            if args.compare_root:
                other = Path(args.compare_root).resolve()
                servers.append(Gunicorn(other, args.port + 1, log_dir, read_only=args.read_only))
            keys: dict = {}
            cookies = {id(c): cookies_for(c, keys, secure=True) for c in cases}
            differ = []
            for case in cases:
                # Twice at most: a clock on the page ("22h 45m left") may turn between the two.
                for _ in range(2):
                    bodies = []
                    for server in servers:
                        status, body = server.fetch(case.url, cookies[id(case)])
                        check(case, status, body)
                        server.server_ms()
                        bodies.append(comparable(body))
                    if len(set(bodies)) == 1:
                        break
                if len(set(bodies)) > 1:
                    differ.append(case)
                    for server, body in zip(servers, bodies, strict=True):
                        (log_dir / f"{slug(case.name)}-{server.port}.html").write_bytes(body)
            if args.compare_root:
                print(
                    "Markup: the two servers answered the same for every page"
                    if not differ
                    else "Markup DIFFERS (without CSRF tokens) for: "
                    + ", ".join(case.name for case in differ)
                    + f" (both answers in {log_dir})",
                    flush=True,
                )
        for round_ in range(args.runs):
            for case in cases:
                if not servers:
                    local.get(case)
                    continue
                # Alternate which server goes first, so neither always follows the other.
                order = servers if round_ % 2 == 0 else list(reversed(servers))
                for server in order:
                    check(case, *server.fetch(case.url, cookies[id(case)]))
                    spent = server.server_ms()
                    (case.times_ms if server is servers[0] else case.other_ms).append(spent)
            print(f"  round {round_ + 1}/{args.runs}", end="\r", flush=True)
    finally:
        for server in servers:
            server.stop()
    print()
    print_table(args, cases)
    if args.explain:
        slowest = sorted(
            ((ms, sql, case) for case in cases for ms, sql in case.sql), key=lambda x: -x[0]
        )[: args.explain]
        for ms, sql, case in slowest:
            print(f"\n### {case.name}: {ms:.1f} ms\n\n{sql[:1500]}\n")
            print(explain(facts["tenant"], sql))


def print_table(args, cases: list[Case]) -> None:
    if args.server == "inprocess":
        print("| page | median ms | p95 ms | CPU ms (median) | SQL ms (median) | queries | KB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for c in cases:
            print(
                f"| {c.name} | {median(c.times_ms):.1f} | {p95(c.times_ms):.1f} | "
                f"{median(c.cpu_ms):.1f} | {median(c.sql_ms):.1f} | {c.queries} | "
                f"{c.size / 1024:.0f} |"
            )
        return
    if args.compare_root:
        print(
            f"Server time (gunicorn, 1 sync worker), this checkout vs {args.compare_root}, "
            "alternating"
        )
        print("| page | median ms | p95 ms | other: median ms | other: p95 ms | ratio | queries |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for c in cases:
            ratio = median(c.times_ms) / median(c.other_ms)
            print(
                f"| {c.name} | {median(c.times_ms):.1f} | {p95(c.times_ms):.1f} | "
                f"{median(c.other_ms):.1f} | {p95(c.other_ms):.1f} | {ratio:.2f} | {c.queries} |"
            )
        return
    print("Server time (gunicorn, 1 sync worker, DEBUG off)")
    print("| page | median ms | p95 ms | queries | KB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for c in cases:
        print(
            f"| {c.name} | {median(c.times_ms):.1f} | {p95(c.times_ms):.1f} | {c.queries} | "
            f"{c.size / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
