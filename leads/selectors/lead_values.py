"""A list's leads as plain values: the columns a row shows, with its joins, without model
instances.

Fifty leads with their six joins as model instances cost about twice the CPU of the same columns
as tuples (each instance runs `Model.__init__` over all of its forty fields). A `ListLead` reads like a `Lead` to what draws a row (the row
renderer, the progress bar, the score, the REST API's lead): the same attribute names, and the
models' own properties (`Lead.reference`, `Contact.display_name`, …) rather than copies of them.
Its stage is the caller's Stage instance (every stage of the tenant is read once a page).
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Expression

from crm.kit.statements import RowsById, kept
from crm.models import Contact, Property, Tenant, User
from leads.models import Lead, Stage

LEAD_COLUMNS = (
    "id",
    "number",
    "title",
    "status",
    "lead_type",
    "location",
    "priority_score",
    "estimated_value",
    "cost",
    "lost_reason",
    "created_at",
    "closed_at",
    "stage_entered_at",
    "first_touch_at",
    "next_follow_up_at",
    "assignment_decision",
    "contact_id",
    "pipeline_id",
    "stage_id",
    "owner_id",
    "source_id",
    "property_id",
)


# The columns of each join as a named tuple, and the model's own properties on a subclass (a
# NamedTuple's body holds its fields only).
class _ContactColumns(NamedTuple):
    first_name: str
    last_name: str
    company_name: str


class ListContact(_ContactColumns):
    __slots__ = ()
    display_name = Contact.display_name


class _PropertyColumns(NamedTuple):
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str


class ListProperty(_PropertyColumns):
    __slots__ = ()
    one_line_address = Property.one_line_address


class _UserColumns(NamedTuple):
    full_name: str
    email: str


class ListUser(_UserColumns):
    __slots__ = ()
    __str__ = User.__str__


class ListOwner(NamedTuple):
    user: ListUser

    @classmethod
    def of_user(cls, *values: str) -> "ListOwner":
        return cls(ListUser(*values))


class ListSource(NamedTuple):
    name: str
    priority_points: int


class ListPipeline(NamedTuple):
    name: str


# Each join: the lead's attribute, its foreign key (None: nothing joined), the columns read
# (paths from the lead) and what makes the attribute of their values.
JOINS = [
    (name, key, [f"{prefix}{field}" for field in kind._fields], make)
    for name, key, prefix, kind, make in (
        ("contact", "contact_id", "contact__", ListContact, ListContact),
        ("property", "property_id", "property__", ListProperty, ListProperty),
        ("owner", "owner_id", "owner__user__", ListUser, ListOwner.of_user),
        ("source", "source_id", "source__", ListSource, ListSource),
        ("pipeline", "pipeline_id", "pipeline__", ListPipeline, ListPipeline),
    )
]


class ListLead:
    """A lead's LEAD_COLUMNS, its joins (JOINS) and the caller's extra columns, as attributes:
    a leads.rows.RowLead, as a Lead is. The annotations below type them (they set nothing)."""

    id: int
    number: int
    title: str
    status: str
    lead_type: str
    location: str
    priority_score: int
    estimated_value: Decimal | None
    cost: Decimal
    lost_reason: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    stage_entered_at: dt.datetime
    first_touch_at: dt.datetime | None
    next_follow_up_at: dt.datetime | None
    assignment_decision: dict
    contact_id: int
    pipeline_id: int
    stage_id: int | None
    owner_id: int | None
    source_id: int | None
    property_id: int | None
    contact: ListContact
    pipeline: ListPipeline
    stage: Stage | None
    owner: ListOwner | None
    source: ListSource | None
    # and `property`, a ListProperty or None (not annotated here: the name would hide the builtin
    # from the class body for the type checker)

    reference = Lead.reference
    is_closed = Lead.is_closed
    get_lost_reason_display = Lead.get_lost_reason_display

    def __init__(self, values: dict):
        self.__dict__ = values

    @property
    def pk(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<ListLead {self.id}>"


def leads_as_values(
    *,
    tenant: Tenant,
    ids: list[int],
    stages: dict[int, Stage],
    columns: dict[str, Callable[..., Expression]] | None = None,
) -> list[ListLead]:
    """The tenant's leads with these ids, in the order of `ids`, each with its stage from
    `stages` (by id). `columns`: {name: a selector called with tenant=, whose expression is read
    in the same statement as an attribute}.

    The statement is compiled once per process for a tenant, a number of ids and the columns
    (crm.kit.statements): compiling the joins and another app's column cost more than reading
    the rows."""
    if not ids:
        return []
    columns = columns or {}
    names = [*LEAD_COLUMNS, *columns]
    paths = [path for _, _, paths, _ in JOINS for path in paths]

    def statement() -> RowsById:
        expressions = {name: selector(tenant=tenant) for name, selector in columns.items()}
        leads = Lead.objects.filter(tenant=tenant).annotate(**expressions)
        return RowsById(leads.values_list(*names, *paths), ids)

    key = ("leads.lead_values", tenant.pk, len(ids), tuple(columns.items()))
    by_id = {}
    width = len(names)
    for row in kept(key, statement).rows(ids):
        values = dict(zip(names, row[:width], strict=True))
        start = width
        for name, key_column, joined, make in JOINS:
            end = start + len(joined)
            values[name] = None if values[key_column] is None else make(*row[start:end])
            start = end
        values["stage"] = None if values["stage_id"] is None else stages[values["stage_id"]]
        by_id[values["id"]] = ListLead(values)
    return [by_id[pk] for pk in ids]
