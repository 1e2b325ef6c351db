"""The rep's lead list and its in-place row actions.

Composed here rather than in leads because the page shows other apps' parts: follow-ups' neglect
flag on each row and, in the bulk form, the sequences to enrol the ticked leads in."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from automation.selectors.sequences import enrollable_sequences
from crm.kit.actions import action_response, first_error, run_action
from crm.kit.redirects import safe_next
from crm.models import Role
from crm.permissions import MANAGERS, tenant_member_required
from followups.selectors.neglect import lead_is_neglected, neglected_lead_ids
from leads.filters import LeadFilter
from leads.forms.leads import AssignForm, CallForm, LostForm, NoteForm, StagePickForm
from leads.models import Lead
from leads.permissions import ensure_may_act_on, may_act_on
from leads.selectors import details, lists
from leads.services import activity, assignment, stages
from shell.lead_rows import RowRenderer


def _list_query(request) -> str:
    """The list's query string without its page cursor (for links that keep the filters)."""
    return urlencode([(k, v) for k, v in request.GET.items() if k != "after" and v])


@tenant_member_required
@require_GET
def lead_list(request):
    tenant = request.tenant
    can_bulk_assign = request.membership.role in MANAGERS
    # The page's small lists (filter choices, team, sequences, saved filters, lead settings) in
    # one statement; the filter's choice fields use them rather than query again.
    references = lists.list_references(
        tenant=tenant,
        membership=request.membership,
        others={"sequences": enrollable_sequences},
    )
    lead_filter = LeadFilter(
        request.GET,
        queryset=lists.lead_queryset(tenant=tenant),
        tenant=tenant,
        membership=request.membership,
        references=references,
    )
    page, rows = lists.lead_list(
        tenant=tenant,
        leads=lead_filter.qs,
        sort=lead_filter.sort_order,
        after=request.GET.get("after"),
        # The stage filter's options are every stage of the tenant: the bars reuse them.
        stages=lists.stages_grouped(references.stages),
        settings=references.settings,
        # Each lead's neglect flag (followups) in the statement that reads the leads.
        columns={"is_neglected": lead_is_neglected},
    )
    context = {
        "filter": lead_filter,
        "page": page,
        "rows": rows,
        "query": _list_query(request),
        # The bulk form offers the team; rows load their own menus when opened.
        "members": references.members if can_bulk_assign else [],
        "saved_filters": references.saved_filters,
        "can_bulk_assign": can_bulk_assign,
        # Anyone may enrol the ticked leads in a sequence (a rep's own leads only: the view checks).
        "sequences": references.others["sequences"],
        "back_url": request.get_full_path(),
    }
    neglected = {row.lead.pk for row in rows if row.lead.is_neglected}
    context["rows_html"] = RowRenderer.for_request(
        request, back_url=context["back_url"], neglected_ids=neglected
    ).rows(rows)
    if request.htmx and request.GET.get("after"):
        return render(request, "shell/leads/list.html#rows", context)
    if request.htmx and request.htmx.target == "lead-results":
        return render(request, "shell/leads/list.html#results", context)
    return render(request, "shell/leads/list.html", context)


def _back(request, lead: Lead):
    return redirect(safe_next(request) or reverse("leads:detail", kwargs={"lead_pk": lead.pk}))


def _row_response(request, lead_pk: int, error: str = "", done: str = ""):
    renderer = RowRenderer.for_request(
        request,
        back_url=safe_next(request) or reverse("leads:list"),
        neglected_ids=neglected_lead_ids(tenant=request.tenant, lead_ids=[lead_pk]),
    )
    row = lists.lead_row(tenant=request.tenant, lead_id=lead_pk)
    context = {"row_html": renderer.row(row, error=error, done=done)}
    return render(request, "shell/leads/list.html#row", context)


def _row_action(request, lead_pk: int, form_class, perform, done: str):
    """Run a quick action from a list row (htmx: the row comes back updated) or a lead page."""
    lead = lists.lead_get(tenant=request.tenant, lead_id=lead_pk)
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
        stages.lead_move_to_next_stage(tenant=request.tenant, actor=request.user, lead=lead)

    return _row_action(request, lead_pk, None, perform, "Moved to the next stage.")


@tenant_member_required
@require_POST
def lead_pick_stage(request, lead_pk: int):
    def perform(lead, data):
        stages.lead_move_to_stage(
            tenant=request.tenant, actor=request.user, lead=lead, stage=data["stage"]
        )

    return _row_action(request, lead_pk, StagePickForm, perform, "Stage changed.")


@tenant_member_required
@require_POST
def lead_assign(request, lead_pk: int):
    def perform(lead, data):
        if request.membership.role == Role.REP and data["owner"] not in (None, request.membership):
            raise ValidationError(_("Only a manager can hand a lead to someone else."))
        assignment.lead_assign(
            tenant=request.tenant, actor=request.user, lead=lead, owner=data["owner"]
        )

    return _row_action(request, lead_pk, AssignForm, perform, "Owner changed.")


@tenant_member_required
@require_POST
def lead_note(request, lead_pk: int):
    def perform(lead, data):
        activity.lead_add_note(
            tenant=request.tenant, actor=request.user, lead=lead, body=data["body"]
        )

    return _row_action(request, lead_pk, NoteForm, perform, "Note added.")


@tenant_member_required
@require_POST
def lead_call(request, lead_pk: int):
    def perform(lead, data):
        activity.lead_log_call(
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
        stages.lead_mark_lost(
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
        stages.lead_reopen(tenant=request.tenant, actor=request.user, lead=lead)

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
        "lead": lists.lead_get(tenant=request.tenant, lead_id=lead_pk),
        "options": lists.row_options(tenant=request.tenant),
        "back_url": safe_next(request) or reverse("leads:list"),
    }
    return render(request, "shell/leads/_row_actions.html", context)


@tenant_member_required
@require_GET
def lead_detail(request, lead_pk: int):
    """The lead's page: the job with the panels of the apps that work on it (documents,
    messages, sequences, follow-ups, tickets)."""
    detail = details.lead_detail(tenant=request.tenant, lead_id=lead_pk)
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
    return render(request, "shell/leads/detail.html", context)
