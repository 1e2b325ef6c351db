"""Pipelines and their stages (read only: admins shape them in Settings)."""

from ninja import Router, Schema
from pydantic import Field

from api.schemas import READ_ERRORS
from leads.models import DelayUnit, LeadType, Phase
from leads.selectors.configuration import pipeline_get, pipelines_for_tenant, stages_by_pipeline

router = Router()


class StageOut(Schema):
    id: int
    name: str
    customer_label: str = Field(
        description="What customers see for this stage, in the team's language; empty: its name"
    )
    customer_labels: dict[str, str] = Field(
        description="The customer label in other languages, by language code (en, nl, es); "
        "a customer whose language has none sees `customer_label`"
    )
    phase: Phase
    position: int
    delay_unit: DelayUnit
    orange_after: int | None
    red_after: int | None
    is_won: bool
    is_lost: bool
    is_terminal: bool
    is_archived: bool


class PipelineOut(Schema):
    id: int
    name: str
    description: str
    lead_type: LeadType | None = Field(description="null: none in particular")
    is_archived: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_lead_type(pipeline) -> str | None:
        return pipeline.lead_type or None

    @staticmethod
    def resolve_stages(pipeline) -> list:
        return pipeline.stages_in_order


def _with_stages(request, pipelines) -> list:
    """The pipelines, each with its stages, in two queries whatever their number."""
    stages = stages_by_pipeline(tenant=request.tenant)
    pipelines = list(pipelines)
    for pipeline in pipelines:
        pipeline.stages_in_order = stages.get(pipeline.pk, [])
    return pipelines


@router.get("", response={200: list[PipelineOut], **READ_ERRORS}, summary="List pipelines")
def pipeline_list(request):
    """Every active pipeline with its stages in order (a tenant has a handful: no pages)."""
    return _with_stages(request, pipelines_for_tenant(tenant=request.tenant))


@router.get("{pipeline_id}", response={200: PipelineOut, **READ_ERRORS}, summary="Get a pipeline")
def pipeline_detail(request, pipeline_id: int):
    return _with_stages(request, [pipeline_get(tenant=request.tenant, pipeline_id=pipeline_id)])[0]
