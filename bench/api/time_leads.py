"""Time the REST API's lead list (GET /api/v1/leads/) at a million leads, in process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/threadline_bench \\
        .venv/bin/python scripts/devenv.py run -- .venv/bin/python bench/api/time_leads.py --runs 40

Makes a read key for the tenant (bench/make_dataset.py's `bench-big`), then requests each case
once ("first": a query shape this run has not used yet) and --runs times more with Django's test
Client and the key, as the app role with row-level security (the API's own transaction and tenant
context), DEBUG off. The cases are those of the lead list page: page 1 by priority, a page 20,000
rows deep (reached by following next_cursor), each sort, the aging, owner, stage, source and type
filters, won leads, and a search. Prints a Markdown table: p50 and p95 of the request in
milliseconds, the SQL statements per request and the rows answered. Revokes the key at the end.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big")
    parser.add_argument("--runs", type=int, default=40, help="timed requests per case (40)")
    parser.add_argument("--deep", type=int, default=20_000, help="rows before the deep page")
    parser.add_argument("--limit", type=int, default=50, help="leads per page (50)")
    return parser.parse_args()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    # The per-key limit (600 a minute) would answer 429 to a benchmark's loop.
    os.environ["THREADLINE_API_RATE_LIMIT"] = "1000000"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    logging.disable(logging.INFO)


def main() -> None:
    args = parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api.models import ApiKeyScope
    from api.services.keys import api_key_create, api_key_revoke
    from crm.models import Membership, Role, Tenant
    from crm.tenancy import tenant_context
    from leads.models import Lead, LeadSource, Stage

    tenant = Tenant.objects.get(slug=args.tenant)
    with tenant_context(tenant):
        admin = Membership.objects.filter(tenant=tenant, role=Role.ADMIN).first()
        created = api_key_create(
            tenant=tenant, actor=admin.user, name="bench/api/time_leads", scope=ApiKeyScope.READ
        )
        owner = (
            Lead.objects.filter(tenant=tenant, owner__isnull=False)
            .values_list("owner_id", flat=True)
            .order_by("owner_id")
            .first()
        )
        stage = Stage.objects.filter(pipeline__tenant=tenant).order_by("pk")[2]
        source = LeadSource.objects.filter(tenant=tenant).order_by("pk").first()
        leads = Lead.objects.filter(tenant=tenant).count()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {created.key}")
    limit = args.limit

    def get(params: dict):
        return client.get("/api/v1/leads/", {"limit": limit, **params})

    # The cursor of the page that starts --deep rows in (or of the last page, in a small tenant).
    deep_cursor, depth = "", 0
    response = get({})
    while depth < args.deep and (following := response.json()["next_cursor"]):
        deep_cursor, depth = following, depth + limit
        response = get({"cursor": deep_cursor})

    cases = {
        "page 1 (priority)": {},
        f"{depth:,} rows deep": {"cursor": deep_cursor},
        "sort: aging": {"sort": "aging"},
        "sort: created": {"sort": "created"},
        "aging: red": {"aging": "red"},
        "owner: one rep": {"owner": owner},
        "stage": {"stage": stage.pk},
        "source": {"source": source.pk if source else ""},
        "type: commercial": {"lead_type": "commercial"},
        "won": {"status": "won"},
        "search: a surname": {"q": "garcia"},
    }
    rows = []
    for name, params in cases.items():
        started = time.perf_counter()
        first = get(params)
        first_ms = (time.perf_counter() - started) * 1000
        if first.status_code != 200:
            raise SystemExit(f"{name}: {first.status_code} {first.content[:300]!r}")
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            get(params)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            answered = get(params).json()
        times.sort()
        rows.append(
            (
                name,
                first_ms,
                statistics.median(times),
                times[int(len(times) * 0.95) - 1],
                len(queries),
                len(answered["results"]),
            )
        )
    with tenant_context(tenant):
        api_key_revoke(tenant=tenant, actor=admin.user, api_key=created.api_key)

    print(f"GET /api/v1/leads/?limit={limit} · tenant {args.tenant} ({leads:,} leads)")
    print(f"{args.runs} timed requests per case, in process, DEBUG off\n")
    print("| case | first ms | p50 ms | p95 ms | queries | rows |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, first_ms, p50, p95, count, answered in rows:
        print(f"| {name} | {first_ms:.1f} | {p50:.1f} | {p95:.1f} | {count} | {answered} |")


if __name__ == "__main__":
    main()
