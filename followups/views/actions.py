"""Quick actions on one follow-up, from a list row, a board card, a calendar entry or its page:
start, complete with an outcome, reschedule, cancel, delegate, add a note.

With htmx the part of the page the action came from comes back updated (`from`: row, board,
calendar; the board and the calendar re-read their filters from `next`, the page's own URL).
Without JavaScript the form posts, and the browser is sent back to `next` with a message.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.kit.actions import action_response, run_action
from crm.kit.redirects import safe_next
from crm.permissions import tenant_member_required
from followups.forms.follow_ups import (
    CancelForm,
    CompleteForm,
    DelegateForm,
    NoteForm,
    RescheduleForm,
)
from followups.models import FollowUp
from followups.rows import FollowUpMarkup
from followups.selectors.detail import follow_up_get
from followups.selectors.members import assignable_members, may_act_on
from followups.services import followups as services
from followups.services import recurrence
from followups.views.common import in_member_zone, mark, params_of
from followups.views.pages import action_choices, board_context, calendar_context


def _row_response(request, follow_up_pk: int, *, error: str, done: str):
    follow_up = follow_up_get(tenant=request.tenant, follow_up_id=follow_up_pk)
    follow_up = mark([follow_up], request, timezone.now())[0]
    back_url = safe_next(request) or reverse("followups:list")
    markup = FollowUpMarkup.for_request(request, back_url=back_url)
    return HttpResponse(markup.row(follow_up, error=error, done=done))


def _respond(request, follow_up: FollowUp, *, error: str = "", done: str = ""):
    surface = request.POST.get("from", "")

    def render_surface(error, done):
        if surface == "row":
            return _row_response(request, follow_up.pk, error=error, done=done)
        if surface in ("board", "calendar"):
            params = params_of(safe_next(request))
            build = board_context if surface == "board" else calendar_context
            context = {**build(request, params), "flash_error": error, "flash_done": done}
            return render(request, f"followups/{surface}.html#{surface}", context)
        return None

    def redirect_back():
        detail = reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
        return redirect(safe_next(request) or detail)

    return action_response(
        request, error=error, done=done, render_part=render_surface, redirect_back=redirect_back
    )


def _act(request, follow_up_pk: int, form, perform, done: str):
    """Check the member may act on it, validate the form, run the service, answer."""
    follow_up = follow_up_get(tenant=request.tenant, follow_up_id=follow_up_pk)
    if not may_act_on(request.membership, follow_up):
        raise PermissionDenied("Only its assignee, its author or a manager can change it.")
    error = run_action(form, lambda data: perform(follow_up, data))
    return _respond(request, follow_up, error=error, done=done)


@tenant_member_required
@in_member_zone
@require_GET
def follow_up_actions(request, follow_up_pk: int):
    """The quick-action forms of a row or calendar entry, loaded when its menu first opens."""
    follow_up = follow_up_get(tenant=request.tenant, follow_up_id=follow_up_pk)
    context = {
        "follow_up": mark([follow_up], request, timezone.now())[0],
        "members": assignable_members(tenant=request.tenant),
        "surface": request.GET.get("from", ""),
        "part": request.GET.get("part", ""),
        "back_url": safe_next(request) or reverse("followups:list"),
        **action_choices(),
    }
    return render(request, "followups/_actions.html", context)


@tenant_member_required
@in_member_zone
@require_POST
def follow_up_start(request, follow_up_pk: int):
    def perform(follow_up, data):
        services.follow_up_start(tenant=request.tenant, actor=request.user, follow_up=follow_up)

    return _act(request, follow_up_pk, None, perform, _("Started."))


@tenant_member_required
@in_member_zone
@require_POST
def follow_up_complete(request, follow_up_pk: int):
    """Complete with an outcome; with "Schedule the next one" ticked, on to the form of the next
    follow-up with the customer (filled in from this one)."""
    form = CompleteForm(request.POST)

    def perform(follow_up, data):
        services.follow_up_complete(
            tenant=request.tenant,
            actor=request.user,
            follow_up=follow_up,
            outcome=data["outcome"],
            notes=data["notes"],
        )

    follow_up = follow_up_get(tenant=request.tenant, follow_up_id=follow_up_pk)
    if not may_act_on(request.membership, follow_up):
        raise PermissionDenied("Only its assignee, its author or a manager can change it.")
    error = run_action(form, lambda data: perform(follow_up, data))
    if not error and form.cleaned_data.get("next_one"):
        messages.success(request, _("Completed. Now schedule the next one."))
        return _go(request, next_one_url(follow_up.pk))
    return _respond(request, follow_up, error=error, done=_("Completed."))


def next_one_url(follow_up_pk: int) -> str:
    return f"{reverse('followups:create')}?{urlencode({'after': follow_up_pk})}"


def _go(request, url: str) -> HttpResponse:
    """A redirect, for htmx too (which would otherwise swap the next page into a row)."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@tenant_member_required
@in_member_zone
@require_POST
def follow_up_skip(request, follow_up_pk: int):
    """Skip this occurrence of its series: it is cancelled and never made again."""

    def perform(follow_up, data):
        if follow_up.series_id is None or follow_up.occurrence_at is None:
            raise ValidationError(_("This follow-up does not repeat."))
        recurrence.series_skip(
            tenant=request.tenant,
            actor=request.user,
            series=follow_up.series,
            occurrence_at=follow_up.occurrence_at,
        )

    return _act(request, follow_up_pk, None, perform, _("Skipped that date."))


@tenant_member_required
@in_member_zone
@require_POST
def series_end(request, follow_up_pk: int):
    """End this follow-up's series now: nothing after today is made, its later ones cancelled."""

    def perform(follow_up, data):
        if follow_up.series_id is None:
            raise ValidationError(_("This follow-up does not repeat."))
        recurrence.series_end(tenant=request.tenant, actor=request.user, series=follow_up.series)

    return _act(request, follow_up_pk, None, perform, _("The series ends now."))


@tenant_member_required
@in_member_zone
@require_POST
def follow_up_reschedule(request, follow_up_pk: int):
    form = RescheduleForm(request.POST)

    def perform(follow_up, data):
        services.follow_up_reschedule(
            tenant=request.tenant,
            actor=request.user,
            follow_up=follow_up,
            scheduled_at=form.new_time(follow_up, zone=request.zone, now=timezone.now()),
        )

    return _act(request, follow_up_pk, form, perform, _("Rescheduled."))


@tenant_member_required
@in_member_zone
@require_POST
def follow_up_cancel(request, follow_up_pk: int):
    def perform(follow_up, data):
        services.follow_up_cancel(
            tenant=request.tenant, actor=request.user, follow_up=follow_up, reason=data["reason"]
        )

    return _act(request, follow_up_pk, CancelForm(request.POST), perform, _("Cancelled."))


@tenant_member_required
@in_member_zone
@require_POST
def follow_up_delegate(request, follow_up_pk: int):
    form = DelegateForm(request.POST, tenant=request.tenant)

    def perform(follow_up, data):
        services.follow_up_delegate(
            tenant=request.tenant,
            actor=request.user,
            follow_up=follow_up,
            assignee=data["assignee"],
        )

    return _act(request, follow_up_pk, form, perform, _("Handed over."))


@tenant_member_required
@in_member_zone
@require_POST
def follow_up_note(request, follow_up_pk: int):
    def perform(follow_up, data):
        services.follow_up_add_note(
            tenant=request.tenant, actor=request.user, follow_up=follow_up, body=data["body"]
        )

    return _act(request, follow_up_pk, NoteForm(request.POST), perform, _("Note added."))
