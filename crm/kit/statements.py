"""Statements compiled once per process.

Building and compiling a queryset costs a list page more CPU than running it: the lead list's
small lists (seven querysets) about 3 ms, its fifty leads by id with their joins and neglect flag
about 2 ms. Where the SQL depends only on a
few values (the tenant, the member, a number of ids), it is compiled once for those values and
kept. The tenant's two walls hold: the kept SQL has the tenant's own filter, and row-level
security keys on the request's setting, not on the statement.

A kept statement also runs prepared on the server (`prepared_cursor`): PostgreSQL parses and plans
its SQL once per connection instead of on every run, where planning the lead list's fifty leads
with their joins took longer than running them.
"""

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
from django.db.backends.utils import CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from psycopg.types.numeric import Int8Dumper

# The first one kept is dropped past this many (a list page keeps one or two per tenant and member).
KEPT = 4000
_kept: dict[Hashable, Any] = {}  # each key's own kind of value

T = TypeVar("T")
M = TypeVar("M", bound=Model)


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


if TYPE_CHECKING:
    # Django's ServerBindingCursor is psycopg's Cursor with Django's mixin; its stubs omit the
    # psycopg part.
    import psycopg

    _ServerBinding = psycopg.Cursor
else:
    _ServerBinding = ServerBindingCursor


class _PreparedCursor(_ServerBinding):
    """Binds its parameters on the server and runs every statement prepared: psycopg names it on
    the connection the first time and afterwards sends only that name and the values. Integers go
    as bigint whatever their size, so one statement is one prepared statement, not one per mix of
    smallint, integer and bigint ids."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.adapters.register_dumper(int, Int8Dumper)

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


@contextmanager
def prepared_cursor() -> Iterator:
    """A cursor of the request's connection (its transaction, its tenant setting) whose statements
    run prepared; Django's own cursor with settings.DATABASE_PREPARED_STATEMENTS off (a pooler
    that cannot keep prepared statements: docs/operations/index.md). Only for SQL the ORM compiled with
    its values as parameters, one statement at a time."""
    if not settings.DATABASE_PREPARED_STATEMENTS:
        with client_cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _PreparedCursor(connection.connection)
    # Django's wrapper: its execute wrappers, error translation and query log, as any cursor.
    wrapper = _PreparedDebugWrapper if connection.queries_logged else CursorWrapper
    with wrapper(raw, connection) as cursor:
        yield cursor


def client_cursor():
    """Django's own cursor of the current thread's connection (a kept statement may be run by
    any thread: `connection.cursor` taken once would stay bound to the thread that kept it)."""
    return connection.cursor()


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Django's query log (the tests' query counts, the benches) with each statement as a
    client-bound run logs it, its values in place: psycopg keeps no text of a prepared run for
    Django to read back."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


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
        with prepared_cursor() as cursor:
            cursor.execute(self.sql, [*self.params, *ids])
            rows = cursor.fetchall()
        if self.converters:
            return list(self.compiler.apply_converters(rows, self.converters))
        return rows


_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1

# Ids no row has: a statement compiled with them in place of its arguments finds them among its
# parameters, and each run puts the call's ids there.
_STAND_INS = (-7_700_000_001, -7_700_000_002, -7_700_000_003, -7_700_000_004)


class RowsFor:
    """A queryset's rows for a few ids (a contact, an inbox), compiled once: `build(*ids)` is
    called once with stand-in ids, which must each reach the statement as a parameter; each run
    puts the call's ids in their places. Rows are dicts by the queryset's column names."""

    def __init__(self, build: Callable[..., QuerySet], count: int, *, prepared: bool = True):
        # Not prepared: a statement that must carry settings in front of it in one round trip
        # (crm.tenancy.context.settings_sent_with_next_query), which only client binding allows.
        self.cursor = prepared_cursor if prepared else client_cursor
        stand_ins = _STAND_INS[:count]
        compiler = build(*stand_ins).query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = [
            (position, stand_ins.index(value))
            for position, value in enumerate(self.params)
            if type(value) is int and value in stand_ins
        ]
        if {slot for _, slot in self.slots} != set(range(count)):
            raise ValueError("an id is not a parameter of the statement")
        self.count = count
        self.compiler = compiler
        selected = compiler.select[: compiler.col_count]
        self.names = [alias or column.target.attname for column, _, alias in selected]
        self.converters = compiler.get_converters([column for column, _, _ in selected])

    def rows(self, *ids: int) -> list[dict]:
        return [dict(zip(self.names, row, strict=True)) for row in self._fetch(ids)]

    def _fetch(self, ids: Sequence[int]):
        """The rows for `ids`, each a sequence of the columns as the queryset converts them."""
        if len(ids) != self.count:
            raise ValueError(f"compiled for {self.count} ids, given {len(ids)}")
        if not all(_BIGINT_MIN <= pk <= _BIGINT_MAX for pk in ids):
            return []  # no row has it (a typed URL, a fuzzer): the ORM finds nothing too
        params = list(self.params)
        for position, slot in self.slots:
            params[position] = ids[slot]
        with self.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            return self.compiler.apply_converters(rows, self.converters)
        return rows


class InstancesFor(RowsFor, Generic[M]):
    """A queryset's model instances for a few ids, with the relations it selects
    (select_related) and its annotations, compiled once as RowsFor: the instances the queryset
    would give (Django's ModelIterable), without building and compiling it on every read. For a
    read that pages and actions make again and again (a lead with its six joins: its planning
    took longer than the read)."""

    def __init__(self, build: Callable[..., QuerySet[M]], count: int, *, prepared: bool = True):
        super().__init__(build, count, prepared=prepared)
        select, klass_info = self.compiler.select, self.compiler.klass_info
        fields = klass_info["select_fields"]
        self.model: type[M] = klass_info["model"]
        self.own = slice(fields[0], fields[-1] + 1)
        self.init_list = [column.target.attname for column, _, _ in select[self.own]]
        # django-stubs describe Django 6's signature, which adds fetch_mode.
        self.related = get_related_populators(klass_info, select, connection.alias)  # type: ignore[call-arg]
        self.annotations = list(self.compiler.annotation_col_map.items())

    def instances(self, *ids: int) -> list[M]:
        instances = []
        for row in self._fetch(ids):
            instance = self.model.from_db(connection.alias, self.init_list, row[self.own])
            for related in self.related:
                related.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances
