"""Make the bench data set in one command: tenants with their leads and all their activity.

    python bench/make_dataset.py                       # bench-big (1,000,000) and bench-small (50,000)
    python bench/make_dataset.py --tenant bench-big:1000000 --tenant bench-small:50000 --reset

Run it through `scripts/devenv.py run --` (bench/README.md, or `make bench-data`). For each tenant
it does what bench/leads/generate.py and then bench/dashboards/generate_activity.py did, with the
same SQL for the rows, so the data has the same shape and distributions:

1. the small set-up through the ORM and the services as the app role (tenant, team, brand,
   pipelines, sources, follow-up types, SLA policies, the "Sales" inbox);
2. the secondary indexes of the fourteen bulk tables are dropped (when the load is at least as
   large as the leads already there), and rebuilt at the end;
3. the volume in chunks of leads (`--chunk`), each chunk one transaction of set-based SQL on an
   owner connection of its own; `--jobs` connections (2) take the chunks in turn, so both cores
   work. A chunk is a pure function of the seed and its range of lead numbers: lead number n gets
   id, contact id and property id base + n (the sequences are moved past the ranges first), its
   creation time is the n-th stratum of the same three-year distribution (so numbers follow
   creation, as before, without a global sort), and every 20th lead of 45 a ticket, numbered in
   lead order. First the leads of every chunk, then their activity, while the other connection
   builds the leads' indexes;
4. per table: VACUUM, then its indexes, then ANALYZE, spread over the same connections;
5. the first builds in FIRST_BUILDS (the dashboard's rollups), the longest first, each as soon
   as the tables it reads are analyzed (while the pool still indexes the other tables). The
   foreign keys of the rollups' tables are dropped before and added back after them: one
   set-based check per key instead of one check per row written (about 7.5 million at a million
   leads);
6. beside the builds still running, once the pool is done: the checks of both old scripts (200
   leads compared with the application's search document and priority score, the rows read back
   as the app role in the tenant's context, none visible from another tenant) and VACUUM
   (ANALYZE) of every table the builds do not write; after the builds, that of the rollups'
   tables, then their rows of a few random months against the live counts.

A failed run puts back every index and foreign key it dropped; its half-written tenant goes with
`--reset`.
"""

import argparse
import importlib
import json
import os
import random
import sys
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboards import generate_activity as activity_sql  # noqa: E402
from bench.leads import generate as leads_sql  # noqa: E402

DEFAULT_TENANTS = ["bench-big:1000000", "bench-small:50000"]

# Called as f(tenant=tenant) for each tenant as soon as the bulk tables it reads are written,
# indexed and analyzed (while the other tables are still being indexed): the first build of
# anything the pages keep (rollups). Add a dotted path here, with the bulk tables it reads, when
# a new kept table needs its history built before the first benchmark. The longest first (at a
# million leads: the period rollup about 65 s, the stage flow 45 s, the team 22 s, the activity
# 7 s): those that read activity tables start in this order, and the activity tables are indexed
# and analyzed in the order these builds read them, so the longest is not left to run alone at
# the end.
FIRST_BUILDS = {
    "dashboards.services.period_rollups.period_roll_up": ["leads_lead", "leads_quote"],
    "dashboards.services.rollups.stage_flow_roll_up": ["leads_lead", "leads_stagevisit"],
    "dashboards.services.team_rollup.team_roll_up": [
        "leads_lead", "followups_followup", "tickets_ticket", "tickets_slaevent",
    ],
    "dashboards.services.rollups.activity_roll_up": [
        "leads_lead", "crm_timelineevent", "tickets_ticket", "tickets_ticketmessage",
    ],
}  # fmt: skip

# Rollup checks: this many random months of each tenant, the stored rows against the live count.
CHECKED_MONTHS = 3

# The tables FIRST_BUILDS write (the dashboard's rollups) start with this.
ROLLUP_TABLE_PREFIX = "dashboards_"

LEAD_TABLES = leads_sql.BULK_TABLES
ACTIVITY_TABLES = activity_sql.ACTIVITY_TABLES
BULK_TABLES = LEAD_TABLES + ACTIVITY_TABLES

# A ticket for 45 of every 100 leads (generate_activity.py drew 45 % at random): lead n has one
# when TICKETS_PER_100 * n // 100 steps up, and that step is its ticket's ordinal.
TICKETS_PER_100 = 45

# generate.py's plan, per chunk: the creation time of lead n is drawn in the n-th of N equal
# strata of the same distribution, so ordering by number orders by creation, and ids are
# base + n instead of a sequence call after a sort of the whole tenant.
CHUNK_PLAN_SQL = """
CREATE TEMP TABLE bench_plan AS
WITH base AS (
    SELECT n,
           %(now)s::timestamptz - interval '1095 days'
               * (1.5 - sqrt(0.25 + 2 * ((n - 1 + random()) / %(leads)s))) AS created_at,
           random() AS u_status, random() AS u_pipeline, random() AS u_owner, random() AS u_source,
           random() AS u_stage, random() AS u_time, random() AS u_time2, random() AS u_touch,
           random() AS u_value, random() AS u_value2, random() AS u_place, random() AS u_misc,
           random() AS u_type, random() AS u_reason, random() AS u_follow, random() AS u_first,
           random() AS u_last, random() AS u_company, random() AS u_email, random() AS u_domain,
           random() AS u_channel, random() AS u_city, random() AS u_street, random() AS u_phone,
           random() AS u_title, random() AS u_cost
    FROM generate_series(%(n_from)s::bigint, %(n_to)s::bigint) AS n
), numbered AS (
    SELECT b.*,
           CASE WHEN b.u_pipeline < %(share0)s THEN 0
                WHEN b.u_pipeline < %(share1)s THEN 1 ELSE 2 END AS pipeline_index,
           %(now)s::timestamptz - b.created_at AS age,
           %(lead_base)s + b.n AS lead_id,
           %(contact_base)s + b.n AS contact_id,
           %(first_number)s + b.n AS number
    FROM base b
), statused AS (
    SELECT nb.*,
           CASE WHEN nb.age < interval '14 days' THEN
                    CASE WHEN nb.u_status < 0.85 THEN 'open' WHEN nb.u_status < 0.90 THEN 'won'
                         ELSE 'lost' END
                WHEN nb.age < interval '90 days' THEN
                    CASE WHEN nb.u_status < 0.45 THEN 'open' WHEN nb.u_status < 0.70 THEN 'won'
                         ELSE 'lost' END
                ELSE CASE WHEN nb.u_status < 0.12 THEN 'open' WHEN nb.u_status < 0.56 THEN 'won'
                          ELSE 'lost' END
           END AS status
    FROM numbered nb
), staged AS (
    SELECT nb.*, p.pipeline_id, p.template, p.lead_type AS pipeline_type, p.lost_stage_id,
           CASE nb.status
               WHEN 'open' THEN floor(p.open_stages * power(nb.u_stage, 1.3))::int
               WHEN 'won' THEN
                   CASE WHEN nb.age > interval '180 days' AND nb.u_stage < 0.9
                        THEN p.open_stages + p.won_stages - 1
                        ELSE p.open_stages + floor(p.won_stages * nb.u_stage)::int END
               ELSE floor(p.open_stages * nb.u_stage)::int
           END AS path_position
    FROM statused nb JOIN bench_pipeline p ON p.pipeline_index = nb.pipeline_index
)
SELECT s.*,
       CASE WHEN s.u_place < (CASE WHEN s.pipeline_type = 'commercial' THEN 0.95 ELSE 0.75 END)
            THEN %(property_base)s + s.n END AS property_id,
       CASE WHEN s.pipeline_type = 'residential' AND s.u_type < 0.03 THEN 'commercial'
            ELSE s.pipeline_type END AS lead_type
FROM staged s ORDER BY s.lead_id
"""

# generate.py's third planning statement (times, stage, owner, source, names, address) as is.
_PLAN_STATEMENTS = leads_sql.PLAN_SQL.split(";\n\n")
assert _PLAN_STATEMENTS[2].lstrip().startswith("CREATE TEMP TABLE bench_lead AS")  # noqa: S101
LEAD_SQL = _PLAN_STATEMENTS[2]

# generate_activity.py's lifetimes, for the chunk's leads only.
_ACT_LEADS = "WHERE l.tenant_id = %(tenant)s\nORDER BY l.id;"
assert activity_sql.LEADS_SQL.count(_ACT_LEADS) == 1  # noqa: S101
ACT_LEADS_SQL = activity_sql.LEADS_SQL.replace(
    _ACT_LEADS,
    "WHERE l.tenant_id = %(tenant)s AND l.id BETWEEN %(lead_first)s AND %(lead_last)s\n"
    "ORDER BY l.id;",
)

# generate_activity.py's tickets, with the id and number from the lead's number (see above).
CHUNK_TICKETS_SQL = """
CREATE TEMP TABLE act_ticket AS
SELECT a.lead_id, a.contact_id, a.assignee_id, a.user_id, a.title, a.status AS lead_status,
       %(ticket_base)s + %(per_100)s * (a.lead_id - %(lead_base)s) / 100 AS ticket_id,
       %(first_ticket)s + %(per_100)s * (a.lead_id - %(lead_base)s) / 100 AS number,
       a.created_at + (a.active_until - a.created_at) * 0.3 * power(random(), 2) AS opened_at,
       a.active_until, 1 + floor(a.u_pairs * 3.6)::int AS exchanges,
       CASE WHEN a.u_channel < 0.6 THEN 'email' WHEN a.u_channel < 0.95 THEN 'sms'
            ELSE 'whatsapp' END AS channel,
       CASE WHEN a.u_priority < 0.03 THEN 'urgent' WHEN a.u_priority < 0.15 THEN 'high'
            WHEN a.u_priority < 0.95 THEN 'normal' ELSE 'low' END AS priority
FROM act_lead a
WHERE %(per_100)s * (a.lead_id - %(lead_base)s) / 100
      > %(per_100)s * (a.lead_id - %(lead_base)s - 1) / 100
ORDER BY a.created_at, a.lead_id"""
_EXCHANGES = activity_sql.EXCHANGES_SQL.split(";\n\n", 1)
assert _EXCHANGES[0].lstrip().startswith("CREATE TEMP TABLE act_ticket AS")  # noqa: S101
EXCHANGES_SQL = CHUNK_TICKETS_SQL + ";\n\n" + _EXCHANGES[1]

ACTIVITY_STEPS = [
    ("follow-ups", activity_sql.FOLLOW_UPS_SQL),
    ("timeline events", activity_sql.TIMELINE_SQL),
    ("ticket exchanges (plan)", EXCHANGES_SQL),
    ("tickets", activity_sql.TICKETS_SQL),
    ("ticket messages", activity_sql.MESSAGES_SQL),
    ("SLA events", activity_sql.SLA_EVENTS_SQL),
    ("neglect flags", activity_sql.NEGLECT_SQL),
    ("quotes", activity_sql.QUOTES_SQL),
]

LEAD_TEMP_TABLES = "bench_plan, bench_lead, bench_row"
LOOKUP_TEMP_TABLES = (
    "bench_stage, bench_pipeline, bench_member, bench_source, bench_reason, bench_word, bench_city"
)
ACTIVITY_TEMP_TABLES = "act_lead, act_quote_stage, act_ticket, act_exchange"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tenant",
        action="append",
        metavar="SLUG:LEADS",
        help="a tenant and its number of leads, repeatable "
        "(default: bench-big:1000000 and bench-small:50000)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="delete the tenants and their bench users first"
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 2, help="owner connections working at once"
    )
    parser.add_argument("--chunk", type=int, default=100_000, help="leads per chunk (100,000)")
    parser.add_argument("--seed", type=float, default=leads_sql.SEED, help="random seed in [-1, 1]")
    parser.add_argument("--no-activity", action="store_true", help="leads only, no activity")
    parser.add_argument(
        "--no-first-builds", action="store_true", help="skip FIRST_BUILDS (the rollups)"
    )
    parser.add_argument(
        "--show-below", type=float, default=1.0, help="print only tasks that take longer (1 s)"
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    args = parser.parse_args(argv)
    tenants = []
    for spec in args.tenant or DEFAULT_TENANTS:
        slug, _, leads = spec.partition(":")
        if not slug or not leads.isdigit() or not 0 < int(leads) <= 20_000_000:
            parser.error(f"--tenant {spec}: give SLUG:LEADS with 1 to 20,000,000 leads")
        tenants.append((slug, int(leads)))
    if len({slug for slug, _ in tenants}) < len(tenants):
        parser.error("each --tenant once")
    args.tenants = tenants
    args.jobs = max(1, args.jobs)
    args.chunk = max(1, args.chunk)
    return args


# --- Timing: wall clock, and the database's own CPU (what the neighbours do not change) -------


class Steps:
    """Records each task's wall time and its backend's CPU seconds; prints as they finish."""

    def __init__(self, quiet_below: float = 0.0):
        self.started = time.perf_counter()
        # Tasks shorter than this are only counted (a run has over a hundred index builds).
        self.quiet_below = quiet_below
        self.lock = threading.Lock()
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}

    def done(self, group: str, label: str, wall: float, cpu: float | None) -> None:
        with self.lock:
            self.wall[group] = self.wall.get(group, 0.0) + wall
            if cpu is not None:
                self.cpu[group] = self.cpu.get(group, 0.0) + cpu
            if wall < self.quiet_below:
                return
            at = time.perf_counter() - self.started
            cpu_text = f", {cpu:.1f} s CPU" if cpu is not None else ""
            print(f"  [{at:6.1f} s] {label}: {wall:.1f} s{cpu_text}", flush=True)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def backend_cpu(pid: int) -> float | None:
    """CPU seconds of a local PostgreSQL backend (None when the server is elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- Owner connections ----------------------------------------------------------------------


class Owner:
    """One owner connection of the pool, set up for bulk work."""

    def __init__(self, settings: dict):
        import psycopg

        self.conn = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,
            # Client-side binding, as Django's cursors: the statements are shared with them.
            cursor_factory=psycopg.ClientCursor,
        )
        self.cursor = self.conn.cursor()
        cur = self.cursor
        # Before the first temporary table of the session: a chunk's plan stays in memory.
        cur.execute("SET temp_buffers = '1GB'")
        cur.execute("SET work_mem = '256MB'")
        # PostgreSQL's default. More was slower here: the leads' search GIN index took 14 % less
        # time with 256 MB than with 2 GB and less again with 64 MB, the stage visits' btree
        # about 15 % less with 64 MB than with 1 GB (a larger sort or key tree leaves the CPU's
        # caches).
        cur.execute("SET maintenance_work_mem = '64MB'")
        # The pool's connections are the parallelism; helpers would only compete with them.
        cur.execute("SET max_parallel_maintenance_workers = 0")
        cur.execute("SET max_parallel_workers_per_gather = 0")
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET jit = off")
        cur.execute("SELECT pg_backend_pid(), rolsuper FROM pg_roles WHERE rolname = current_user")
        self.pid, superuser = cur.fetchone()
        if superuser:
            # Foreign keys hold by construction (ids are handed out from the sequences).
            cur.execute("SET session_replication_role = replica")
        cur.execute(
            "SELECT coalesce(string_agg(DISTINCT tgname, ','), '') FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgname LIKE 'pgtrigger%'"
        )
        # The audit triggers skip the bulk rows (generate.quiet_triggers, for the session).
        cur.execute(
            "SELECT set_config('pgtrigger.ignore', %s, false)", ["{" + cur.fetchone()[0] + "}"]
        )

    def cpu(self) -> float | None:
        return backend_cpu(self.pid)

    def close(self) -> None:
        self.conn.close()


class Pool:
    """`jobs` threads, each with its own owner connection, taking tasks in submission order.

    A task may wait for earlier tasks (its `after`); since tasks start in order, what it waits
    for has started already, so the pool never waits on itself."""

    def __init__(self, jobs: int, settings: dict, steps: Steps):
        self.settings = settings
        self.steps = steps
        self.local = threading.local()
        self.owners: list[Owner] = []
        self.owners_lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="dataset")
        self.futures: list[Future] = []

    def owner(self) -> Owner:
        if getattr(self.local, "owner", None) is None:
            self.local.owner = Owner(self.settings)
            with self.owners_lock:
                self.owners.append(self.local.owner)
        return self.local.owner

    def submit(self, group: str, label: str, work, after=()) -> Future:
        def run():
            for future in after:
                future.result()
            owner = self.owner()
            cpu = owner.cpu()
            start = time.perf_counter()
            work(owner.cursor)
            end_cpu = owner.cpu()
            self.steps.done(
                group,
                label,
                time.perf_counter() - start,
                None if cpu is None or end_cpu is None else end_cpu - cpu,
            )

        future = self.executor.submit(run)
        self.futures.append(future)
        return future

    def wait(self) -> None:
        done, _pending = wait(self.futures, return_when=FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                self.executor.shutdown(wait=True, cancel_futures=True)
                raise future.exception()
        self.futures = []

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        for owner in self.owners:
            owner.close()


# --- Per tenant: the set-up through the services, then the chunks' parameters ----------------


@dataclass
class TenantJob:
    slug: str
    leads: int
    tenant: object = None
    now: object = None
    first_number: int = 0
    lookups: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    activity: dict = field(default_factory=dict)


def reserve_ids(cursor, table: str, count: int) -> int:
    """Move the table's id sequence past `count` ids; returns the id before the first."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1 if count else first])
    return first - 1


def prepare(job: TenantJob, args, cursor) -> None:
    """The tenant through the services; the numbers and ids its chunks hand out."""
    from django.utils import timezone

    from crm.models import Brand
    from crm.tenancy import tenant_context
    from leads.models import LeadCounter
    from leads.selectors.settings import lead_settings_get, untouched_after

    name = f"{job.slug.replace('-', ' ').title()} Roofing"
    job.tenant = tenant = leads_sql.create_tenant(job.slug, name)
    job.now = timezone.now().replace(microsecond=0)
    with tenant_context(tenant):
        brand = Brand.objects.get(tenant=tenant, is_default=True)
        counter = LeadCounter.objects.filter(tenant=tenant).first()
        wait_for = untouched_after(lead_settings_get(tenant=tenant))
    job.first_number = counter.last_number if counter else 1000
    job.lookups = leads_sql.lookup_rows(tenant, job.now)
    job.params = {
        "now": job.now,
        "leads": job.leads,
        "first_number": job.first_number,
        "home_state": tenant.home_state,
        "untouched_after": wait_for,
        "tenant": tenant.pk,
        "brand": brand.pk,
        "lead_base": reserve_ids(cursor, "leads_lead", job.leads),
        "contact_base": reserve_ids(cursor, "crm_contact", job.leads),
        "property_base": reserve_ids(cursor, "crm_property", job.leads),
    }
    cursor.execute(
        "INSERT INTO leads_leadcounter (tenant_id, last_number) VALUES (%s, %s) "
        "ON CONFLICT (tenant_id) DO UPDATE SET last_number = EXCLUDED.last_number",
        [tenant.pk, job.first_number + job.leads],
    )
    if args.no_activity:
        return
    setup = activity_sql.set_up(tenant)
    cursor.execute(
        "SELECT coalesce(max(last_number), 1000) FROM tickets_ticketcounter WHERE tenant_id = %s",
        [tenant.pk],
    )
    first_ticket = cursor.fetchone()[0]
    tickets = TICKETS_PER_100 * job.leads // 100
    job.activity = {
        "tenant": tenant.pk,
        "now": job.now,
        "manager": setup["manager"],
        "manager_user": setup["manager_user"],
        "inbox": setup["inbox"],
        "types": json.dumps(setup["types"]),
        "policies": json.dumps(setup["policies"]),
        "lead_base": job.params["lead_base"],
        "ticket_base": reserve_ids(cursor, "tickets_ticket", tickets),
        "first_ticket": first_ticket,
        "per_100": TICKETS_PER_100,
    }
    cursor.execute(
        "INSERT INTO tickets_ticketcounter (tenant_id, last_number) VALUES (%s, %s) "
        "ON CONFLICT (tenant_id) DO UPDATE SET last_number = EXCLUDED.last_number",
        [tenant.pk, first_ticket + tickets],
    )


def chunk_seed(seed: float, tenant_index: int, chunk_index: int, part: int) -> float:
    """A seed in [-1, 1] per chunk, the same for the same run arguments."""
    mixed = (seed + 1) * 1000.0 + tenant_index * 97.31 + chunk_index * 0.618034 + part * 0.3137
    return (mixed % 2.0) - 1.0


def lead_chunk(job: TenantJob, n_from: int, n_to: int, seed: float):
    def work(cursor) -> None:
        params = dict(job.params, n_from=n_from, n_to=n_to)
        with cursor.connection.transaction():
            cursor.execute("SELECT setseed(%s)", [seed])
            params.update(leads_sql.write_lookup_tables(cursor, job.lookups))
            cursor.execute(CHUNK_PLAN_SQL, params)
            cursor.execute(LEAD_SQL, params)
            cursor.execute(leads_sql.LEAD_VALUES_SQL, params)
            for statement in leads_sql.INSERT_SQL.values():
                cursor.execute(statement, params)
            cursor.execute(f"DROP TABLE {LEAD_TEMP_TABLES}, {LOOKUP_TEMP_TABLES}")

    return work


def activity_chunk(job: TenantJob, n_from: int, n_to: int, seed: float):
    def work(cursor) -> None:
        base = job.params["lead_base"]
        params = dict(job.activity, lead_first=base + n_from, lead_last=base + n_to)
        with cursor.connection.transaction():
            cursor.execute("SELECT setseed(%s)", [seed])
            for statement in ACT_LEADS_SQL.split(";\n\n"):
                cursor.execute(statement, params)
            for _label, sql in ACTIVITY_STEPS:
                for statement in sql.split(";\n"):
                    if statement.strip():
                        cursor.execute(statement, params)
            cursor.execute(f"DROP TABLE {ACTIVITY_TEMP_TABLES}")

    return work


# --- Indexes ----------------------------------------------------------------------------------


def index_order(indexes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The slow builds first (GIN over text takes the longest), then the rest as listed."""
    return sorted(indexes, key=lambda item: (" USING gin " not in item[1], 0))


def restore_indexes(cursor, indexes: list[tuple[str, str]]) -> None:
    for _name, definition in indexes:
        cursor.execute(definition.replace(" INDEX ", " INDEX IF NOT EXISTS ", 1))


def is_rollup_table(table: str) -> bool:
    return table.startswith(ROLLUP_TABLE_PREFIX)


def rollup_foreign_keys(cursor) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key of the rollups' tables, quoted for SQL."""
    cursor.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace "
        "ORDER BY 1, 2"
    )
    return [key for key in cursor.fetchall() if is_rollup_table(key[0])]


def add_foreign_key(cursor, table: str, name: str, definition: str) -> None:
    """Add a dropped foreign key back; PostgreSQL checks the rows already there in one query."""
    cursor.execute(
        "SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass AND quote_ident(conname) = %s",
        [table, name],
    )
    if cursor.fetchone() is None:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def run(args) -> None:
    from django.conf import settings
    from django.db import connections

    from crm.models import Tenant

    steps = Steps(quiet_below=args.show_below)
    total = sum(leads for _slug, leads in args.tenants)
    names = ", ".join(f"{slug} ({leads:,} leads)" for slug, leads in args.tenants)
    print(f"Making the bench data set: {names}; {args.jobs} connections, chunks of {args.chunk:,}")
    existing = [slug for slug, _ in args.tenants if Tenant.objects.filter(slug=slug).exists()]
    if existing and not args.reset:
        raise SystemExit(
            f"Tenant {', '.join(existing)} already exists: pass --reset to delete and make it "
            "again, or pick another --tenant."
        )
    clock = leads_sql.Clock()
    jobs = [TenantJob(slug, leads) for slug, leads in args.tenants]
    owner = connections["owner"]
    start = time.perf_counter()
    for job in jobs:
        if args.reset:
            leads_sql.reset_tenant(job.slug, clock)
        with owner.cursor() as cursor:
            prepare(job, args, cursor)
    steps.done("set-up", "tenants, teams, pipelines, sources, inboxes (services)",
               time.perf_counter() - start, None)  # fmt: skip

    with owner.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'leads_lead'::regclass")
        rebuild = total >= max(cursor.fetchone()[0], 0)
        tables = BULK_TABLES if not args.no_activity else LEAD_TABLES
        indexes = leads_sql.secondary_indexes(cursor, tables) if rebuild else []
        by_table: dict[str, list[tuple[str, str]]] = {}
        for name, definition in indexes:
            table = definition.split(" ON ", 1)[1].split()[0].removeprefix("public.")
            by_table.setdefault(table, []).append((name, definition))
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        # The rollups are written as the app role, which cannot turn the checks off for its
        # session as the pool's connections do: their keys are checked once, after the builds.
        foreign_keys = [] if args.no_first_builds else rollup_foreign_keys(cursor)
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    if indexes:
        print(f"  dropped {len(indexes)} secondary indexes of {len(by_table)} tables for the load")
    if foreign_keys:
        print(f"  dropped {len(foreign_keys)} foreign keys of the rollups' tables for the builds")

    pool = Pool(args.jobs, settings.DATABASES["owner"], steps)
    builds = None if args.no_first_builds else FirstBuilds(jobs, steps, args.jobs)
    checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checks")
    try:
        analyzed = build(pool, jobs, args, by_table)
        if builds is not None:
            # Each starts once the tables it reads are analyzed, while the pool indexes the rest.
            builds.start(analyzed, everything=list(pool.futures))
        pool.wait()
        print(f"  rows written, indexed and analyzed in {steps.elapsed():.0f} s")
        # Beside the builds still running: the checks of the rows, and the VACUUM (ANALYZE) of
        # every table they do not write.
        checked = [checks.submit(check_rows, jobs, args)]
        vacuum_tables(pool, owner, lambda table: not is_rollup_table(table))
        if builds is not None:
            builds.wait()
            print(f"  rollups built in {steps.elapsed():.0f} s")
            keys_back = [foreign_key_task(pool, *key) for key in foreign_keys]
            # The rollups' tables were analyzed empty, early: autovacuum may take many minutes to
            # see they filled up (or never, in a copy made with CREATE DATABASE … TEMPLATE, whose
            # counters start at zero), and plans read from the empty statistics meanwhile.
            rollups = vacuum_tables(pool, owner, is_rollup_table, after=keys_back)
            checked.append(checks.submit(check_all_rollups, jobs, args, after=rollups))
        pool.wait()
        for future in checked:
            future.result()
    except BaseException:
        print("  failed: putting the dropped indexes back", flush=True)
        pool.close()
        checks.shutdown(wait=True, cancel_futures=True)
        if builds is not None:
            builds.close()
        with owner.cursor() as cursor:
            restore_indexes(cursor, indexes)
            for key in foreign_keys:
                add_foreign_key(cursor, *key)
        raise
    pool.close()
    checks.shutdown(wait=True)
    print(f"Done in {steps.elapsed():.0f} s.")
    print()
    print(format_table(steps))
    print(
        f"Sign in as {leads_sql.member_email(jobs[0].slug, 'manager1')} or "
        f"{leads_sql.member_email(jobs[0].slug, 'rep01')} with the password "
        f"{leads_sql.BENCH_PASSWORD}."
    )


def format_table(steps: Steps) -> str:
    """Markdown: each step's summed task time and its database CPU (the server's own seconds)."""
    lines = ["| step | task time (s) | database CPU (s) |", "| --- | ---: | ---: |"]
    for group, wall in steps.wall.items():
        cpu = steps.cpu.get(group)
        lines.append(f"| {group} | {wall:.1f} | {'' if cpu is None else f'{cpu:.1f}'} |")
    lines.append(
        f"| **total, wall clock** | {steps.elapsed():.1f} | {sum(steps.cpu.values()):.1f} |"
    )
    return "\n".join(lines)


def build(pool: Pool, jobs: list[TenantJob], args, by_table: dict) -> dict[str, Future]:
    """Submit every task in the order that keeps both connections busy; returns each bulk
    table's ANALYZE (the end of its work)."""
    chunks = []
    for tenant_index, job in enumerate(jobs):
        for chunk_index, n_from in enumerate(range(1, job.leads + 1, args.chunk)):
            chunks.append(
                (tenant_index, chunk_index, job, n_from, min(n_from + args.chunk - 1, job.leads))
            )

    lead_done = [
        pool.submit(
            "leads",
            f"{job.slug}: leads {n_from:,}–{n_to:,} with contacts, properties, stage visits",
            lead_chunk(job, n_from, n_to, chunk_seed(args.seed, t, c, 0)),
        )
        for t, c, job, n_from, n_to in chunks
    ]
    # The small tables (pipelines, stages, members: autovacuum leaves tables under 50 rows) are
    # written by the set-up: analyzed once, early.
    pool.submit("ANALYZE", "ANALYZE the other tables", analyze_others)
    # Per table: VACUUM (hint bits, visibility map) before its indexes, ANALYZE after them. The
    # GIN builds of the leads' tables (the search documents: the longest builds) start as soon
    # as the leads are in; the activity chunks, the leads' other indexes with each table's
    # ANALYZE, then the activity tables' (in the order the first builds read them) follow.
    finished: dict[str, list[Future]] = {}
    analyzed: dict[str, Future] = {}
    for table in LEAD_TABLES:
        finished[table] = [
            pool.submit("VACUUM", f"VACUUM {table}", sql_task(f"VACUUM {table}"), after=lead_done)
        ]
        for name, definition in by_table.get(table, []):
            if " USING gin " in definition:
                finished[table].append(index_task(pool, name, definition, finished[table][:1]))
    activity_done = []
    if not args.no_activity:
        for (t, c, job, n_from, n_to), leads_in in zip(chunks, lead_done, strict=True):
            activity_done.append(
                pool.submit(
                    "activity",
                    f"{job.slug}: activity of leads {n_from:,}–{n_to:,}",
                    activity_chunk(job, n_from, n_to, chunk_seed(args.seed, t, c, 1)),
                    after=[leads_in],
                )
            )
    # Table by table, each analyzed as soon as its indexes are built: a first build waits only
    # for its own tables.
    for table in LEAD_TABLES:
        for name, definition in by_table.get(table, []):
            if " USING gin " not in definition:
                finished[table].append(index_task(pool, name, definition, finished[table][:1]))
        analyzed[table] = pool.submit(
            "ANALYZE", f"ANALYZE {table}", sql_task(f"ANALYZE {table}"), after=finished[table]
        )
    if not args.no_activity:
        tables = activity_order()
        for table in tables:
            finished[table] = [pool.submit("VACUUM", f"VACUUM {table}",
                                           sql_task(f"VACUUM {table}"), after=activity_done)]  # fmt: skip
        # Table by table, as the leads' tables.
        for table in tables:
            for name, definition in index_order(by_table.get(table, [])):
                finished[table].append(index_task(pool, name, definition, finished[table][:1]))
            analyzed[table] = pool.submit(
                "ANALYZE", f"ANALYZE {table}", sql_task(f"ANALYZE {table}"), after=finished[table]
            )
    return analyzed


def activity_order() -> list[str]:
    """The activity tables in the order FIRST_BUILDS reads them (the longest build's first), then
    the ones no build reads."""
    read = [table for tables in FIRST_BUILDS.values() for table in tables]
    return sorted(
        ACTIVITY_TABLES, key=lambda table: read.index(table) if table in read else len(read)
    )


def index_task(pool: Pool, name: str, definition: str, after: list[Future]) -> Future:
    return pool.submit("indexes", f"index {name}", sql_task(definition), after=after)


def foreign_key_task(pool: Pool, table: str, name: str, definition: str) -> Future:
    def work(cursor) -> None:
        add_foreign_key(cursor, table, name, definition)

    return pool.submit("foreign keys", f"foreign key {name}", work)


def sql_task(statement: str):
    def work(cursor) -> None:
        cursor.execute(statement)

    return work


def analyze_others(cursor) -> None:
    _analyze(cursor, [table for table in _tables(cursor) if table not in BULK_TABLES])


def vacuum_tables(pool: Pool, owner, which, after: list[Future] = ()) -> list[Future]:
    """VACUUM (ANALYZE) each table `which` takes (of all VACUUM would do: the catalogs' too),
    the largest first, on the pool's connections, as autovacuum would have by the time anyone
    reads them: the rollups, the set-up's small tables and the rows written after a table's own
    VACUUM get their hint bits, visibility map and statistics. Without it a load test on a data
    set just made is about one and a half times slower in every request; with it, as fast as any
    later run."""
    with owner.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind IN ('r', 'm') "
            "AND c.relpersistence <> 't' ORDER BY pg_total_relation_size(c.oid) DESC"
        )
        tables = [table for (table,) in cursor.fetchall() if which(table)]
    return [
        pool.submit(
            "VACUUM (ANALYZE)",
            f"VACUUM (ANALYZE) {table}",
            sql_task(f"VACUUM (ANALYZE) {table}"),
            after=after,
        )
        for table in tables
    ]


def check_rows(jobs: list[TenantJob], args) -> None:
    """Each tenant's rows as the app role, in its context (bench/leads/generate.py's and
    bench/dashboards/generate_activity.py's checks)."""
    from django.db import connections

    try:
        for job in jobs:
            leads_sql.mark_scores_current(job.tenant, job.now)
            print(f"Checking {job.slug} as the app role")
            leads_sql.check_as_app(job.tenant, job.now, job.leads, job.first_number)
            if not args.no_activity:
                activity_sql.count_as_app(job.tenant)
    finally:
        connections.close_all()


def check_all_rollups(jobs: list[TenantJob], args, after: list[Future]) -> None:
    """Each tenant's rollups against the live counts (check_rollups), once `after` is done."""
    from django.db import connections

    for future in after:
        future.result()
    try:
        for job in jobs:
            print(f"Checking {job.slug}'s rollups")
            check_rollups(job, random.Random(f"{args.seed}:{job.slug}"))
    finally:
        connections.close_all()


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return [table for (table,) in cursor.fetchall()]


def _analyze(cursor, tables: list[str]) -> None:
    for table in tables:
        cursor.execute(f'ANALYZE "{table}"')


class FirstBuilds:
    """FIRST_BUILDS for every tenant, as the app role in the tenant's context (as beat runs them),
    `workers` at a time: each (build, tenant) is its own transaction on its own connection, and
    starts once the bulk tables it reads are analyzed."""

    def __init__(self, jobs: list[TenantJob], steps: Steps, workers: int):
        self.jobs = jobs
        self.steps = steps
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="first-build")
        self.futures: list[Future] = []

    def start(self, analyzed: dict[str, Future], everything: list[Future]) -> None:
        def after(path: str) -> list[Future]:
            tables = FIRST_BUILDS[path]
            if all(table in analyzed for table in tables):
                return [analyzed[table] for table in tables]
            return everything  # a table this run does not write (--no-activity): wait for all

        # The longest first: the biggest tenant's, in FIRST_BUILDS' order.
        order = sorted(
            ((path, job) for job in self.jobs for path in FIRST_BUILDS),
            key=lambda item: (-item[1].leads, list(FIRST_BUILDS).index(item[0])),
        )
        self.futures = [
            self.executor.submit(self.one, path, job, after(path)) for path, job in order
        ]

    def one(self, path: str, job: TenantJob, after: list[Future]) -> None:
        from django.db import connection, connections, transaction

        from crm.tenancy import tenant_context

        for future in after:
            future.result()
        module, _, name = path.rpartition(".")
        function = getattr(importlib.import_module(module), name)
        start = time.perf_counter()
        try:
            with transaction.atomic(), tenant_context(job.tenant):
                with connection.cursor() as cursor:
                    # As the pool's: the builds run beside each other and the pool, so parallel
                    # helpers would only compete (and their CPU would not be counted).
                    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                    # A first build sorts and groups every stage visit of the tenant at once.
                    cursor.execute("SET LOCAL work_mem = '256MB'")
                    cursor.execute("SELECT pg_backend_pid()")
                    pid = cursor.fetchone()[0]
                cpu = backend_cpu(pid)
                result = function(tenant=job.tenant)
                end_cpu = backend_cpu(pid)
        finally:
            connections.close_all()
        self.steps.done(
            "first builds",
            f"{job.slug}: {path} → {result}",
            time.perf_counter() - start,
            None if cpu is None or end_cpu is None else end_cpu - cpu,
        )

    def wait(self) -> None:
        try:
            for future in self.futures:
                future.result()
        finally:
            self.executor.shutdown(wait=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def rollup_pairs(tenant, month, after) -> dict[str, tuple[dict, dict]]:
    """The rows the rollups stored for the local days [month, after), and the live count of the
    same days, each as {key: figures}: name -> (stored, live)."""
    from django.db.models.functions import TruncDate

    from dashboards.models import ActivityDay, LeadCohortDay, LostDay, StageFlowDay
    from dashboards.selectors.activity import ACTIVITY, activity_rows
    from dashboards.selectors.lost import lost_aggregates
    from dashboards.selectors.sources import cohort_aggregates
    from dashboards.selectors.stage_flow import flow_rows, local_midnight
    from dashboards.services.period_rollups import KEYS
    from leads.models import Lead, LeadStatus

    start, end = local_midnight(month, tenant), local_midnight(after, tenant)

    def stored(model, keys, figures) -> dict:
        rows = model.objects.filter(tenant=tenant, day__gte=month, day__lt=after)
        return {
            tuple(row[: len(keys)]): tuple(row[len(keys) :])
            for row in rows.values_list(*keys, *figures)
        }

    def counted(field, keys, aggregates, figures, **conditions) -> dict:
        rows = (
            Lead.objects.filter(tenant=tenant, **{f"{field}__gte": start, f"{field}__lt": end})
            .filter(**conditions)
            .annotate(day=TruncDate(field, tzinfo=tenant.zone))
            .order_by()
            .values(*keys)
            .annotate(**aggregates)
        )
        # Empty sums are stored as 0.
        return {
            tuple(row[key] for key in keys): tuple(row[name] or 0 for name in figures)
            for row in rows
        }

    flow_figures = ("entered", "left", "moved_on", "time_in_stage")
    return {
        "stage flow": (
            stored(StageFlowDay, ("day", "stage_id", "owner_id", "brand_id"), flow_figures),
            {
                key: tuple(getattr(flow, name) for name in flow_figures)
                for key, flow in flow_rows(tenant=tenant, start=start, end=end).items()
            },
        ),
        "activity": (
            stored(ActivityDay, ("day", "pipeline_id", "brand_id", "person_id"), ACTIVITY),
            {
                key: tuple(counts[name] for name in ACTIVITY)
                for key, counts in activity_rows(tenant=tenant, start=start, end=end).items()
            },
        ),
        "leads created": (
            stored(
                LeadCohortDay,
                ("day", *KEYS),
                ("leads", "cost", "won", "won_value", "not_our_work", "out_of_area"),
            ),
            counted(
                "created_at",
                ("day", *KEYS),
                cohort_aggregates(),
                (
                    "lead_count",
                    "cost_total",
                    "won_count",
                    "won_value_total",
                    "not_our_work_count",
                    "out_of_area_count",
                ),
            ),
        ),
        "leads lost": (
            stored(LostDay, ("day", "reason", *KEYS), ("lost", "value")),
            counted(
                "closed_at",
                ("day", "lost_reason", *KEYS),
                lost_aggregates(),
                ("lead_count", "value_total"),
                status=LeadStatus.LOST,
            ),
        ),
    }


def check_rollups(job: TenantJob, rng: random.Random) -> None:
    """On CHECKED_MONTHS random months: the rows the first builds stored are those the live
    counts of the dashboard's selectors give (stage flow, activity, leads created and lost)."""
    import datetime as dt

    from django.utils import timezone

    from crm.tenancy import tenant_context
    from dashboards.models import ActivityRollup, StageFlowRollup
    from leads.models import Lead

    def next_month(day: dt.date) -> dt.date:
        return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    tenant = job.tenant
    with tenant_context(tenant):
        oldest = Lead.objects.filter(tenant=tenant).earliest("created_at").created_at
        through = min(
            StageFlowRollup.objects.get(tenant=tenant).rolled_through,
            ActivityRollup.objects.get(tenant=tenant).rolled_through,
        )
        months = [timezone.localtime(oldest, tenant.zone).date().replace(day=1)]
        while next_month(months[-1]) <= through:
            months.append(next_month(months[-1]))
        for month in sorted(rng.sample(months, min(CHECKED_MONTHS, len(months)))):
            after = min(next_month(month), through + dt.timedelta(days=1))
            pairs = rollup_pairs(tenant, month, after)
            for name, (stored, live) in pairs.items():
                if stored != live:
                    raise SystemExit(
                        f"{job.slug}: the {name} rollup of {month:%Y-%m} differs from the live "
                        f"count ({len(stored)} rows stored, {len(live)} counted)"
                    )
            counts = ", ".join(f"{len(stored):,} {name}" for name, (stored, _) in pairs.items())
            print(f"  {month:%Y-%m}: the rollups' rows match the live counts ({counts})")


def main(argv=None) -> None:
    args = parse_args(argv)
    leads_sql.setup_django(args.database_url)
    run(args)


if __name__ == "__main__":
    main()
