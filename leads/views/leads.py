"""The rep's lead list, its in-place row actions, and the lead pages."""

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from automation.selectors.sequences import sequences_to_enrol_in
from crm.kit.access import manager_required
from crm.kit.actions import action_response, all_errors, first_error, run_action
from crm.kit.redirects import safe_next
from crm.models import Role
from crm.permissions import MANAGERS, tenant_member_required
from crm.selectors import contact_get
from followups.neglect import neglected_lead_ids
from leads import selectors, services
from leads.filters import LeadFilter
from leads.forms.leads import (
    AssignForm,
    BulkAssignForm,
    CallForm,
    LeadCreateForm,
    LeadEditForm,
    LostForm,
    NoteForm,
    SavedFilterForm,
    StagePickForm,
)
from leads.models import Lead
from leads.permissions import ensure_may_act_on, may_act_on


def _list_query(request) -> str:
    """The list's query string without its page cursor (for links that keep the filters)."""
    return urlencode([(k, v) for k, v in request.GET.items() if k != "after" and v])


@tenant_member_required
@require_GET
def lead_list(request):
    tenant = request.tenant
    can_bulk_assign = request.membership.role in MANAGERS
    lead_filter = LeadFilter(
        request.GET,
        queryset=selectors.lead_queryset(tenant=tenant),
        tenant=tenant,
        membership=request.membership,
    )
    page, rows = selectors.lead_list(
        tenant=tenant,
        leads=lead_filter.qs,
        sort=lead_filter.sort_order,
        after=request.GET.get("after"),
    )
    context = {
        "filter": lead_filter,
        "page": page,
        "rows": rows,
        "query": _list_query(request),
        # The bulk form offers the team; rows load their own menus when opened.
        "members": selectors.assignable_members(tenant=tenant) if can_bulk_assign else [],
        "saved_filters": selectors.saved_filters_for(tenant=tenant, membership=request.membership),
        "can_bulk_assign": can_bulk_assign,
        # Anyone may enrol the ticked leads in a sequence (a rep's own leads only: the view checks).
        "sequences": sequences_to_enrol_in(tenant=tenant),
        "neglected_ids": neglected_lead_ids(tenant=tenant, lead_ids=[row.lead.pk for row in rows]),
        "back_url": request.get_full_path(),
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "leads/list.html#rows", context)
    if request.htmx and request.htmx.target == "lead-results":
        return render(request, "leads/list.html#results", context)
    return render(request, "leads/list.html", context)


def _back(request, lead: Lead):
    return redirect(safe_next(request) or reverse("leads:detail", kwargs={"lead_pk": lead.pk}))


def _row_response(request, lead_pk: int, error: str = "", done: str = ""):
    context = {
        "row": selectors.lead_row(tenant=request.tenant, lead_id=lead_pk),
        "neglected_ids": neglected_lead_ids(tenant=request.tenant, lead_ids=[lead_pk]),
        "row_error": error,
        "row_done": done,
        "can_bulk_assign": request.membership.role in MANAGERS,
        "back_url": safe_next(request) or reverse("leads:list"),
    }
    return render(request, "leads/list.html#row", context)


def _row_action(request, lead_pk: int, form_class, perform, done: str):
    """Run a quick action from a list row (htmx: the row comes back updated) or a lead page."""
    lead = selectors.lead_get(tenant=request.tenant, lead_id=lead_pk)
    ensure_may_act_on(request.membership, lead)
    form = form_class(request.POST, tenant=request.tenant) if form_class else None
    error = run_action(form, lambda data: perform(lead, data), describe_errors=first_error)
    return action_response(
        request,
        error=error,
        done=done,
        render_part=lambda error, done: _row_response(request, lead_pk, error=error, done=done),
        redirect_back=lambda: _back(request, lead),
    )


@tenant_member_required
@require_POST
def lead_next_stage(request, lead_pk: int):
    def perform(lead, data):
        services.lead_move_to_next_stage(tenant=request.tenant, actor=request.user, lead=lead)

    return _row_action(request, lead_pk, None, perform, "Moved to the next stage.")


@tenant_member_required
@require_POST
def lead_pick_stage(request, lead_pk: int):
    def perform(lead, data):
        services.lead_move_to_stage(
            tenant=request.tenant, actor=request.user, lead=lead, stage=data["stage"]
        )

    return _row_action(request, lead_pk, StagePickForm, perform, "Stage changed.")


@tenant_member_required
@require_POST
def lead_assign(request, lead_pk: int):
    def perform(lead, data):
        if request.membership.role == Role.REP and data["owner"] not in (None, request.membership):
            raise ValidationError("Only a manager can hand a lead to someone else.")
        services.lead_assign(
            tenant=request.tenant, actor=request.user, lead=lead, owner=data["owner"]
        )

    return _row_action(request, lead_pk, AssignForm, perform, "Owner changed.")


@tenant_member_required
@require_POST
def lead_note(request, lead_pk: int):
    def perform(lead, data):
        services.lead_add_note(
            tenant=request.tenant, actor=request.user, lead=lead, body=data["body"]
        )

    return _row_action(request, lead_pk, NoteForm, perform, "Note added.")


@tenant_member_required
@require_POST
def lead_call(request, lead_pk: int):
    def perform(lead, data):
        services.lead_log_call(
            tenant=request.tenant,
            actor=request.user,
            lead=lead,
            outcome=data["outcome"],
            note=data["note"],
            inbound=data["inbound"],
        )

    return _row_action(request, lead_pk, CallForm, perform, "Call logged.")


@tenant_member_required
@require_POST
def lead_lost(request, lead_pk: int):
    def perform(lead, data):
        services.lead_mark_lost(
            tenant=request.tenant,
            actor=request.user,
            lead=lead,
            reason=data["reason"],
            note=data["note"],
        )

    return _row_action(request, lead_pk, LostForm, perform, "Marked lost.")


@tenant_member_required
@require_POST
def lead_reopen(request, lead_pk: int):
    def perform(lead, data):
        services.lead_reopen(tenant=request.tenant, actor=request.user, lead=lead)

    return _row_action(request, lead_pk, None, perform, "Lead reopened.")


@tenant_member_required
@require_GET
def lead_row(request, lead_pk: int):
    return _row_response(request, lead_pk)


@tenant_member_required
@require_GET
def lead_actions(request, lead_pk: int):
    """The forms of a row's action menu, loaded when the menu first opens."""
    context = {
        "lead": selectors.lead_get(tenant=request.tenant, lead_id=lead_pk),
        "options": selectors.row_options(tenant=request.tenant),
        "back_url": safe_next(request) or reverse("leads:list"),
    }
    return render(request, "leads/_row_actions.html", context)


@manager_required
@require_POST
def lead_bulk_assign(request):
    form = BulkAssignForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        changed = services.leads_bulk_assign(
            tenant=request.tenant,
            actor=request.user,
            lead_ids=[lead.pk for lead in form.cleaned_data["leads"]],
            owner=form.cleaned_data["owner"],
        )
        owner = form.cleaned_data["owner"]
        messages.success(
            request,
            f"{changed} lead{'s' if changed != 1 else ''} now with {owner.user if owner else 'nobody'}.",
        )
    else:
        messages.error(request, all_errors(form))
    return redirect(safe_next(request) or reverse("leads:list"))


# --- Saved filters ------------------------------------------------------------------------------


@tenant_member_required
@require_POST
def saved_filter_save(request):
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        services.saved_filter_save(
            tenant=request.tenant,
            membership=request.membership,
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
            is_shared=form.cleaned_data["is_shared"] and request.membership.role in MANAGERS,
        )
        messages.success(request, f"Saved “{form.cleaned_data['name']}”.")
        return redirect(
            f"{request.path_info.rsplit('filters/', 1)[0]}?{form.cleaned_data['query']}"
        )
    messages.error(request, "Give the filter a name.")
    return redirect("leads:list")


@tenant_member_required
@require_POST
def saved_filter_delete(request, saved_filter_pk: int):
    saved = selectors.saved_filter_get(
        tenant=request.tenant, membership=request.membership, filter_id=saved_filter_pk
    )
    services.saved_filter_delete(tenant=request.tenant, saved_filter=saved)
    messages.success(request, f"Removed “{saved.name}”.")
    return redirect("leads:list")


# --- Lead pages ---------------------------------------------------------------------------------


@tenant_member_required
@require_GET
def lead_detail(request, lead_pk: int):
    detail = selectors.lead_detail(tenant=request.tenant, lead_id=lead_pk)
    lead = detail.row.lead
    context = {
        "detail": detail,
        "lead": lead,
        "row": detail.row,
        "options": detail.options,
        "may_act": may_act_on(request.membership, lead),
        "can_bulk_assign": request.membership.role in MANAGERS,
        "back_url": request.get_full_path(),
    }
    return render(request, "leads/detail.html", context)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def lead_create(request):
    tenant = request.tenant
    contact = None
    contact_pk = request.GET.get("contact") or request.POST.get("contact")
    if contact_pk and str(contact_pk).isdigit():
        contact = contact_get(tenant=tenant, contact_id=int(contact_pk))
    form = LeadCreateForm(request.POST or None, tenant=tenant, contact=contact)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead = services.lead_create_with_contact(
            tenant=tenant,
            actor=request.user,
            contact=contact,
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
        owner = f" and given to {lead.owner.user}" if lead.owner else " (waiting for an owner)"
        messages.success(request, f"Lead {lead.reference} created{owner}.")
        return redirect("leads:detail", lead_pk=lead.pk)
    return render(request, "leads/form.html", {"form": form, "contact": contact})


@tenant_member_required
@require_http_methods(["GET", "POST"])
def lead_edit(request, lead_pk: int):
    lead = selectors.lead_get(tenant=request.tenant, lead_id=lead_pk)
    ensure_may_act_on(request.membership, lead)
    # The form writes its values onto its instance; the service compares against the stored lead.
    form = LeadEditForm(request.POST or None, instance=copy.copy(lead), tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(
                tenant=request.tenant, actor=request.user, lead=lead, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Lead updated.")
            return redirect("leads:detail", lead_pk=lead.pk)
    return render(request, "leads/edit.html", {"form": form, "lead": lead})
