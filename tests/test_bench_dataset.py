"""bench/make_dataset.py end to end on a few hundred leads: every table the bench scripts read
gets rows, the checks of the old two scripts pass inside it, and the indexes and foreign keys it
drops for the load are all back afterwards, after a failed run too."""

import re

import pytest
from django.db import connections

from bench import make_dataset
from crm.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])

# What bench/leads/time_list.py, bench/dashboards/time_dashboard.py and the load test read.
TABLES = [
    *make_dataset.BULK_TABLES,
    "leads_leadcounter",
    "tickets_ticketcounter",
    "dashboards_stageflowday",
    "dashboards_stageflowmonth",
    "dashboards_activityday",
    "dashboards_leadcohortday",
    "dashboards_leadcohortmonth",
    "dashboards_lostday",
    "dashboards_teamday",
    "dashboards_teamrollup",
]


def index_names() -> set[str]:
    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        return {row[0] for row in cursor.fetchall()}


def foreign_keys() -> set[tuple[str, str, str]]:
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        )
        return set(cursor.fetchall())


def rows_of(tenant: Tenant, table: str) -> int:
    with connections["owner"].cursor() as cursor:
        # Table names are the constants above.
        cursor.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", [tenant.pk])  # noqa: S608  # nosec B608
        return cursor.fetchone()[0]


def test_one_command_makes_every_table_of_the_bench(capsys):
    before = index_names()
    keys_before = foreign_keys()

    # Two chunks per tenant over two connections; a second tenant for the isolation check.
    make_dataset.run(
        make_dataset.parse_args(
            ["--tenant", "bench-t:300", "--tenant", "bench-u:60", "--chunk", "150", "--jobs", "2"]
        )
    )

    out = capsys.readouterr().out
    assert "200 search documents and 200 priority scores match" in out
    assert "sees 0 of them" in out
    # The first builds ran, and on sampled months their rows are the live counts.
    assert out.count("the rollups' rows match the live counts") == 3 + 3
    assert index_names() == before
    # The rollups' keys were dropped for the builds and are back, deferrable as Django made them.
    assert "dropped 0 foreign keys" not in out
    assert re.search(r"dropped \d+ foreign keys of the rollups' tables", out)
    assert foreign_keys() == keys_before
    tenant = Tenant.objects.get(slug="bench-t")
    empty = [table for table in TABLES if not rows_of(tenant, table)]
    assert not empty
    assert rows_of(tenant, "leads_lead") == 300
    with connections["owner"].cursor() as cursor:
        # Lead and ticket numbers run without gaps, in order of creation.
        cursor.execute(
            "SELECT min(number), max(number), count(*), "
            "bool_and(created_at >= prev) FROM (SELECT number, created_at, lag(created_at, 1, "
            "'-infinity') OVER (ORDER BY number) AS prev FROM leads_lead WHERE tenant_id = %s) l",
            [tenant.pk],
        )
        assert cursor.fetchone() == (1001, 1300, 300, True)
        # Nothing was written after now (the team rollup's sweep looks for writes since its run).
        cursor.execute(
            "SELECT count(*) FROM followups_followup WHERE tenant_id = %s AND updated_at > now()",
            [tenant.pk],
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT min(number), max(number), count(*) FROM tickets_ticket WHERE tenant_id = %s",
            [tenant.pk],
        )
        assert cursor.fetchone() == (1001, 1135, 135)
        cursor.execute(
            "SELECT last_number FROM tickets_ticketcounter WHERE tenant_id = %s", [tenant.pk]
        )
        assert cursor.fetchone() == (1135,)


def test_a_tenant_that_exists_needs_reset(capsys):
    args = make_dataset.parse_args(["--tenant", "bench-v:20", "--no-first-builds"])
    make_dataset.run(args)

    with pytest.raises(SystemExit, match="--reset"):
        make_dataset.run(args)
    make_dataset.run(make_dataset.parse_args(["--tenant", "bench-v:30", "--reset"]))

    tenant = Tenant.objects.get(slug="bench-v")
    assert rows_of(tenant, "leads_lead") == 30


def test_a_failed_build_puts_back_the_indexes_and_foreign_keys(monkeypatch):
    before, keys_before = index_names(), foreign_keys()

    def failing_build(self, path, job, after):
        for future in after:
            future.result()
        raise RuntimeError("the build failed")

    monkeypatch.setattr(make_dataset.FirstBuilds, "one", failing_build)
    with pytest.raises(RuntimeError, match="the build failed"):
        make_dataset.run(make_dataset.parse_args(["--tenant", "bench-w:40"]))

    assert index_names() == before
    assert foreign_keys() == keys_before
