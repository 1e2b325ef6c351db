"""Admin pages for the tenant's tax rates."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.kit.access import admin_required
from leads.forms.settings import TaxRateForm
from leads.selectors import tax_rates as selectors
from leads.services import tax_rates as services


@admin_required
@require_GET
def tax_rate_list(request):
    rates = selectors.tax_rates(tenant=request.tenant, include_archived=True)
    return render(request, "leads/settings/tax_rates.html", {"rates": rates, "section": "taxes"})


@admin_required
@require_http_methods(["GET", "POST"])
def tax_rate_edit(request, tax_rate_pk: int | None = None):
    rate = (
        selectors.tax_rate_get(tenant=request.tenant, tax_rate_id=tax_rate_pk)
        if tax_rate_pk
        else None
    )
    form = TaxRateForm(request.POST or None, instance=copy.copy(rate) if rate else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.tax_rate_save(
                tenant=request.tenant, actor=request.user, tax_rate=rate, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Tax rate %(name)s saved.") % {"name": saved.name})
            return redirect("lead-settings:tax-rates")
    return render(
        request,
        "leads/settings/tax_rate_form.html",
        {"form": form, "rate": rate, "section": "taxes"},
    )
