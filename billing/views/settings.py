"""The admin's invoice settings: payment terms, number prefixes and reminders."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from billing.forms import BillingSettingsForm
from billing.models import BillingSettings
from billing.reminder_schedule import reminder_dates
from billing.services.numbering import billing_settings
from billing.services.settings import billing_settings_save
from crm.kit.access import admin_required
from crm.kit.formatting import and_list


def reminder_summary(settings: BillingSettings) -> str:
    """The saved reminder settings in one sentence: when an unpaid invoice is reminded."""
    due = dt.date(2000, 1, 31)
    offsets = [(day - due).days for day in reminder_dates(settings, due_on=due, issued_on=None)]
    if not offsets:
        return _("Unpaid invoices get no reminders.")
    when = [
        ngettext("%(days)s day before the due date", "%(days)s days before the due date", -offset)
        % {"days": -offset}
        if offset < 0
        else ngettext("%(days)s day after the due date", "%(days)s days after the due date", offset)
        % {"days": offset}
        for offset in offsets
    ]
    return _(
        "Now: an unpaid invoice is reminded %(when)s, by email or text as it was sent. A payment "
        "in full or a void stops its reminders."
    ) % {"when": and_list(when)}


@admin_required
@require_http_methods(["GET", "POST"])
def invoice_settings(request):
    current = billing_settings(tenant=request.tenant)
    summary = reminder_summary(current)
    form = BillingSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            billing_settings_save(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Invoice settings saved."))
            return redirect("billing-settings:settings")
    context = {"form": form, "section": "invoices", "reminder_summary": summary}
    return render(request, "billing/settings.html", context)
