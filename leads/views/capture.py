"""Lead forms: the public web form a tenant embeds on its site, and the admin pages that set
those forms up and hand out the code to embed."""

from axes.helpers import get_client_ip_address
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.access import admin_required
from crm.kit.languages import supported_language, tenant_language
from crm.models import Tenant
from crm.selectors.brands import sending_brand
from crm.tenancy import tenant_context
from leads import capture_links
from leads.forms.capture import CaptureFormSettingsForm, WebLeadForm
from leads.models import LeadCaptureForm
from leads.selectors import capture as capture_selectors
from leads.selectors import configuration as configuration_selectors
from leads.services import capture

# --- The public form ----------------------------------------------------------------------------


def _render(request, template: str, tenant: Tenant, capture_form, *, status=200, **context):
    brand = sending_brand(tenant=tenant, brand=capture_form.brand)
    context.update(capture_form=capture_form, business=brand.name if brand else tenant.name)
    return render(request, f"leads/public/{template}", context, status=status)


# Other sites embed this page in an iframe: it alone lifts the frame bans (X-Frame-Options and
# CSP frame-ancestors). It is exempt from the cookie-based CSRF check for the reasons given in
# leads/capture_links.py: it acts for nobody, and a signed page token stops bots and replays instead.
@csrf_exempt
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@require_http_methods(["GET", "POST"])
def lead_form(request, token: str):
    resolved = capture_selectors.capture_form_resolve(token)
    if resolved is None:
        return render(request, "leads/public/lead_form_gone.html", status=404)
    tenant, capture_form = resolved
    # The visitor is nobody yet: the page speaks the language the lead will be written in.
    with tenant_context(tenant):
        language = capture_selectors.intake_language(
            tenant=tenant, brand=capture_form.brand, language=capture_form.language
        )
    with (
        tenant_context(tenant),
        timezone.override(tenant.zone),
        translation.override(supported_language(language) or tenant_language(tenant)),
    ):
        if request.method == "GET":
            form = WebLeadForm(tenant=tenant, capture_form=capture_form)
            return _render(request, "lead_form.html", tenant, capture_form, form=form)
        client = get_client_ip_address(request) or "unknown"
        if capture.capture_rate_limited(capture_form=capture_form, client_ip=client):
            return _render(request, "lead_form_busy.html", tenant, capture_form, status=429)
        form = WebLeadForm(request.POST, tenant=tenant, capture_form=capture_form)
        if form.honeypot_filled:
            # Bots get the same answer as people, so they learn nothing; nothing is saved.
            return _render(request, "lead_form_thanks.html", tenant, capture_form)
        if not form.is_valid():
            return _render(request, "lead_form.html", tenant, capture_form, form=form, status=400)
        data = form.cleaned_data
        try:
            capture.capture_submission_create(
                tenant=tenant,
                capture_form=capture_form,
                token=data["form_token"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                message=data["message"],
                sms_consent=data["sms_consent"],
                marketing_consent=data["marketing_consent"],
                address=form.address,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return _render(request, "lead_form.html", tenant, capture_form, form=form, status=400)
        return _render(request, "lead_form_thanks.html", tenant, capture_form)


# --- Admin pages --------------------------------------------------------------------------------


def _embed(capture_form: LeadCaptureForm) -> dict:
    url = capture_links.capture_form_public_url(capture_form)
    height = 860 if capture_form.ask_for_address else 660
    # Plain text, escaped again when the page shows it: the heading is the admin's own words.
    snippet = (
        f'<iframe src="{url}" title="{escape(capture_form.heading)}" loading="lazy" '
        f'width="100%" height="{height}" style="border:0;max-width:36rem"></iframe>'
    )
    return {"public_url": url, "snippet": snippet}


@admin_required
@require_GET
def capture_form_list(request):
    forms = configuration_selectors.capture_forms(tenant=request.tenant)
    return render(
        request,
        "leads/settings/capture_forms.html",
        {"capture_forms": forms, "section": "capture-forms"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def capture_form_edit(request, capture_form_pk: int | None = None):
    tenant = request.tenant
    capture_form = (
        configuration_selectors.capture_form_get(tenant=tenant, form_id=capture_form_pk)
        if capture_form_pk
        else None
    )
    form = CaptureFormSettingsForm(request.POST or None, instance=capture_form, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            saved = capture.capture_form_save(
                tenant=tenant,
                actor=request.user,
                capture_form=capture_form,
                **{name: form.cleaned_data[name] for name in capture.CAPTURE_FORM_FIELDS},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            text = (
                _("Lead form “%(name)s” saved.")
                if capture_form
                else _("Lead form “%(name)s” saved. Copy the code below onto your website.")
            )
            messages.success(request, text % {"name": saved.name})
            return redirect("lead-settings:capture-form-edit", capture_form_pk=saved.pk)
    context = {"form": form, "capture_form": capture_form, "section": "capture-forms"}
    if capture_form is not None:
        context.update(_embed(capture_form))
    return render(
        request,
        "leads/settings/capture_form.html",
        context,
        status=400 if form.errors else 200,
    )


@admin_required
@require_POST
def capture_form_rotate_key(request, capture_form_pk: int):
    capture_form = configuration_selectors.capture_form_get(
        tenant=request.tenant, form_id=capture_form_pk
    )
    capture.capture_form_rotate_key(
        tenant=request.tenant, actor=request.user, capture_form=capture_form
    )
    messages.success(
        request,
        _(
            "New link made: the old link and code no longer work. "
            "Put the new code below on your website."
        ),
    )
    return redirect("lead-settings:capture-form-edit", capture_form_pk=capture_form.pk)
