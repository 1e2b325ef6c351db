"""Statements compiled once per process.

Building and compiling a queryset costs a list page more CPU than running it: the lead list's
small lists (seven querysets) about 3 ms, its fifty leads by id with their joins and neglect flag
about 2 ms (docs/benchmarks.md, "Lead list at a million leads"). Where the SQL depends only on a
few values (the tenant, the member, a number of ids), it is compiled once for those values and
kept. The tenant's two walls hold: the kept SQL has the tenant's own filter, and row-level
security keys on the request's setting, not on the statement.
"""

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from django.db import connection
from django.db.models import QuerySet

# The first one kept is dropped past this many (a list page keeps one or two per tenant and member).
KEPT = 4000
_kept: dict[Hashable, object] = {}

T = TypeVar("T")


def kept(key: Hashable, make: Callable[[], T]) -> T:
    """What `make()` returns, made on the first call with `key` in this process. The key must
    name everything the result depends on."""
    value = _kept.get(key)
    if value is None:
        value = make()
        if len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept)), None)
        _kept[key] = value
    return value


class RowsById:
    """A values_list queryset's rows for a list of ids (of `field`, the primary key unless
    named), compiled once for a number of ids: the queryset is compiled with `field__in` as its
    last filter, so the ids are the statement's last parameters, and each run puts other ids in
    their place."""

    def __init__(self, queryset: QuerySet, ids: Sequence[int], field: str = "pk"):
        compiler = queryset.filter(**{f"{field}__in": ids}).query.get_compiler(
            connection=connection
        )
        self.sql, params = compiler.as_sql()
        self.count = len(ids)
        if list(params[-self.count :]) != list(ids):
            raise ValueError("the ids are not the statement's last parameters")
        self.params = list(params[: -self.count])
        self.compiler = compiler
        # As the queryset would convert the columns (a JSON field's text, for one).
        self.converters = compiler.get_converters(
            [column for column, _, _ in compiler.select[: compiler.col_count]]
        )

    def rows(self, ids: Sequence[int]) -> list:
        if len(ids) != self.count:
            raise ValueError(f"compiled for {self.count} ids, given {len(ids)}")
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [*self.params, *ids])
            rows = cursor.fetchall()
        if self.converters:
            return list(self.compiler.apply_converters(rows, self.converters))
        return rows
