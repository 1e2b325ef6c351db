"""Bring the dashboard's rollups of every tenant (or the named ones) up to date, as beat's first
round would: after migrations that drop a rollup's state (dashboards 0011-0015 did), so that a
benchmark measures the steady state instead of beat rebuilding history in the middle of it.

    python scripts/devenv.py run -- .venv/bin/python bench/dashboards/roll_up_all.py
    python scripts/devenv.py run -- .venv/bin/python bench/dashboards/roll_up_all.py bench-big

Runs bench/make_dataset.py's FIRST_BUILDS and the figures of the moment for each tenant, as the
app role in the tenant's context, one transaction each, and prints the slow ones (a million-lead
tenant's period rollups take about 3 minutes, its team days about 35 s on two quiet cores).
"""

import argparse
import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.generate import setup_django  # noqa: E402
from bench.make_dataset import FIRST_BUILDS  # noqa: E402

BUILDS = [*FIRST_BUILDS, "dashboards.services.moment.moment_keep"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slugs", nargs="*", help="tenant slugs (default: every tenant)")
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import transaction

    from crm.models import Tenant
    from crm.tenancy import tenant_context

    builds = []
    for path in BUILDS:
        module, _, name = path.rpartition(".")
        builds.append((name, getattr(importlib.import_module(module), name)))
    tenants = Tenant.objects.order_by("id")
    if args.slugs:
        tenants = tenants.filter(slug__in=args.slugs)
    started, count = time.perf_counter(), 0
    for count, tenant in enumerate(tenants, start=1):
        for name, build in builds:
            start = time.perf_counter()
            with transaction.atomic(), tenant_context(tenant):
                build(tenant=tenant)
            took = time.perf_counter() - start
            if took >= 5:
                print(f"{tenant.slug}: {name} {took:.1f} s", flush=True)
        if count % 100 == 0:
            print(f"{count} tenants, {time.perf_counter() - started:.0f} s", flush=True)
    print(f"done: {count} tenants in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
