"""Build the tenants of the sweep benchmark: a few tenants of a million leads and many small ones.

    python bench/sweeps/setup.py --big 2 --big-leads 1000000 --small 998 --small-leads 300

Run it through `scripts/devenv.py run --` with DATABASE_URL naming a database of its own (see
bench/README.md). The big tenants (`sweeps-big-1` …) and the first small one (`sweeps-small-0001`,
the template) are made by bench/make_dataset.py in one run: leads with all their activity, and
the dashboard rollups' first builds unless `--no-first-builds`, so beat's rollup sweeps start
from the steady state (about 15 minutes for two million-lead tenants on the shared 2-core box,
where bench/leads/generate.py took 22 minutes for the leads alone). The other small tenants are
copies of the template, its rollups included, written set-based on the owner connection in one
transaction: for every table with a `tenant_id` column, one `INSERT … SELECT` over the
template's rows times `generate_series`, each copy's ids shifted past the table's highest id and
its foreign keys to copied rows shifted alike (rows of shared tables, users included, are shared:
the template's team is a member of every copy). Unique columns that do not include the tenant
get a suffix (text) or a new uuid. Tenants that exist are kept; the run adds what is missing.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "sweeps-small-0001"
# Columns that hold another table's id without a foreign key, shifted with that table's copies:
# the team rollup's watermark of SLA events (left as the template's, every copy's first visit
# counted its whole history again, about 2 s each, as if the tenant's events were all new).
IDS_WITHOUT_FOREIGN_KEY = {("dashboards_teamrollup", "sla_events_seen"): "tickets_slaevent"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", type=int, default=2, help="tenants of --big-leads leads (2)")
    parser.add_argument("--big-leads", type=int, default=1_000_000, help="(1,000,000)")
    parser.add_argument("--small", type=int, default=998, help="small tenants (998)")
    parser.add_argument("--small-leads", type=int, default=300, help="leads of each (300)")
    parser.add_argument(
        "--no-first-builds", action="store_true", help="leave the rollups' history to beat"
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def small_slug(number: int) -> str:
    return f"sweeps-small-{number:04d}"


def make_tenants(tenants: list[tuple[str, int]], *, first_builds: bool) -> None:
    """bench/make_dataset.py's run for these (slug, leads): rows, activity, indexes, rollups."""
    from bench import make_dataset

    argv = [arg for slug, leads in tenants for arg in ("--tenant", f"{slug}:{leads}")]
    make_dataset.run(
        make_dataset.parse_args([*argv, *([] if first_builds else ["--no-first-builds"])])
    )


def _tenant_tables(cursor) -> list[str]:
    cursor.execute(
        """
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'
          AND t.table_type = 'BASE TABLE'
          -- with an id of their own (the audit trail's event tables are not copied)
          AND EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public'
                      AND i.table_name = c.table_name AND i.column_name = 'id')
          AND NOT EXISTS (SELECT 1 FROM information_schema.columns i
                          WHERE i.table_schema = 'public' AND i.table_name = c.table_name
                            AND i.column_name = 'pgh_id')
        ORDER BY c.table_name
        """
    )
    return [row[0] for row in cursor.fetchall()]


def _columns(cursor, table: str) -> list[tuple[str, str, bool]]:
    """(name, data type, generated) of `table`'s columns."""
    cursor.execute(
        """
        SELECT column_name, data_type, is_generated = 'ALWAYS'
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position
        """,
        [table],
    )
    return cursor.fetchall()


def _foreign_keys(cursor, table: str) -> dict[str, str]:
    """column -> the table it references (single-column foreign keys)."""
    cursor.execute(
        """
        SELECT a.attname, confrelid::regclass::text
        FROM pg_constraint con
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
        WHERE con.contype = 'f' AND con.conrelid = %s::regclass AND array_length(con.conkey, 1) = 1
        """,
        [table],
    )
    return {column: target.strip('"') for column, target in cursor.fetchall()}


def _unique_without_tenant(cursor, table: str) -> set[str]:
    """Columns of unique indexes (other than the primary key) that do not include tenant_id."""
    cursor.execute(
        """
        SELECT array_agg(a.attname::text)
        FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary
        GROUP BY i.indexrelid
        """,
        [table],
    )
    columns: set[str] = set()
    for (names,) in cursor.fetchall():
        if "tenant_id" not in names:
            columns.update(names)
    return columns


def clone_template(first: int, count: int) -> None:
    """Copies number `first` … `first + count - 1` of the template tenant, set-based."""
    from django.db import connections, transaction

    from crm.models import Tenant

    sys.path.insert(0, str(ROOT / "bench/leads"))
    from generate import quiet_triggers

    template = Tenant.objects.get(slug=TEMPLATE)
    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        # No audit rows for the copies; a superuser owner also skips the foreign-key checks,
        # which hold by construction.
        quiet_triggers(cursor)
        tables = _tenant_tables(cursor)
        # Where each table's copies start and how far apart they are.
        shift: dict[str, tuple[int, int, int]] = {}  # table -> (base, span, template min id)
        for table in tables:
            cursor.execute(
                f'SELECT min(id), max(id), (SELECT coalesce(max(id), 0) FROM "{table}") '  # noqa: S608  # nosec B608
                f'FROM "{table}" WHERE tenant_id = %s',
                [template.pk],
            )
            low, high, top = cursor.fetchone()
            if low is not None:
                shift[table] = (top + 1, high - low + 1, low)
        cursor.execute("SELECT coalesce(max(id), 0) FROM crm_tenant")
        tenant_base = cursor.fetchone()[0] + 1
        shift["crm_tenant"] = (tenant_base, 1, template.pk)

        # The tenants: slug and name numbered, the rest as the template's.
        columns = [c for c, _t, generated in _columns(cursor, "crm_tenant") if not generated]
        values = {
            "id": f"{tenant_base} + (k - {first})",
            "slug": "'sweeps-small-' || lpad(k::text, 4, '0')",
            "name": "'Sweeps Small ' || k || ' Roofing'",
        }
        select = ", ".join(values.get(c, f'"{c}"') for c in columns)
        cursor.execute(
            f"INSERT INTO crm_tenant ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) "  # noqa: S608  # nosec B608
            f"SELECT {select} FROM crm_tenant, generate_series(%s, %s) k WHERE id = %s",
            [first, first + count - 1, template.pk],
        )
        for table in tables:
            if table not in shift:
                continue
            started = time.perf_counter()
            foreign = _foreign_keys(cursor, table)
            unique = _unique_without_tenant(cursor, table)
            names, select = [], []
            for column, data_type, generated in _columns(cursor, table):
                if generated:
                    continue
                names.append(f'"{column}"')
                target = "crm_tenant" if column == "tenant_id" else foreign.get(column)
                target = target or IDS_WITHOUT_FOREIGN_KEY.get((table, column))
                if column == "id":
                    target = table
                if target in shift:
                    base, span, low = shift[target]
                    select.append(f'{base} + (k - {first}) * {span} + ("{column}" - {low})')
                elif column in unique and data_type == "uuid":
                    select.append("gen_random_uuid()")
                elif column in unique and data_type in ("text", "character varying"):
                    select.append(f"\"{column}\" || '-' || k")
                else:
                    select.append(f'"{column}"')
            cursor.execute(
                f'INSERT INTO "{table}" ({", ".join(names)}) OVERRIDING SYSTEM VALUE '  # noqa: S608  # nosec B608
                f'SELECT {", ".join(select)} FROM "{table}", generate_series(%s, %s) k '
                "WHERE tenant_id = %s",
                [first, first + count - 1, template.pk],
            )
            print(
                f"    {table}: {cursor.rowcount:,} rows, {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        # Sequences past the copied ids.
        for table in [*shift]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608  # nosec B608
                f'(SELECT max(id) FROM "{table}"))'
            )


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connections

    from crm.models import Tenant

    started = time.perf_counter()
    wanted = [(f"sweeps-big-{number}", args.big_leads) for number in range(1, args.big + 1)]
    if args.small:
        wanted.append((TEMPLATE, args.small_leads))
    missing = [
        (slug, leads) for slug, leads in wanted if not Tenant.objects.filter(slug=slug).exists()
    ]
    if missing:
        make_tenants(missing, first_builds=not args.no_first_builds)
    if args.small:
        have = Tenant.objects.filter(slug__startswith="sweeps-small-").count()
        if have < args.small:
            print(f"copying {TEMPLATE} {args.small - have} times (set-based)", flush=True)
            clone_template(have + 1, args.small - have)
    with connections["owner"].cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{Tenant.objects.count():,} tenants in {time.perf_counter() - started:.0f} s", flush=True
    )


if __name__ == "__main__":
    main()
