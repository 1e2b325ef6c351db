"""Time search at a million leads: the header search and each list's search box.

    python bench/search/time_search.py --tenant bench-big --runs 10

On the tenant made by bench/leads/generate.py (one contact, email and phone per lead). The first
run gives the tenant what the search needs besides: a few customers with accented names and known
numbers (José Peña, María González, through the services as staff create them) and, when the
tenant has no tickets, --tickets tickets (set-based SQL on the owner connection, as generate.py
writes its leads: a random lead's contact, a roofing subject) and ANALYZE.

Each case is one GET, signed in as a manager with Django's test Client (as bench/leads/time_list.py
does), requested once ("first") and then --runs times: the header search (/search/), the contact
list, the lead list, the follow-up customer picker and the inbox, for a full name, an accented
name typed without accents, a phone number in three formats, an email, a common prefix ("mar"),
a common surname, a ticket subject and a word nothing matches. It prints a Markdown table of
milliseconds per request, SQL time and the number of queries, then EXPLAIN (ANALYZE, BUFFERS) of
the search functions' statements (the inbox's message-text search among them) as they run
inside the functions (the owner's view of the same tenant) for a rare and a common term.
"""

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.time_list import client_for, machine, setup_django  # noqa: E402

NAMED = [
    ("José", "Peña", "+15550102233", "jose.pena@example.net"),
    ("María", "González", "+15550107788", "maria.g@example.net"),
]
SUBJECTS = [
    "Leaking skylight",
    "Shingles blown off",
    "Gutter quote",
    "Insurance claim photos",
    "Inspection appointment",
    "Invoice question",
    "Water stain on ceiling",
    "Metal roof estimate",
    "Warranty question",
    "Flashing repair",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=10, help="timed requests per case (10)")
    parser.add_argument("--tickets", type=int, default=300_000, help="tickets to add if none")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


@dataclass
class Case:
    name: str
    path: str
    params: dict
    first_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: int = 0

    @property
    def median(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[len(ordered) // 2]

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def sql_median(self) -> float:
        ordered = sorted(self.sql_ms)
        return ordered[len(ordered) // 2]


def prepare(tenant, manager, tickets: int) -> None:
    """The named customers (with a lead each) and the tickets, once per tenant."""
    from django.db import connections, transaction

    from crm.models import Contact
    from crm.services.contacts import contact_create
    from crm.tenancy import tenant_context
    from leads.models import Pipeline
    from leads.services.leads import lead_create
    from tickets.models import Inbox, Ticket
    from tickets.services.configuration import inbox_save

    with transaction.atomic(), tenant_context(tenant):
        pipeline = Pipeline.objects.filter(tenant=tenant).order_by("pk").first()
        for first, last, phone, email in NAMED:
            if Contact.objects.filter(tenant=tenant, first_name=first, last_name=last).exists():
                continue
            contact = contact_create(
                tenant=tenant,
                actor=manager.user,
                first_name=first,
                last_name=last,
                emails=[email],
                phones=[phone],
            )
            lead_create(
                tenant=tenant,
                actor=manager.user,
                contact=contact,
                pipeline=pipeline,
                owner=manager,
                notify_owner=False,
                announce=False,
            )
        inbox = Inbox.objects.filter(tenant=tenant).order_by("pk").first() or inbox_save(
            tenant=tenant, actor=manager.user, name="Sales"
        )
        have = Ticket.objects.filter(tenant=tenant).exists()
    if have or not tickets:
        return
    started = time.perf_counter()
    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO tickets_ticket (tenant_id, number, inbox_id, contact_id, lead_id, subject,
                status, priority, priority_reason, created_at, updated_at, last_message_at,
                last_message_snippet, last_message_channel, last_message_direction, sla_target,
                escalation_level)
            SELECT %(tenant)s, 100000 + row_number() OVER (ORDER BY l.id), %(inbox)s,
                   l.contact_id, l.id, (%(subjects)s::text[])[1 + l.id %% %(n)s], 'resolved',
                   'normal', '', l.created_at, l.created_at, l.created_at + interval '1 day',
                   'Thanks, we will be in touch.', 'email', 'out', '', 0
            FROM leads_lead l
            WHERE l.tenant_id = %(tenant)s AND random() < %(share)s
            """,
            {
                "tenant": tenant.pk,
                "inbox": inbox.pk,
                "subjects": SUBJECTS,
                "n": len(SUBJECTS),
                "share": tickets / 1_000_000,
            },
        )
        added = cursor.rowcount
        cursor.execute("ANALYZE tickets_ticket")
    print(f"added {added:,} tickets in {time.perf_counter() - started:.0f} s")


def sample_customer(tenant) -> tuple[str, str, str]:
    """A generated customer's full name, national phone and email (lead number 1000)."""
    from django.db import transaction

    from crm.tenancy import tenant_context
    from leads.models import Lead

    with transaction.atomic(), tenant_context(tenant):
        lead = (
            Lead.objects.filter(tenant=tenant)
            .select_related("contact")
            .prefetch_related("contact__emails", "contact__phones")
            .order_by("number")[1000]
        )
        contact = lead.contact
        return (
            f"{contact.first_name} {contact.last_name}",
            contact.phones.all()[0].number.as_national,
            contact.emails.all()[0].email,
        )


def build_cases(tenant) -> list[Case]:
    name, phone, email = sample_customer(tenant)
    digits = "".join(ch for ch in phone if ch.isdigit())
    terms = [
        ("full name", name),
        ("accented name typed plain", "jose pena"),
        ("phone (555) 010-2233", "(555) 010-2233"),
        ("phone 555.010.2233", "555.010.2233"),
        ("phone +1…", f"+1{digits}"),
        ("email", email),
        ("common prefix", "mar"),
        ("common surname", "smith"),
        ("ticket subject", "skylight"),
        ("no match", "qzxv"),
    ]
    cases = [Case(f"header: {label} '{text}'", "/search/", {"q": text}) for label, text in terms]
    for label, text in (terms[0], terms[1], terms[4], terms[6]):
        cases += [
            Case(f"contacts: {label} '{text}'", "/contacts/", {"q": text}),
            Case(f"leads: {label} '{text}'", "/leads/", {"q": text, "scope": "all"}),
            Case(f"picker: {label} '{text}'", "/followups/new/", {"contact_q": text}),
            Case(f"inbox: {label} '{text}'", "/inbox/", {"q": text, "view": "all"}),
        ]
    return cases


def run_case(client, case: Case, runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"{case.path}?{urlencode(case.params)}"

    def get() -> float:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{case.name}: GET {url} answered {response.status_code}")
        case.queries = len(captured.captured_queries)
        case.sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        return elapsed

    case.first_ms = get()
    case.sql_ms.pop()
    case.times_ms = [get() for _ in range(runs)]


def explain_functions(tenant, texts: list[str]) -> None:
    """EXPLAIN ANALYZE of each search function's body with a term's arguments, on the owner
    connection (the function runs as the owner) with the tenant set as a request sets it."""
    from django.db import connections, transaction

    from crm.kit.search import contact_search_params, prefix_terms

    owner = connections["owner"]
    for function in (
        "threadline_contact_search(tsquery,text)",
        "threadline_ticket_search(tsquery)",
        # The inbox's search of the messages' text (tickets migration 0005).
        "threadline_ticket_message_search(tsquery)",
    ):
        with transaction.atomic(using="owner"), owner.cursor() as cursor:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE oid = %s::regprocedure", [function])
            body = cursor.fetchone()[0].strip().rstrip(";")
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant.pk)])
            for text in texts:
                terms, reversed_digits = contact_search_params(text) or [prefix_terms(text), ""]
                sql = body.replace("@@ query", "@@ to_tsquery('simple', %(terms)s)")
                sql = sql.replace("digits_reversed", "%(digits)s")
                params = {"terms": terms, "digits": reversed_digits}
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                print(f"\n### {function}, '{text}'\n\n```\n{plan}\n```")


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import transaction

    from crm.models import Membership, Role, Tenant
    from crm.tenancy import tenant_context
    from leads.models import Lead

    print(machine())
    tenant = Tenant.objects.get(slug=args.tenant)
    with transaction.atomic(), tenant_context(tenant):
        manager = (
            Membership.objects.filter(tenant=tenant, role=Role.MANAGER)
            .select_related("user", "tenant")
            .order_by("pk")
            .first()
        )
        leads = Lead.objects.filter(tenant=tenant).count()
    prepare(tenant, manager, args.tickets)
    with transaction.atomic(), tenant_context(tenant):
        from crm.models import Contact
        from tickets.models import Ticket

        contacts = Contact.objects.filter(tenant=tenant).count()
        tickets = Ticket.objects.filter(tenant=tenant).count()
    print(f"{args.tenant}: {leads:,} leads, {contacts:,} contacts, {tickets:,} tickets")
    cases = build_cases(tenant)
    if args.only:
        cases = [case for case in cases if args.only in case.name]
    client = client_for(manager)
    client.get("/search/?q=warm+up")  # the URL map and the templates, before anything counts
    random.seed(1)
    for case in cases:
        run_case(client, case, args.runs)
        print(
            f"  {case.name}: first {case.first_ms:.0f} ms, median {case.median:.0f} ms, "
            f"p95 {case.p95:.0f} ms, SQL {case.sql_median:.0f} ms, {case.queries} queries",
            flush=True,
        )
    print()
    print("| case | first ms | median ms | p95 ms | SQL ms (median) | queries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        print(
            f"| {case.name} | {case.first_ms:.0f} | {case.median:.0f} | {case.p95:.0f} | "
            f"{case.sql_median:.0f} | {case.queries} |"
        )
    explain_functions(tenant, ["jose pena", "(555) 010-2233", "mar", "skylight"])


if __name__ == "__main__":
    main()
