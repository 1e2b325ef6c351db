"""Settings → API keys: admins create keys (each shown once) and revoke them."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api.forms import ApiKeyForm
from api.selectors.keys import api_key_get, api_keys_for_tenant
from api.services.keys import api_key_create, api_key_revoke
from crm.kit.access import admin_required


@admin_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = api_key_create(
            tenant=request.tenant,
            actor=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
        )
        # Rendered, not redirected: the key must never sit in a session or a message store.
        form = ApiKeyForm()
    response = render(
        request,
        "api/settings/api_keys.html",
        {
            "keys": api_keys_for_tenant(tenant=request.tenant),
            "form": form,
            "created": created,
            "section": "api-keys",
        },
    )
    if created:
        response["Cache-Control"] = "no-store"
    return response


@admin_required
@require_POST
def api_key_revoke_view(request, api_key_pk: int):
    api_key = api_key_get(tenant=request.tenant, api_key_id=api_key_pk)
    api_key_revoke(tenant=request.tenant, actor=request.user, api_key=api_key)
    messages.success(
        request, _("Key %(name)s revoked: it no longer works.") % {"name": api_key.name}
    )
    return redirect("api-settings:keys")
