"""What every list and error of the API looks like (the operations' own shapes sit beside them),
and the types its request bodies and filters are read with."""

import datetime as dt
import re
from typing import Annotated, Any, Generic, TypeVar

from ninja import Schema
from pydantic import BeforeValidator, Field, Strict, model_validator

from crm.pagination import KeysetPage

Item = TypeVar("Item")

MAX_LIMIT = 100


class Page(Schema, Generic[Item]):
    results: list[Item]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class Problem(Schema):
    detail: str


class Invalid(Schema):
    detail: str
    errors: dict[str, list[str]]


class Body(Schema):
    """A request body: a JSON object. ninja's Schema reads any object's attributes (it is also
    how answers are built from models), so without this a list or a number would pass as an
    object whose fields all took their defaults."""

    @model_validator(mode="wrap")
    @classmethod
    def an_object(cls, data: Any, handler):
        # Around ninja's own wrap validator, which would hand on any object as its attributes.
        # A JSON body arrives as a dict; a form's fields (uploads) as a QueryDict.
        if not hasattr(data, "keys"):
            raise ValueError("Send a JSON object.")
        return handler(data)


# A JSON body's ids and counts are numbers: `false` or `1.5` is refused, not read as 0 or 1.
BodyInt = Annotated[int, Strict()]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _written_as(pattern: re.Pattern, example: str):
    def check(value: Any) -> Any:
        # pydantic also reads numbers as Unix times: the schema promises ISO 8601 text only.
        if isinstance(value, str) and pattern.match(value):
            return value
        if isinstance(value, dt.date):
            return value
        raise ValueError(f"Write it as ISO 8601, e.g. {example}.")

    return BeforeValidator(check)


IsoDate = Annotated[dt.date, _written_as(_ISO_DATE, "2030-01-31")]
IsoDateTime = Annotated[dt.datetime, _written_as(_ISO_DATETIME, "2030-01-31T09:00Z")]


def page(keyset: KeysetPage, results: list | None = None) -> dict:
    return {
        "results": keyset.items if results is None else results,
        "next_cursor": keyset.next_cursor,
    }


# What any operation may answer besides its own: 400 (a body or query no parser reads: bad
# JSON, a control character), 401, 404, 422, 429. Writes add 403 (a read-only key); every POST
# also 409 (api.v1.OpenAPI declares it with the Idempotency-Key header).
READ_ERRORS = {400: Problem, 401: Problem, 404: Problem, 422: Invalid, 429: Problem}
WRITE_ERRORS = {**READ_ERRORS, 403: Problem}
