"""Several small lists, or several counts, in one statement.

A page that shows a handful of reference lists (its filter form's choices, a bulk form's options,
the tenant's settings row) would run one statement for each. `read_together` runs the querysets as
subqueries of one SELECT, each aggregated to JSON, on the request's connection: the same tenant
context and row-level security as the querysets run alone. Each list comes back as instances of
its model (only the model's own columns, plus the named columns of joined models) in the
queryset's order: PostgreSQL's json_agg keeps the order of a sorted subquery.
"""

import json
from collections.abc import Callable, Hashable
from typing import Any, cast

from django.db import connection, models
from django.db.models import F, QuerySet

from crm.kit.statements import client_cursor, kept, prepared_cursor

# Fields whose value in JSON is already their Python value (their to_python returns it as it
# is): their columns skip the conversion, a thousand calls for the lead list's small lists.
# Exact types: a subclass may convert (a phone number field is a CharField).
_AS_IN_JSON = {
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.EmailField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
}


def _as_in_json(field) -> bool:
    if field.is_relation:
        return type(field.target_field) in _AS_IN_JSON
    return type(field) in _AS_IN_JSON


def _value(field, value):
    if isinstance(field, models.DecimalField) and isinstance(value, float):
        value = str(value)  # JSON numbers arrive as floats: keep the digits the database had
    return None if value is None else field.to_python(value)


def _reader(model, keys, prefix: str = "", key_column: str = ""):
    """Rows → instances of `model` from the columns named `prefix` + column among `keys`, its
    primary key from `key_column` if named (a joined model's: the foreign key). Every row of a
    list has the same keys: the fields are looked up once per list, not once per row."""
    columns = []
    for field in model._meta.concrete_fields:
        if key_column and field.primary_key:
            columns.append((key_column, field))
        elif f"{prefix}{field.column}" in keys:
            columns.append((f"{prefix}{field.column}", field))
    attnames = [field.attname for _, field in columns]
    plain = [(column, field, _as_in_json(field)) for column, field in columns]

    def read(row: dict):
        values = [
            row.get(column) if as_is else _value(field, row.get(column))
            for column, field, as_is in plain
        ]
        return model.from_db(connection.alias, attnames, values)

    return read


class _Statement:
    """The SELECT of several lists, and how to read each list's JSON rows back into instances."""

    def __init__(
        self,
        querysets: dict[str, QuerySet],
        joined: dict[str, dict[str, list[str]]],
        *,
        prepared: bool = False,
    ):
        # Prepared on the server only when kept: a statement made for one read is run once.
        self.cursor = prepared_cursor if prepared else client_cursor
        parts: list[str] = []
        self.params: list[Any] = []
        self.plans: dict[str, tuple[type[models.Model], dict[str, list[str]]]] = {}
        for index, (name, queryset) in enumerate(querysets.items()):
            model = queryset.model
            own = [field.attname for field in model._meta.concrete_fields]
            extra = {}
            for relation, columns in joined.get(name, {}).items():
                extra.update({f"j{relation}_{col}": F(f"{relation}__{col}") for col in columns})
            sql, query_params = queryset.values(*own, **extra).query.sql_with_params()
            # The ORM's own SQL, its values passed as parameters.
            subquery = f"(SELECT coalesce(json_agg(t), '[]'::json) FROM ({sql}) t) AS l{index}"  # noqa: S608
            parts.append(subquery)
            self.params.extend(query_params)
            self.plans[name] = (model, joined.get(name, {}))
        self.sql = "SELECT " + ", ".join(parts)
        # Each list's readers, made from its first row (every row has the same keys).
        self.readers: dict[str, tuple] = {}

    def _readers(self, name: str, row: dict) -> tuple:
        readers = self.readers.get(name)
        if readers is None:
            model, relations = self.plans[name]
            joins = []
            for relation in relations:
                # `joined` names foreign keys (read_together's contract).
                field = cast(models.ForeignKey, model._meta.get_field(relation))
                joins.append(
                    (relation, _reader(field.related_model, row, f"j{relation}_", field.column))
                )
            readers = self.readers[name] = (_reader(model, row), joins)
        return readers

    def read(self) -> dict[str, list[Any]]:
        with self.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            results = cursor.fetchone()
        lists: dict[str, list[Any]] = {}
        for name, rows in zip(self.plans, results, strict=True):
            rows = json.loads(rows) if isinstance(rows, str) else rows
            if not rows:
                lists[name] = []
                continue
            read, joins = self._readers(name, rows[0])
            instances = []
            for row in rows:
                instance = read(row)
                for relation, reader in joins:
                    setattr(instance, relation, reader(row))
                instances.append(instance)
            lists[name] = instances
        return lists


def read_together(
    querysets: dict[str, QuerySet] | Callable[[], dict[str, QuerySet]],
    joined: dict[str, dict[str, list[str]]] | None = None,
    *,
    kept_as: Hashable = None,
) -> dict[str, list[Any]]:
    """{name: queryset} → {name: [instances]} in one statement. Each list holds its queryset's
    model, which the caller names: the lists of one call are of different models. `joined` names, per list, the
    columns of a foreign key's model to read as well ({"stages": {"pipeline": ["name"]}}): the
    instance gets that relation set (with only those columns; others would be read on access).

    `kept_as`: the statement is compiled once per process and kept under this key
    (crm.kit.statements). `querysets` is then a function that builds them, called on the first
    read only; the key must name everything their SQL depends on (the tenant, the member)."""
    built = querysets if callable(querysets) else lambda: querysets
    if kept_as is None:
        return _Statement(built(), joined or {}).read()
    return kept(
        ("read_together", kept_as), lambda: _Statement(built(), joined or {}, prepared=True)
    ).read()


def count_together(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """{name: queryset} → {name: how many rows it selects} in one statement, on the request's
    connection as `read_together`. A sliced queryset counts up to its limit (in its order, so an
    index scan stops there)."""
    if not querysets:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for index, queryset in enumerate(querysets.values()):
        sql, query_params = queryset.query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) c{index})")  # noqa: S608  (the ORM's SQL, values as parameters)
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    return dict(zip(querysets, counts, strict=True))
