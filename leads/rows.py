"""What a row of leads reads of a lead: a `Lead`, or the `ListLead` a list page reads (its columns
and joins as plain values, leads.selectors.lead_values). The progress bar, the score, the lead
list's rows and the REST API's lead are typed with `RowLead`, which both satisfy.

The members are read-only (properties), so a model's field (a `Contact`) and a list page's light
value (a `ListContact`) both fit where the protocol of the join (`RowContact`) is asked for.
"""

import datetime as dt
from decimal import Decimal
from typing import Protocol

from leads.models import Stage


class RowContact(Protocol):
    @property
    def display_name(self) -> str: ...


class RowUser(Protocol):
    @property
    def full_name(self) -> str: ...


class RowOwner(Protocol):
    @property
    def user(self) -> RowUser: ...


class RowSource(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def priority_points(self) -> int: ...


class RowPipeline(Protocol):
    @property
    def name(self) -> str: ...


class RowLead(Protocol):
    """A lead's columns and joins that a row shows (its stage is a Stage of the tenant's)."""

    @property
    def pk(self) -> int: ...

    @property
    def reference(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def lead_type(self) -> str: ...

    @property
    def location(self) -> str: ...

    @property
    def contact_id(self) -> int: ...

    @property
    def contact(self) -> RowContact: ...

    @property
    def pipeline_id(self) -> int: ...

    @property
    def pipeline(self) -> RowPipeline: ...

    @property
    def stage_id(self) -> int | None: ...

    @property
    def stage(self) -> Stage | None: ...

    @property
    def owner_id(self) -> int | None: ...

    @property
    def owner(self) -> RowOwner | None: ...

    @property
    def source_id(self) -> int | None: ...

    @property
    def source(self) -> RowSource | None: ...

    @property
    def cost(self) -> Decimal: ...

    @property
    def estimated_value(self) -> Decimal | None: ...

    @property
    def priority_score(self) -> int: ...

    @property
    def created_at(self) -> dt.datetime: ...

    @property
    def closed_at(self) -> dt.datetime | None: ...

    @property
    def stage_entered_at(self) -> dt.datetime: ...

    @property
    def first_touch_at(self) -> dt.datetime | None: ...

    def get_lost_reason_display(self) -> str: ...
