"""/notifications/preferences/: "My preferences", every member's own page: their time zone, their
daily digest (its hour, or none), their mobile number, and which notifications also reach them by
email or SMS. Writes go through crm.services.members and
messaging.services.notification_preferences."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.permissions import tenant_member_required
from crm.services.members import member_preferences_save, user_phone_update
from messaging.forms.preferences import (
    MobileNumberForm,
    MyPreferencesForm,
    NotificationPreferencesForm,
)
from messaging.selectors.preferences import staff_notification_preferences
from messaging.services.notification_preferences import staff_notification_preferences_save


def _my_form(request, data=None) -> MyPreferencesForm:
    return MyPreferencesForm(
        data,
        initial=MyPreferencesForm.initial_for(request.membership),
        tenant_id=request.tenant.pk,
        tenant_zone=request.tenant.time_zone,
        tenant_language_label=request.tenant.get_language_display(),
    )


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
            messages.success(request, _("Notification preferences saved."))
            return redirect("comms:notification-preferences")
    return _page(
        request,
        form,
        MobileNumberForm(initial={"phone": request.user.phone}, region=request.tenant.country),
    )


def _page(request, form, phone_form, my_form=None):
    my_form = my_form or _my_form(request)
    return render(
        request,
        "comms/preferences/notification_preferences.html",
        {"form": form, "phone_form": phone_form, "phone": request.user.phone, "my_form": my_form},
        status=400 if form.errors or phone_form.errors or my_form.errors else 200,
    )


def _other_forms(request):
    chosen = staff_notification_preferences(tenant=request.tenant, membership=request.membership)
    return (
        NotificationPreferencesForm(chosen=chosen, has_phone=bool(request.user.phone)),
        MobileNumberForm(initial={"phone": request.user.phone}, region=request.tenant.country),
    )


@tenant_member_required
@require_POST
def my_preferences(request):
    my_form = _my_form(request, request.POST)
    if my_form.is_valid():
        try:
            member_preferences_save(
                tenant=request.tenant,
                membership=request.membership,
                time_zone=my_form.cleaned_data["time_zone"],
                digest_enabled=my_form.cleaned_data["digest_enabled"],
                digest_hour=my_form.cleaned_data["digest_hour"],
                language=my_form.cleaned_data["language"],
            )
        except ValidationError as error:
            my_form.add_error(None, error.messages)
        else:
            messages.success(request, _("Your time zone, language and digest are saved."))
            return redirect("comms:notification-preferences")
    form, phone_form = _other_forms(request)
    return _page(request, form, phone_form, my_form)


@tenant_member_required
@require_POST
def notification_phone(request):
    phone_form = MobileNumberForm(request.POST, region=request.tenant.country)
    if phone_form.is_valid():
        user_phone_update(user=request.user, phone=phone_form.cleaned_data["phone"])
        messages.success(request, _("Mobile number saved."))
        return redirect("comms:notification-preferences")
    form, _phone = _other_forms(request)
    return _page(request, form, phone_form)
