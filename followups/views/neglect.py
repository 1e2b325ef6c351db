"""The neglect badge of a lead page, loaded after the page (as the customer messages are), so the
lead page's own queries stay what its selector planned."""

import datetime as dt

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from crm.permissions import tenant_member_required
from followups.selectors.neglect import neglect_flag_for_lead
from leads.selectors.lists import lead_get


@tenant_member_required
@require_GET
def lead_neglect_badge(request, lead_pk: int):
    lead = lead_get(tenant=request.tenant, lead_id=lead_pk)
    flag = neglect_flag_for_lead(tenant=request.tenant, lead_id=lead.pk)
    days = None
    if flag is not None:
        days = max(
            (timezone.now() - (flag.last_touch_at or flag.flagged_at)) // dt.timedelta(days=1), 0
        )
    return render(request, "followups/_neglect_badge.html", {"flag": flag, "days": days})
