"""What admins configured for follow-ups, as the settings pages and the sweeps read it: the
settings row (or its defaults), the neglect thresholds, the types and the templates."""

from django.shortcuts import get_object_or_404

from crm.models import Tenant
from followups.models import FollowUpSettings, FollowUpTemplate, FollowUpType, StageNeglect
from leads.models import Stage


def follow_up_settings_get(*, tenant: Tenant) -> FollowUpSettings:
    """The tenant's settings row, or the defaults (unsaved) until an admin saves them."""
    return FollowUpSettings.objects.filter(tenant=tenant).first() or FollowUpSettings(tenant=tenant)


def neglect_thresholds(*, tenant: Tenant) -> dict[int, int]:
    """Days without a touch before a live lead is neglected, per stage that can hold live leads
    (a stage's own threshold, else the tenant's). Terminal and lost stages never rot."""
    default = follow_up_settings_get(tenant=tenant).neglect_after_days
    own = dict(
        StageNeglect.objects.filter(tenant=tenant).values_list("stage_id", "neglect_after_days")
    )
    stages = Stage.objects.filter(tenant=tenant, is_terminal=False, is_lost=False)
    return {
        stage_id: own.get(stage_id, default) for stage_id in stages.values_list("pk", flat=True)
    }


def stage_neglect_rows(*, tenant: Tenant) -> list[tuple[Stage, int | None]]:
    """Every stage that can hold live leads, pipeline by pipeline, with its own threshold."""
    own = dict(
        StageNeglect.objects.filter(tenant=tenant).values_list("stage_id", "neglect_after_days")
    )
    stages = (
        Stage.objects.filter(tenant=tenant, is_terminal=False, is_lost=False, is_archived=False)
        .select_related("pipeline")
        .filter(pipeline__is_archived=False)
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )
    return [(stage, own.get(stage.pk)) for stage in stages]


def follow_up_types_all(*, tenant: Tenant) -> list[FollowUpType]:
    """Every type, archived ones last (the settings pages make the built-ins first)."""
    types = FollowUpType.objects.filter(tenant=tenant)
    return sorted(types, key=lambda t: (t.is_archived, t.name.casefold()))


def follow_up_type_get_by_pk(*, tenant: Tenant, type_id: int) -> FollowUpType:
    return get_object_or_404(FollowUpType.objects.filter(tenant=tenant), pk=type_id)


def follow_up_templates_all(*, tenant: Tenant) -> list[FollowUpTemplate]:
    return list(
        FollowUpTemplate.objects.filter(tenant=tenant)
        .select_related("type")
        .order_by("is_archived", "name", "pk")
    )


def follow_up_template_get(*, tenant: Tenant, template_id: int) -> FollowUpTemplate:
    templates = FollowUpTemplate.objects.filter(tenant=tenant).select_related("type")
    return get_object_or_404(templates, pk=template_id)
