"""The admin's invoice settings: payment terms and number prefixes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.forms import BillingSettingsForm
from billing.services.numbering import billing_settings
from billing.services.settings import billing_settings_save
from crm.kit.access import admin_required


@admin_required
@require_http_methods(["GET", "POST"])
def invoice_settings(request):
    current = billing_settings(tenant=request.tenant)
    form = BillingSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            billing_settings_save(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Invoice settings saved."))
            return redirect("billing-settings:settings")
    return render(request, "billing/settings.html", {"form": form, "section": "invoices"})
