"""/settings/outbox/: every message the business sent, is about to send or decided not to, with
why. Admins cancel a pending message or send a failed one again. In the sandbox (`make dev`) this
is where the "sent" messages can be read."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from crm.kit.access import admin_required
from crm.kit.stored_text import stored_message
from messaging import redaction
from messaging.forms.outbox import OutboxFilterForm
from messaging.schedulers import message_origin
from messaging.selectors import outbox as selectors_outbox
from messaging.services import outbox, outbox_admin

LIST = "comms/settings/outbox/list.html"
DETAIL = "comms/settings/outbox/message.html"


@admin_required
@require_GET
def outbox_list(request):
    form = OutboxFilterForm(request.GET)
    filters = form.selector_filters()
    page = selectors_outbox.outbox_list(
        tenant=request.tenant, after=request.GET.get("after"), **filters
    )
    for message in page.items:
        redaction.hidden_from_staff(message)
        message.latest_reason = selectors_outbox.latest_decision_reason(message)
    query = {key: value for key, value in request.GET.items() if key != "after" and value}
    context = {
        "form": form,
        "page": page,
        "query": urlencode(query),
        "sandbox": settings.COMMS_SANDBOX,
        "section": "outbox",
    }
    if request.htmx and request.GET.get("after"):
        return render(request, f"{LIST}#rows", context)
    return render(request, LIST, context)


@admin_required
@require_GET
def message_detail(request, message_pk: int):
    message = redaction.hidden_from_staff(
        selectors_outbox.message_get(tenant=request.tenant, message_id=message_pk)
    )
    context = {
        "message": message,
        "decisions": selectors_outbox.message_decisions(message),
        "origin": message_origin(message),
        "delivery": selectors_outbox.message_sandbox_delivery(
            tenant=request.tenant, message=message
        ),
        "sandbox": settings.COMMS_SANDBOX,
        "section": "outbox",
    }
    return render(request, DETAIL, context)


@admin_required
@require_POST
def message_cancel(request, message_pk: int):
    message = selectors_outbox.message_get(tenant=request.tenant, message_id=message_pk)
    if outbox.message_cancel(
        tenant=request.tenant,
        message=message,
        reason=stored_message(gettext_noop("cancelled from the outbox")),
        actor=request.user,
    ):
        messages.success(request, _("Message cancelled: it will not be sent."))
    else:
        messages.error(request, _("This message is no longer waiting to be sent."))
    return redirect("comms-settings:message", message_pk=message.pk)


@admin_required
@require_POST
def message_retry(request, message_pk: int):
    message = selectors_outbox.message_get(tenant=request.tenant, message_id=message_pk)
    if outbox_admin.message_retry(tenant=request.tenant, actor=request.user, message=message):
        messages.success(request, _("Message queued to be sent again."))
    else:
        messages.error(request, _("Only a failed message can be sent again."))
    return redirect("comms-settings:message", message_pk=message.pk)
