"""Keyset pagination: each page costs the same on a million rows as on ten.

The cursor holds the sort values of the last row shown; the next page starts strictly after them.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class KeysetPage:
    items: list
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _field_names(order: tuple[str, ...]) -> list[str]:
    return [name.lstrip("-") for name in order]


class _CursorEncoder(DjangoJSONEncoder):
    """Keeps datetimes to the microsecond (DjangoJSONEncoder cuts them to milliseconds, which
    would skip every row that shares the last row's millisecond)."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, cls=_CursorEncoder).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(queryset: QuerySet, order: tuple[str, ...], cursor: str) -> list | None:
    """The sort values in a cursor, or None when it is not one of ours (then the list restarts)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        fields = [queryset.model._meta.get_field(name) for name in _field_names(order)]
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        return [field.to_python(value) for field, value in zip(fields, values, strict=True)]
    except (binascii.Error, ValueError, TypeError, ValidationError):
        return None


def decode_values(cursor: str, parsers: tuple) -> list | None:
    """A cursor's values, each read by its parser (a page merged from several tables, where no
    one queryset's fields read them), or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(parsers):
            return None
        return [parse(value) for parse, value in zip(parsers, values, strict=True)]
    except (binascii.Error, ValueError, TypeError):
        return None


def _after(order: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in `order`: a < x OR (a = x AND b < y) …, led by a <= x."""
    names = _field_names(order)
    branches = []
    for position, name in enumerate(order):
        lookup = "lt" if name.startswith("-") else "gt"
        equal = {names[i]: values[i] for i in range(position)}
        branches.append(Q(**equal, **{f"{names[position]}__{lookup}": values[position]}))
    leading = "lte" if order[0].startswith("-") else "gte"
    # The redundant leading bound lets PostgreSQL use the index as a range scan.
    return Q(**{f"{names[0]}__{leading}": values[0]}) & reduce(or_, branches)


def keyset_page(
    queryset: QuerySet, *, order: tuple[str, ...], after: str | None, per_page: int
) -> KeysetPage:
    queryset = queryset.order_by(*order)
    values = decode_cursor(queryset, order, after) if after else None
    if values is not None:
        queryset = queryset.filter(_after(order, values))
    rows = list(queryset[: per_page + 1])
    if len(rows) <= per_page:
        return KeysetPage(items=rows, next_cursor=None)
    rows = rows[:per_page]
    last = rows[-1]
    return KeysetPage(
        items=rows,
        next_cursor=encode_cursor([getattr(last, name) for name in _field_names(order)]),
    )
