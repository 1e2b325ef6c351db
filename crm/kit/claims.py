"""Due rows and the sweeps that claim them. Rows another transaction holds are skipped, not
waited for, so two sweeps never claim the same row.

`claim_due_rows` serves the sweeps that hand work to Celery (the outbox, follow-up reminders):
due rows are marked queued in one statement and their ids returned, so the caller can enqueue a
task for each. `update_due_rows`, which it is, serves a sweep whose whole change of a row is a
few columns set (quotes expired): a bounded batch in one statement, however many rows are due.
`lock_due_rows` serves the sweeps that do the work in their own transaction (missed follow-ups,
sequence steps, status updates, SLA breaches and escalations)."""

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import models

# The locking SELECT runs once, in a materialised CTE: as an `IN (subquery)` PostgreSQL may re-run
# it per row (a nested loop), claiming more than `limit` rows and locking rows it does not take.
_UPDATE_DUE = """
    WITH due AS MATERIALIZED (
        SELECT id FROM {table}
        WHERE tenant_id = %s AND status IN ({statuses}) AND {column} <= %s {start} {condition}
        ORDER BY {column}
        LIMIT %s
        FOR UPDATE SKIP LOCKED
    )
    UPDATE {table} AS claimed SET {assignments}
    FROM due WHERE claimed.id = due.id
    RETURNING claimed.id, claimed.{column}
"""
# Batches one after another start at the latest due value of the one before: the rows it changed
# stay in a partial index on the statuses until they are vacuumed, and a batch that started from
# the oldest row again stepped over all of them (the 50th batch of 500 quotes took 4 times the
# first).
_FROM = "AND {column} >= %s"


def _column(model: type[models.Model], name: str) -> str:
    """The table column of the model's field `name` (not a reverse relation's name)."""
    model_field = model._meta.get_field(name)
    if not isinstance(model_field, models.Field) or not model_field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return model_field.column


def update_due_rows(
    cursor,
    *,
    model: type[models.Model],
    tenant_id: int,
    statuses: Sequence[str],
    column: str,
    up_to: dt.date | dt.datetime,
    limit: int,
    values: Mapping[str, object],
    start: object | None = None,
    condition: tuple[str, Sequence[object]] = ("", ()),
) -> list[tuple[int, object]]:
    """Set `values` (field name: value) on at most `limit` of the tenant's rows in one of
    `statuses` whose `column` is at or before `up_to`, oldest first; returns their (id, column
    value). Rows another transaction holds are skipped. `start` (the latest column value the
    previous batch returned) takes only rows from it on. `condition`: SQL on the table's columns
    with its parameters, ANDed to the rest (the caller's own constant, never a user's text). Runs
    in the caller's transaction. `model` needs tenant_id and status columns."""
    meta = model._meta
    db_column = _column(model, column)
    sql = _UPDATE_DUE.format(
        table=meta.db_table,
        statuses=", ".join(["%s"] * len(statuses)),
        column=db_column,
        start=_FROM.format(column=db_column) if start is not None else "",
        condition=f"AND ({condition[0]})" if condition[0] else "",
        assignments=", ".join(f"{_column(model, name)} = %s" for name in values),
    )
    starting = [start] if start is not None else []
    cursor.execute(
        sql,
        [tenant_id, *statuses, up_to, *starting, *condition[1], limit, *values.values()],
    )
    # RETURNING gives the rows in the order the join met them, not the CTE's: sort them again.
    return sorted(((row[0], row[1]) for row in cursor.fetchall()), key=lambda row: (row[1], row[0]))


def claim_due_rows(
    cursor,
    *,
    model: type[models.Model],
    tenant_id: int,
    status: str,
    column: str,
    up_to: dt.datetime,
    limit: int,
    queued: str,
    now: dt.datetime,
    condition: tuple[str, Sequence[object]] = ("", ()),
) -> list[int]:
    """Mark at most `limit` of the tenant's rows in `status` whose `column` is at or before
    `up_to` (and that meet `condition`, as update_due_rows takes it) as `queued` (queued_at =
    now), oldest first; returns their ids. Runs in the caller's transaction. `model` needs
    tenant_id, status and queued_at columns."""
    claimed = update_due_rows(
        cursor,
        model=model,
        tenant_id=tenant_id,
        statuses=[status],
        column=column,
        up_to=up_to,
        limit=limit,
        values={"status": queued, "queued_at": now},
        condition=condition,
    )
    return [pk for pk, _due in claimed]


def lock_due_rows(
    queryset: models.QuerySet,
    *,
    due_field: str,
    up_to: dt.datetime,
    limit: int,
    order_by: tuple[str, ...] | None = None,
) -> list:
    """The rows of `queryset` whose `due_field` is at or before `up_to`, oldest first (by
    `order_by`, default the due time then pk), at most `limit`, locked FOR UPDATE SKIP LOCKED:
    rows another transaction holds are skipped, not waited for, so two sweeps never share a row.
    Runs in the caller's transaction, which holds the locks until it ends."""
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .filter(**{f"{due_field}__lte": up_to})
        .order_by(*(order_by or (due_field, "pk")))[:limit]
    )
