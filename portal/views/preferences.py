"""The portal's preferences page (/portal/preferences/): how the customer hears from the business,
"Download my data" (portal/services/data_export.py) and "Ask us to erase your data"
(crm/services/erasure.py).

A save applies to every contact the customer is (portal/services/preferences.py says why).
"""

from django.http import FileResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crm.kit.redirects import safe_next
from crm.models import UI_LANGUAGES, ErasureHow
from crm.selectors.erasure import open_erasure_request
from crm.services.erasure import erasure_request_create
from portal.auth import portal_customer_required
from portal.forms.preferences import preferences_form
from portal.services import data_export, preferences


def _open_request(customer):
    for contact in customer.contacts:
        request = open_erasure_request(tenant=customer.tenant, contact=contact)
        if request is not None:
            return request
    return None


@require_http_methods(["GET", "POST"])
@portal_customer_required
def preferences_page(request):
    customer = request.portal
    page = preferences_form(customer, request.POST or None)
    form = page.form
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        preferences.portal_preferences_update(
            customer=customer,
            preferred_channel=data["preferred_channel"],
            language=data["language"],
            update_frequency=data["update_frequency"],
            channels=form.channel_choices(),
        )
        return redirect("portal:preferences-saved")
    context = {
        "page": page,
        "form": form,
        "saved": request.resolver_match.url_name == "preferences-saved",
        "erasure_request": _open_request(customer),
        "export_formats": data_export.FORMATS,
    }
    return render(request, "portal/preferences.html", context)


@require_POST
@portal_customer_required
def language_switch(request):
    """The switcher in the portal's header: back to the page it was on, in the chosen language."""
    language = request.POST.get("language", "")
    if language not in dict(UI_LANGUAGES):
        return HttpResponseBadRequest("Pick a language.")
    preferences.portal_language_set(customer=request.portal, language=language)
    return redirect(safe_next(request, within="/portal/") or "portal:home")


@require_POST
@portal_customer_required
def data_download(request):
    export_format = request.POST.get("format", "")
    if export_format not in data_export.FORMATS:
        return HttpResponseBadRequest("Pick JSON or CSV.")
    spool, filename = data_export.portal_data_export(
        customer=request.portal, export_format=export_format
    )
    content_type = "application/json" if export_format == "json" else "application/zip"
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@portal_customer_required
def erasure_request(request):
    """A confirm page; its POST records one request per contact of the customer."""
    customer = request.portal
    if request.method == "POST":
        for contact in customer.contacts:
            erasure_request_create(tenant=customer.tenant, contact=contact, how=ErasureHow.PORTAL)
        return redirect("portal:erasure-requested")
    context = {
        "erasure_request": _open_request(customer),
        "requested": request.resolver_match.url_name == "erasure-requested",
    }
    return render(request, "portal/preferences_erasure.html", context)
