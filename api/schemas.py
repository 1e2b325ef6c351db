"""What every list and error of the API looks like (the operations' own shapes sit beside them)."""

from typing import Generic, TypeVar

from ninja import Schema
from pydantic import Field

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


def page(keyset: KeysetPage, results: list | None = None) -> dict:
    return {
        "results": keyset.items if results is None else results,
        "next_cursor": keyset.next_cursor,
    }


READ_ERRORS = {401: Problem, 404: Problem, 422: Invalid, 429: Problem}
WRITE_ERRORS = {**READ_ERRORS, 403: Problem}
