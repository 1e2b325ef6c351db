"""The lead pages (new, edit), bulk assignment and saved filters.

The lead list, the lead page and the row action menus are composed in shell.views.leads (the
rows show follow-ups' neglect flags and the bulk form offers sequences)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from crm.kit.access import manager_required
from crm.kit.actions import all_errors
from crm.kit.links import lead_page, leads_list
from crm.kit.redirects import safe_next
from crm.permissions import MANAGERS, tenant_member_required
from crm.selectors import contacts as contact_selectors
from crm.selectors.contacts import contact_get
from leads.forms.leads import (
    BulkAssignForm,
    LeadCreateForm,
    LeadEditForm,
    SavedFilterForm,
)
from leads.permissions import ensure_may_act_on
from leads.selectors import details, lists
from leads.services import assignment, leads, saved_filters


@manager_required
@require_POST
def lead_bulk_assign(request):
    form = BulkAssignForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        changed = assignment.leads_bulk_assign(
            tenant=request.tenant,
            actor=request.user,
            lead_ids=[lead.pk for lead in form.cleaned_data["leads"]],
            owner=form.cleaned_data["owner"],
        )
        owner = form.cleaned_data["owner"]
        messages.success(
            request,
            ngettext(
                "%(changed)s lead now with %(owner)s.",
                "%(changed)s leads now with %(owner)s.",
                changed,
            )
            % {"changed": changed, "owner": owner.user if owner else _("nobody")},
        )
    else:
        messages.error(request, all_errors(form))
    return redirect(safe_next(request) or leads_list())


# --- Saved filters ------------------------------------------------------------------------------


@tenant_member_required
@require_POST
def saved_filter_save(request):
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        saved_filters.saved_filter_save(
            tenant=request.tenant,
            membership=request.membership,
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
            is_shared=form.cleaned_data["is_shared"] and request.membership.role in MANAGERS,
        )
        messages.success(request, _("Saved “%(value)s”.") % {"value": form.cleaned_data["name"]})
        return redirect(
            f"{request.path_info.rsplit('filters/', 1)[0]}?{form.cleaned_data['query']}"
        )
    messages.error(request, _("Give the filter a name."))
    return redirect(leads_list())


@tenant_member_required
@require_POST
def saved_filter_delete(request, saved_filter_pk: int):
    saved = lists.saved_filter_get(
        tenant=request.tenant, membership=request.membership, filter_id=saved_filter_pk
    )
    saved_filters.saved_filter_delete(tenant=request.tenant, saved_filter=saved)
    messages.success(request, _("Removed “%(name)s”.") % {"name": saved.name})
    return redirect(leads_list())


# --- Lead pages ---------------------------------------------------------------------------------


@tenant_member_required
@require_http_methods(["GET", "POST"])
def lead_create(request):
    tenant = request.tenant
    contact = None
    contact_pk = request.GET.get("contact") or request.POST.get("contact")
    if contact_pk and str(contact_pk).isdigit():
        contact = contact_get(tenant=tenant, contact_id=int(contact_pk))
    form = LeadCreateForm(request.POST or None, tenant=tenant, contact=contact)
    matches, new_contact = [], False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if contact is None:
            contact, new_contact, matches = _who_is_it(request, data)
        if contact is not None or new_contact or not matches:
            lead = leads.lead_create_with_contact(
                tenant=tenant,
                actor=request.user,
                contact=contact,
                new_contact=new_contact,
                contact_details={
                    "first_name": data.get("first_name", ""),
                    "last_name": data.get("last_name", ""),
                    "company_name": data.get("company_name", ""),
                    "emails": [data["email"]] if data.get("email") else [],
                    "phones": [data["phone"]] if data.get("phone") else [],
                },
                place=data.get("existing_property"),
                new_address=form.new_address,
                pipeline=data["pipeline"],
                lead_type=data["lead_type"],
                title=data["title"],
                source=data["source"],
                cost=data["cost"],
                estimated_value=data["estimated_value"],
                brand=data["brand"],
                owner=data["owner"],
                note=data["note"],
            )
            if lead.owner:
                message = _("Lead %(reference)s created and given to %(owner)s.") % {
                    "reference": lead.reference,
                    "owner": lead.owner.user,
                }
            else:
                message = _("Lead %(reference)s created (waiting for an owner).") % {
                    "reference": lead.reference
                }
            messages.success(request, message)
            return redirect(lead_page(lead.pk))
        contact = None
    if matches:
        open_leads = details.open_leads_by_contact(
            tenant=tenant, contact_ids=[match.pk for match in matches]
        )
        for match in matches:
            match.open_leads = open_leads[match.pk]
    context = {"form": form, "contact": contact, "matches": matches}
    return render(request, "leads/form.html", context)


def _who_is_it(request, data) -> tuple:
    """Whether a new lead typed with an email or phone a contact already has is that person's:
    (the contact staff said it is, or None; True when they said it is someone else; the
    contacts to ask about, when they have not answered yet)."""
    matches = contact_selectors.contacts_with_addresses(
        tenant=request.tenant,
        emails=[data["email"]] if data.get("email") else [],
        phones=[data["phone"]] if data.get("phone") else [],
    )
    answer = request.POST.get("same_person", "")
    if answer == "new":
        return None, True, matches
    chosen = next((match for match in matches if str(match.pk) == answer), None)
    return chosen, False, matches


@tenant_member_required
@require_http_methods(["GET", "POST"])
def lead_edit(request, lead_pk: int):
    lead = lists.lead_get(tenant=request.tenant, lead_id=lead_pk)
    ensure_may_act_on(request.membership, lead)
    # The form writes its values onto its instance; the service compares against the stored lead.
    form = LeadEditForm(request.POST or None, instance=copy.copy(lead), tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            leads.lead_update(
                tenant=request.tenant, actor=request.user, lead=lead, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Lead updated."))
            return redirect(lead_page(lead.pk))
    return render(request, "leads/edit.html", {"form": form, "lead": lead})
