"""Leads: the lead list's filters, sort orders and keyset pages; one lead; create, change,
assign, move to a stage, mark lost and reopen, through the services the pages use (validation, timeline, triggers,
audit). Each lead carries what a list row shows: stage, owner, source, cost, value, aging (the
current stage's colour and time in it) and progress (one segment per stage of its pipeline)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.lookups import named_in_body
from api.schemas import MAX_LIMIT, READ_ERRORS, WRITE_ERRORS, Body, BodyInt, IsoDate, Page
from crm.selectors.contacts import contact_get
from crm.selectors.members import membership_get
from leads.filters import LeadFilter
from leads.models import LeadStatus, LeadType, LostReason
from leads.selectors import lists
from leads.selectors.configuration import lead_source_get, pipeline_get, stage_get
from leads.services.assignment import lead_assign
from leads.services.leads import lead_create, lead_update
from leads.services.stages import lead_mark_lost, lead_move_to_stage, lead_reopen

router = Router()


class Named(Schema):
    id: int
    name: str


class Segment(Schema):
    stage_id: int
    name: str
    state: str = Field(description="past, current or future")
    tint: str = Field(
        description="past: on-time, late or skipped; current: green, orange, red or done"
    )


class Aging(Schema):
    colour: str = Field(description="green, orange, red; done in a terminal stage; none")
    time_in_stage: str
    stage_entered_at: dt.datetime


class Progress(Schema):
    summary: str
    stalled: bool
    segments: list[Segment]


class LeadOut(Schema):
    id: int
    reference: str
    title: str
    status: LeadStatus
    lead_type: LeadType
    contact: Named
    pipeline: Named
    stage: Named | None
    owner: Named | None
    source: Named | None
    cost: Decimal
    estimated_value: Decimal | None
    priority_score: int
    created_at: dt.datetime
    closed_at: dt.datetime | None
    aging: Aging
    progress: Progress


def lead_out(row: lists.LeadRow) -> dict:
    lead, bar = row.lead, row.bar
    return {
        "id": lead.pk,
        "reference": lead.reference,
        "title": lead.title,
        "status": lead.status,
        "lead_type": lead.lead_type,
        "contact": {"id": lead.contact_id, "name": lead.contact.display_name},
        "pipeline": {"id": lead.pipeline_id, "name": lead.pipeline.name},
        "stage": {"id": lead.stage_id, "name": lead.stage.name} if lead.stage else None,
        "owner": {"id": lead.owner_id, "name": lead.owner.user.full_name} if lead.owner else None,
        "source": {"id": lead.source_id, "name": lead.source.name} if lead.source else None,
        "cost": lead.cost,
        "estimated_value": lead.estimated_value,
        "priority_score": lead.priority_score,
        "created_at": lead.created_at,
        "closed_at": lead.closed_at,
        "aging": {
            "colour": bar.colour,
            "time_in_stage": row.time_in_stage,
            "stage_entered_at": lead.stage_entered_at,
        },
        "progress": {
            "summary": bar.summary,
            "stalled": bar.stalled,
            "segments": [
                {
                    "stage_id": segment.stage.pk,
                    "name": segment.stage.name,
                    "state": segment.state,
                    "tint": segment.tint,
                }
                for segment in bar.segments
            ],
        },
    }


class LeadListParams(Schema):
    """The lead list page's filters (leads.filters.LeadFilter), by id."""

    q: str = Field("", max_length=200, description="Search: name, email, phone, reference.")
    status: Literal["open", "won", "lost", "all"] = "open"
    scope: Literal["team", "unassigned"] = "team"
    owner: int | None = Field(None, description="A team member's id (see /users/).")
    pipeline: int | None = None
    stage: int | None = None
    source: int | None = None
    lead_type: LeadType | None = None
    aging: Literal["green", "orange", "red"] | None = None
    priority: Literal["high", "medium", "low"] | None = None
    created_from: IsoDate | None = None
    created_to: IsoDate | None = None
    sort: Literal["priority", "aging", "created"] = "priority"
    cursor: str | None = None
    limit: int = Query(50, ge=1, le=MAX_LIMIT)


@router.get("", response={200: Page[LeadOut], **READ_ERRORS}, summary="List leads")
def lead_index(request, params: Query[LeadListParams]):
    """The lead list: open leads of the whole team by priority unless filtered. A fixed number
    of queries per page whatever its length."""
    tenant = request.tenant
    data = {
        name: str(value)
        for name, value in params.dict(exclude={"cursor", "limit"}).items()
        if value not in (None, "")
    }
    references = lists.list_references(tenant=tenant, membership=None)
    lead_filter = LeadFilter(
        data,
        queryset=lists.lead_queryset(tenant=tenant),
        tenant=tenant,
        membership=None,
        references=references,
    )
    if not lead_filter.is_valid():
        raise ValidationError(lead_filter.errors)
    keyset, rows = lists.lead_list(
        tenant=tenant,
        leads=lead_filter.qs,
        sort=lead_filter.sort_order,
        after=params.cursor,
        stages=lists.stages_grouped(references.stages),
        settings=references.settings,
        per_page=params.limit,
    )
    return {"results": [lead_out(row) for row in rows], "next_cursor": keyset.next_cursor}


@router.get("{lead_id}", response={200: LeadOut, **READ_ERRORS}, summary="Get a lead")
def lead_detail(request, lead_id: int):
    return lead_out(lists.lead_row(tenant=request.tenant, lead_id=lead_id))


class LeadIn(Body):
    contact_id: BodyInt
    pipeline_id: BodyInt
    stage_id: BodyInt | None = Field(None, description="Empty: the pipeline's first stage.")
    owner_id: BodyInt | None = Field(None, description="Empty: the assignment rules choose.")
    title: str = Field("", max_length=200)
    lead_type: LeadType | None = None
    estimated_value: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    source_id: BodyInt | None = None
    cost: Decimal | None = Field(
        None, ge=0, max_digits=10, decimal_places=2, description="Empty: the source's cost."
    )
    note: str = Field("", max_length=5000)


class LeadChange(Body):
    title: str | None = Field(None, max_length=200)
    lead_type: LeadType | None = None
    estimated_value: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    source_id: BodyInt | None = None
    cost: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)


class StageMove(Body):
    stage_id: BodyInt


class Assignment(Body):
    owner_id: BodyInt | None = Field(description="A team member's id; null: unassigned.")


class Lost(Body):
    reason: LostReason
    note: str = Field("", max_length=500, description="Required when the reason is `other`.")


def _member(tenant, member_id):
    return membership_get(tenant=tenant, membership_id=member_id) if member_id else None


@router.post("", response={201: LeadOut, **WRITE_ERRORS}, summary="Create a lead")
def lead_new(request, payload: LeadIn):
    tenant = request.tenant
    pipeline = named_in_body(
        lambda: pipeline_get(tenant=tenant, pipeline_id=payload.pipeline_id), "pipeline_id"
    )
    stage_id, source_id = payload.stage_id, payload.source_id
    lead = lead_create(
        tenant=tenant,
        actor=request.actor,
        contact=named_in_body(
            lambda: contact_get(tenant=tenant, contact_id=payload.contact_id), "contact_id"
        ),
        pipeline=pipeline,
        stage=named_in_body(lambda: stage_get(tenant=tenant, stage_id=stage_id), "stage_id")
        if stage_id
        else None,
        owner=named_in_body(lambda: _member(tenant, payload.owner_id), "owner_id"),
        title=payload.title,
        lead_type=payload.lead_type or "",
        estimated_value=payload.estimated_value,
        source=named_in_body(
            lambda: lead_source_get(tenant=tenant, source_id=source_id), "source_id"
        )
        if source_id
        else None,
        cost=payload.cost,
        note=payload.note,
        created_via="API",
    )
    return Status(201, lead_out(lists.lead_row(tenant=tenant, lead_id=lead.pk)))


@router.patch("{lead_id}", response={200: LeadOut, **WRITE_ERRORS}, summary="Change a lead")
def lead_change(request, lead_id: int, payload: LeadChange):
    tenant = request.tenant
    lead = lists.lead_get(tenant=tenant, lead_id=lead_id)
    changes = payload.dict(exclude_unset=True)
    if "source_id" in changes:
        source_id = changes.pop("source_id")
        changes["source"] = (
            named_in_body(lambda: lead_source_get(tenant=tenant, source_id=source_id), "source_id")
            if source_id
            else None
        )
    if changes.get("title") is None:
        changes.pop("title", None)
    if changes.get("lead_type") is None:
        changes.pop("lead_type", None)
    if "cost" in changes and changes["cost"] is None:
        changes["cost"] = lead.cost
    lead_update(tenant=tenant, actor=request.actor, lead=lead, **changes)
    return lead_out(lists.lead_row(tenant=tenant, lead_id=lead_id))


@router.post("{lead_id}/stage", response={200: LeadOut, **WRITE_ERRORS}, summary="Move to a stage")
def lead_stage(request, lead_id: int, payload: StageMove):
    """As the lead page's stage buttons: closes the stage visit, opens the next, records it on
    the timeline and fires the stage's triggers. A lead is lost through `…/lost` (a reason)."""
    tenant = request.tenant
    lead = lists.lead_get(tenant=tenant, lead_id=lead_id)
    stage = named_in_body(lambda: stage_get(tenant=tenant, stage_id=payload.stage_id), "stage_id")
    lead_move_to_stage(tenant=tenant, actor=request.actor, lead=lead, stage=stage)
    return lead_out(lists.lead_row(tenant=tenant, lead_id=lead_id))


@router.post("{lead_id}/owner", response={200: LeadOut, **WRITE_ERRORS}, summary="Assign a lead")
def lead_owner(request, lead_id: int, payload: Assignment):
    tenant = request.tenant
    lead = lists.lead_get(tenant=tenant, lead_id=lead_id)
    owner = named_in_body(lambda: _member(tenant, payload.owner_id), "owner_id")
    lead_assign(tenant=tenant, actor=request.actor, lead=lead, owner=owner)
    return lead_out(lists.lead_row(tenant=tenant, lead_id=lead_id))


@router.post("{lead_id}/lost", response={200: LeadOut, **WRITE_ERRORS}, summary="Mark lost")
def lead_lost(request, lead_id: int, payload: Lost):
    """As the lead page's Mark lost: to the pipeline's lost stage, with the reason the dashboard
    counts. A lead already lost stays as it was."""
    tenant = request.tenant
    lead = lists.lead_get(tenant=tenant, lead_id=lead_id)
    if payload.reason == LostReason.OTHER and not payload.note.strip():
        raise ValidationError({"note": [_("Say in a few words why.")]})
    lead_mark_lost(
        tenant=tenant, actor=request.actor, lead=lead, reason=payload.reason, note=payload.note
    )
    return lead_out(lists.lead_row(tenant=tenant, lead_id=lead_id))


@router.post("{lead_id}/reopen", response={200: LeadOut, **WRITE_ERRORS}, summary="Reopen")
def lead_reopen_now(request, lead_id: int):
    """As the lead page's Reopen: a lost lead goes back to the stage it was lost from (won
    again if it had been won before). Any other lead comes back unchanged: a won lead is not
    reopened, in the app either."""
    tenant = request.tenant
    lead_reopen(
        tenant=tenant, actor=request.actor, lead=lists.lead_get(tenant=tenant, lead_id=lead_id)
    )
    return lead_out(lists.lead_row(tenant=tenant, lead_id=lead_id))
