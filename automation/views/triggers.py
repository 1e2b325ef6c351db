"""/settings/triggers/: admins say what the business sends, or asks its team to do, when a lead
enters a stage, arrives, is lost, reaches a date or goes quiet. Every write goes through
automation.services.configuration_triggers; the engine that acts on them is automation.services.triggers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from automation.forms.triggers import TriggerForm, TriggerStepForm
from automation.models import Trigger, TriggerStep
from automation.selectors import triggers as selectors_triggers
from automation.services import configuration_triggers as configuration
from crm.kit.access import admin_required

LIST = "automation/settings/triggers/list.html"
TRIGGER_FORM = "automation/settings/triggers/trigger_form.html"
STEP_FORM = "automation/settings/triggers/step_form.html"


def _wants_fields_redrawn(request) -> bool:
    """The event (or action) changed: redraw the fields that go with it, save nothing."""
    return request.method == "POST" and "refresh" in request.POST


# --- Triggers -----------------------------------------------------------------------------------


@admin_required
@require_GET
def trigger_list(request):
    groups = selectors_triggers.trigger_groups(tenant=request.tenant)
    return render(request, LIST, {"groups": groups, "section": "triggers"})


def _trigger_page(request, trigger: Trigger | None):
    form_options = {"tenant": request.tenant, "trigger": trigger}
    if _wants_fields_redrawn(request):
        form = TriggerForm.redisplay(request.POST, **form_options)
        if request.htmx:
            return render(request, f"{TRIGGER_FORM}#trigger-fields", {"form": form})
    elif request.method == "POST":
        form = TriggerForm(request.POST, **form_options)
    else:
        form = TriggerForm(**form_options)
    if form.is_bound and form.is_valid():
        try:
            saved = configuration.trigger_save(
                tenant=request.tenant,
                actor=request.user,
                trigger=trigger,
                **form.service_values(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if trigger is None:
                messages.success(
                    request,
                    _("Trigger %(name)s created: now add its steps.") % {"name": saved.name},
                )
                return redirect("automation-settings:trigger-edit", trigger_pk=saved.pk)
            messages.success(request, _("Trigger %(name)s saved.") % {"name": saved.name})
            return redirect("automation-settings:triggers")
    return render(
        request,
        TRIGGER_FORM,
        {
            "form": form,
            "trigger": trigger,
            "steps": list(trigger.steps.all()) if trigger else [],
            "section": "triggers",
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def trigger_create(request):
    return _trigger_page(request, None)


@admin_required
@require_http_methods(["GET", "POST"])
def trigger_edit(request, trigger_pk: int):
    trigger = selectors_triggers.trigger_get(tenant=request.tenant, trigger_id=trigger_pk)
    return _trigger_page(request, trigger)


@admin_required
@require_POST
def trigger_toggle(request, trigger_pk: int):
    """Switch on (active=1) or off (active=0): the wanted state, so a double click is harmless."""
    trigger = selectors_triggers.trigger_get(tenant=request.tenant, trigger_id=trigger_pk)
    active = request.POST.get("active") == "1"
    configuration.trigger_set_active(
        tenant=request.tenant, actor=request.user, trigger=trigger, active=active
    )
    trigger.is_active = active
    if request.htmx:
        return render(request, f"{LIST}#trigger-card", {"trigger": trigger})
    messages.success(
        request,
        (_("Trigger %(name)s switched on.") if active else _("Trigger %(name)s switched off."))
        % {"name": trigger.name},
    )
    return redirect("automation-settings:triggers")


@admin_required
@require_POST
def trigger_delete(request, trigger_pk: int):
    trigger = selectors_triggers.trigger_get(tenant=request.tenant, trigger_id=trigger_pk)
    configuration.trigger_delete(tenant=request.tenant, actor=request.user, trigger=trigger)
    messages.success(request, _("Trigger %(name)s deleted.") % {"name": trigger.name})
    return redirect("automation-settings:triggers")


# --- Steps --------------------------------------------------------------------------------------


def _step_page(request, trigger: Trigger, step: TriggerStep | None):
    form_options = {"tenant": request.tenant, "trigger": trigger, "step": step}
    if _wants_fields_redrawn(request):
        form = TriggerStepForm.redisplay(request.POST, **form_options)
        if request.htmx:
            return render(request, f"{STEP_FORM}#step-fields", {"form": form})
    elif request.method == "POST":
        form = TriggerStepForm(request.POST, **form_options)
    else:
        form = TriggerStepForm(**form_options)
    if form.is_bound and form.is_valid():
        try:
            configuration.trigger_step_save(
                tenant=request.tenant,
                actor=request.user,
                trigger=trigger,
                step=step,
                **form.service_values(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Step saved.") if step else _("Step added."),
            )
            return redirect("automation-settings:trigger-edit", trigger_pk=trigger.pk)
    steps = list(trigger.steps.all())
    number = next((i for i, row in enumerate(steps, 1) if step and row.pk == step.pk), None)
    return render(
        request,
        STEP_FORM,
        {"form": form, "trigger": trigger, "step": step, "number": number, "section": "triggers"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def step_create(request, trigger_pk: int):
    trigger = selectors_triggers.trigger_get(tenant=request.tenant, trigger_id=trigger_pk)
    return _step_page(request, trigger, None)


def _step_and_trigger(request, step_pk: int) -> tuple[TriggerStep, Trigger]:
    step = selectors_triggers.trigger_step_get(tenant=request.tenant, step_id=step_pk)
    trigger = selectors_triggers.trigger_get(tenant=request.tenant, trigger_id=step.trigger_id)
    return step, trigger


@admin_required
@require_http_methods(["GET", "POST"])
def step_edit(request, step_pk: int):
    step, trigger = _step_and_trigger(request, step_pk)
    return _step_page(request, trigger, step)


@admin_required
@require_POST
def step_delete(request, step_pk: int):
    step = selectors_triggers.trigger_step_get(tenant=request.tenant, step_id=step_pk)
    configuration.trigger_step_delete(tenant=request.tenant, actor=request.user, step=step)
    messages.success(request, _("Step deleted."))
    return redirect("automation-settings:trigger-edit", trigger_pk=step.trigger_id)


@admin_required
@require_POST
def step_move(request, step_pk: int):
    step = selectors_triggers.trigger_step_get(tenant=request.tenant, step_id=step_pk)
    try:
        configuration.trigger_step_move(
            tenant=request.tenant,
            actor=request.user,
            step=step,
            direction=request.POST.get("direction", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("automation-settings:trigger-edit", trigger_pk=step.trigger_id)
