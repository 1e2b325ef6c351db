"""A rollup's rows of some days made what a recount says, writing only the rows that changed.

A minute's recount names a few dozen days of a million-lead tenant, each of which holds hundreds
or thousands of rollup rows (every combination of pipeline, brand and owner, every bin), of which
the minute's writes changed a handful. Deleting and inserting them all cost most of the recount's
time, every index of the table once per row, and left as many dead rows; this leaves the rows that
are the same alone.
"""

from collections.abc import Sequence


def rows_rewritten_sql(name: str, table: str, fresh: str, keys: Sequence[str], figures) -> str:
    """CTEs (to follow others in a WITH, named after `name`) that make `table`'s rows of tenant
    %(tenant)s on the days %(days)s (dates) those of the CTE `fresh`, a row per day and `keys`
    (integer columns, NULL allowed, never 0) with its `figures`: a row the same in both is left
    alone, a changed one updated, a new one inserted, one gone deleted. `{name}_pairs` pairs them
    (`old_id`, `gone`, `same`, the fresh columns). The table and column names are the caller's
    own."""
    columns = ["day", *keys, *figures]
    matched = " AND ".join(
        ["f.day = o.day", *(f"coalesce(f.{key}, 0) = coalesce(o.{key}, 0)" for key in keys)]
    )
    old_figures = ", ".join(f"o.{figure}" for figure in figures)
    fresh_figures = ", ".join(f"f.{figure}" for figure in figures)
    return f"""
{name}_old AS (
    SELECT id, {", ".join(columns)} FROM {table}
     WHERE tenant_id = %(tenant)s AND day = ANY(%(days)s::date[])
), {name}_pairs AS (
    SELECT o.id AS old_id, f.day IS NULL AS gone,
           o.id IS NOT NULL AND ROW({old_figures}) IS NOT DISTINCT FROM ROW({fresh_figures}) AS same,
           {", ".join(f"f.{column}" for column in columns)}
      FROM {fresh} f FULL JOIN {name}_old o ON {matched}
), {name}_deleted AS (
    DELETE FROM {table} t USING {name}_pairs p WHERE t.id = p.old_id AND p.gone
), {name}_updated AS (
    UPDATE {table} t SET {", ".join(f"{figure} = p.{figure}" for figure in figures)}
      FROM {name}_pairs p
     WHERE t.id = p.old_id AND NOT p.gone AND NOT p.same
), {name}_inserted AS (
    INSERT INTO {table} (tenant_id, {", ".join(columns)})
    SELECT %(tenant)s, {", ".join(columns)} FROM {name}_pairs WHERE old_id IS NULL
)"""  # noqa: S608  # nosec B608
