"""The follow-up pages at /followups/: the list (filters, saved filters, bulk changes), the
calendar (month and week), the board (a column per status), one follow-up, the create form, and
the follow-ups section of contact and lead pages. Quick actions are in followups.views.actions.

Times are shown and read in the member's own zone (common.in_member_zone).
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.actions import all_errors
from crm.kit.formatting import short_datetime
from crm.kit.redirects import safe_next
from crm.permissions import tenant_member_required
from crm.selectors.contacts import contact_get
from followups.forms.follow_ups import (
    RESCHEDULE_CHOICES,
    BulkForm,
    FollowUpEditForm,
    FollowUpForm,
    SavedFilterForm,
    initial_from_template,
)
from followups.models import FollowUp, FollowUpTemplate, Outcome, Source, Status
from followups.rows import FollowUpMarkup
from followups.selectors import board as board_selectors
from followups.selectors import calendar as calendar_selectors
from followups.selectors import detail as detail_selectors
from followups.selectors.create import (
    contact_candidates,
    lead_to_follow_up,
    leads_to_link,
    template_to_follow_up,
    ticket_to_follow_up,
    tickets_to_link,
)
from followups.selectors.lists import (
    filter_choices,
    filter_labels,
    follow_up_page,
    follow_up_templates,
    follow_ups_as_rows,
    follow_ups_filtered,
    saved_filter_get,
)
from followups.selectors.members import (
    assignable_members,
    follow_ups_changeable_by,
    may_act_on,
)
from followups.selectors.timeline import customer_timeline, series_next
from followups.selectors.widgets import follow_up_timeline, timeline_contact_get, timeline_lead_get
from followups.services import followups as services
from followups.services import recurrence, recurrence_rules, saved_filters
from followups.views.common import (
    filter_form,
    in_member_zone,
    mark,
    query_string,
    tab_query,
)

# --- The list -------------------------------------------------------------------------------------


def list_context(request, params) -> dict:
    now = timezone.now()
    choices = filter_choices(
        tenant=request.tenant, membership=request.membership, with_saved_filters=True
    )
    filters = filter_form(request, params, choices)
    query = filters.query()
    follow_ups = follow_ups_filtered(
        tenant=request.tenant, membership=request.membership, query=query, zone=request.zone
    )
    page = follow_up_page(
        follow_ups=follow_ups_as_rows(follow_ups=follow_ups),
        order=query.order,
        after=params.get("after"),
    )
    rows = mark(page.items, request, now)
    back_url = reverse("followups:list") + (f"?{query_string(params)}" if params else "")
    return {
        "filters": filters,
        "query": query,
        "page": page,
        "rows": rows,
        "rows_html": FollowUpMarkup.for_request(request, back_url=back_url).rows(rows),
        "labels": filter_labels(tenant=request.tenant, query=query),
        "without": {
            name: query_string(params, drop=("after", name)) for name in ("contact", "lead")
        },
        "params": query_string(params),
        "tab_keep": tab_query(params),
        "saved_filters": choices.saved_filters,
        "bulk": BulkForm(follow_ups=FollowUp.unscoped.none(), members=choices.members),
        "now": now,
        "back_url": back_url,
        **action_choices(),
    }


def action_choices() -> dict:
    return {"outcomes": Outcome.choices, "reschedule_choices": RESCHEDULE_CHOICES}


@tenant_member_required
@in_member_zone
@require_GET
def follow_up_list(request):
    context = list_context(request, request.GET)
    if request.htmx and request.GET.get("after"):
        return render(request, "followups/list.html#rows", context)
    if request.htmx and request.htmx.target == "follow-up-results":
        return render(request, "followups/list.html#results", context)
    return render(request, "followups/list.html", context)


@tenant_member_required
@in_member_zone
@require_POST
def follow_ups_bulk(request):
    """One change to the ticked follow-ups the member may change (others are left out)."""
    tenant, membership = request.tenant, request.membership
    members = assignable_members(tenant=tenant)
    changeable = follow_ups_changeable_by(tenant=tenant, membership=membership)
    form = BulkForm(request.POST, follow_ups=changeable, members=list(members))
    back = safe_next(request) or reverse("followups:list")
    if not form.is_valid():
        messages.error(request, all_errors(form))
        return redirect(back)
    data = form.cleaned_data
    ticked = len(request.POST.getlist("follow_ups"))
    try:
        changed = services.follow_ups_bulk_update(
            tenant=tenant,
            actor=request.user,
            follow_up_ids=[follow_up.pk for follow_up in data["follow_ups"]],
            status=data["status"],
            assignee=data["assignee"],
            scheduled_at=data["scheduled_at"],
            priority=data["priority"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    left = ticked - changed
    note = (
        " "
        + ngettext(
            "%(left)s left as they were (finished, or not yours to change).",
            "%(left)s left as they were (finished, or not yours to change).",
            left,
        )
        % {"left": left}
        if left > 0
        else ""
    )
    messages.success(
        request,
        ngettext(
            "%(changed)s follow-up changed.%(note)s",
            "%(changed)s follow-ups changed.%(note)s",
            changed,
        )
        % {"changed": changed, "note": note},
    )
    return redirect(back)


@tenant_member_required
@require_POST
def saved_filter_save(request):
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the filter a name."))
        return redirect("followups:list")
    data = form.cleaned_data
    saved_filters.saved_follow_up_filter_save(
        tenant=request.tenant, membership=request.membership, name=data["name"], query=data["query"]
    )
    messages.success(request, _("Saved “%(value)s”.") % {"value": data["name"]})
    return redirect(reverse("followups:list") + (f"?{data['query']}" if data["query"] else ""))


@tenant_member_required
@require_POST
def saved_filter_delete(request, follow_up_filter_pk: int):
    saved = saved_filter_get(
        tenant=request.tenant, membership=request.membership, filter_id=follow_up_filter_pk
    )
    saved_filters.saved_follow_up_filter_delete(tenant=request.tenant, saved_filter=saved)
    messages.success(request, _("Removed “%(name)s”.") % {"name": saved.name})
    return redirect("followups:list")


# --- The calendar ---------------------------------------------------------------------------------


def _anchor(value: str, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return today


def calendar_context(request, params) -> dict:
    now = timezone.now()
    filters = filter_form(request, params)
    query = filters.query()
    follow_ups = follow_ups_filtered(
        tenant=request.tenant,
        membership=request.membership,
        query=query,
        zone=request.zone,
        with_status=False,
    )
    today = timezone.localdate(now, request.zone)
    calendar = calendar_selectors.follow_up_calendar(
        follow_ups=follow_ups,
        view=params.get("view", "month"),
        anchor=_anchor(params.get("date"), today),
        zone=request.zone,
        now=now,
    )
    for day in calendar.days:
        day.follow_ups = mark(day.follow_ups, request, now)
    keep = query_string(params, drop=("after", "view", "date"))
    return {
        "filters": filters,
        "calendar": calendar,
        "today": today,
        "keep": keep,
        "tab_keep": tab_query(params),
        "now": now,
        "back_url": request.get_full_path() if request.method == "GET" else safe_next(request),
        **action_choices(),
    }


@tenant_member_required
@in_member_zone
@require_GET
def follow_up_calendar(request):
    context = calendar_context(request, request.GET)
    if request.htmx and request.htmx.target == "calendar":
        return render(request, "followups/calendar.html#calendar", context)
    return render(request, "followups/calendar.html", context)


# --- The board ------------------------------------------------------------------------------------


def board_context(request, params) -> dict:
    now = timezone.now()
    filters = filter_form(request, params)
    follow_ups = follow_ups_filtered(
        tenant=request.tenant,
        membership=request.membership,
        query=filters.query(),
        zone=request.zone,
        with_status=False,
    )
    columns = board_selectors.follow_up_board(
        follow_ups=follow_ups_as_rows(follow_ups=follow_ups, with_lead=False), now=now
    )
    back_url = request.get_full_path() if request.method == "GET" else safe_next(request)
    markup = FollowUpMarkup.for_request(request, back_url=back_url)
    for column in columns:
        column.cards[:] = mark(column.cards, request, now)
    return {
        "filters": filters,
        "columns": columns,
        "board_columns": [(column, markup.cards(column.cards)) for column in columns],
        "tab_keep": tab_query(params),
        "now": now,
        "back_url": back_url,
        **action_choices(),
    }


@tenant_member_required
@in_member_zone
@require_GET
def follow_up_board(request):
    context = board_context(request, request.GET)
    if request.htmx and request.htmx.target == "board":
        return render(request, "followups/board.html#board", context)
    return render(request, "followups/board.html", context)


# --- One follow-up --------------------------------------------------------------------------------


def detail_context(request, follow_up_pk: int) -> dict:
    detail = detail_selectors.follow_up_detail(tenant=request.tenant, follow_up_id=follow_up_pk)
    now = timezone.now()
    follow_up = mark([detail.follow_up], request, now)[0]
    series = follow_up.series
    return {
        "detail": detail,
        "follow_up": follow_up,
        "series": series,
        "series_words": recurrence_rules.series_describe(series) if series else "",
        "series_next": mark(
            series_next(tenant=request.tenant, series=series, now=now) if series else [],
            request,
            now,
        ),
        "is_editable": follow_up.status not in (Status.COMPLETED, Status.CANCELLED),
        "members": assignable_members(tenant=request.tenant),
        "back_url": reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk}),
        **action_choices(),
    }


@tenant_member_required
@in_member_zone
@require_GET
def follow_up_detail(request, follow_up_pk: int):
    return render(request, "followups/detail.html", detail_context(request, follow_up_pk))


# --- Create ---------------------------------------------------------------------------------------


def _pk(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _prefill(request) -> dict:
    """The contact, lead and ticket a "New follow-up" link started from (?contact=, ?lead=,
    ?ticket=), each fetched within the tenant (a ticket only if the member may see it)."""
    tenant = request.tenant
    lead = ticket = contact = None
    if ticket_pk := _pk(request.GET.get("ticket")):
        ticket = ticket_to_follow_up(
            tenant=tenant, membership=request.membership, ticket_id=ticket_pk
        )
        contact, lead = ticket.contact, ticket.lead
    if lead_pk := _pk(request.GET.get("lead")):
        lead = lead_to_follow_up(tenant=tenant, lead_id=lead_pk)
        contact = lead.contact
    if contact is None and (contact_pk := _pk(request.GET.get("contact"))):
        contact = contact_get(tenant=tenant, contact_id=contact_pk)
    if contact is None and (previous := _previous(request)) is not None:
        contact, lead = previous.contact, previous.lead
    return {"contact": contact, "lead": lead, "ticket": ticket}


def _previous(request) -> FollowUp | None:
    """The follow-up a "Schedule the next one" link came from (?after=)."""
    previous_pk = _pk(request.GET.get("after"))
    if previous_pk is None:
        return None
    return detail_selectors.follow_up_get(tenant=request.tenant, follow_up_id=previous_pk)


def _initial_after(previous: FollowUp, *, zone, now) -> dict:
    """The next follow-up after a completed one: the same subject, type, priority, length and
    assignee, a week from today at its time of day."""
    local_time = timezone.localtime(previous.scheduled_at, zone).time()
    day = timezone.localdate(now, zone) + dt.timedelta(days=7)
    initial = {
        "subject": previous.subject,
        "type": previous.type_id,
        "priority": previous.priority,
        "duration_minutes": previous.duration_minutes,
        "scheduled_at": dt.datetime.combine(day, local_time, tzinfo=zone),
    }
    if previous.assignee.is_active:
        initial["assignee"] = previous.assignee_id
    return initial


def _template(request) -> FollowUpTemplate | None:
    template_pk = _pk(request.GET.get("template") or request.POST.get("template"))
    if template_pk is None:
        return None
    return template_to_follow_up(tenant=request.tenant, template_id=template_pk)


def _initial(request, *, lead, ticket, template, now) -> dict:
    """Tomorrow at 10:00 with an hour-before in-app reminder, for the lead's owner or the
    ticket's assignee (else the member); a template's values over that."""
    assignee = next(
        (
            member
            for member in (lead and lead.owner, ticket and ticket.assignee)
            if member and member.is_active
        ),
        request.membership,
    )
    initial = {
        "assignee": assignee.pk,
        "type": _default_type(request.tenant),
        "scheduled_at": dt.datetime.combine(
            timezone.localdate(now, request.zone) + dt.timedelta(days=1),
            dt.time(10, 0),
            tzinfo=request.zone,
        ),
        "reminder_offsets": [60],
        "reminder_channels": ["in_app"],
        "lead": lead.pk if lead else None,
        "ticket": ticket.pk if ticket else None,
    }
    if template is not None:
        initial |= initial_from_template(template, zone=request.zone, now=now)
    elif (previous := _previous(request)) is not None:
        initial |= _initial_after(previous, zone=request.zone, now=now)
    return initial


def _create_form(request, *, contact, lead, ticket, template, now) -> FollowUpForm:
    tenant = request.tenant
    candidates = contact_candidates(
        tenant=tenant,
        text=request.GET.get("contact_q", ""),
        chosen_id=_pk(request.POST.get("contact")) if contact is None else None,
    )
    return FollowUpForm(
        request.POST or None,
        initial=_initial(request, lead=lead, ticket=ticket, template=template, now=now),
        tenant=tenant,
        contact=contact,
        candidates=candidates,
        leads=leads_to_link(tenant=tenant, contact=contact, lead=lead),
        tickets=tickets_to_link(tenant=tenant, membership=request.membership, contact=contact),
    )


# What a single follow-up and a repeating one take alike from the create form.
FOLLOW_UP_FIELDS = (
    "subject",
    "contact",
    "assignee",
    "type",
    "description",
    "priority",
    "lead",
    "ticket",
    "duration_minutes",
)


def _follow_up_fields(data: dict) -> dict:
    return {name: data[name] for name in FOLLOW_UP_FIELDS}


@tenant_member_required
@in_member_zone
@require_http_methods(["GET", "POST"])
def follow_up_create(request):
    """A new follow-up, maybe started from a contact, lead or ticket page or from a template."""
    now = timezone.now()
    prefill = _prefill(request)
    template = _template(request)
    form = _create_form(request, **prefill, template=template, now=now)
    if request.method == "POST" and form.is_valid() and form.rule:
        done = _create_series(request, form, template=template)
        if done is not None:
            return done
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            follow_up = services.follow_up_create(
                tenant=request.tenant,
                actor=request.user,
                **_follow_up_fields(data),
                scheduled_at=data["scheduled_at"],
                reminders=form.reminders,
                source=Source.TEMPLATE if template else Source.MANUAL,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Follow-up “%(subject)s” scheduled for %(short_datetime)s.")
                % {
                    "subject": follow_up.subject,
                    "short_datetime": short_datetime(follow_up.scheduled_at),
                },
            )
            return redirect(
                safe_next(request)
                or reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
            )
    context = {
        **prefill,
        "form": form,
        "previous": _previous(request),
        "template": template,
        "templates": follow_up_templates(tenant=request.tenant),
        "contact_search": request.GET.get("contact_q", "").strip(),
        "next": safe_next(request),
        "zone": request.zone,
    }
    return render(request, "followups/form.html", context)


def _create_series(request, form, *, template):
    """A repeating follow-up from the create form; None (and the form's errors) if refused."""
    data = form.cleaned_data
    try:
        series = recurrence.series_create(
            tenant=request.tenant,
            actor=request.user,
            **_follow_up_fields(data),
            starts_at=data["scheduled_at"],
            rule=form.rule,
            time_zone=request.zone.key,
            until=form.repeat_until,
            count=form.repeat_count,
            reminders=form.reminders,
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None
    messages.success(
        request,
        _("Repeating follow-up “%(subject)s” scheduled: %(rule)s.")
        % {"subject": series.subject, "rule": recurrence_rules.series_describe(series)},
    )
    first = series_next(tenant=request.tenant, series=series, most=1)
    if safe_next(request) or not first:
        return redirect(safe_next(request) or reverse("followups:list"))
    return redirect(reverse("followups:detail", kwargs={"follow_up_pk": first[0].pk}))


# --- Edit -----------------------------------------------------------------------------------------


@tenant_member_required
@in_member_zone
@require_http_methods(["GET", "POST"])
def follow_up_edit(request, follow_up_pk: int):
    """Edit a follow-up still to do; one of a series: this one, or the whole series."""
    follow_up = detail_selectors.follow_up_get(tenant=request.tenant, follow_up_id=follow_up_pk)
    detail = reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
    if not may_act_on(request.membership, follow_up):
        raise PermissionDenied(_("Only its assignee, its author or a manager can change it."))
    if follow_up.status in (Status.COMPLETED, Status.CANCELLED):
        messages.error(request, _("A finished follow-up cannot be edited; create a new one."))
        return redirect(detail)
    form = FollowUpEditForm(request.POST or None, tenant=request.tenant, follow_up=follow_up)
    if request.method == "POST" and form.is_valid():
        try:
            if form.whole_series:
                _edit_series(request, follow_up, form)
            else:
                _edit_one(request, follow_up, form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            done = _("The whole series changed.") if form.whole_series else _("Saved.")
            messages.success(request, done)
            return redirect(detail)
    context = {
        "form": form,
        "follow_up": follow_up,
        "series_words": recurrence_rules.series_describe(follow_up.series)
        if form.is_series
        else "",
        "zone": request.zone,
    }
    return render(request, "followups/edit.html", context)


def _edit_one(request, follow_up, data) -> None:
    services.follow_up_update(
        tenant=request.tenant,
        actor=request.user,
        follow_up=follow_up,
        subject=data["subject"],
        type=data["type"],
        scheduled_at=data["scheduled_at"],
        duration_minutes=data["duration_minutes"],
        priority=data["priority"],
        assignee=data["assignee"],
        description=data["description"],
    )


SERIES_FIELDS = ("subject", "description", "type", "priority", "duration_minutes", "assignee")


def _edit_series(request, follow_up, form) -> None:
    """The whole series: its look, its rule and end, and, when this occurrence's time changed,
    every occurrence moved by as much (the series' start moves with it)."""
    data = form.cleaned_data
    series = follow_up.series
    zone = series.zone
    before = timezone.localtime(follow_up.scheduled_at, zone)
    after = timezone.localtime(data["scheduled_at"], zone)
    starts_at = None
    if before != after:
        start = timezone.localtime(series.starts_at, zone)
        day = start.date() + (after.date() - before.date())
        starts_at = dt.datetime.combine(day, after.time().replace(tzinfo=None), tzinfo=zone)
    now = timezone.now()
    reached = follow_up.status == Status.PENDING and follow_up.scheduled_at >= now
    # What the member changed on this occurrence goes to the whole series; what they left as it
    # was is not sent, so an occurrence edited on its own ("this one") keeps the rest.
    changed = {name: data[name] for name in SERIES_FIELDS if data[name] != getattr(follow_up, name)}
    recurrence.series_update(
        tenant=request.tenant,
        actor=request.user,
        series=series,
        **changed,
        rule=form.rule,
        starts_at=starts_at,
        until=form.repeat_until,
        count=form.repeat_count,
        now=now,
    )
    if not reached:
        # Missed or under way: not one of the series' pending rows to come, so changed here.
        _edit_one(request, follow_up, data)


# --- A customer's timeline ------------------------------------------------------------------------


@tenant_member_required
@in_member_zone
@require_GET
def contact_timeline(request, contact_pk: int):
    """Every follow-up with a customer on one line: what was done, missed and is coming."""
    contact = timeline_contact_get(tenant=request.tenant, contact_id=contact_pk)
    now = timezone.now()
    timeline = customer_timeline(tenant=request.tenant, contact=contact, zone=request.zone, now=now)
    for month in timeline.months:
        month.follow_ups[:] = mark(month.follow_ups, request, now)
    context = {"contact": contact, "timeline": timeline, "now": now}
    return render(request, "followups/timeline.html", context)


def _default_type(tenant):
    types = {t.key: t for t in services.follow_up_types_ensure(tenant=tenant)}
    return types["call"].pk


# --- Contact and lead pages -----------------------------------------------------------------------


@tenant_member_required
@in_member_zone
@require_GET
def contact_panel(request, contact_pk: int):
    contact = timeline_contact_get(tenant=request.tenant, contact_id=contact_pk)
    timeline = follow_up_timeline(tenant=request.tenant, contact=contact)
    return _panel(request, timeline, contact=contact)


@tenant_member_required
@in_member_zone
@require_GET
def lead_panel(request, lead_pk: int):
    lead = timeline_lead_get(tenant=request.tenant, lead_id=lead_pk)
    timeline = follow_up_timeline(tenant=request.tenant, lead=lead)
    return _panel(request, timeline, lead=lead)


def _panel(request, timeline, *, contact=None, lead=None):
    now = timezone.now()
    context = {
        "timeline": timeline,
        "upcoming": mark(timeline.upcoming, request, now),
        "past": timeline.past,
        "contact": contact,
        "lead": lead,
        "now": now,
    }
    template = "followups/panel.html#section" if request.htmx else "followups/panel.html"
    return render(request, template, context)
