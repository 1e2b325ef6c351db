from django.shortcuts import redirect, render
from django.utils import timezone

from billing.selectors.receivables import overdue_for_owner
from crm.models import Role
from crm.permissions import tenant_member_required
from followups.selectors.members import member_zone
from followups.selectors.widgets import follow_up_stats, follow_ups_next_up


@tenant_member_required
def home(request):
    """A rep's day at a glance (their follow-ups, their customers' overdue invoices); managers and admins land on the dashboard."""
    if request.membership.role == Role.REP:
        return _rep_home(request)
    return redirect("dashboards:home")


def _rep_home(request):
    zone = member_zone(request.user, request.tenant)
    now = timezone.now()
    context = {
        "follow_up_stats": follow_up_stats(
            tenant=request.tenant, zone=zone, assignee=request.membership, now=now
        ),
        "next_up": follow_ups_next_up(tenant=request.tenant, assignee=request.membership),
        "overdue": overdue_for_owner(tenant=request.tenant, owner_id=request.membership.pk),
        "now": now,
    }
    with timezone.override(zone):
        return render(request, "shell/home.html", context)
