"""/settings/templates/: the admin writes what the business says, per channel, language and
brand, and sees it rendered (sample data or a real contact) while typing. Every write goes
through comms.configuration.templates."""

import copy
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comms import rendering
from comms import selectors_templates as selectors
from comms.configuration import templates as configuration
from comms.forms.templates import MessageTemplateForm, PreviewForm, TemplateVariantForm
from comms.models import MessageChannel, MessageTemplate, TemplateVariant
from comms.sms import SmsSegments, sms_segments
from comms.variables import contact_zone, message_variables
from crm.models import Brand, Contact
from crm.permissions import ADMINS, tenant_member_required
from crm.selectors import sending_brand
from leads.models import Lead

admin_required = tenant_member_required(roles=ADMINS)

WHATSAPP_TEMPLATE_LIMIT = 1024


def _tag(name: str) -> str:
    """How a variable is written in a template."""
    return "{{ " + name + " }}"


VARIABLE_LIST = [(_tag(name), description) for name, description in rendering.VARIABLES.items()]


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
            messages.success(request, f"Template {template.name} created: now write its wording.")
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
            messages.success(request, f"Template {saved.name} saved.")
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
            f"Template {template.name} archived. {steps} trigger step{'' if steps == 1 else 's'} "
            "still send it: change them on the Triggers page.",
        )
    else:
        messages.success(request, f"Template {template.name} archived.")
    return redirect("comms-settings:templates")


@admin_required
@require_POST
def template_restore(request, template_pk: int):
    template = selectors.template_get(tenant=request.tenant, template_id=template_pk)
    configuration.message_template_restore(
        tenant=request.tenant, actor=request.user, template=template
    )
    messages.success(request, f"Template {template.name} is back in use.")
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
    messages.success(request, f"{saved.get_channel_display()} wording of {template.name} saved.")
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
    messages.success(request, f"{variant} deleted.")
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


@dataclass
class Preview:
    channel: str
    contacts: list[Contact]
    contact: Contact | None
    leads: list[Lead]
    lead: Lead | None
    search: str
    subject: str = ""
    text: str = ""
    html: str = ""
    problem: str = ""
    sms: SmsSegments | None = None

    @property
    def is_email(self) -> bool:
        return self.channel == MessageChannel.EMAIL

    @property
    def is_whatsapp(self) -> bool:
        return self.channel == MessageChannel.WHATSAPP

    @property
    def whatsapp_over_limit(self) -> bool:
        return self.sms is not None and self.sms.characters > WHATSAPP_TEMPLATE_LIMIT

    @property
    def whatsapp_limit(self) -> int:
        return WHATSAPP_TEMPLATE_LIMIT

    @property
    def ucs2_shown(self) -> list[str]:
        """The characters that force UCS-2, invisible ones (a no-break space) by code point."""
        if self.sms is None:
            return []
        return [
            char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
            for char in self.sms.ucs2_characters
        ]


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


def _chosen_contact(
    request: HttpRequest, *, picked: int | None, search: str, contacts: list[Contact]
) -> Contact | None:
    """The contact picked in the preview; a new search picks its first match. Another team's
    contact id is not found (404)."""
    if search and picked not in {contact.pk for contact in contacts}:
        picked = contacts[0].pk if contacts else None
    if picked is None:
        return None
    return selectors.preview_contact_get(tenant=request.tenant, contact_id=picked)


def _chosen_lead(wanted: int | str | None, leads: list[Lead]) -> Lead | None:
    """The lead picked (one of the contact's), none on purpose, or else their newest."""
    if wanted == PreviewForm.NO_LEAD:
        return None
    by_id = {lead.pk: lead for lead in leads}
    return by_id.get(wanted) or (leads[0] if leads else None)


def _sample_variables(request: HttpRequest, brand: Brand | None) -> dict:
    """The sample, signed by this team's brand where the brand has the detail."""
    values = rendering.sample_variables(now=timezone.now())
    brand = sending_brand(tenant=request.tenant, brand=brand)
    if brand is not None:
        values |= {
            "sender_name": brand.sender_name or values["sender_name"],
            "brand_name": brand.name,
            "brand_phone": str(brand.sms_number) if brand.sms_number else values["brand_phone"],
            "brand_website": brand.website or values["brand_website"],
        }
    return values


def _missing_in_words(error: rendering.MissingVariables, contact: Contact | None) -> str:
    names = ", ".join(_tag(name) for name in error.names)
    who = contact.display_name if contact else "The sample"
    example = error.names[0]
    return (
        f"{who} has no value for {names}, so this message would not be sent. Put it inside "
        f"{{% if {example} %}} … {{% endif %}} or give it a fallback, e.g. "
        f'{{{{ {example}|default:"…" }}}}.'
    )


def _preview(request: HttpRequest, *, form: TemplateVariantForm, picker: PreviewForm) -> Preview:
    sources = _sources(form)
    picked = picker.cleaned_data if picker.is_valid() else {}
    search = (picked.get("contact_search") or "").strip()
    contacts = selectors.preview_contacts(tenant=request.tenant, search=search)
    contact = _chosen_contact(
        request, picked=picked.get("preview_contact"), search=search, contacts=contacts
    )
    if contact is not None and contact.pk not in {row.pk for row in contacts}:
        contacts = [contact, *contacts]
    leads = selectors.preview_leads(tenant=request.tenant, contact=contact) if contact else []
    lead = _chosen_lead(picker.chosen_lead_id() if picked else None, leads)
    preview = Preview(sources["channel"], contacts, contact, leads, lead, search)
    if not sources["text"].strip():
        preview.problem = "Write the message to see it here."
        return preview
    try:
        rendering.validate(subject=sources["subject"], text=sources["text"], html=sources["html"])
    except rendering.TemplateProblem as problem:
        preview.problem = str(problem)
        return preview
    if contact is None:
        variables, zone = _sample_variables(request, sources["brand"]), request.tenant.zone
    else:
        variables = message_variables(
            tenant=request.tenant,
            contact=contact,
            channel=sources["channel"],
            lead=lead,
            brand=sources["brand"],
        )
        zone = contact_zone(request.tenant, contact)
    with timezone.override(zone):
        try:
            rendered = rendering.render(
                subject=sources["subject"],
                text=sources["text"],
                html=sources["html"],
                variables=variables,
                make_html=preview.is_email,
            )
        except rendering.MissingVariables as error:
            preview.problem = _missing_in_words(error, contact)
            return preview
    preview.subject, preview.text, preview.html = rendered.subject, rendered.text, rendered.html
    if not preview.is_email:
        preview.sms = sms_segments(rendered.text)
    return preview
