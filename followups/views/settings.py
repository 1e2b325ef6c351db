"""/settings/ pages for follow-ups (admins): follow-up types, follow-up templates, and the
neglect thresholds (the team's and per stage) with the hour of the daily digest. Every write goes
through followups.services.configuration (the built-in types are made by follow_up_types_ensure
the first time a page shows them)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.kit.access import admin_required
from followups.forms.settings import (
    FollowUpSettingsForm,
    FollowUpTemplateForm,
    FollowUpTypeForm,
    StageNeglectForm,
)
from followups.selectors import configuration as settings_selectors
from followups.services import configuration
from followups.services.followups import follow_up_types_ensure

# --- Neglect and digest ---------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def follow_up_settings(request):
    tenant = request.tenant
    current = settings_selectors.follow_up_settings_get(tenant=tenant)
    rows = settings_selectors.stage_neglect_rows(tenant=tenant)
    posted = request.POST if request.method == "POST" else None
    form = FollowUpSettingsForm(posted, instance=copy.copy(current))
    stages = StageNeglectForm(posted, rows=rows)
    if posted is not None and form.is_valid() and stages.is_valid():
        try:
            configuration.follow_up_settings_save(
                tenant=tenant, actor=request.user, **form.cleaned_data
            )
            configuration.stage_neglect_save(
                tenant=tenant, actor=request.user, thresholds=stages.thresholds()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Neglect alerts and the daily digest saved."))
            return redirect("followups-settings:follow-up-settings")
    context = {"form": form, "stages": stages, "section": "follow-up-settings"}
    status = 400 if form.errors or stages.errors else 200
    return render(request, "followups/settings/neglect.html", context, status=status)


# --- Types ----------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def type_list(request):
    """Every type, and the form that adds one of the team's own."""
    form = FollowUpTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.follow_up_type_save(
                tenant=request.tenant, actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Type “%(name)s” added.") % {"name": saved.name})
            return redirect("followups-settings:types")
    follow_up_types_ensure(tenant=request.tenant)  # the built-ins, made on first use
    context = {
        "types": settings_selectors.follow_up_types_all(tenant=request.tenant),
        "form": form,
        "section": "follow-up-types",
    }
    return render(
        request, "followups/settings/types.html", context, status=400 if form.errors else 200
    )


@admin_required
@require_http_methods(["GET", "POST"])
def type_edit(request, follow_up_type_pk: int):
    follow_up_type = settings_selectors.follow_up_type_get_by_pk(
        tenant=request.tenant, type_id=follow_up_type_pk
    )
    form = FollowUpTypeForm(request.POST or None, initial={"name": follow_up_type.name})
    if request.method == "POST" and form.is_valid():
        try:
            configuration.follow_up_type_save(
                tenant=request.tenant,
                actor=request.user,
                name=form.cleaned_data["name"],
                follow_up_type=follow_up_type,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Type renamed."))
            return redirect("followups-settings:types")
    context = {"form": form, "follow_up_type": follow_up_type, "section": "follow-up-types"}
    return render(
        request, "followups/settings/type_form.html", context, status=400 if form.errors else 200
    )


def _set_archived(request, follow_up_type_pk: int, archived: bool):
    follow_up_type = settings_selectors.follow_up_type_get_by_pk(
        tenant=request.tenant, type_id=follow_up_type_pk
    )
    try:
        configuration.follow_up_type_set_archived(
            tenant=request.tenant,
            actor=request.user,
            follow_up_type=follow_up_type,
            archived=archived,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = (
            _("“%(name)s” archived: no longer offered.")
            if archived
            else _("“%(name)s” back in use.")
        )
        messages.success(request, done % {"name": follow_up_type.name})
    return redirect("followups-settings:types")


@admin_required
@require_POST
def type_archive(request, follow_up_type_pk: int):
    return _set_archived(request, follow_up_type_pk, True)


@admin_required
@require_POST
def type_restore(request, follow_up_type_pk: int):
    return _set_archived(request, follow_up_type_pk, False)


# --- Templates ------------------------------------------------------------------------------------


@admin_required
def template_list(request):
    context = {
        "templates": settings_selectors.follow_up_templates_all(tenant=request.tenant),
        "section": "follow-up-templates",
    }
    return render(request, "followups/settings/templates.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def template_edit(request, follow_up_template_pk: int | None = None):
    template = (
        settings_selectors.follow_up_template_get(
            tenant=request.tenant, template_id=follow_up_template_pk
        )
        if follow_up_template_pk
        else None
    )
    follow_up_types_ensure(tenant=request.tenant)  # the built-ins, made on first use
    form = FollowUpTemplateForm(
        request.POST or None,
        instance=copy.copy(template) if template else None,
        tenant=request.tenant,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.follow_up_template_save(
                tenant=request.tenant, actor=request.user, template=template, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
            return redirect("followups-settings:templates")
    context = {"form": form, "template": template, "section": "follow-up-templates"}
    return render(
        request,
        "followups/settings/template_form.html",
        context,
        status=400 if form.errors else 200,
    )
