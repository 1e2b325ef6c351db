"""/notifications/preferences/: each member chooses which notifications also reach them by email
or SMS. Writes go through comms.configuration.preferences."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from comms.configuration.preferences import staff_notification_preferences_save
from comms.forms.preferences import NotificationPreferencesForm
from comms.selectors_preferences import staff_notification_preferences
from crm.permissions import tenant_member_required


@tenant_member_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    chosen = staff_notification_preferences(tenant=request.tenant, membership=request.membership)
    form = NotificationPreferencesForm(
        request.POST or None, chosen=chosen, has_phone=bool(request.user.phone)
    )
    if request.method == "POST" and form.is_valid():
        try:
            staff_notification_preferences_save(
                tenant=request.tenant,
                membership=request.membership,
                choices=form.cleaned_data["choices"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Notification preferences saved.")
            return redirect("comms:notification-preferences")
    return render(
        request,
        "comms/preferences/notification_preferences.html",
        {"form": form, "phone": request.user.phone},
        status=400 if form.errors else 200,
    )
