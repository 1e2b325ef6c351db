"""SQL aggregates Django does not ship, and the planner settings the dashboard's queries need."""

from contextlib import contextmanager

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, BigIntegerField, DurationField, F


class Median(Aggregate):
    """The continuous median of a duration (PostgreSQL interpolates between the middle two)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=DurationField(), **extra)


_SUMS = ArrayField(BigIntegerField())


class ColumnSums(Aggregate):
    """The sums of several columns as one array, `ARRAY[SUM(a), SUM(b), …]` (a None for a sum of no
    rows): one annotation for a rollup's 32 bin columns instead of 32 Sum annotations, whose
    building and compiling cost a request more than the statement they made."""

    name = "ColumnSums"

    def __init__(self, *columns: str):
        super().__init__(*(F(column) for column in columns), output_field=_SUMS)

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        *columns, _filter = self.get_source_expressions()  # no filter: the rows are the query's
        for column in columns:
            sql, column_params = compiler.compile(column)
            parts.append(f"SUM({sql})")
            params.extend(column_params)
        return f"ARRAY[{', '.join(parts)}]", params


# Enough for the dashboard's grouped counts over a year of a million-lead tenant to hash and sort
# in memory (the default 4 MB spills them to disk); it is per transaction, not for the server.
AGGREGATE_WORK_MEM = "64MB"


def jit_off() -> None:
    """JIT off for the rest of the current transaction: it compiles the dashboard's one-off
    aggregate plans for longer than they run (seconds at a million leads; a rollup's first build
    is a few such statements with dozens of aggregates each)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


def planner_for_aggregates() -> None:
    """Set PostgreSQL's planner for the rest of the current transaction for the dashboard's
    one-off aggregate plans: JIT off (jit_off) and more memory to group in (no external
    sorts)."""
    jit_off()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [AGGREGATE_WORK_MEM])


@contextmanager
def serial_plan(cursor):
    """No parallel workers for the statements `cursor` runs inside the block (then the setting
    as it was). For reads of a few hundred rows that PostgreSQL overestimates a hundredfold, such
    as a row per entry of a JSON object (jsonb_each is assumed to give 100): it plans two
    workers, whose start costs more than the read. Takes effect in a transaction, as a request's
    is; outside one it changes nothing."""
    cursor.execute(
        "SELECT current_setting('max_parallel_workers_per_gather'),"
        " set_config('max_parallel_workers_per_gather', '0', true)"
    )
    (before, _zero) = cursor.fetchone()
    try:
        yield cursor
    finally:
        cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)", [before])
