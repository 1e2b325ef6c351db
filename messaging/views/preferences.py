"""/notifications/preferences/: each member chooses which notifications also reach them by email
or SMS. Writes go through messaging.services.notification_preferences."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crm.permissions import tenant_member_required
from crm.services.members import user_phone_update
from messaging.forms.preferences import MobileNumberForm, NotificationPreferencesForm
from messaging.selectors.preferences import staff_notification_preferences
from messaging.services.notification_preferences import staff_notification_preferences_save


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
    return _page(
        request,
        form,
        MobileNumberForm(initial={"phone": request.user.phone}, region=request.tenant.country),
    )


def _page(request, form, phone_form):
    return render(
        request,
        "comms/preferences/notification_preferences.html",
        {"form": form, "phone_form": phone_form, "phone": request.user.phone},
        status=400 if form.errors or phone_form.errors else 200,
    )


@tenant_member_required
@require_POST
def notification_phone(request):
    phone_form = MobileNumberForm(request.POST, region=request.tenant.country)
    if phone_form.is_valid():
        user_phone_update(user=request.user, phone=phone_form.cleaned_data["phone"])
        messages.success(request, "Mobile number saved.")
        return redirect("comms:notification-preferences")
    chosen = staff_notification_preferences(tenant=request.tenant, membership=request.membership)
    form = NotificationPreferencesForm(chosen=chosen, has_phone=bool(request.user.phone))
    return _page(request, form, phone_form)
