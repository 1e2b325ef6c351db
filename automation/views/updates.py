"""Customer updates: the customer messages panel of a lead page (loaded after the page, so the
lead page's own queries do not grow), the "Send update now" button, and the managers' list of
active jobs whose status update is overdue or due soon (/updates/)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from automation.selectors import updates as selectors
from automation.services.updates import customer_update_send
from crm.kit.access import manager_required
from crm.kit.links import lead_page
from crm.kit.redirects import safe_next
from crm.models import Role
from crm.permissions import MANAGERS, tenant_member_required
from leads.permissions import ensure_may_act_on, may_act_on
from leads.selectors.lists import lead_get
from messaging.models import MessageStatus
from messaging.selectors.outbox import latest_decision_reason

PANEL = "automation/updates/_lead_panel.html"
TABS = {"overdue": gettext_lazy("Overdue"), "soon": gettext_lazy("Due within 7 days")}


@tenant_member_required
@require_GET
def lead_messages(request, lead_pk: int):
    panel = selectors.lead_messages_panel(tenant=request.tenant, lead_id=lead_pk)
    context = {
        "panel": panel,
        "lead": panel.lead,
        "may_send": may_act_on(request.membership, panel.lead) and panel.is_active_job,
        "is_admin": request.membership.role == Role.ADMIN,
        "is_manager": request.membership.role in MANAGERS,
    }
    if request.htmx:
        return render(request, PANEL, context)
    return render(request, "automation/updates/lead_messages.html", context)


@tenant_member_required
@require_POST
def lead_send_update(request, lead_pk: int):
    """Reps for their own (and unassigned) leads, managers and admins for any."""
    lead = lead_get(tenant=request.tenant, lead_id=lead_pk)
    ensure_may_act_on(request.membership, lead)
    try:
        message = customer_update_send(tenant=request.tenant, lead=lead, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if message.status == MessageStatus.SUPPRESSED:
            reason = latest_decision_reason(message)
            messages.warning(
                request,
                _("Status update for %(reference)s not sent. %(reason)s")
                % {"reference": lead.reference, "reason": reason},
            )
        else:
            messages.success(
                request,
                _("Status update for %(reference)s is on its way (%(get_channel_display)s).")
                % {
                    "reference": lead.reference,
                    "get_channel_display": _(message.get_channel_display()),
                },
            )
    fallback = lead_page(lead.pk) + "#customer-messages"
    return redirect(safe_next(request, request.POST.get("next", "")) or fallback)


@manager_required
@require_GET
def updates_due(request):
    tab = request.GET.get("when") if request.GET.get("when") in TABS else "overdue"
    now = timezone.now()
    page = selectors.jobs_with_updates_due(
        tenant=request.tenant,
        overdue_only=tab == "overdue",
        after=request.GET.get("after"),
        now=now,
    )
    context = {
        "page": page,
        "tab": tab,
        "tabs": TABS,
        "now": now,
        "back_url": f"{reverse('automation:updates')}?when={tab}",
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "automation/updates/list.html#rows", context)
    return render(request, "automation/updates/list.html", context)
