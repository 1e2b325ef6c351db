"""Every write of a tenant's lead configuration: pipelines, stages, lead sources, assignment rules,
the speed-to-lead settings, and pipelines made from a template. Each function is one transaction,
keyword-only, and takes the tenant and the acting admin explicitly.

Leads and their stage visits point at stage rows, so renaming, reordering and archiving a stage
never touch a lead's history; a stage any lead has been in can only be archived. Pipeline, Stage
and LeadSource are in the audit trail through their triggers, so nothing here records that.
"""

from dataclasses import asdict
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.kit.languages import tenant_language
from crm.models import Membership, Tenant, User
from leads.models import (
    AssignmentRule,
    CapacityCounts,
    Lead,
    LeadSettings,
    LeadSource,
    Pipeline,
    Stage,
    StageVisit,
)
from leads.pipeline_templates import PipelineTemplate, StageSpec

UP, DOWN = "up", "down"
# The rows kept in an order of their own (a dense `position`).
Positioned = TypeVar("Positioned", Pipeline, Stage, AssignmentRule)


def _renumber(rows: list[Positioned]) -> None:
    """Number `rows` (locked, in display order) 0, 1, 2 … so positions stay dense."""
    changed: list[Positioned] = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        type(rows[0]).objects.bulk_update(changed, ["position"])


def _move(rows: list[Positioned], item: Positioned, direction: str) -> None:
    """Swap `item` with its neighbour in `rows` (locked, in display order), then renumber."""
    if direction not in (UP, DOWN):
        raise ValidationError(_("Move up or down."))
    index = next(i for i, row in enumerate(rows) if row.pk == item.pk)
    neighbour = index - 1 if direction == UP else index + 1
    if 0 <= neighbour < len(rows):
        rows[index], rows[neighbour] = rows[neighbour], rows[index]
    _renumber(rows)


# --- Pipelines ----------------------------------------------------------------------------------


def _ensure_pipeline_name_free(tenant: Tenant, name: str, pipeline: Pipeline | None) -> None:
    taken = Pipeline.objects.filter(tenant=tenant, name__iexact=name)
    if pipeline is not None:
        taken = taken.exclude(pk=pipeline.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("There is already a pipeline called “%(name)s”.") % {"name": name}}
        )


@transaction.atomic
def pipeline_create(
    *,
    tenant: Tenant,
    actor: User,
    name: str,
    description: str = "",
    lead_type: str = "",
    template: PipelineTemplate | None = None,
) -> Pipeline:
    """A new pipeline after the others: the template's stages (named `name`), or no stages yet."""
    name = name.strip() or (template.name if template else "")
    _ensure_pipeline_name_free(tenant, name, None)
    if template is not None:
        return pipeline_create_from_template(
            tenant=tenant, actor=actor, template=template, name=name
        )
    last = Pipeline.objects.filter(tenant=tenant).order_by("-position").first()
    pipeline = Pipeline(
        tenant=tenant,
        name=name,
        description=description.strip(),
        lead_type=lead_type,
        position=(last.position + 1) if last else 0,
    )
    pipeline.full_clean(exclude=["tenant"])
    pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_update(
    *,
    tenant: Tenant,
    actor: User,
    pipeline: Pipeline,
    name: str,
    description: str,
    lead_type: str,
    is_archived: bool,
) -> Pipeline:
    name = name.strip()
    _ensure_pipeline_name_free(tenant, name, pipeline)
    # The stored row, locked: the caller's copy stays as it was if this is refused.
    pipeline = Pipeline.objects.select_for_update().get(tenant=tenant, pk=pipeline.pk)
    pipeline.name, pipeline.description = name, description.strip()
    pipeline.lead_type, pipeline.is_archived = lead_type, is_archived
    pipeline.full_clean(exclude=["tenant"])
    pipeline.save(update_fields=["name", "description", "lead_type", "is_archived"])
    return pipeline


@transaction.atomic
def pipeline_move(*, tenant: Tenant, actor: User, pipeline: Pipeline, direction: str) -> None:
    """Up or down in the order the pipelines are listed (archived ones last)."""
    rows = list(
        Pipeline.objects.select_for_update()
        .filter(tenant=tenant)
        .order_by("is_archived", "position", "id")
    )
    _move(rows, pipeline, direction)


# --- Stages -------------------------------------------------------------------------------------

STAGE_FIELDS = (
    "name",
    "customer_label",
    "customer_labels",
    "phase",
    "delay_unit",
    "orange_after",
    "red_after",
    "is_won",
    "is_lost",
    "is_terminal",
    "show_in_portal",
    "moves_on",
)


def _ensure_no_clash(stage: Stage) -> None:
    """One stage in use per pipeline for each event it moves leads on, and one lost stage: with
    two, which one a lead goes to would depend on their order."""
    if stage.is_archived:
        return
    others = Stage.objects.filter(
        tenant_id=stage.tenant_id, pipeline_id=stage.pipeline_id, is_archived=False
    ).exclude(pk=stage.pk)
    errors = {}
    if stage.moves_on:
        clash = others.filter(moves_on=stage.moves_on).first()
        if clash is not None:
            event = stage.get_moves_on_display().lower()
            errors["moves_on"] = _("“%(name)s” already moves leads on “%(event)s”.") % {
                "name": clash.name,
                "event": event,
            }
    if stage.is_lost:
        clash = others.filter(is_lost=True).first()
        if clash is not None:
            errors["is_lost"] = _("“%(name)s” is already this pipeline's lost stage.") % {
                "name": clash.name
            }
    if errors:
        raise ValidationError(errors)


def _tidy(stage: Stage) -> None:
    """Spaces around a name or label are typing, not meaning; an empty label is no label."""
    stage.name = stage.name.strip()
    stage.customer_label = stage.customer_label.strip()
    if isinstance(stage.customer_labels, dict):
        stage.customer_labels = {
            language: label.strip() if isinstance(label, str) else label
            for language, label in stage.customer_labels.items()
            if label
        }


def _lock_stages(tenant: Tenant, pipeline_id: int) -> list[Stage]:
    """The pipeline's stages in order, locked: two admins editing at once take turns."""
    return list(
        Stage.objects.select_for_update()
        .filter(tenant=tenant, pipeline_id=pipeline_id)
        .order_by("position", "id")
    )


@transaction.atomic
def stage_create(*, tenant: Tenant, actor: User, pipeline: Pipeline, **values) -> Stage:
    """A new stage at the end of the pipeline (move it up from there)."""
    unknown = set(values) - set(STAGE_FIELDS)
    if unknown:
        raise ValueError(f"Not stage fields: {', '.join(sorted(unknown))}")
    if pipeline.tenant_id != tenant.pk:
        raise ValidationError(_("Unknown pipeline."))
    stages = _lock_stages(tenant, pipeline.pk)
    stage = Stage(
        tenant=tenant,
        pipeline=pipeline,
        position=(stages[-1].position + 1) if stages else 0,
        **values,
    )
    _tidy(stage)
    stage.full_clean(exclude=["tenant", "pipeline"])
    _ensure_no_clash(stage)
    stage.save()
    return stage


@transaction.atomic
def stage_update(*, tenant: Tenant, actor: User, stage: Stage, **values) -> Stage:
    """Change any of the stage's settings; its leads and their history stay where they are."""
    unknown = set(values) - set(STAGE_FIELDS)
    if unknown:
        raise ValueError(f"Not stage fields: {', '.join(sorted(unknown))}")
    stages = _lock_stages(tenant, stage.pipeline_id)
    stage = next(row for row in stages if row.pk == stage.pk)
    for field, value in values.items():
        setattr(stage, field, value)
    _tidy(stage)
    stage.full_clean(exclude=["tenant", "pipeline"])
    _ensure_no_clash(stage)
    stage.save(update_fields=list(values))
    return stage


@transaction.atomic
def stage_move(*, tenant: Tenant, actor: User, stage: Stage, direction: str) -> None:
    _move(_lock_stages(tenant, stage.pipeline_id), stage, direction)


@transaction.atomic
def stage_set_archived(*, tenant: Tenant, actor: User, stage: Stage, archived: bool) -> int:
    """Archive (no new leads can enter it) or bring back a stage. Leads already in it stay there;
    returns how many there are, so the admin can be told."""
    _lock_stages(tenant, stage.pipeline_id)
    stage.is_archived = archived
    _ensure_no_clash(stage)
    stage.save(update_fields=["is_archived"])
    return Lead.objects.filter(tenant=tenant, stage=stage).count()


@transaction.atomic
def stage_delete(*, tenant: Tenant, actor: User, stage: Stage) -> None:
    """Only a stage no lead has ever been in: anything else would rewrite history."""
    stages = _lock_stages(tenant, stage.pipeline_id)
    used = (
        Lead.objects.filter(tenant=tenant, stage=stage).exists()
        or StageVisit.objects.filter(tenant=tenant, stage=stage).exists()
    )
    if used:
        raise ValidationError(
            _("Leads have been in “%(name)s”, so it keeps their history: archive it instead.")
            % {"name": stage.name}
        )
    Stage.objects.filter(tenant=tenant, pk=stage.pk).delete()
    _renumber([row for row in stages if row.pk != stage.pk])


# --- Lead sources -------------------------------------------------------------------------------


@transaction.atomic
def lead_source_save(
    *,
    tenant: Tenant,
    actor: User,
    source: LeadSource | None = None,
    name: str,
    default_cost,
    priority_points: int,
    is_archived: bool = False,
) -> LeadSource:
    """Create a source (source=None) or change one. Leads keep the cost they were given."""
    name = name.strip()
    taken = LeadSource.objects.filter(tenant=tenant, name__iexact=name)
    if source is not None:
        taken = taken.exclude(pk=source.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("There is already a lead source called “%(name)s”.") % {"name": name}}
        )
    if source is None:
        source = LeadSource(tenant=tenant)
    else:
        source = LeadSource.objects.select_for_update().get(tenant=tenant, pk=source.pk)
    source.name, source.default_cost = name, default_cost
    source.priority_points, source.is_archived = priority_points, is_archived
    source.full_clean(exclude=["tenant"])
    source.save()
    return source


# --- Assignment rules ---------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "is_active",
    "pipeline",
    "lead_type",
    "source",
    "require_availability",
    "require_capacity",
    "require_expertise",
    "require_territory",
)


@transaction.atomic
def assignment_rule_save(
    *,
    tenant: Tenant,
    actor: User,
    rule: AssignmentRule | None = None,
    members: list[Membership],
    **values,
) -> AssignmentRule:
    """Create a rule (rule=None, placed last) or change one."""
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"Not assignment rule fields: {', '.join(sorted(unknown))}")
    foreign = [values.get("pipeline"), values.get("source"), *members]
    if any(row is not None and row.tenant_id != tenant.pk for row in foreign):
        raise ValidationError(_("Pick pipelines, sources and members of this team."))
    if rule is None:
        last = AssignmentRule.objects.filter(tenant=tenant).order_by("-position").first()
        rule = AssignmentRule(tenant=tenant, position=(last.position + 1) if last else 0)
    else:
        rule = AssignmentRule.objects.select_for_update().get(tenant=tenant, pk=rule.pk)
    for field, value in values.items():
        setattr(rule, field, value)
    rule.name = rule.name.strip()
    rule.full_clean(exclude=["tenant"])
    rule.save()
    rule.members.set(members)
    return rule


@transaction.atomic
def assignment_rule_move(
    *, tenant: Tenant, actor: User, rule: AssignmentRule, direction: str
) -> None:
    rows = list(
        AssignmentRule.objects.select_for_update().filter(tenant=tenant).order_by("position", "id")
    )
    _move(rows, rule, direction)


@transaction.atomic
def assignment_rule_delete(*, tenant: Tenant, actor: User, rule: AssignmentRule) -> None:
    AssignmentRule.objects.filter(tenant=tenant, pk=rule.pk).delete()


@transaction.atomic
def assignment_settings_save(*, tenant: Tenant, actor: User, capacity_counts: str) -> LeadSettings:
    """What a rep's lead cap counts (the tenant's one settings row, created on first save)."""
    if capacity_counts not in CapacityCounts.values:
        raise ValidationError({"capacity_counts": _("Choose what the lead cap counts.")})
    row, _created = LeadSettings.objects.update_or_create(
        tenant=tenant, defaults={"capacity_counts": capacity_counts}
    )
    return row


# --- Speed to lead ------------------------------------------------------------------------------


@transaction.atomic
def lead_settings_save(
    *,
    tenant: Tenant,
    actor: User,
    untouched_owner_alert_minutes: int,
    untouched_manager_alert_minutes: int,
) -> LeadSettings:
    """The tenant's one settings row, created the first time it is saved."""
    if untouched_manager_alert_minutes < untouched_owner_alert_minutes:
        raise ValidationError(
            {
                "untouched_manager_alert_minutes": _(
                    "Alert the managers no sooner than the owner."
                ),
            }
        )
    row, _created = LeadSettings.objects.update_or_create(
        tenant=tenant,
        defaults={
            "untouched_owner_alert_minutes": untouched_owner_alert_minutes,
            "untouched_manager_alert_minutes": untouched_manager_alert_minutes,
        },
    )
    return row


@transaction.atomic
def pipeline_create_from_template(
    *, tenant: Tenant, actor: User | None, template: PipelineTemplate, name: str = ""
) -> Pipeline:
    """A new pipeline with the template's stages, placed after the tenant's other pipelines."""
    last = Pipeline.objects.filter(tenant=tenant).order_by("-position").first()
    pipeline = Pipeline(
        tenant=tenant,
        name=(name or template.name).strip(),
        description=template.description,
        lead_type=template.lead_type,
        position=(last.position + 1) if last else 0,
    )
    pipeline.full_clean(exclude=["tenant"])
    pipeline.save()
    language = tenant_language(tenant)
    Stage.objects.bulk_create(
        Stage(tenant=tenant, pipeline=pipeline, position=position, **_stage_values(spec, language))
        for position, spec in enumerate(template.stages)
    )
    return pipeline


def _stage_values(spec: StageSpec, team_language: str) -> dict:
    """The spec's settings, its customer label in the team's language and the others beside it."""
    labels = spec.customer_labels()
    return asdict(spec) | {
        "customer_label": labels.get(team_language, spec.customer_label),
        "customer_labels": {code: text for code, text in labels.items() if code != team_language},
    }
