"""Time the lead list (GET /leads/) at a million leads, as the app role with row-level security.

    python bench/leads/time_list.py --tenant bench-big --small-tenant bench-small --runs 20
    python bench/leads/time_list.py --server --runs 40 [--compare ../threadline-main]

With --server (what the issue measures) the app runs under gunicorn, one sync worker, with the
production settings (DEBUG off) plus a bench-only URLconf (bench/leads/site) that adds a plain Django
admin changelist of the same leads. Each round requests every case from the app and its admin
counterpart, alternating; the server time of each request is gunicorn's own (%(D)s in its access
log). It prints per case p50 and p95 of the server time, the page's SQL statements (counted once in
process with the test client) and the ratio to the admin changelist. --compare ROOT starts a second
gunicorn from another checkout (e.g. the main branch, with its own .venv) on the same database and
alternates it too, for before/after figures from one run.

Without --server:

Signs in a manager and the busiest rep of the tenant made by bench/leads/generate.py with Django's
test Client (the same session set-up as tests/conftest.py sign_in) and requests each case once
("first": a query shape and pages this run has not used yet) and then --runs times. It prints a
Markdown table of milliseconds per request, SQL time, the page's lead query and the number of
queries, then EXPLAIN (ANALYZE, BUFFERS) of the lead query of the slowest cases. DEBUG is off, as
in production; the connection is the app role (DATABASES["default"]), so every query pays for
row-level security as a request does.
"""

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
ROW_MARKER = '<tbody class="lead" id="lead-'
SITE = ROOT / "bench" / "leads" / "site"


def server_environment() -> dict:
    import secrets

    return {
        "DJANGO_SETTINGS_MODULE": "leadlist_bench_settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(SITE),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument(
        "--small-tenant", default="bench-small", help="a second, smaller tenant ('' to skip)"
    )
    parser.add_argument("--runs", type=int, default=20, help="timed requests per case (20)")
    parser.add_argument("--deep", type=int, default=20_000, help="rows before the deep page")
    parser.add_argument(
        "--explain", type=int, default=5, help="plans of the N slowest lead queries"
    )
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    parser.add_argument("--server", action="store_true", help="time the app under gunicorn")
    parser.add_argument("--compare", default="", help="--server: also time this checkout")
    parser.add_argument("--port", type=int, default=8731, help="--server: first port")
    return parser.parse_args()


def setup_django(database_url: str | None, server: bool = False) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if server:
        # The same settings, secret key and session store as the gunicorn processes: the sessions
        # signed in here are the cookies the HTTP requests carry.
        os.environ.update(server_environment())
        sys.path.insert(0, str(SITE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # production rendering; no query log kept per request
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    # Sessions in the cache alone (as bench/leads/site's settings have them): the data set is
    # read-only. Set before the first request builds the session middleware.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    logging.disable(logging.INFO)  # one sign-in line from axes per case would bury the figures


@dataclass
class Case:
    name: str
    membership: object
    params: dict
    first_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    queries: int = 0
    sql_ms: list[float] = field(default_factory=list)
    lead_ms: list[float] = field(default_factory=list)
    first_lead_ms: float = 0.0
    rows: int = 0
    main_sql: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_ms)

    @property
    def lead_median(self) -> float:
        return statistics.median(self.lead_ms)


def client_for(membership):
    """A test client whose session names `membership`, as tests/conftest.py sign_in makes it, but
    without signing in: the session lives in the cache (bench/leads/site's settings) and no
    last_login, axes record or session row is written to the data set, which is read-only."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        load_backend,
    )
    from django.test import Client

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(membership.user.pk)
    session[BACKEND_SESSION_KEY] = next(  # the one that reads the user back, as force_login picks
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    session[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
    session["active_membership_id"] = membership.pk
    session.save()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def cursor_at(tenant, membership, params: dict, offset: int) -> tuple[str, int]:
    """The `after` cursor that the "Show more" link carries once `offset` rows of the filtered,
    sorted list are shown (a negative offset counts from the end), and the list's length."""
    from django.db import transaction

    from crm.pagination import encode_cursor
    from crm.tenancy import tenant_context
    from leads.filters import LeadFilter
    from leads.selectors.lists import SORT_ORDERS, lead_queryset

    with transaction.atomic(), tenant_context(tenant):
        lead_filter = LeadFilter(
            params,
            queryset=lead_queryset(tenant=tenant),
            tenant=tenant,
            membership=membership,
        )
        filtered = lead_filter.qs  # validates the form, which sort_order reads
        order = SORT_ORDERS[lead_filter.sort_order]
        names = [name.lstrip("-") for name in order]
        leads = filtered.order_by(*order)
        total = leads.count()
        offset = offset if offset >= 0 else total + offset
        values = leads.values_list(*names)[min(offset, total) - 1]
        return encode_cursor(list(values)), total


def build_cases(tenant_slug: str, small_slug: str, deep: int) -> tuple[list[Case], dict]:
    """The cases, with their filter values taken from the generated data."""
    from django.db import transaction
    from django.db.models import Count

    from crm.models import Membership, Role, Tenant
    from crm.tenancy import tenant_context
    from leads.models import Lead, LeadSource, Pipeline, Stage

    tenant = Tenant.objects.get(slug=tenant_slug)
    with transaction.atomic(), tenant_context(tenant):
        manager = (
            Membership.objects.filter(tenant=tenant, role=Role.MANAGER)
            .select_related("user", "tenant")
            .order_by("pk")
            .first()
        )
        open_leads = Lead.objects.filter(tenant=tenant, status="open")
        busiest = (
            open_leads.filter(owner__role=Role.REP)
            .values("owner")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        rep = Membership.objects.select_related("user", "tenant").get(
            tenant=tenant, pk=busiest["owner"]
        )
        per_stage = {
            row["stage"]: row["n"]
            for row in open_leads.values("stage").annotate(n=Count("id")).order_by("-n")
        }
        stages = {s.pk: s for s in Stage.objects.filter(tenant=tenant).select_related("pipeline")}
        common_stage = stages[next(iter(per_stage))]
        rare_stage = stages[min(per_stage, key=per_stage.get)]
        source = LeadSource.objects.get(tenant=tenant, name="Referral")
        # The pipeline the rep has fewest open leads in: their list filtered by it walks all of
        # their open leads for a page (none, in the generated data).
        rep_per_pipeline = dict(
            open_leads.filter(owner=rep).values_list("pipeline").annotate(n=Count("id"))
        )
        rep_pipeline = min(
            Pipeline.objects.filter(tenant=tenant).order_by("pk"),
            key=lambda pipeline: rep_per_pipeline.get(pipeline.pk, 0),
        )
        sample = (
            open_leads.select_related("contact")
            .prefetch_related("contact__emails", "contact__phones")
            .order_by("number")[1000]
        )
        phone = sample.contact.phones.all()[0].number.as_national
        email = sample.contact.emails.all()[0].email
        facts = {
            "tenant": tenant,
            "manager": manager,
            "rep": rep,
            "rep_open": busiest["n"],
            "open": open_leads.count(),
            "per_stage": {
                f"{stages[pk].pipeline.name}: {stages[pk].name}": n for pk, n in per_stage.items()
            },
        }
    year_ago = dt.date.today() - dt.timedelta(days=400)
    created_range = {
        "created_from": year_ago.isoformat(),
        "created_to": (year_ago + dt.timedelta(days=30)).isoformat(),
    }
    deep_cursor, _ = cursor_at(tenant, manager, {}, deep)
    deep_aging_cursor, _ = cursor_at(tenant, manager, {"sort": "aging"}, deep)
    last_cursor, total = cursor_at(tenant, manager, {}, -30)
    m = manager
    cases = [
        Case("manager, page 1 (open, priority)", m, {}),
        Case(f"rep, page 1 (own {busiest['n']:,} open leads)", rep, {}),
        Case(f"manager, {deep:,} rows deep (priority)", m, {"after": deep_cursor}),
        Case(f"manager, last page ({total - 30:,} rows in)", m, {"after": last_cursor}),
        Case("manager, sort by aging", m, {"sort": "aging"}),
        Case(f"manager, sort by aging, {deep:,} rows deep", m,
             {"sort": "aging", "after": deep_aging_cursor}),
        Case("manager, sort by created", m, {"sort": "created"}),
        Case("rep, sort by aging", rep, {"sort": "aging"}),
        Case(f"rep, filter pipeline ({rep_pipeline.name}, "
             f"{rep_per_pipeline.get(rep_pipeline.pk, 0):,} of their open leads)", rep,
             {"pipeline": rep_pipeline.pk}),
        Case("rep, filter aging=orange", rep, {"aging": "orange"}),
        Case("manager, any status, page 1 (priority)", m, {"status": "all"}),
        Case("manager, any status, sort by created", m, {"status": "all", "sort": "created"}),
        Case("filter aging=red", m, {"aging": "red"}),
        Case("filter aging=orange", m, {"aging": "orange"}),
        Case(f"filter stage ({common_stage.name}, {per_stage[common_stage.pk]:,} open)", m,
             {"stage": common_stage.pk}),
        Case(f"filter stage, rare ({rare_stage.name}, {per_stage[rare_stage.pk]:,} open)", m,
             {"stage": rare_stage.pk}),
        Case(f"filter source ({source.name})", m, {"source": source.pk}),
        Case("filter priority=high", m, {"priority": "high"}),
        Case("filter lead_type=commercial", m, {"lead_type": "commercial"}),
        Case("filter created, 30 days a year ago", m, created_range),
        Case("search name prefix 'mar'", m, {"q": "mar"}),
        Case("search two words 'maria gonz'", m, {"q": "maria gonz"}),
        # The load test's other words (bench/load/locustfile.py SEARCHES): common surnames and
        # first names match thousands of leads, two words a few hundred.
        Case("search surname 'smith'", m, {"q": "smith"}),
        Case("search first name 'tyler'", m, {"q": "tyler"}),
        Case("search two words 'john wil'", m, {"q": "john wil"}),
        Case(f"search phone '{phone}'", m, {"q": phone}),
        Case(f"search email '{email}'", m, {"q": email}),
        Case("rep, search name prefix 'mar'", rep, {"q": "mar"}),
        # A rep's search of the load test's other words, and their own list of any status.
        Case("rep, search surname 'smith'", rep, {"q": "smith"}),
        Case("rep, search surname 'king'", rep, {"q": "king"}),
        Case("rep, any status, page 1 (priority)", rep, {"status": "all"}),
        Case("any status, search name prefix 'mar'", m, {"status": "all", "q": "mar"}),
    ]  # fmt: skip
    if small_slug:
        small = Tenant.objects.filter(slug=small_slug).first()
        if small is not None:
            with transaction.atomic(), tenant_context(small):
                small_manager = (
                    Membership.objects.filter(tenant=small, role=Role.MANAGER)
                    .select_related("user", "tenant")
                    .order_by("pk")
                    .first()
                )
                small_leads = Lead.objects.filter(tenant=small).count()
            cases.append(Case(f"{small_slug} ({small_leads:,} leads), manager page 1",
                              small_manager, {}))  # fmt: skip
    return cases, facts


def is_lead_query(sql: str) -> bool:
    """The page's own lead query (the one keyset pagination limits to a page and one more)."""
    return sql.startswith("SELECT") and 'FROM "leads_lead"' in sql and "LIMIT 51" in sql


def run_case(case: Case, runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = client_for(case.membership)
    url = reverse("leads:list") + ("?" + urlencode(case.params) if case.params else "")

    def get():
        connection.queries_log.clear()  # a full log (9,000 queries) would capture nothing
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{case.name}: GET {url} answered {response.status_code}")
        queries = captured.captured_queries
        case.queries = len(queries)
        case.sql_ms.append(sum(float(q["time"]) for q in queries) * 1000)
        lead_queries = [q for q in queries if is_lead_query(q["sql"])]
        case.lead_ms.append(sum(float(q["time"]) for q in lead_queries) * 1000)
        case.main_sql = lead_queries[0]["sql"] if lead_queries else ""
        return response, elapsed

    response, case.first_ms = get()
    case.first_lead_ms = case.lead_ms.pop()
    case.sql_ms.pop()
    case.rows = response.content.decode().count(ROW_MARKER)
    case.times_ms = [get()[1] for _ in range(runs)]


def explain(tenant, sql: str) -> str:
    """The plan of `sql` as a request runs it: app role, inside the tenant's context."""
    from django.db import connection, transaction

    from crm.tenancy import tenant_context

    with transaction.atomic(), tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, {version}, shared_buffers {buffers}; "
        f"load average before the run {load}"
    )


# --- Under gunicorn, against a plain admin changelist (--server) ---------------------------------

ADMIN = "/bench-admin/leads/lead/"
ACCESS_FORMAT = "%({x-bench}i)s|%(s)s|%(D)s"


def admin_params(params: dict, deep: int) -> dict:
    """The admin changelist request closest to a lead list case (same leads, sort, filter)."""
    found = {} if params.get("status") == "all" else {"status__exact": "open"}
    if params.get("after"):
        found["p"] = deep // 50 + 1
    if params.get("sort") == "aging":
        found["o"] = "11"  # stage_entered_at, ascending (the 11th column of list_display)
    if params.get("lead_type"):
        found["lead_type__exact"] = params["lead_type"]
    if params.get("q"):
        found["q"] = params["q"]
    return found


def start_gunicorn(root: Path, port: int, log: Path):
    import subprocess

    python = root / ".venv" / "bin" / "python"
    command = [
        str(python), "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-tmp-dir", "/dev/shm",  # noqa: S108  # nosec B108
        "--timeout", "60", "--access-logfile", str(log), "--access-logformat", ACCESS_FORMAT,
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603  (our interpreter, fixed arguments)
        command, cwd=root, env=os.environ | server_environment(), start_new_session=True,
        stdout=(log.parent / f"{log.stem}.out").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    return process


def http_get(port: int, path: str, cookie: str, tag: str) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request(
        "GET",
        path,
        headers={"Cookie": cookie, "X-Forwarded-Proto": "https", "X-Bench": tag},
    )
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def wait_until_up(port: int, cookie: str) -> None:
    for _ in range(240):
        try:
            http_get(port, "/leads/", cookie, "warmup")
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn on port {port} did not answer")


def server_main(args) -> None:
    import signal
    import tempfile

    from django.conf import settings

    print(machine())
    cases, facts = build_cases(args.tenant, args.small_tenant, args.deep)
    if args.only:
        cases = [case for case in cases if args.only in case.name]
    print(f"{args.tenant}: {facts['open']:,} open leads; the busiest rep has {facts['rep_open']:,}")
    # Statements per page, counted in process with this checkout's code.
    client_for(facts["manager"]).get("/leads/")
    for case in cases:
        run_case(case, 0)
    cookies = {}
    for case in cases:
        if case.membership.pk not in cookies:
            client = client_for(case.membership)
            cookies[case.membership.pk] = (
                f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
            )
    out = Path(tempfile.mkdtemp(prefix="leadlist-bench-"))
    apps = {"after": ROOT}
    if args.compare:
        apps = {"before": Path(args.compare).resolve(), **apps}
    ports = {name: args.port + i for i, name in enumerate(apps)}
    processes = {
        name: start_gunicorn(root, ports[name], out / f"{name}.log") for name, root in apps.items()
    }
    try:
        for name in apps:
            wait_until_up(ports[name], next(iter(cookies.values())))
        # Round 0 warms each case up (query plans, templates); the figures are rounds 1..runs.
        for round_ in range(args.runs + 1):
            for index, case in enumerate(cases):
                cookie = cookies[case.membership.pk]
                url = "/leads/" + ("?" + urlencode(case.params) if case.params else "")
                admin = ADMIN + "?" + urlencode(admin_params(case.params, args.deep))
                for name in apps:
                    status, _ = http_get(ports[name], url, cookie, f"{name}|{index}|{round_}")
                    if status != 200:
                        raise SystemExit(f"{name} {case.name}: GET {url} answered {status}")
                status, _ = http_get(ports["after"], admin, cookie, f"admin|{index}|{round_}")
                if status != 200:
                    raise SystemExit(f"admin {case.name}: GET {admin} answered {status}")
            print(f"  round {round_}/{args.runs} done", flush=True)
    finally:
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            process.wait(timeout=30)
    times: dict[tuple[str, int], list[float]] = {}
    for name in apps:
        for line in (out / f"{name}.log").read_text().splitlines():
            tag, _status, micros = line.rsplit("|", 2)
            parts = tag.split("|")
            if len(parts) != 3 or parts[2] == "0":
                continue
            times.setdefault((parts[0], int(parts[1])), []).append(int(micros) / 1000)

    def p50(values):
        return statistics.median(values)

    def p95(values):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    print(
        f"\ngunicorn, 1 sync worker each, production settings; {args.runs} rounds; ms of server time"
    )
    header = "| case | p50 | p95 | queries | admin p50 | ratio to admin |"
    rule = "| --- | ---: | ---: | ---: | ---: | ---: |"
    if "before" in apps:
        header = (
            "| case | before p50 | before p95 | p50 | p95 | queries | admin p50 | ratio to admin |"
        )
        rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    print(header)
    print(rule)
    for index, case in enumerate(cases):
        new, admin = times[("after", index)], times[("admin", index)]
        before = ""
        if "before" in apps:
            old = times[("before", index)]
            before = f"{p50(old):.1f} | {p95(old):.1f} | "
        print(
            f"| {case.name} | {before}{p50(new):.1f} | {p95(new):.1f} | {case.queries} | "
            f"{p50(admin):.1f} | {p50(new) / p50(admin):.2f} |"
        )
    print(f"\n(access logs in {out})")


def main() -> None:
    args = parse_args()
    setup_django(args.database_url, server=args.server)
    if args.server:
        server_main(args)
        return
    print(machine())
    cases, facts = build_cases(args.tenant, args.small_tenant, args.deep)
    if args.only:
        cases = [case for case in cases if args.only in case.name]
    print(f"{args.tenant}: {facts['open']:,} open leads; the busiest rep has {facts['rep_open']:,}")
    print("open leads per stage: " + ", ".join(f"{k} {v:,}" for k, v in facts["per_stage"].items()))
    # One throwaway request loads the URL map and compiles the templates before anything counts.
    client_for(facts["manager"]).get("/leads/")
    for case in cases:
        run_case(case, args.runs)
        print(
            f"  {case.name}: first {case.first_ms:.0f} ms, median {case.median:.0f} ms, "
            f"p95 {case.p95:.0f} ms, lead query {case.lead_median:.0f} ms, "
            f"{case.queries} queries, {case.rows} rows",
            flush=True,
        )
    print()
    print(
        "| case | first ms | median ms | p95 ms | all SQL ms (median) "
        "| lead query ms (first / median) | queries | rows |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        print(
            f"| {case.name} | {case.first_ms:.0f} | {case.median:.0f} | {case.p95:.0f} | "
            f"{case.sql_median:.0f} | {case.first_lead_ms:.0f} / {case.lead_median:.0f} | "
            f"{case.queries} | {case.rows} |"
        )
    for case in sorted(cases, key=lambda c: c.lead_median, reverse=True)[: args.explain]:
        print(f"\n### {case.name}\n")
        where = case.main_sql[case.main_sql.find(" WHERE ") :]
        print(f"…{where[:1500]}{'…' if len(where) > 1500 else ''}\n")
        print(explain(case.membership.tenant, case.main_sql) if case.main_sql else "(none)")


if __name__ == "__main__":
    main()
