"""The fine buckets' sums run without parallel workers (PostgreSQL plans two for a few hundred
rows, since it takes each JSON object for 100 entries), and the setting is as it was after."""

import pytest
from django.db import connection, transaction

from dashboards.aggregates import serial_plan

pytestmark = pytest.mark.django_db


def _workers(cursor) -> str:
    cursor.execute("SELECT current_setting('max_parallel_workers_per_gather')")
    return cursor.fetchone()[0]


def test_no_parallel_workers_inside_and_the_setting_as_it_was_after():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 3")
        with serial_plan(cursor):
            assert _workers(cursor) == "0"
        assert _workers(cursor) == "3"


def test_the_setting_comes_back_when_the_statement_fails():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 3")
        with pytest.raises(ZeroDivisionError), serial_plan(cursor):
            raise ZeroDivisionError
        assert _workers(cursor) == "3"


def test_a_statement_planned_with_workers_outside_is_planned_without_inside():
    with transaction.atomic(), connection.cursor() as cursor:
        # Workers made free, so that the planner takes them wherever it may.
        for setting in (
            "parallel_setup_cost",
            "parallel_tuple_cost",
            "min_parallel_table_scan_size",
        ):
            cursor.execute(f"SET LOCAL {setting} = 0")
        statement = (
            "EXPLAIN SELECT b.key, count(*) FROM django_content_type f,"
            " jsonb_each(jsonb_build_object(f.model, f.id)) b GROUP BY 1"
        )

        def plan() -> str:
            cursor.execute(statement)
            return "\n".join(row[0] for row in cursor.fetchall())

        assert "Gather" in plan()
        with serial_plan(cursor):
            assert "Gather" not in plan()
        assert "Gather" in plan()
