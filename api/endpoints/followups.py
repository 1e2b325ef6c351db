"""Follow-ups: the list's filters and keyset pages, create, complete."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.lookups import named_in_body
from api.schemas import (
    MAX_LIMIT,
    READ_ERRORS,
    WRITE_ERRORS,
    Body,
    BodyInt,
    IsoDate,
    IsoDateTime,
    page,
)
from crm.selectors.contacts import contact_get
from crm.selectors.members import membership_get
from followups.models import Outcome, Priority
from followups.models import Status as FollowUpStatus
from followups.selectors.configuration import follow_up_type_get_by_pk
from followups.selectors.detail import follow_up_get
from followups.selectors.lists import (
    FollowUpQuery,
    follow_up_page,
    follow_ups_filtered,
)
from followups.services.followups import follow_up_complete, follow_up_create
from leads.selectors.lists import lead_get

router = Router()

# Follow-ups and tickets each have a Priority: a Literal keeps the schema's two apart.
FollowUpPriority = Literal[*Priority.values]  # type: ignore[valid-type]


class FollowUpOut(Schema):
    id: int
    subject: str
    description: str
    type: str
    scheduled_at: dt.datetime
    duration_minutes: int
    priority: FollowUpPriority
    status: FollowUpStatus
    assignee_id: int
    contact_id: int
    lead_id: int | None
    outcome: Outcome | None = Field(description="null until it is completed")
    outcome_notes: str
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_type(follow_up) -> str:
        return follow_up.type.key

    @staticmethod
    def resolve_outcome(follow_up) -> str | None:
        return follow_up.outcome or None


class FollowUpPage(Schema):
    results: list[FollowUpOut]
    next_cursor: str | None


class FollowUpListParams(Schema):
    status: Literal["todo", "open", "all", *FollowUpStatus.values] = "todo"  # type: ignore[valid-type]
    assignee: int | None = Field(None, description="A team member's id; empty: everyone's.")
    contact: int | None = None
    lead: int | None = None
    priority: FollowUpPriority | None = None
    when: Literal["today", "overdue", "week", "upcoming"] | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    q: str = Field("", max_length=200)
    order: Literal["soonest", "latest"] = "soonest"
    cursor: str | None = None
    limit: int = Query(50, ge=1, le=MAX_LIMIT)


@router.get("", response={200: FollowUpPage, **READ_ERRORS}, summary="List follow-ups")
def follow_up_index(request, params: Query[FollowUpListParams]):
    query = FollowUpQuery(
        text=params.q,
        status=params.status,
        priority=params.priority or "",
        when=params.when or "",
        date_from=params.date_from,
        date_to=params.date_to,
        assignee=str(params.assignee) if params.assignee else "all",
        contact_id=params.contact,
        lead_id=params.lead,
        order=params.order,
    )
    follow_ups = follow_ups_filtered(
        tenant=request.tenant, membership=None, query=query, zone=request.tenant.zone
    )
    return page(
        follow_up_page(
            follow_ups=follow_ups, order=params.order, after=params.cursor, per_page=params.limit
        )
    )


@router.get("{follow_up_id}", response={200: FollowUpOut, **READ_ERRORS}, summary="Get a follow-up")
def follow_up_detail(request, follow_up_id: int):
    return _follow_up(request, follow_up_id)


def _follow_up(request, follow_up_id: int):
    return follow_up_get(tenant=request.tenant, follow_up_id=follow_up_id)


class FollowUpIn(Body):
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    contact_id: BodyInt
    assignee_id: BodyInt
    scheduled_at: IsoDateTime = Field(description="With its time zone, e.g. 2030-01-31T09:00Z.")
    type_id: BodyInt | None = Field(None, description="Empty: a call.")
    lead_id: BodyInt | None = None
    priority: FollowUpPriority = Priority.MEDIUM
    duration_minutes: BodyInt = Field(30, ge=5, le=24 * 60)


class Completion(Body):
    outcome: Outcome
    notes: str = Field("", max_length=5000)


@router.post("", response={201: FollowUpOut, **WRITE_ERRORS}, summary="Create a follow-up")
def follow_up_new(request, payload: FollowUpIn):
    tenant = request.tenant
    if payload.scheduled_at.tzinfo is None:
        raise ValidationError({"scheduled_at": [_("Give the time zone, e.g. 2030-01-31T09:00Z.")]})
    type_id, lead_id = payload.type_id, payload.lead_id
    follow_up = follow_up_create(
        tenant=tenant,
        actor=request.actor,
        subject=payload.subject,
        description=payload.description,
        contact=named_in_body(
            lambda: contact_get(tenant=tenant, contact_id=payload.contact_id), "contact_id"
        ),
        assignee=named_in_body(
            lambda: membership_get(tenant=tenant, membership_id=payload.assignee_id), "assignee_id"
        ),
        scheduled_at=payload.scheduled_at,
        type=named_in_body(
            lambda: follow_up_type_get_by_pk(tenant=tenant, type_id=type_id), "type_id"
        )
        if type_id
        else None,
        lead=named_in_body(lambda: lead_get(tenant=tenant, lead_id=lead_id), "lead_id")
        if lead_id
        else None,
        priority=payload.priority,
        duration_minutes=payload.duration_minutes,
    )
    return Status(201, _follow_up(request, follow_up.pk))


@router.post(
    "{follow_up_id}/complete", response={200: FollowUpOut, **WRITE_ERRORS}, summary="Complete"
)
def follow_up_done(request, follow_up_id: int, payload: Completion):
    tenant = request.tenant
    follow_up_complete(
        tenant=tenant,
        actor=request.actor,
        follow_up=follow_up_get(tenant=tenant, follow_up_id=follow_up_id),
        outcome=payload.outcome,
        notes=payload.notes,
    )
    return _follow_up(request, follow_up_id)
