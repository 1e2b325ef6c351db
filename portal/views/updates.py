"""The portal's Update history page (/portal/updates/): what the business sent the customer about
their jobs (portal/selectors/update_history.py)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.auth import portal_customer_required
from portal.selectors.update_history import portal_update_history


@require_GET
@portal_customer_required
def updates_page(request):
    history = portal_update_history(customer=request.portal, after=request.GET.get("after"))
    context = {"history": history, "is_first_page": not request.GET.get("after")}
    return render(request, "portal/updates.html", context)
