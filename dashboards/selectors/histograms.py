"""Histograms of waits (to the first touch of a lead, to the first response to a ticket) that a
rollup can keep per day and a read can sum for any period, with the median exact to what the page
shows (crm.kit.formatting.duration(short=True): a whole minute below a day, a whole hour after).

Two levels: each rollup row counts its waits per coarse bin (`wait_bin`: five minutes below an
hour, where most first answers and touches fall, then an hour below twelve, two hours below a day,
then up to three days, a week, and the rest) in plain integer columns any period sums in SQL, and
keeps the fine buckets of each bin in rows of their own, of which a read fetches only the bin or
two that hold the median (`Waits`). Narrow bins where the waits crowd keep that read small: with
hour-wide bins the first hour's held most rows of a year.
"""

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from dashboards.aggregates import serial_plan
from dashboards.selectors.period_rollups import next_month

DAY_MINUTES = 24 * 60

Buckets = dict[int, list]  # bucket (minutes) -> [count, shortest, longest] in seconds


def wait_bucket(seconds: float) -> int:
    """The bucket of a first-response wait, in minutes: the whole minute below a day, the whole
    hour after: what crm.kit.formatting.duration(short=True) shows."""
    minutes = int(seconds // 60)
    return minutes if minutes < 24 * 60 else minutes // 60 * 60


def buckets_add(buckets: Buckets, bucket: int, count: int, shortest: float, longest: float):
    kept = buckets.get(bucket)
    if kept is None:
        buckets[bucket] = [count, shortest, longest]
    else:
        kept[0] += count
        kept[1] = min(kept[1], shortest)
        kept[2] = max(kept[2], longest)


def seconds_json(column: str) -> str:
    """SQL: the jsonb of a float8 column of seconds as json.dumps writes the Python float (60.0
    where PostgreSQL writes 60), for the buckets rollups write in SQL that they first put together
    in Python: the same rows, byte for byte."""
    return (
        f"CASE WHEN {column} = trunc({column}) THEN to_jsonb({column}::numeric + 0.0)"
        f" ELSE to_jsonb({column}) END"
    )


def buckets_median(buckets: Buckets) -> dt.timedelta | None:
    """The median wait (PostgreSQL's percentile_cont: the mean of the middle two of an even
    count) to what the page shows. The middle two lie in one bucket (any value in it shows the
    same), or in two, where the lower is the longest of its bucket and the upper the shortest of
    the next: both are stored, so the median is exact."""
    total = sum(count for count, _, _ in buckets.values())
    if not total:
        return None
    ranks = ((total - 1) // 2, total // 2)
    found: list[tuple[int, float, float, int, int]] = []  # bucket, shortest, longest, position
    seen = 0
    for bucket in sorted(buckets):
        count, shortest, longest = buckets[bucket]
        for rank in ranks:
            if seen <= rank < seen + count:
                found.append((bucket, shortest, longest, rank - seen, count))
        seen += count
        if len(found) == 2:
            break

    def value(bucket, shortest, longest, position, count) -> float:
        return longest if position == count - 1 else shortest

    (low, high) = found
    if low[0] == high[0] and not (low[3] == 0 and high[3] == high[4] - 1):
        # Both inside one bucket (not its two ends): any value of it shows the same.
        seconds = value(*low)
    else:
        seconds = (value(*low) + value(*high)) / 2
    return dt.timedelta(seconds=seconds)


# The first bucket of each coarse bin, in minutes: the bin of a bucket is the last one at or
# below it (a wait before the creation, an import's, is in the first).
BIN_FLOORS = (
    [minutes for minutes in range(0, 60, 5)]  # 0–11: five minutes
    + [60 * hours for hours in range(1, 12)]  # 12–22: an hour
    + [60 * hours for hours in range(12, 24, 2)]  # 23–28: two hours
    + [DAY_MINUTES, 3 * DAY_MINUTES, 7 * DAY_MINUTES]  # 29–31: to three days, a week, the rest
)
BINS = len(BIN_FLOORS)  # 32: the rollups' bin_<n> columns


def wait_bin(bucket: int) -> int:
    """The coarse bin of a fine bucket (minutes)."""
    return max(0, bisect.bisect_right(BIN_FLOORS, bucket) - 1)


def bin_floor(index: int) -> int:
    """A bucket that sorts at the start of bin `index` (every fine bucket of it is at least this,
    every one of the bin before it is below)."""
    return BIN_FLOORS[index]


@dataclass
class Waits:
    """One group's waits (a rep, the team): the count per bin, and the fine buckets of the bins
    read so far."""

    bins: list[int] = field(default_factory=lambda: [0] * BINS)
    fine: dict[int, Buckets] = field(default_factory=dict)  # bin -> its buckets, as read

    def add_bins(self, bins) -> None:
        self.bins = [mine + (theirs or 0) for mine, theirs in zip(self.bins, bins, strict=True)]

    def add_bucket(self, bucket: int, count: int, shortest: float, longest: float) -> None:
        """A fine bucket counted from the rows themselves: into its bin and that bin's buckets."""
        index = wait_bin(bucket)
        self.bins[index] += count
        buckets_add(self.fine.setdefault(index, {}), bucket, count, shortest, longest)

    def add_fine(self, index: int, bucket: int, count: int, shortest: float, longest: float):
        """A fine bucket of a bin read from a rollup (its count is in `bins` already)."""
        buckets_add(self.fine.setdefault(index, {}), bucket, count, shortest, longest)

    def merge(self, other: "Waits") -> None:
        self.add_bins(other.bins)
        for index, buckets in other.fine.items():
            for bucket, (count, shortest, longest) in buckets.items():
                buckets_add(self.fine.setdefault(index, {}), bucket, count, shortest, longest)

    @property
    def total(self) -> int:
        return sum(self.bins)

    def median_bins(self) -> set[int]:
        """The bins that hold the middle one or two waits."""
        total = self.total
        if not total:
            return set()
        ranks = {(total - 1) // 2, total // 2}
        found, seen = set(), 0
        for index, count in enumerate(self.bins):
            found |= {index for rank in ranks if seen <= rank < seen + count}
            seen += count
        return found

    def median(self) -> dt.timedelta | None:
        """The median wait, exact to what the page shows; the median bins' buckets must have
        been read (`fine`), the others stand as one bucket each."""
        buckets: Buckets = {}
        needed = self.median_bins()
        for index, count in enumerate(self.bins):
            if index in needed:
                for bucket, kept in self.fine.get(index, {}).items():
                    buckets_add(buckets, bucket, *kept)
            elif count:
                buckets_add(buckets, bin_floor(index), count, 0.0, 0.0)
        return buckets_median(buckets)


# The day rows of the months %(months)s only, each month a range of the table's index (its first
# days and the next months' first days in %(afters)s: month_params): the months a minute's changes
# name are scattered over years, and one range from the first to the last read every day row
# between them, four fifths of them thrown away at a million leads. The bounds are plain dates,
# not computed in SQL: under row-level security only leakproof operators may serve as an index's
# bounds, and date + interval is not one.
MONTHS_DAYS = """unnest(%(months)s::date[], %(afters)s::date[]) AS m(month, after)
  JOIN {day_table} r ON r.tenant_id = %(tenant)s AND r.day >= m.month AND r.day < m.after"""
# A bin table's index is (tenant, bin, day): a month's range is one per bin.
MONTHS_BIN_DAYS = """unnest(%(months)s::date[], %(afters)s::date[]) AS m(month, after)
 CROSS JOIN generate_series(0, {last_bin}) AS k(bin)
  JOIN {day_table} r ON r.tenant_id = %(tenant)s AND r.bin = k.bin
   AND r.day >= m.month AND r.day < m.after"""


def month_params(tenant_id: int, months: Iterable[dt.date]) -> dict:
    """The parameters of month_sums_sql's and month_buckets_sql's statements: the tenant and the
    months (first days)."""
    firsts = sorted(months)
    return {
        "tenant": tenant_id,
        "months": firsts,
        "afters": [next_month(first) for first in firsts],
    }


def month_sums_sql(month_table: str, day_table: str, keys: str, figures: Sequence[str]) -> str:
    """SQL that writes `month_table`'s rows of the months %(months)s (first days, an array) of
    tenant %(tenant)s, each its `day_table` rows' `figures` (columns of both) summed per `keys`
    (e.g. "pipeline_id, brand_id, owner_id"). Table and column names are the caller's own."""
    return f"""
INSERT INTO {month_table} (tenant_id, month, {keys}, {", ".join(figures)})
SELECT %(tenant)s, m.month, {keys},
       {", ".join(f"sum({name})" for name in figures)}
  FROM {MONTHS_DAYS.format(day_table=day_table)}
 GROUP BY m.month, {keys}
"""  # noqa: S608  # nosec B608


def _buckets_insert_sql(month_table: str, keys: Sequence[str], rows: str, month: str) -> str:
    """SQL that writes `month_table`'s rows from the day rows `rows` (a FROM clause whose bin
    table rows are `r` and whose month column is `month`), each the fine buckets of its day rows
    summed per month, bin and key."""
    columns = ", ".join(keys)
    grouped = ", ".join(f"r.{key}" for key in keys)
    return f"""
INSERT INTO {month_table} (tenant_id, month, bin, {columns}, buckets)
SELECT %(tenant)s, month, bin, {columns},
       jsonb_object_agg(bucket, jsonb_build_array(answered, {seconds_json("shortest")},
                                                  {seconds_json("longest")}))
  FROM (SELECT {month} AS month, r.bin, {grouped}, b.key AS bucket,
               sum((b.value->>0)::integer) AS answered, min((b.value->>1)::float8) AS shortest,
               max((b.value->>2)::float8) AS longest
          FROM {rows}, jsonb_each(r.buckets) b
         GROUP BY 1, 2, {grouped}, b.key) AS buckets
 GROUP BY month, bin, {columns}
"""  # noqa: S608  # nosec B608


def month_buckets_sql(month_table: str, day_table: str, keys: Sequence[str]) -> str:
    """SQL that writes `month_table`'s rows of the months %(months)s (first days, an array) of
    tenant %(tenant)s, each the fine buckets of its `day_table` rows summed per `keys` (their
    columns, e.g. ("pipeline_id", "brand_id", "owner_id")) and bin: a year's read then takes
    twelve rows per key and bin instead of 365. Table and key names are the caller's own."""
    rows = MONTHS_BIN_DAYS.format(day_table=day_table, last_bin=len(BIN_FLOORS) - 1)
    return _buckets_insert_sql(month_table, keys, rows, "m.month")


# The groups of month_group_params, each a month (its first day and the next month's), a bin and
# one value per key, with their day rows (a range of the bin table's (tenant, bin, day) index
# each).
GROUP_BIN_DAYS = """unnest(%(months)s::date[], %(afters)s::date[], %(bins)s::integer[], {arrays})
    AS g(month, after, bin, {keys})
  JOIN {day_table} r ON r.tenant_id = %(tenant)s AND r.bin = g.bin
   AND r.day >= g.month AND r.day < g.after AND {same}"""


def month_group_buckets_sql(
    month_table: str, day_table: str, keys: Sequence[str]
) -> tuple[str, str]:
    """SQL that deletes `month_table`'s rows of the groups month_group_params gives and SQL that
    writes them again from their `day_table` rows, as month_buckets_sql does for whole months:
    when a recount changed a few day rows of a month, only their groups (month, bin and key)
    are summed again instead of every row of the month (a month of a million-lead tenant holds
    some 11,000 day rows; a minute of first touches changes a few dozen). Keys may be NULL.
    Table and key names are the caller's own."""
    arrays = ", ".join(f"%({key})s::bigint[]" for key in keys)
    columns = ", ".join(keys)

    def same(table: str) -> str:
        return " AND ".join(f"{table}.{key} IS NOT DISTINCT FROM g.{key}" for key in keys)

    delete = f"""
DELETE FROM {month_table} t
 USING unnest(%(months)s::date[], %(afters)s::date[], %(bins)s::integer[], {arrays})
       AS g(month, after, bin, {columns})
 WHERE t.tenant_id = %(tenant)s AND t.bin = g.bin AND t.month = g.month AND {same("t")}
"""  # noqa: S608  # nosec B608
    rows = GROUP_BIN_DAYS.format(arrays=arrays, keys=columns, day_table=day_table, same=same("r"))
    return delete, _buckets_insert_sql(month_table, keys, rows, "g.month")


def month_group_params(tenant_id: int, keys: Sequence[str], groups: Iterable[tuple]) -> dict:
    """The parameters of month_group_buckets_sql's statements: the tenant and the groups, each
    (a day of the month, bin, one value per key), once each."""
    rows = list({(day.replace(day=1), *rest) for day, *rest in groups})
    columns = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(keys))
    months, bins, *values = columns
    return {
        "tenant": tenant_id,
        "months": list(months),
        "afters": [next_month(first) for first in months],
        "bins": list(bins),
        **{key: list(column) for key, column in zip(keys, values, strict=True)},
    }


def fine_bucket_sums(
    rows: QuerySet | list[QuerySet], group: str, group_params=(), *, columns=()
) -> list[tuple]:
    """The fine buckets of a bin table's `rows` (a queryset of FirstTouchBin, TeamResponseBin or
    LeadDayBin, already narrowed to the bins wanted; or several with the same columns, e.g. days
    and months, read as one), summed by PostgreSQL per `group` (SQL over the rows' `columns`, as
    `f.<column>`; `group_params` its values), bin and bucket: (group, bin, bucket, count,
    shortest, longest). The rows are read as a subquery in FROM, not by id: one pass over the
    rows a bitmap scan finds, without a probe of the primary key per row (a year's cold probes
    cost the first request of the day most of its time)."""
    parts = [
        part.values(*columns, "bin", "buckets").query.sql_with_params()
        for part in (rows if isinstance(rows, list) else [rows])
    ]
    rows_sql = " UNION ALL ".join(f"({sql})" for sql, _params in parts)
    rows_params = [param for _sql, params in parts for param in params]
    with connection.cursor() as cursor, serial_plan(cursor):
        cursor.execute(
            f"""SELECT {group}, f.bin, b.key::integer, sum((b.value->>0)::integer),
                       min((b.value->>1)::float8), max((b.value->>2)::float8)
                  FROM ({rows_sql}) f, jsonb_each(f.buckets) b
                 GROUP BY 1, 2, 3""",  # noqa: S608  # nosec B608
            [*group_params, *rows_params],
        )
        return cursor.fetchall()
