"""/settings/templates/: the admin writes what the business says, per channel, language and
brand, and sees it rendered (sample data or a real contact) while typing. Every write goes
through messaging.services.configuration_templates."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.access import admin_required
from messaging import rendering
from messaging.forms.templates import MessageTemplateForm, PreviewForm, TemplateVariantForm
from messaging.models import MessageChannel, MessageTemplate, TemplateVariant
from messaging.preview import Preview, template_preview, variable_tag
from messaging.selectors import templates as selectors
from messaging.services import configuration_templates as configuration

VARIABLE_LIST = [
    (variable_tag(name), description) for name, description in rendering.VARIABLES.items()
]


# --- Templates ----------------------------------------------------------------------------------


@admin_required
@require_GET
def template_list(request):
    templates = selectors.templates_with_variants(tenant=request.tenant)
    return render(
        request,
        "comms/settings/templates/list.html",
        {
            "templates": [template for template in templates if not template.is_archived],
            "archived": [template for template in templates if template.is_archived],
            "section": "templates",
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    form = MessageTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = configuration.message_template_save(
                tenant=request.tenant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Template %(name)s created: now write its wording.") % {"name": template.name},
            )
            return redirect("comms-settings:template", template_pk=template.pk)
    return render(
        request,
        "comms/settings/templates/template_form.html",
        {"form": form, "template": None, "section": "templates"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_pk: int):
    template = selectors.template_get(tenant=request.tenant, template_id=template_pk)
    # A copy: validating writes the submitted values onto the instance the heading shows.
    form = MessageTemplateForm(request.POST or None, instance=copy.copy(template))
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.message_template_save(
                tenant=request.tenant, actor=request.user, template=template, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Template %(name)s saved.") % {"name": saved.name})
            return redirect("comms-settings:template", template_pk=template.pk)
    return render(
        request,
        "comms/settings/templates/template_form.html",
        {
            "form": form,
            "template": template,
            "variants": selectors.template_variants(tenant=request.tenant, template=template),
            "channels": MessageChannel.choices,
            "section": "templates",
        },
    )


@admin_required
@require_POST
def template_archive(request, template_pk: int):
    template = selectors.template_get(tenant=request.tenant, template_id=template_pk)
    steps = configuration.message_template_archive(
        tenant=request.tenant, actor=request.user, template=template
    )
    if steps:
        messages.warning(
            request,
            ngettext(
                "Template %(name)s archived. %(steps)s trigger step still send it: change them on "
                "the Triggers page.",
                "Template %(name)s archived. %(steps)s trigger steps still send it: change them on "
                "the Triggers page.",
                steps,
            )
            % {"name": template.name, "steps": steps},
        )
    else:
        messages.success(request, _("Template %(name)s archived.") % {"name": template.name})
    return redirect("comms-settings:templates")


@admin_required
@require_POST
def template_restore(request, template_pk: int):
    template = selectors.template_get(tenant=request.tenant, template_id=template_pk)
    configuration.message_template_restore(
        tenant=request.tenant, actor=request.user, template=template
    )
    messages.success(request, _("Template %(name)s is back in use.") % {"name": template.name})
    return redirect("comms-settings:template", template_pk=template.pk)


# --- Variants -----------------------------------------------------------------------------------


def _editor(request, *, template: MessageTemplate, variant: TemplateVariant | None, form) -> dict:
    return {
        "form": form,
        "template": template,
        "variant": variant,
        "variables": VARIABLE_LIST,
        "preview": _preview(request, form=form, picker=PreviewForm(request.POST or None)),
        "section": "templates",
    }


def _save_variant(request, *, template: MessageTemplate, variant: TemplateVariant | None, form):
    try:
        saved = configuration.template_variant_save(
            tenant=request.tenant,
            actor=request.user,
            template=template,
            variant=variant,
            **{field: form.cleaned_data[field] for field in form.Meta.fields},
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None
    messages.success(
        request,
        _("%(get_channel_display)s wording of %(name)s saved.")
        % {"get_channel_display": _(saved.get_channel_display()), "name": template.name},
    )
    return redirect("comms-settings:template", template_pk=template.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def variant_create(request, template_pk: int):
    template = selectors.template_get(tenant=request.tenant, template_id=template_pk)
    channel = request.GET.get("channel", "")
    initial = {"channel": channel} if channel in MessageChannel.values else {}
    form = TemplateVariantForm(request.POST or None, initial=initial, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        saved = _save_variant(request, template=template, variant=None, form=form)
        if saved is not None:
            return saved
    return render(
        request,
        "comms/settings/templates/variant_form.html",
        _editor(request, template=template, variant=None, form=form),
    )


@admin_required
@require_http_methods(["GET", "POST"])
def variant_edit(request, variant_pk: int):
    variant = selectors.variant_get(tenant=request.tenant, variant_id=variant_pk)
    form = TemplateVariantForm(
        request.POST or None, instance=copy.copy(variant), tenant=request.tenant
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_variant(request, template=variant.template, variant=variant, form=form)
        if saved is not None:
            return saved
    return render(
        request,
        "comms/settings/templates/variant_form.html",
        _editor(request, template=variant.template, variant=variant, form=form),
    )


@admin_required
@require_POST
def variant_delete(request, variant_pk: int):
    variant = selectors.variant_get(tenant=request.tenant, variant_id=variant_pk)
    configuration.template_variant_delete(
        tenant=request.tenant, actor=request.user, variant=variant
    )
    messages.success(request, _("%(variant)s deleted.") % {"variant": variant})
    return redirect("comms-settings:template", template_pk=variant.template_id)


@admin_required
@require_POST
def variant_preview(request, template_pk: int):
    """The editor's preview, sent by htmx as the admin types: the unsaved words, rendered."""
    selectors.template_get(tenant=request.tenant, template_id=template_pk)
    form = TemplateVariantForm(request.POST, tenant=request.tenant)
    context = {"preview": _preview(request, form=form, picker=PreviewForm(request.POST))}
    return render(request, "comms/settings/templates/_preview.html", context)


# --- The preview --------------------------------------------------------------------------------


def _sources(form: TemplateVariantForm) -> dict:
    """The words being edited, valid or not yet: the submitted ones, else the saved ones."""
    if form.is_bound:
        form.is_valid()
        values = form.cleaned_data
    else:
        parts = ("channel", "subject", "body_text", "body_html")
        values = {name: form[name].value() for name in parts}
        values["brand"] = form.instance.brand if form.instance.brand_id else None
    channel = values.get("channel") or MessageChannel.EMAIL
    is_email = channel == MessageChannel.EMAIL
    return {
        "channel": channel,
        "subject": (values.get("subject") or "") if is_email else "",
        "text": values.get("body_text") or "",
        "html": (values.get("body_html") or "") if is_email else "",
        "brand": values.get("brand"),
    }


def _preview(request: HttpRequest, *, form: TemplateVariantForm, picker: PreviewForm) -> Preview:
    picked = picker.cleaned_data if picker.is_valid() else {}
    return template_preview(
        tenant=request.tenant,
        sources=_sources(form),
        search=(picked.get("contact_search") or "").strip(),
        picked_contact=picked.get("preview_contact"),
        picked_lead=picker.chosen_lead_id() if picked else None,
    )
