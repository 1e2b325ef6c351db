"""The contact list and the contact page: crm's contact with the panels other apps add to it."""

from urllib.parse import urlencode

from django.shortcuts import render

from automation.selectors.sequences import sequences_to_enrol_in
from crm.permissions import MANAGERS, tenant_member_required
from crm.selectors import contacts as contact_selectors
from crm.selectors.contacts import contact_get, contact_timeline
from leads.selectors.details import leads_for_contact
from portal.forms.onboarding import DocumentRequestForm
from portal.selectors.onboarding import portal_access_for_contact


@tenant_member_required
def contact_list(request):
    page = contact_selectors.contact_list(
        tenant=request.tenant, search=request.GET.get("q", ""), after=request.GET.get("after")
    )
    query = request.GET.get("q", "")
    context = {"page": page, "query": query, "params": urlencode({"q": query}) if query else ""}
    if request.htmx and request.GET.get("after"):
        return render(request, "shell/contacts/list.html#rows", context)
    # The ticked contacts can be enrolled in a follow-up sequence.
    context["sequences"] = sequences_to_enrol_in(tenant=request.tenant)
    return render(request, "shell/contacts/list.html", context)


@tenant_member_required
def contact_detail(request, contact_pk: int):
    contact = contact_get(tenant=request.tenant, contact_id=contact_pk)
    leads = leads_for_contact(tenant=request.tenant, contact=contact)
    context = {
        "contact": contact,
        "timeline": contact_timeline(tenant=request.tenant, contact=contact),
        "leads": leads,
        # The card reuses the contact's addresses, properties and leads read above.
        "portal_access": portal_access_for_contact(
            tenant=request.tenant, contact=contact, leads=leads
        ),
        "portal_request_form": DocumentRequestForm(),
        "can_merge": request.membership.role in MANAGERS,
    }
    return render(request, "shell/contacts/detail.html", context)
