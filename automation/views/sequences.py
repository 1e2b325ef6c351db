"""Sequences: the admins' pages under /settings/sequences/ (build a sequence and its steps, see who
is in it and why they left, stop an enrolment), and the staff's enrol panel on lead and contact
pages, with the bulk enrol a list's selection posts to. Every write goes through
automation.services.sequences; reads through automation.selectors.sequences."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from automation.forms.sequences import (
    BulkEnrolForm,
    EnrolForm,
    SequenceForm,
    SequenceStepForm,
    StopForm,
)
from automation.models import EnrolmentStatus, Sequence, SequenceStep
from automation.selectors import sequences as selectors
from automation.services import sequence_editing as editing
from automation.services import sequences as services
from crm.kit.access import admin_required
from crm.kit.actions import all_errors, panel_form_response
from crm.kit.links import contact_page, lead_page, leads_list
from crm.kit.redirects import safe_next
from crm.models import Contact
from crm.permissions import tenant_member_required
from followups.services.followups import follow_up_types_ensure
from leads.models import Lead
from leads.permissions import ensure_may_act_on, may_act_on

LIST = "automation/sequences/list.html"
SEQUENCE_FORM = "automation/sequences/sequence_form.html"
STEP_FORM = "automation/sequences/step_form.html"
ENROLMENTS = "automation/sequences/enrolments.html"
PANEL = "automation/sequences/_panel.html"
PANEL_PAGE = "automation/sequences/panel_page.html"


def _wants_fields_redrawn(request) -> bool:
    """The kind of step changed: redraw the fields that go with it, save nothing."""
    return request.method == "POST" and "refresh" in request.POST


# --- Sequences (admins) -------------------------------------------------------------------------


@admin_required
@require_GET
def sequence_list(request):
    sequences = selectors.sequence_list(tenant=request.tenant)
    return render(request, LIST, {"sequences": sequences, "section": "sequences"})


def _sequence_page(request, sequence: Sequence | None):
    form = SequenceForm(request.POST or None, sequence=sequence)
    if form.is_bound and form.is_valid():
        try:
            saved = editing.sequence_save(
                tenant=request.tenant,
                actor=request.user,
                sequence=sequence,
                **form.service_values(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if sequence is None:
                messages.success(
                    request,
                    _("Sequence %(name)s created: now add its steps.") % {"name": saved.name},
                )
            else:
                messages.success(request, _("Sequence %(name)s saved.") % {"name": saved.name})
            return redirect("automation-settings:sequence-edit", sequence_pk=saved.pk)
    context = {"form": form, "sequence": sequence, "section": "sequences"}
    if sequence is not None:
        context["steps"] = selectors.sequence_steps(tenant=request.tenant, sequence=sequence)
        context["counts"] = selectors.enrolment_counts(tenant=request.tenant, sequence=sequence)
    return render(request, SEQUENCE_FORM, context)


@admin_required
@require_http_methods(["GET", "POST"])
def sequence_create(request):
    return _sequence_page(request, None)


@admin_required
@require_http_methods(["GET", "POST"])
def sequence_edit(request, sequence_pk: int):
    sequence = selectors.sequence_get(tenant=request.tenant, sequence_id=sequence_pk)
    return _sequence_page(request, sequence)


@admin_required
@require_POST
def sequence_delete(request, sequence_pk: int):
    sequence = selectors.sequence_get(tenant=request.tenant, sequence_id=sequence_pk)
    try:
        editing.sequence_delete(tenant=request.tenant, actor=request.user, sequence=sequence)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("automation-settings:sequence-edit", sequence_pk=sequence.pk)
    messages.success(request, _("Sequence %(name)s deleted.") % {"name": sequence.name})
    return redirect("automation-settings:sequences")


# --- Steps (admins) -----------------------------------------------------------------------------


def _step_page(request, sequence: Sequence, step: SequenceStep | None):
    follow_up_types_ensure(tenant=request.tenant)  # the form offers them
    options = {"tenant": request.tenant, "step": step}
    if _wants_fields_redrawn(request):
        form = SequenceStepForm.redisplay(request.POST, **options)
        if request.htmx:
            return render(request, f"{STEP_FORM}#step-fields", {"form": form})
    elif request.method == "POST":
        form = SequenceStepForm(request.POST, **options)
    else:
        form = SequenceStepForm(**options)
    if form.is_bound and form.is_valid():
        try:
            editing.sequence_step_save(
                tenant=request.tenant,
                actor=request.user,
                sequence=sequence,
                step=step,
                **form.service_values(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Step saved.") if step else _("Step added."),
            )
            return redirect("automation-settings:sequence-edit", sequence_pk=sequence.pk)
    return render(
        request,
        STEP_FORM,
        {"form": form, "sequence": sequence, "step": step, "section": "sequences"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def step_create(request, sequence_pk: int):
    sequence = selectors.sequence_get(tenant=request.tenant, sequence_id=sequence_pk)
    return _step_page(request, sequence, None)


@admin_required
@require_http_methods(["GET", "POST"])
def step_edit(request, sequence_step_pk: int):
    step = selectors.sequence_step_get(tenant=request.tenant, step_id=sequence_step_pk)
    return _step_page(request, step.sequence, step)


@admin_required
@require_POST
def step_delete(request, sequence_step_pk: int):
    step = selectors.sequence_step_get(tenant=request.tenant, step_id=sequence_step_pk)
    editing.sequence_step_delete(tenant=request.tenant, actor=request.user, step=step)
    messages.success(request, _("Step deleted."))
    return redirect("automation-settings:sequence-edit", sequence_pk=step.sequence_id)


# --- Enrolments (admins) ------------------------------------------------------------------------


@admin_required
@require_GET
def enrolment_list(request, sequence_pk: int):
    sequence = selectors.sequence_get(tenant=request.tenant, sequence_id=sequence_pk)
    status = request.GET.get("status", "")
    status = status if status in EnrolmentStatus.values else ""
    page = selectors.enrolment_page(
        tenant=request.tenant, sequence=sequence, status=status, after=request.GET.get("after")
    )
    context = {
        "sequence": sequence,
        "page": page,
        "status": status,
        "status_query": f"status={status}" if status else "",
        "counts": selectors.enrolment_counts(tenant=request.tenant, sequence=sequence),
        "section": "sequences",
    }
    if request.htmx and request.GET.get("after"):
        return render(request, f"{ENROLMENTS}#rows", context)
    return render(request, ENROLMENTS, context)


@admin_required
@require_POST
def enrolment_stop(request, enrolment_pk: int):
    enrolment = selectors.enrolment_get(tenant=request.tenant, enrolment_id=enrolment_pk)
    form = StopForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.enrolment_stop(
        tenant=request.tenant, actor=request.user, enrolment=enrolment, reason=reason
    )
    messages.success(
        request,
        _("%(display_name)s left %(name)s.")
        % {"display_name": enrolment.contact.display_name, "name": enrolment.sequence.name},
    )
    return redirect(
        safe_next(request, request.POST.get("next", ""))
        or reverse("automation-settings:enrolments", kwargs={"sequence_pk": enrolment.sequence_id})
    )


# --- The enrol panel of lead and contact pages (any member) --------------------------------------


def _render_panel(
    request, *, lead: Lead | None, contact: Contact | None, form=None, done: str = ""
):
    sequences = selectors.sequences_to_enrol_in(tenant=request.tenant)
    if form is None:
        form = EnrolForm(tenant=request.tenant, sequences=sequences)
    context = {
        "form": form,
        "done": done,
        "sequences": sequences,
        "enrolments": selectors.enrolments_of(tenant=request.tenant, lead=lead, contact=contact),
        "lead": lead,
        "contact": contact,
        "panel_url": _panel_url(lead, contact),
        "on": "lead" if lead is not None else "contact",
        "may_act": lead is None or may_act_on(request.membership, lead),
    }
    # Without htmx (no JavaScript) the panel is a page of its own.
    return render(request, PANEL if request.htmx else PANEL_PAGE, context)


def _panel_url(lead: Lead | None, contact: Contact | None) -> str:
    if lead is not None:
        return reverse("automation:lead-sequences", kwargs={"lead_pk": lead.pk})
    return reverse("automation:contact-sequences", kwargs={"contact_pk": contact.pk})


def _page_of(lead: Lead | None, contact: Contact | None) -> str:
    if lead is not None:
        return lead_page(lead.pk)
    return contact_page(contact.pk)


def _enrol(request, *, lead: Lead | None = None, contact: Contact | None = None):
    """Enrol from the panel: htmx redraws the panel, a plain form returns to the page."""
    form = EnrolForm(request.POST, tenant=request.tenant)
    done = ""
    if form.is_valid():
        try:
            enrolment = services.sequence_enrol(
                tenant=request.tenant,
                actor=request.user,
                sequence=form.cleaned_data["sequence"],
                lead=lead,
                contact=contact,
                # A contact on their own: the member who enrolled them does the tasks.
                owner=None if lead else request.membership,
            )
        except ValidationError as error:
            form.add_error("sequence", error)
        else:
            done = _("Enrolled in %(name)s.") % {"name": enrolment.sequence.name}
    return panel_form_response(
        request,
        form=form,
        done=done,
        render_panel=lambda form: _render_panel(
            request, lead=lead, contact=contact, form=form, done=done
        ),
        redirect_back=lambda: redirect(_page_of(lead, contact)),
    )


@tenant_member_required
@require_http_methods(["GET", "POST"])
def lead_sequences(request, lead_pk: int):
    lead = selectors.panel_lead_get(tenant=request.tenant, lead_id=lead_pk)
    if request.method == "POST":
        ensure_may_act_on(request.membership, lead)
        return _enrol(request, lead=lead)
    return _render_panel(request, lead=lead, contact=None)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def contact_sequences(request, contact_pk: int):
    contact = selectors.panel_contact_get(tenant=request.tenant, contact_id=contact_pk)
    if request.method == "POST":
        return _enrol(request, contact=contact)
    return _render_panel(request, lead=None, contact=contact)


@tenant_member_required
@require_POST
def enrolment_stop_from_page(request, enrolment_pk: int):
    """Stop an enrolment from the lead or contact page (a rep: only on a lead they may work).
    `on` says which page's panel to redraw."""
    enrolment = selectors.enrolment_get(tenant=request.tenant, enrolment_id=enrolment_pk)
    if enrolment.lead is not None:
        ensure_may_act_on(request.membership, enrolment.lead)
    services.enrolment_stop(tenant=request.tenant, actor=request.user, enrolment=enrolment)
    on_lead = request.POST.get("on") == "lead" and enrolment.lead is not None
    lead, contact = (enrolment.lead, None) if on_lead else (None, enrolment.contact)
    done = _("Stopped %(name)s.") % {"name": enrolment.sequence.name}
    if request.htmx:
        return _render_panel(request, lead=lead, contact=contact, done=done)
    messages.success(request, done)
    return redirect(_page_of(lead, contact))


@tenant_member_required
@require_POST
def sequences_enrol_bulk(request):
    """A list's selection (lead and contact ids) into one sequence; a rep's leads of other reps
    are left out."""
    form = BulkEnrolForm(request.POST, tenant=request.tenant)
    back = safe_next(request, request.POST.get("next", "")) or leads_list()
    if not form.is_valid():
        messages.error(request, all_errors(form))
        return redirect(back)
    leads = [lead for lead in form.cleaned_data["leads"] if may_act_on(request.membership, lead)]
    if form.cleaned_data["leads"] and not leads:
        raise PermissionDenied("These leads belong to other reps: ask them or a manager.")
    result = services.sequence_enrol_bulk(
        tenant=request.tenant,
        actor=request.user,
        sequence=form.cleaned_data["sequence"],
        lead_ids=[lead.pk for lead in leads],
        contact_ids=[contact.pk for contact in form.cleaned_data["contacts"]],
        owner=request.membership,
    )
    sequence = form.cleaned_data["sequence"]
    if result.skipped:
        done = _("%(count)s enrolled in %(name)s; %(skipped)s left out: %(which)s") % {
            "count": result.enrolled,
            "name": sequence.name,
            "skipped": len(result.skipped),
            "which": " ".join(result.skipped[:3]),
        }
    else:
        done = _("%(count)s enrolled in %(name)s.") % {
            "count": result.enrolled,
            "name": sequence.name,
        }
    messages.success(request, done)
    return redirect(back)
