"""Reads of a tenant's lead configuration: pipelines, stages, lead sources, assignment rules,
capture forms and the members leads can be assigned to."""

from collections import defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from crm.models import Membership, Tenant
from leads.models import (
    AssignmentRule,
    Lead,
    LeadCaptureForm,
    LeadSource,
    LeadStatus,
    Pipeline,
    Stage,
    StageVisit,
)


def pipelines_for_tenant(*, tenant: Tenant, include_archived: bool = False) -> QuerySet[Pipeline]:
    pipelines = Pipeline.objects.filter(tenant=tenant)
    if not include_archived:
        pipelines = pipelines.filter(is_archived=False)
    return pipelines.order_by("is_archived", "position", "id")


def _count(queryset, outer_field: str) -> Coalesce:
    """How many rows of `queryset` (filtered on `outer_field` = OuterRef) each outer row has,
    as one column of the outer query rather than a query per row."""
    counted = queryset.order_by().values(outer_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def pipelines_with_counts(*, tenant: Tenant) -> QuerySet[Pipeline]:
    """Every pipeline (archived last) with its live stage count and open-lead count."""
    stages = Stage.objects.filter(tenant=tenant, pipeline=OuterRef("pk"), is_archived=False)
    open_leads = Lead.objects.filter(tenant=tenant, pipeline=OuterRef("pk"), status=LeadStatus.OPEN)
    return pipelines_for_tenant(tenant=tenant, include_archived=True).annotate(
        stage_count=_count(stages, "pipeline"),
        open_lead_count=_count(open_leads, "pipeline"),
    )


def stages_with_counts(*, tenant: Tenant, pipeline: Pipeline) -> list[Stage]:
    """A pipeline's stages with how many leads sit in each, and whether any lead ever entered it
    (then it can only be archived, not deleted)."""
    return list(
        Stage.objects.filter(tenant=tenant, pipeline=pipeline)
        .annotate(
            lead_count=_count(Lead.objects.filter(tenant=tenant, stage=OuterRef("pk")), "stage"),
            was_visited=Exists(StageVisit.objects.filter(tenant=tenant, stage=OuterRef("pk"))),
        )
        .order_by("position", "id")
    )


def pipeline_get(*, tenant: Tenant, pipeline_id: int) -> Pipeline:
    return get_object_or_404(Pipeline.objects.filter(tenant=tenant), pk=pipeline_id)


def stage_get(*, tenant: Tenant, stage_id: int) -> Stage:
    return get_object_or_404(
        Stage.objects.filter(tenant=tenant).select_related("pipeline"), pk=stage_id
    )


def stages_by_pipeline(*, tenant: Tenant) -> dict[int, list[Stage]]:
    """Every stage of the tenant (archived ones too: a lead may still sit in one), per pipeline."""
    grouped: dict[int, list[Stage]] = defaultdict(list)
    for stage in Stage.objects.filter(tenant=tenant).order_by("position", "id"):
        grouped[stage.pipeline_id].append(stage)
    return grouped


def lead_sources_for_tenant(*, tenant: Tenant, include_archived: bool = False):
    sources = LeadSource.objects.filter(tenant=tenant)
    if not include_archived:
        sources = sources.filter(is_archived=False)
    return sources.order_by("is_archived", "name")


def lead_sources_with_counts(*, tenant: Tenant) -> QuerySet[LeadSource]:
    return lead_sources_for_tenant(tenant=tenant, include_archived=True).annotate(
        lead_count=Count("leads")
    )


def lead_source_get(*, tenant: Tenant, source_id: int) -> LeadSource:
    return get_object_or_404(LeadSource.objects.filter(tenant=tenant), pk=source_id)


def assignment_rules(*, tenant: Tenant) -> QuerySet[AssignmentRule]:
    return (
        AssignmentRule.objects.filter(tenant=tenant)
        .select_related("pipeline", "source")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Membership.objects.filter(tenant=tenant).select_related("user"),
            )
        )
        .order_by("position", "id")
    )


def capture_forms(*, tenant: Tenant) -> QuerySet[LeadCaptureForm]:
    return LeadCaptureForm.objects.filter(tenant=tenant).select_related("pipeline", "source")


def capture_form_get(*, tenant: Tenant, form_id: int) -> LeadCaptureForm:
    return get_object_or_404(LeadCaptureForm.objects.filter(tenant=tenant), pk=form_id)


def assignable_members(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__full_name")
    )
