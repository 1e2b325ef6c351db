"""The SQL `migrate` sends to an empty database, recorded once and replayed in about a second.

`migrate` on an empty database takes about 50 s, almost all of it Python: each of its 600
operations renders again the models related to the one it changes, and through `Tenant` every
model is related to every other. The SQL it sends is 2,400 statements the server runs in under a
second.

`manage.py schema_snapshot` migrates an empty scratch database and keeps every statement sent on
the owner connection (the post-migrate handlers' included: content types, permissions, row-level
security and grants) in `crm/schema_snapshot.sql`, under the fingerprint of what shapes them.
`manage.py migrate --from-snapshot` replays that file in one transaction when the database is
empty and the fingerprint is current, and migrates as usual otherwise. tests/test_schema_snapshot.py
records it again and fails when it differs, and checks that replaying gives the migrated schema.
"""

import contextlib
import datetime
import hashlib
import importlib.metadata
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.utils import timezone
from psycopg import sql

from crm import dbconfig
from crm.tenancy import rls

SNAPSHOT_PATH = Path(__file__).resolve().with_name("schema_snapshot.sql")
HEADER = "-- Threadline schema snapshot {fingerprint}"
# Libraries whose schema editors write SQL of their own, besides their migration files.
SQL_WRITING_PACKAGES = ("django", "django-pgtrigger", "django-pghistory")
# The clock's times are written as this one, so the file is the same from one recording to the
# next; the replay's last statement sets the migration rows' time to the replay's.
RECORDED_AT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# Replayed in one transaction: indexes built concurrently (so as not to lock a live table) are built
# plainly, as the tables are empty.
CONCURRENTLY = re.compile(r"\b((?:CREATE(?:\s+UNIQUE)?|DROP)\s+INDEX)\s+CONCURRENTLY\b", re.I)
# A time as Django writes it into SQL (the connection's time zone is UTC).
CLOCK_TIME = re.compile(r"'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?\+00:00)'::timestamptz")
# Django names savepoints after the thread: "s140088340343680_x3".
SAVEPOINT_NAME = re.compile(r'^((?:RELEASE |ROLLBACK TO )?SAVEPOINT) "s\d+_(x\d+)"$')
STATEMENT_END = "\n;\n"


def fingerprint() -> str:
    """What shapes the migrated schema: every app's migration files, the SQL-writing libraries'
    versions, and the row-level security and grants applied after migrating."""
    digest = hashlib.sha256()
    for app_config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        for path in sorted((Path(app_config.path) / "migrations").glob("*.py")):
            digest.update(f"{app_config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    for package in SQL_WRITING_PACKAGES:
        digest.update(f"{package}=={importlib.metadata.version(package)}\0".encode())
    digest.update(rls.CURRENT_TENANT_FUNCTION.encode())
    for model in rls.tenant_owned_models():
        digest.update("\n".join(rls._policy_statements(model)).encode())
    digest.update(dbconfig.app_role().encode())
    return digest.hexdigest()[:16]


def record(using: str = rls.OWNER_ALIAS) -> str:
    """Migrate the empty database of `using` and give back every statement sent, as one script.

    The same migrations give the same script when the process's hash seed is fixed (Django
    iterates sets of migrations and models): `manage.py schema_snapshot` runs with seed 0."""
    sent: list[tuple[str, Any]] = []
    started_at = timezone.now()

    def keep(execute: Callable, statement: str, params, many: bool, context: dict):
        sent.extend((statement, one) for one in (params if many else [params]))
        return execute(statement, params, many, context)

    with connections[using].execute_wrapper(keep):
        call_command("migrate", database=using, verbosity=0, interactive=False)
    operations = connections[using].ops
    if not isinstance(operations, PostgresOperations):
        raise TypeError("The schema snapshot records PostgreSQL's statements only.")
    compose = operations.compose_sql
    statements = [HEADER.format(fingerprint=fingerprint())]
    for statement, params in sent:
        text = statement if params is None else compose(statement, params)
        # A time the recording's clock gave (a migration row's, a one-off default for the rows
        # already there, of which an empty database has none) is written as a fixed one.
        text = CLOCK_TIME.sub(lambda time: _fixed_if_after(time, started_at), text.strip())
        text = CONCURRENTLY.sub(r"\1", text)
        statements.append(SAVEPOINT_NAME.sub(r'\1 "recorded_\2"', text))
    statements.append('UPDATE "django_migrations" SET "applied" = now()')
    return STATEMENT_END.join(statements) + STATEMENT_END


def _fixed_if_after(time: re.Match, started_at: datetime.datetime) -> str:
    if datetime.datetime.fromisoformat(time[1]) < started_at:
        return time[0]
    return f"'{RECORDED_AT.isoformat(sep=' ')}'::timestamptz"


def recorded_fingerprint() -> str | None:
    if not SNAPSHOT_PATH.exists():
        return None
    with SNAPSHOT_PATH.open() as snapshot:
        first_line = snapshot.readline().strip()
    prefix = HEADER.format(fingerprint="")
    return first_line.removeprefix(prefix) if first_line.startswith(prefix) else None


def why_not_replayable(using: str = rls.OWNER_ALIAS) -> str | None:
    """None when the snapshot can build this database; otherwise why `migrate` must."""
    if connections[using].introspection.table_names(include_views=True):
        return "the database already has tables"
    recorded = recorded_fingerprint()
    if recorded is None:
        return f"{SNAPSHOT_PATH.name} is missing"
    if recorded != fingerprint():
        return f"{SNAPSHOT_PATH.name} is older than the migrations (`make schema-snapshot`)"
    return None


def replay(using: str = rls.OWNER_ALIAS) -> None:
    """Run the recorded script on the empty database of `using`, all of it or none of it."""
    script = SNAPSHOT_PATH.read_text()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # No parameters: psycopg sends the script as one simple query, every statement in turn.
        cursor.execute(script)


def maintenance_connection() -> psycopg.Connection:
    """The owner's connection to the server's `postgres` database, to create and drop others."""
    owner = settings.DATABASES[rls.OWNER_ALIAS]
    return psycopg.connect(
        dbname="postgres",
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
        autocommit=True,
    )


def drop_database(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def point_connections_at(database: str) -> None:
    for alias in ("default", rls.OWNER_ALIAS):
        settings.DATABASES[alias]["NAME"] = database
        connections[alias].settings_dict["NAME"] = database
        connections[alias].close()


@contextlib.contextmanager
def scratch_database(name: str):
    """A new empty database `name` that Django's connections use inside the block, dropped after."""
    configured = settings.DATABASES[rls.OWNER_ALIAS]["NAME"]
    with maintenance_connection() as conn:
        drop_database(conn, name)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        point_connections_at(name)
        yield name
    finally:
        point_connections_at(configured)
        with maintenance_connection() as conn:
            drop_database(conn, name)


def _scratch_name(purpose: str) -> str:
    """A database beside the configured one, this process's own."""
    return f"{settings.DATABASES[rls.OWNER_ALIAS]['NAME']}_schema_snapshot_{os.getpid()}_{purpose}"


def record_in_scratch_database() -> str:
    """`record` on a new empty database beside the configured one, dropped afterwards."""
    with scratch_database(_scratch_name("recorded")):
        return record()


# What a schema is made of, read from the catalogs, to compare a replayed database with a migrated
# one: every relation, column, index, constraint, trigger, function, policy and grant in `public`,
# and the rows the migrations write.
CATALOG_QUERIES = {
    "schema": "SELECT nspname, nspacl::text FROM pg_namespace WHERE nspname = 'public'",
    "extensions": "SELECT extname, extversion FROM pg_extension",
    "relations": """
        SELECT relname, relkind, relpersistence, relrowsecurity, relforcerowsecurity,
               coalesce(relacl::text, '')
        FROM pg_class WHERE relnamespace = 'public'::regnamespace""",
    "columns": """
        SELECT a.attrelid::regclass::text, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, a.attidentity, a.attgenerated, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped""",
    "indexes": """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisvalid
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = 'public'::regnamespace""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable,
               condeferred
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "triggers": """
        SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal""",
    "functions": """
        SELECT oid::regprocedure::text, pg_get_functiondef(oid), coalesce(proacl::text, '')
        FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prokind IN ('f', 'p')""",
    "policies": """
        SELECT tablename, policyname, permissive, roles::text, cmd, coalesce(qual, ''),
               coalesce(with_check, '')
        FROM pg_policies WHERE schemaname = 'public'""",
    "migrations": "SELECT app, name FROM django_migrations",
    "content types": "SELECT id, app_label, model FROM django_content_type",
    "permissions": "SELECT id, content_type_id, codename, name FROM auth_permission",
}


def describe(using: str = rls.OWNER_ALIAS) -> dict[str, set[tuple]]:
    with connections[using].cursor() as cursor:
        described = {}
        for part, query in CATALOG_QUERIES.items():
            cursor.execute(query)
            described[part] = set(cursor.fetchall())
        return described


def differences(expected: dict[str, set[tuple]], found: dict[str, set[tuple]]) -> list[str]:
    """Each catalog row one side has and the other lacks, as `part: - row` / `part: + row`."""
    lines = []
    for part in expected:
        lines += [f"{part}: - {row}" for row in sorted(expected[part] - found[part], key=repr)]
        lines += [f"{part}: + {row}" for row in sorted(found[part] - expected[part], key=repr)]
    return lines


def check() -> list[str]:
    """What is wrong with the snapshot: it is not what `migrate` sends to an empty database now,
    or replaying it gives another schema than migrating does. Empty when it is right."""
    with scratch_database(_scratch_name("migrated")):
        script = record()
        migrated = describe()
    problems = []
    if not SNAPSHOT_PATH.exists() or SNAPSHOT_PATH.read_text() != script:
        problems.append(f"{SNAPSHOT_PATH.name} is not what `migrate` sends now")
    with scratch_database(_scratch_name("replayed")):
        replay()
        problems += differences(migrated, describe())
    return problems
