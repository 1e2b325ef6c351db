"""Test set-up: a test database copied from a migrated template, tests run as the app role.

The suite connects exactly as production does (the non-owner app role, so row-level security
applies); only creating the database and migrating use the owner.
"""

import contextlib
import hashlib
import os
import queue
from collections import Counter
from dataclasses import dataclass

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import TransactionTestCase
from psycopg import sql

from config.celery import app as celery_app
from crm import dbconfig
from crm.models import Role
from crm.schema_snapshot import (
    drop_database,
    fingerprint,
    maintenance_connection,
    point_connections_at,
)
from crm.tenancy import tenant_context
from tests import factories

# The configured database's name, before the test set-up points the connections elsewhere.
CONFIGURED_DATABASE = settings.DATABASES["owner"]["NAME"]


def close_connections() -> None:
    for connection in connections.all():
        connection.close()


def _grant_truncate() -> sql.Composed:
    # Transactional tests flush tables between tests as the app role; production never grants
    # TRUNCATE (it ignores row-level security).
    return sql.SQL("GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {}").format(
        sql.Identifier(dbconfig.app_role())
    )


def _schema_fingerprint() -> str:
    """What shapes the migrated test database: what shapes the schema (crm/schema_snapshot.py)
    and the TRUNCATE grant above."""
    digest = hashlib.sha256(fingerprint().encode())
    digest.update(_grant_truncate().as_string().encode())
    return digest.hexdigest()[:16]


def _database_exists(conn: psycopg.Connection, name: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _migrate_into(database: str, django_db_blocker) -> None:
    point_connections_at(database)
    with django_db_blocker.unblock():
        # The recorded SQL of every migration when it is current (tests/test_schema_snapshot.py
        # checks that it builds what migrating does), else the migrations.
        call_command(
            "migrate", database="owner", from_snapshot=True, verbosity=0, interactive=False
        )
        with connections["owner"].cursor() as cursor:
            cursor.execute(_grant_truncate().as_string())
    close_connections()


@contextlib.contextmanager
def migrated_template(django_db_blocker):
    """A migrated database to copy, built once while the migrations stay the same.

    Built under a session advisory lock (held until the copy is made), so parallel runs and
    xdist workers build it once and never copy a template that is being replaced; built under a
    temporary name and renamed when complete, so a killed run never leaves a half-migrated one.
    Templates of older migrations, and half-built ones, are dropped."""
    prefix = f"test_{CONFIGURED_DATABASE}_template_"
    template = prefix + _schema_fingerprint()
    with maintenance_connection() as conn:
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [prefix])
        try:
            if not _database_exists(conn, template):
                stale = conn.execute(
                    "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
                ).fetchall()
                for (name,) in stale:
                    drop_database(conn, name)
                building = f"{template}_building"
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
                _migrate_into(building, django_db_blocker)
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(building), sql.Identifier(template)
                    )
                )
            yield conn, template
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [prefix])


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    # A database per process (each run, each xdist worker), copied from the migrated template, so
    # two runs on one server (a developer's and CI's) never collide.
    test_database = f"test_{CONFIGURED_DATABASE}_{os.getpid()}"
    with migrated_template(django_db_blocker) as (conn, template):
        drop_database(conn, test_database)
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(test_database), sql.Identifier(template)
            )
        )
    point_connections_at(test_database)
    yield
    close_connections()
    with maintenance_connection() as conn:
        drop_database(conn, test_database)


# Rows that `migrate` writes, which a flush would delete and post_migrate write again.
TABLES_MIGRATE_FILLS = ("django_migrations", "django_content_type", "auth_permission")


def _tables_with_rows(conn: psycopg.Connection, tables: list[str]) -> list[str]:
    probes = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {} WHERE EXISTS (SELECT FROM {})").format(
            sql.Literal(table), sql.Identifier(table)
        )
        for table in tables
    )
    return [table for (table,) in conn.execute(probes)]


def empty_test_database() -> None:
    """Leave the test database as Django's flush does after a transactional test (every table
    empty but what `migrate` filled), by deleting the rows of the tables the test wrote to.

    Django's flush truncates all ~150 tables, and PostgreSQL gives each table and index new
    files: seconds per test. Here one query finds the few tables with rows and DELETE empties
    them, as the owner (row-level security hides other tenants' rows from the app role), in one
    transaction with the foreign keys checked at its end (Django makes them deferrable). Deleting
    a tracked row writes its history row (pghistory's triggers), so it runs until nothing is
    left. Content types and permissions stay as `migrate` made them, so post_migrate (which would
    make them again and re-apply row-level security that nothing changed) is not needed."""
    owner = settings.DATABASES["owner"]
    with psycopg.connect(
        dbname=owner["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
    ) as conn:
        conn.execute("SET CONSTRAINTS ALL DEFERRED")
        tables = [
            table
            for (table,) in conn.execute(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> ALL(%s)",
                [list(TABLES_MIGRATE_FILLS)],
            )
        ]
        for _round in range(5):
            filled = _tables_with_rows(conn, tables)
            if not filled:
                return
            for table in filled:
                conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        raise AssertionError(f"rows are left in {filled} after deleting them five times")


# The files that take longest, longest first (the browser walks, measured with `--durations`; CI's
# log lists the slowest tests). xdist hands out whole files (`--dist loadfile`) in the order
# collected (`--no-loadscope-reorder`, Makefile), so these start first and the shorter files fill
# in around them: a run ends soon after its longest file, not when a long file started last.
SLOWEST_FILES = (
    "tests/e2e/test_mobile_browser.py",
    "tests/test_schema_snapshot.py",
    "tests/e2e/test_every_page_in_dutch_and_spanish.py",
    "tests/fuzz/test_query_string_fuzz.py",
    "tests/followups/test_reminder_workers.py",
    "tests/reliability/test_ingest_workers.py",
    "tests/messaging/test_outbox_workers.py",
    "tests/e2e/test_dashboard_browser.py",
    "tests/reliability/test_broker_outage.py",
    "tests/e2e/test_insurance_browser.py",
    "tests/e2e/test_billing_browser.py",
    "tests/e2e/test_inbox_languages_browser.py",
    "tests/e2e/test_assign_loop_browser.py",
    "tests/e2e/test_followups_browser.py",
    "tests/e2e/test_deposit_loop_browser.py",
)


def _file(item: pytest.Item) -> str:
    return item.nodeid.partition("::")[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """SLOWEST_FILES first, then the other files by their number of tests, most first (xdist's
    own order); the tests of a file keep theirs."""
    rank = {path: index for index, path in enumerate(SLOWEST_FILES)}
    tests_in = Counter(_file(item) for item in items)
    items.sort(key=lambda item: (rank.get(_file(item), len(rank)), -tests_in[_file(item)]))


def pytest_configure(config):
    # pytest-django runs a transactional test (transaction=True, live_server) as Django's
    # TransactionTestCase, which flushes every database it used after the test.
    TransactionTestCase._fixture_teardown = lambda self: empty_test_database()


def forget_cached_values() -> None:
    """Delete this process's cache entries (the Redis database is shared by every test run)."""
    from django.core.cache import cache

    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@dataclass
class World:
    """One tenant with an admin, a manager, a rep, a brand, a contact with a property."""

    tenant: object
    admin: object
    manager: object
    rep: object
    brand: object
    contact: object
    property: object
    notification: object

    def membership(self, role: str):
        return {Role.ADMIN: self.admin, Role.MANAGER: self.manager, Role.REP: self.rep}[role]

    @contextlib.contextmanager
    def active(self):
        with tenant_context(self.tenant):
            yield self.tenant


def build_world(name: str) -> World:
    tenant = factories.TenantFactory(name=name)
    admin = factories.MembershipFactory(tenant=tenant, role=Role.ADMIN)
    manager = factories.MembershipFactory(tenant=tenant, role=Role.MANAGER)
    rep = factories.MembershipFactory(tenant=tenant, role=Role.REP)
    brand = factories.BrandFactory(tenant=tenant, is_default=True)
    contact = factories.ContactFactory(tenant=tenant)
    factories.ContactEmailFactory(tenant=tenant, contact=contact)
    factories.ContactPhoneFactory(tenant=tenant, contact=contact)
    place = factories.PropertyFactory(tenant=tenant)
    factories.PropertyContactFactory(tenant=tenant, property=place, contact=contact)
    notification = factories.NotificationFactory(tenant=tenant, recipient=rep.user)
    return World(tenant, admin, manager, rep, brand, contact, place, notification)


STAFF_TEST_IPS = ("127.0.0.1", "10.0.0.1", "10.0.0.2")


@pytest.fixture(autouse=True)
def fresh_staff_sign_in_limits():
    """The staff sign-in counters (crm/auth.py) live in Redis across tests: each test starts
    with none for the addresses tests sign in from."""
    from django.core.cache import cache

    from crm import auth

    keys = [auth.client_key(k, ip) for k in ("sign-in-failed", "reset") for ip in STAFF_TEST_IPS]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def world(db) -> World:
    return build_world("Gulf Coast Roofing")


@pytest.fixture
def other_world(db) -> World:
    return build_world("Lakeside Chargers")


def sign_in(client, membership) -> None:
    """Log the member in and make their tenant the active one, as the tenant picker would."""
    client.force_login(membership.user)
    session = client.session
    session["active_membership_id"] = membership.pk
    session.save()


def queries_for(client, url: str, **extra) -> int:
    """How many SQL statements one request runs (savepoints of the test transaction included), once
    the process holds what it keeps between requests (the tenant's business calendar): a first
    request is made, uncounted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, **extra)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return len(captured)


@pytest.fixture
def task_queue():
    """The messages the test sends to this run's queue, each taken off it (acknowledged: an
    unacknowledged one comes back on the queue); purged before and after.

    A task sent in this process is on the broker when `apply_async` returns (Redis has it), so
    the queue is read without waiting: a blocking read would wait out its timeout on an empty
    queue and leave a pending read the connection waits for again when it closes."""
    with celery_app.connection_for_write() as connection:
        simple = connection.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE)
        simple.clear()

        def drain() -> list:
            messages = []
            while True:
                try:
                    message = simple.get_nowait()
                except queue.Empty:
                    return messages
                message.ack()
                messages.append(message)

        yield drain
        simple.clear()
        simple.close()


@pytest.fixture
def run_queued(task_queue):
    """Run in this process, one after another as a worker would, the tasks named `name` that the
    test queued (every other one is taken off the queue and dropped); their results."""

    def run(name: str) -> list:
        results = []
        for message in task_queue():
            if message.headers["task"] == name:
                args, kwargs, _embed = message.payload
                results.append(celery_app.tasks[name].apply(args=args, kwargs=kwargs).get())
        return results

    return run
