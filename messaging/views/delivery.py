"""/settings/delivery/: admins set when each channel may reach a contact, the weekly marketing
caps, the duplicate window and the customer-update rhythm. Every write goes through
messaging.services.configuration_delivery; messaging.services.policy applies the result."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.kit.access import admin_required
from messaging.forms.delivery import DeliveryPolicyForm
from messaging.services.configuration_delivery import comms_settings_update
from messaging.services.policy import comms_settings_get


@admin_required
@require_http_methods(["GET", "POST"])
def delivery_policy(request):
    config = comms_settings_get(tenant=request.tenant)
    form = DeliveryPolicyForm(request.POST or None, tenant=request.tenant, config=config)
    if request.method == "POST" and form.is_valid():
        try:
            comms_settings_update(
                tenant=request.tenant, actor=request.user, **form.service_values()
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, _("Delivery policy saved. It applies to every message not sent yet.")
            )
            return redirect("comms-settings:delivery")
    return render(
        request,
        "comms/settings/delivery.html",
        {"form": form, "business_zone": request.tenant.time_zone, "section": "delivery"},
        status=400 if form.errors else 200,
    )
