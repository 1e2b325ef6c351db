"""A rollup's rows of some days made what a recount says, writing only the rows that changed, and
its months moved by the same change.

A minute's recount names a few dozen days of a million-lead tenant, each of which holds hundreds
or thousands of rollup rows (every combination of pipeline, brand and owner, every bin), of which
the minute's writes changed a handful. Deleting and inserting them all cost most of the recount's
time, every index of the table once per row, and left as many dead rows; summing their months
again from every day row of the month cost as much again. These statements leave the rows that
are the same alone and add the difference of those that changed to their months.
"""

from collections.abc import Collection, Sequence


def _same_keys(keys: Sequence[str], nullable: Collection[str], one: str, other: str) -> str:
    """The join of two rows with the same keys, as equalities a hash join can use (a nullable
    key, an id, is compared with NULL as 0)."""
    return " AND ".join(
        f"coalesce({one}.{key}, 0) = coalesce({other}.{key}, 0)"
        if key in nullable
        else f"{one}.{key} = {other}.{key}"
        for key in keys
    )


def rows_rewritten_sql(
    name: str,
    table: str,
    fresh: str,
    keys: Sequence[str],
    figures: Sequence[str],
    nullable: Collection[str] = (),
) -> str:
    """CTEs (to follow others in a WITH, named after `name`) that make `table`'s rows of tenant
    %(tenant)s on the days %(days)s (dates) those of the CTE `fresh`, a row per day and `keys`
    (those in `nullable`: ids that may be NULL) with its `figures`: a row the same in both is left
    alone, a changed one updated, a new one inserted, one gone deleted. `{name}_pairs` pairs
    them: `old_id`, `gone`, `same`, the day and keys, the fresh figures and the old ones
    (`old_<figure>`; NULL for a row that is new). The table and column names are the caller's
    own."""
    columns = ["day", *keys, *figures]
    old_figures = ", ".join(f"o.{figure}" for figure in figures)
    fresh_figures = ", ".join(f"f.{figure}" for figure in figures)
    either = ", ".join(
        f"CASE WHEN f.day IS NULL THEN o.{column} ELSE f.{column} END AS {column}"
        for column in ("day", *keys)
    )
    return f"""
{name}_old AS (
    SELECT id, {", ".join(columns)} FROM {table}
     WHERE tenant_id = %(tenant)s AND day = ANY(%(days)s::date[])
), {name}_pairs AS (
    SELECT o.id AS old_id, f.day IS NULL AS gone,
           o.id IS NOT NULL AND ROW({old_figures}) IS NOT DISTINCT FROM ROW({fresh_figures}) AS same,
           {either}, {fresh_figures},
           {", ".join(f"o.{figure} AS old_{figure}" for figure in figures)}
      FROM {fresh} f FULL JOIN {name}_old o
        ON f.day = o.day AND {_same_keys(keys, nullable, "f", "o")}
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


def months_moved_sql(
    name: str,
    table: str,
    pairs: str,
    keys: Sequence[str],
    figures: Sequence[str],
    count: str,
    nullable: Collection[str] = (),
    before: str | None = None,
) -> str:
    """CTEs (named after `name`) that move `table`'s month rows (a month per first day, its day
    rows' `figures` summed per `keys`) of tenant %(tenant)s by what rows_rewritten_sql's `pairs`
    changed of their day rows: each changed group's month row gets the difference added, a group
    new to its month gets a row, and a month row whose `count` (a figure every day row has at
    least 1 of) comes to 0 is deleted, as it would not be summed. Exact because a month row is
    the sum of its day rows before the change; no day row that did not change is read. `before`
    (SQL, a date): only the days before it have their months kept."""
    moved = ", ".join(
        f"sum(coalesce({figure}, 0) - coalesce(old_{figure}, 0)) AS {figure}" for figure in figures
    )
    added = ", ".join(f"coalesce(m.{figure}, 0) + d.{figure} AS {figure}" for figure in figures)
    columns = ", ".join(("month", *keys, *figures))
    return f"""
{name}_moved AS (
    SELECT date_trunc('month', day)::date AS month, {", ".join(keys)}, {moved}
      FROM {pairs} WHERE NOT same{f" AND day < {before}" if before else ""}
     GROUP BY 1, {", ".join(keys)}
), {name}_old AS (
    SELECT t.id, t.month, {", ".join(f"t.{key}" for key in keys)},
           {", ".join(f"t.{figure}" for figure in figures)}
      FROM {table} t
     WHERE t.tenant_id = %(tenant)s AND t.month IN (SELECT month FROM {name}_moved)
), {name}_pairs AS (
    SELECT m.id, d.month, {", ".join(f"d.{key}" for key in keys)}, {added}
      FROM {name}_moved d LEFT JOIN {name}_old m
        ON m.month = d.month AND {_same_keys(keys, nullable, "m", "d")}
), {name}_deleted AS (
    DELETE FROM {table} t USING {name}_pairs p WHERE t.id = p.id AND p.{count} = 0
), {name}_updated AS (
    UPDATE {table} t SET {", ".join(f"{figure} = p.{figure}" for figure in figures)}
      FROM {name}_pairs p
     WHERE t.id = p.id AND p.{count} <> 0
), {name}_inserted AS (
    INSERT INTO {table} (tenant_id, {columns})
    SELECT %(tenant)s, {columns} FROM {name}_pairs WHERE id IS NULL AND {count} <> 0
)"""  # noqa: S608  # nosec B608


def named_params(sql: str, params: Sequence, prefix: str) -> tuple[str, dict]:
    """A statement Django compiled (positional %s parameters) with named ones instead
    (`%(<prefix><n>)s`), to be put in a statement of named parameters: psycopg takes one style
    per statement. A literal % stays escaped."""
    names = [f"{prefix}{index}" for index in range(len(params))]
    named = sql.replace("%%", "%%%%") % tuple(f"%({name})s" for name in names)
    return named, dict(zip(names, params, strict=True))
