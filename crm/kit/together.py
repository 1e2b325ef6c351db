"""Several small lists in one statement.

A page that shows a handful of reference lists (its filter form's choices, a bulk form's options,
the tenant's settings row) would run one statement for each. `read_together` runs the querysets as
subqueries of one SELECT, each aggregated to JSON, on the request's connection: the same tenant
context and row-level security as the querysets run alone. Each list comes back as instances of
its model (only the model's own columns, plus the named columns of joined models) in the
queryset's order: PostgreSQL's json_agg keeps the order of a sorted subquery.
"""

import json

from django.db import connection, models
from django.db.models import F, QuerySet


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

    def read(row: dict):
        values = [_value(field, row.get(column)) for column, field in columns]
        return model.from_db(connection.alias, attnames, values)

    return read


def read_together(
    querysets: dict[str, QuerySet], joined: dict[str, dict[str, list[str]]] | None = None
) -> dict[str, list[models.Model]]:
    """{name: queryset} → {name: [instances]} in one statement. `joined` names, per list, the
    columns of a foreign key's model to read as well ({"stages": {"pipeline": ["name"]}}): the
    instance gets that relation set (with only those columns; others would be read on access)."""
    joined = joined or {}
    parts, params, plans = [], [], {}
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
        params.extend(query_params)
        plans[name] = (model, joined.get(name, {}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        results = cursor.fetchone()
    lists = {}
    for (name, (model, relations)), rows in zip(plans.items(), results, strict=True):
        rows = json.loads(rows) if isinstance(rows, str) else rows
        if not rows:
            lists[name] = []
            continue
        read = _reader(model, rows[0])
        joins = []
        for relation in relations:
            field = model._meta.get_field(relation)
            joins.append(
                (relation, _reader(field.related_model, rows[0], f"j{relation}_", field.column))
            )
        instances = []
        for row in rows:
            instance = read(row)
            for relation, reader in joins:
                setattr(instance, relation, reader(row))
            instances.append(instance)
        lists[name] = instances
    return lists
