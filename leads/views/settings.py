"""/settings/ pages where admins configure leads: pipelines and their stages, lead sources,
assignment rules and speed to lead. Every write goes through leads.services.configuration."""

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.access import admin_required
from crm.kit.links import leads_list
from crm.models import Tenant
from leads.aging import describe_delay
from leads.forms.settings import (
    AssignmentRuleForm,
    AssignmentSettingsForm,
    LeadSettingsForm,
    LeadSourceForm,
    PipelineCreateForm,
    PipelineForm,
    StageForm,
)
from leads.models import (
    AssignmentRule,
    Lead,
    LeadType,
    Pipeline,
    Stage,
)
from leads.selectors import configuration as configuration_selectors
from leads.selectors import settings as settings_selectors
from leads.services import configuration
from leads.services.assignment import assignment_evaluate


def _direction(request) -> str:
    return request.POST.get("direction", "")


def _stage_leads_url(stage: Stage) -> str:
    query = urlencode({"stage": stage.pk, "status": "all", "scope": "team"})
    return f"{leads_list()}?{query}"


# --- Pipelines ----------------------------------------------------------------------------------


@admin_required
@require_GET
def pipeline_list(request):
    pipelines = list(configuration_selectors.pipelines_with_counts(tenant=request.tenant))
    return render(
        request,
        "leads/settings/pipelines.html",
        {"pipelines": pipelines, "section": "pipelines"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_create(request):
    form = PipelineCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = configuration.pipeline_create(
                tenant=request.tenant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Pipeline %(name)s created.") % {"name": pipeline.name})
            return redirect("lead-settings:pipeline", pipeline_pk=pipeline.pk)
    return render(
        request, "leads/settings/pipeline_create.html", {"form": form, "section": "pipelines"}
    )


def _stages_for_page(tenant: Tenant, pipeline: Pipeline) -> list[Stage]:
    stages = configuration_selectors.stages_with_counts(tenant=tenant, pipeline=pipeline)
    for stage in stages:
        stage.delay_text = describe_delay(stage)
        stage.leads_url = _stage_leads_url(stage)
        stage.can_delete = not stage.lead_count and not stage.was_visited
    return stages


@admin_required
@require_GET
def pipeline_detail(request, pipeline_pk: int):
    pipeline = configuration_selectors.pipeline_get(tenant=request.tenant, pipeline_id=pipeline_pk)
    stages = _stages_for_page(request.tenant, pipeline)
    return render(
        request,
        "leads/settings/pipeline.html",
        {"pipeline": pipeline, "stages": stages, "section": "pipelines"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request, pipeline_pk: int):
    pipeline = configuration_selectors.pipeline_get(tenant=request.tenant, pipeline_id=pipeline_pk)
    # A copy: validating writes the submitted values onto the instance the heading shows.
    form = PipelineForm(request.POST or None, instance=copy.copy(pipeline))
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.pipeline_update(
                tenant=request.tenant, actor=request.user, pipeline=pipeline, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Pipeline %(name)s saved.") % {"name": saved.name})
            return redirect("lead-settings:pipeline", pipeline_pk=pipeline.pk)
    return render(
        request,
        "leads/settings/pipeline_form.html",
        {"form": form, "pipeline": pipeline, "section": "pipelines"},
    )


@admin_required
@require_POST
def pipeline_move(request, pipeline_pk: int):
    pipeline = configuration_selectors.pipeline_get(tenant=request.tenant, pipeline_id=pipeline_pk)
    try:
        configuration.pipeline_move(
            tenant=request.tenant,
            actor=request.user,
            pipeline=pipeline,
            direction=_direction(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("lead-settings:pipelines")


# --- Stages -------------------------------------------------------------------------------------


def _stage_values(form: StageForm) -> dict:
    return {field: form.cleaned_data[field] for field in configuration.STAGE_FIELDS}


@admin_required
@require_http_methods(["GET", "POST"])
def stage_create(request, pipeline_pk: int):
    pipeline = configuration_selectors.pipeline_get(tenant=request.tenant, pipeline_id=pipeline_pk)
    form = StageForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            stage = configuration.stage_create(
                tenant=request.tenant, actor=request.user, pipeline=pipeline, **_stage_values(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Stage %(name)s added at the end: move it into place.") % {"name": stage.name},
            )
            return redirect("lead-settings:pipeline", pipeline_pk=pipeline.pk)
    return render(
        request,
        "leads/settings/stage_form.html",
        {"form": form, "pipeline": pipeline, "stage": None, "section": "pipelines"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, stage_pk: int):
    stage = configuration_selectors.stage_get(tenant=request.tenant, stage_id=stage_pk)
    form = StageForm(request.POST or None, instance=copy.copy(stage), tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.stage_update(
                tenant=request.tenant, actor=request.user, stage=stage, **_stage_values(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Stage %(name)s saved.") % {"name": saved.name})
            return redirect("lead-settings:pipeline", pipeline_pk=stage.pipeline_id)
    return render(
        request,
        "leads/settings/stage_form.html",
        {"form": form, "pipeline": stage.pipeline, "stage": stage, "section": "pipelines"},
    )


@admin_required
@require_POST
def stage_move(request, stage_pk: int):
    stage = configuration_selectors.stage_get(tenant=request.tenant, stage_id=stage_pk)
    try:
        configuration.stage_move(
            tenant=request.tenant, actor=request.user, stage=stage, direction=_direction(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("lead-settings:pipeline", pipeline_pk=stage.pipeline_id)


def _set_archived(request, stage_pk: int, archived: bool):
    stage = configuration_selectors.stage_get(tenant=request.tenant, stage_id=stage_pk)
    try:
        leads_in_stage = configuration.stage_set_archived(
            tenant=request.tenant, actor=request.user, stage=stage, archived=archived
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if archived and leads_in_stage:
            messages.warning(
                request,
                format_html(
                    ngettext(
                        'Stage {name} archived. {count} lead still sits in it: <a href="{url}">see'
                        " them</a> and move them on.",
                        'Stage {name} archived. {count} leads still sit in it: <a href="{url}">see'
                        " them</a> and move them on.",
                        leads_in_stage,
                    ),
                    name=stage.name,
                    count=leads_in_stage,
                    url=_stage_leads_url(stage),
                ),
            )
        else:
            message = (
                _("Stage %(name)s archived.") if archived else _("Stage %(name)s is back in use.")
            )
            messages.success(request, message % {"name": stage.name})
    return redirect("lead-settings:pipeline", pipeline_pk=stage.pipeline_id)


@admin_required
@require_POST
def stage_archive(request, stage_pk: int):
    return _set_archived(request, stage_pk, archived=True)


@admin_required
@require_POST
def stage_restore(request, stage_pk: int):
    return _set_archived(request, stage_pk, archived=False)


@admin_required
@require_POST
def stage_delete(request, stage_pk: int):
    stage = configuration_selectors.stage_get(tenant=request.tenant, stage_id=stage_pk)
    try:
        configuration.stage_delete(tenant=request.tenant, actor=request.user, stage=stage)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Stage %(name)s deleted.") % {"name": stage.name})
    return redirect("lead-settings:pipeline", pipeline_pk=stage.pipeline_id)


# --- Lead sources -------------------------------------------------------------------------------


@admin_required
@require_GET
def source_list(request):
    sources = configuration_selectors.lead_sources_with_counts(tenant=request.tenant)
    return render(
        request, "leads/settings/sources.html", {"sources": sources, "section": "sources"}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def source_edit(request, source_pk: int | None = None):
    source = (
        configuration_selectors.lead_source_get(tenant=request.tenant, source_id=source_pk)
        if source_pk
        else None
    )
    form = LeadSourceForm(
        request.POST or None,
        instance=copy.copy(source) if source else None,
        tenant=request.tenant,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.lead_source_save(
                tenant=request.tenant, actor=request.user, source=source, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Lead source %(name)s saved.") % {"name": saved.name})
            return redirect("lead-settings:sources")
    return render(
        request,
        "leads/settings/source_form.html",
        {"form": form, "source": source, "section": "sources"},
    )


# --- Assignment rules ---------------------------------------------------------------------------


def _next_members(request, rule: AssignmentRule | None) -> dict:
    """Who would get a new lead now under `rule` (None: no rules at all), for a sample lead of
    the rule's pipeline, type and source. The sample has no address, so a rule's territory check
    is left out: with it, every rep who covers a territory would look unavailable."""
    sample = Lead(tenant=request.tenant, lead_type=LeadType.RESIDENTIAL)
    checks = rule
    if rule is not None:
        if rule.pipeline_id:
            sample.pipeline = rule.pipeline
            sample.lead_type = rule.pipeline.lead_type or sample.lead_type
        sample.lead_type = rule.lead_type or sample.lead_type
        sample.source = rule.source
        checks = copy.copy(rule)
        checks.require_territory = False
    evaluation = assignment_evaluate(
        tenant=request.tenant, rule=checks, lead=sample, now=timezone.now()
    )
    return {
        "next_members": evaluation.eligible,
        "skipped_members": evaluation.skipped_as_data(),
        "sample": sample,
    }


@admin_required
@require_http_methods(["GET", "POST"])
def assignment(request):
    rules = list(configuration_selectors.assignment_rules(tenant=request.tenant))
    current = settings_selectors.lead_settings_get(tenant=request.tenant)
    form = AssignmentSettingsForm(request.POST or None, instance=copy.copy(current))
    if request.method == "POST" and form.is_valid():
        try:
            configuration.assignment_settings_save(
                tenant=request.tenant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Assignment settings saved."))
            return redirect("lead-settings:assignment")
    context = {"rules": rules, "section": "assignment", "settings_form": form}
    if not rules:
        context.update(_next_members(request, None))
    return render(request, "leads/settings/assignment.html", context)


def _rule_for(request, rule_pk: int) -> AssignmentRule:
    return get_object_or_404(
        configuration_selectors.assignment_rules(tenant=request.tenant), pk=rule_pk
    )


@admin_required
@require_GET
def rule_next(request, rule_pk: int):
    rule = _rule_for(request, rule_pk)
    return render(
        request,
        "leads/settings/_next_members.html",
        {"rule": rule, **_next_members(request, rule)},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, rule_pk: int | None = None):
    rule = _rule_for(request, rule_pk) if rule_pk else None
    form = AssignmentRuleForm(
        request.POST or None,
        instance=copy.copy(rule) if rule else None,
        tenant=request.tenant,
    )
    if request.method == "POST" and form.is_valid():
        values = {field: form.cleaned_data[field] for field in form.Meta.fields}
        try:
            saved = configuration.assignment_rule_save(
                tenant=request.tenant, actor=request.user, rule=rule, **values
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Assignment rule %(name)s saved.") % {"name": saved.name})
            return redirect("lead-settings:assignment")
    context = {"form": form, "rule": rule, "section": "assignment"}
    if rule is not None:
        context.update(_next_members(request, rule))
    return render(request, "leads/settings/rule_form.html", context)


@admin_required
@require_POST
def rule_move(request, rule_pk: int):
    rule = _rule_for(request, rule_pk)
    try:
        configuration.assignment_rule_move(
            tenant=request.tenant, actor=request.user, rule=rule, direction=_direction(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("lead-settings:assignment")


@admin_required
@require_POST
def rule_delete(request, rule_pk: int):
    rule = _rule_for(request, rule_pk)
    configuration.assignment_rule_delete(tenant=request.tenant, actor=request.user, rule=rule)
    messages.success(request, _("Assignment rule %(name)s deleted.") % {"name": rule.name})
    return redirect("lead-settings:assignment")


# --- Speed to lead ------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def speed_to_lead(request):
    current = settings_selectors.lead_settings_get(tenant=request.tenant)
    form = LeadSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.lead_settings_save(
                tenant=request.tenant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Speed-to-lead alerts saved."))
            return redirect("lead-settings:speed-to-lead")
    return render(request, "leads/settings/speed_to_lead.html", {"form": form, "section": "speed"})
