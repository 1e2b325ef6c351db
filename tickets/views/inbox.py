"""The agent's inbox: the ticket list with its views and bulk actions, and one thread with its reply,
note and call forms, its sidebar controls, delivery statuses and attachments.

Who sees and changes what is decided in tickets.selectors.inbox (visible_tickets, may_reassign).
"""

import mimetypes
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.kit.actions import action_response, all_errors, run_action
from crm.kit.redirects import safe_next
from crm.permissions import tenant_member_required
from crm.services.contacts import contact_set_vip
from messaging.models import MessageStatus
from messaging.selectors.outbox import delivery_state
from tickets.forms.inbox import (
    KEEP,
    NOBODY,
    AssignForm,
    BulkActionForm,
    CallForm,
    ChangeForm,
    InboxFilterForm,
    LeadCreateForm,
    LeadLinkForm,
    NoteForm,
    ReplyForm,
    VipForm,
)
from tickets.links import NEW_FOLLOW_UP
from tickets.models import Direction, Ticket
from tickets.rows import ChannelIcons, InboxRows
from tickets.selectors import inbox as selectors
from tickets.services import changes, replies
from tickets.services.assignment import ticket_assign, tickets_bulk_assign

# Served as what they are; anything else downloads as bytes (never rendered by the browser as our
# page: an uploaded .html or .svg could run script on our origin).
INERT_CONTENT_TYPES = {
    "application/pdf",
    "image/gif",
    "image/heic",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/csv",
    "text/plain",
    "audio/mpeg",
    "video/mp4",
}


# --- The list -----------------------------------------------------------------------------------


def _tabs(filters: InboxFilterForm, query: selectors.InboxQuery) -> list[dict]:
    """The view tabs, each keeping the status and priority filters and the search."""
    keep = [("status", query.status), ("priority", query.priority), ("q", query.search)]
    return [
        {
            "label": label,
            "active": value == query.view,
            "url": "?" + urlencode([("view", value), *((k, v) for k, v in keep if v)]),
        }
        for value, label in filters.fields["view"].choices
    ]


@tenant_member_required
@require_GET
def ticket_list(request):
    membership = request.membership
    manager = selectors.is_manager(membership)
    filters = InboxFilterForm(request.GET, manager=manager)
    query = filters.query()
    page, rows = selectors.ticket_list(
        tenant=request.tenant,
        membership=membership,
        query=query,
        after=request.GET.get("after"),
    )
    params = urlencode(
        [("view", query.view), ("status", query.status), ("priority", query.priority)]
        + ([("q", query.search)] if query.search else [])
    )
    context = {
        "filters": filters,
        "query": query,
        "tabs": _tabs(filters, query),
        "page": page,
        "rows": rows,
        "rows_html": InboxRows().rows(rows),
        "params": params,
        "bulk": BulkActionForm(
            tickets=Ticket.unscoped.none(),
            members=selectors.assignable_members(tenant=request.tenant, membership=membership),
        ),
        "back_url": request.get_full_path(),
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "tickets/inbox/list.html#rows", context)
    if request.htmx and request.htmx.target == "ticket-results":
        return render(request, "tickets/inbox/list.html#results", context)
    return render(request, "tickets/inbox/list.html", context)


@tenant_member_required
@require_POST
def tickets_bulk(request):
    """Assign, set the status or the priority of the ticked tickets (those the member can see)."""
    tenant, membership = request.tenant, request.membership
    visible = selectors.visible_tickets(tenant=tenant, membership=membership)
    members = selectors.assignable_members(tenant=tenant, membership=membership)
    form = BulkActionForm(request.POST, tickets=visible, members=members)
    back = safe_next(request, request.POST.get("next", "")) or reverse("tickets:inbox")
    if not form.is_valid():
        messages.error(request, all_errors(form))
        return redirect(back)
    data = form.cleaned_data
    tickets = list(data["tickets"])
    done = []
    if data["assignee"] != KEEP:
        assignee = data["assignee_member"]
        allowed = [t.pk for t in tickets if selectors.may_reassign(membership, t, assignee)]
        changed = tickets_bulk_assign(
            tenant=tenant, actor=request.user, ticket_ids=allowed, assignee=assignee
        )
        done.append(
            _("%(count)s reassigned to %(assignee)s")
            % {"count": changed, "assignee": assignee.user if assignee else _("the queue")}
        )
        if len(allowed) < len(tickets):
            messages.warning(
                request,
                _("%(count)s ticket(s) belong to someone else: only a manager can reassign them.")
                % {"count": len(tickets) - len(allowed)},
            )
    if data["status"] or data["priority"]:
        changed = changes.tickets_bulk_change(
            tenant=tenant,
            actor=request.user,
            ticket_ids=[t.pk for t in tickets],
            status=data["status"] or None,
            priority=data["priority"] or None,
        )
        done.append(_("%(count)s changed") % {"count": changed})
    messages.success(
        request, _("%(count)s ticked: %(done)s.") % {"count": len(tickets), "done": "; ".join(done)}
    )
    return redirect(back)


# --- One thread ---------------------------------------------------------------------------------


def _ticket(request, ticket_pk: int) -> Ticket:
    return selectors.ticket_for_member(
        tenant=request.tenant, membership=request.membership, ticket_id=ticket_pk
    )


def _sidebar_context(request, ticket: Ticket, **extra) -> dict:
    sidebar = selectors.ticket_sidebar(
        tenant=request.tenant, ticket=ticket, membership=request.membership
    )
    return {
        "ticket": ticket,
        "sidebar": sidebar,
        "clock": selectors.sla_clock(ticket, timezone.now()),
        "may_reassign": selectors.may_reassign(request.membership, ticket, request.membership),
        "change_form": ChangeForm(initial={"status": ticket.status, "priority": ticket.priority}),
        "new_follow_up_url": NEW_FOLLOW_UP.path(),
        "assign_form": AssignForm(
            members=sidebar.members, initial={"assignee": ticket.assignee_id or NOBODY}
        ),
        **extra,
    }


def _detail(request, ticket: Ticket, *, status: int = 200, **forms):
    """The thread page; a form that failed comes back bound, with its errors and its text."""
    # The contact's addresses, read once for the thread's sender marks and the reply form.
    reach = selectors.contact_reach(tenant=request.tenant, ticket=ticket)
    thread = selectors.ticket_thread(tenant=request.tenant, ticket=ticket, reach=reach)
    last_inbound = next(
        (item.message for item in reversed(thread) if item.message.direction == Direction.INBOUND),
        None,
    )
    options = selectors.reply_options(
        tenant=request.tenant,
        ticket=ticket,
        last_inbound_channel=last_inbound.channel if last_inbound else "",
        reach=reach,
    )
    context = _sidebar_context(request, ticket)
    icons = ChannelIcons()
    context.update(
        {
            "thread_icons": [
                (item, icons(item.message.channel, item.message.get_channel_display()))
                for item in thread
            ],
            "channel_icons": [(value, label, icons(value)) for value, label in options.channels],
            "unverified_senders": sorted(
                {item.message.from_address for item in thread if item.unverified_sender}
            ),
            "options": options,
            "reply_form": forms.get("reply_form")
            or ReplyForm(options=options, initial={"nonce": uuid.uuid4()}),
            "note_form": forms.get("note_form") or NoteForm(),
            "call_form": forms.get("call_form") or CallForm(),
        }
    )
    return render(request, "tickets/inbox/detail.html", context, status=status)


def _to_thread(ticket: Ticket, anchor: str = ""):
    url = reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


@tenant_member_required
@require_GET
def ticket_detail(request, ticket_pk: int):
    return _detail(request, _ticket(request, ticket_pk))


@tenant_member_required
@require_POST
def ticket_reply(request, ticket_pk: int):
    ticket = _ticket(request, ticket_pk)
    options = selectors.reply_options(tenant=request.tenant, ticket=ticket)
    form = ReplyForm(request.POST, options=options)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = replies.ticket_reply(
                tenant=request.tenant,
                actor=request.user,
                ticket=ticket,
                channel=data["channel"],
                body=data["body"],
                nonce=str(data["nonce"]),
                template=data["template_obj"],
                status_after=data["status_after"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if message.outbound.status == MessageStatus.SUPPRESSED:
                messages.error(
                    request,
                    _(
                        "Not sent: %(reason)s The ticket stays %(status)s and its clock keeps "
                        "running; answer on another channel."
                    )
                    % {
                        "reason": delivery_state(message.outbound, timezone.now()).reason,
                        "status": ticket.get_status_display().lower(),
                    },
                )
            else:
                messages.success(
                    request,
                    _("%(get_channel_display)s reply on its way; the ticket is now %(lower)s.")
                    % {
                        "get_channel_display": message.get_channel_display(),
                        "lower": ticket.get_status_display().lower(),
                    },
                )
            return _to_thread(ticket, f"message-{message.pk}")
    return _detail(request, ticket, status=400, reply_form=form)


@tenant_member_required
@require_POST
def ticket_note(request, ticket_pk: int):
    ticket = _ticket(request, ticket_pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            message = replies.ticket_add_note(
                tenant=request.tenant,
                actor=request.user,
                ticket=ticket,
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Note added for the team."))
            return _to_thread(ticket, f"message-{message.pk}")
    return _detail(request, ticket, status=400, note_form=form)


@tenant_member_required
@require_POST
def ticket_call(request, ticket_pk: int):
    ticket = _ticket(request, ticket_pk)
    form = CallForm(request.POST)
    if form.is_valid():
        try:
            message = replies.ticket_log_call(
                tenant=request.tenant,
                actor=request.user,
                ticket=ticket,
                summary=form.cleaned_data["summary"],
                inbound=form.cleaned_data["inbound"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Call logged."))
            return _to_thread(ticket, f"message-{message.pk}")
    return _detail(request, ticket, status=400, call_form=form)


def _sidebar_action(request, ticket_pk: int, form_class, perform, done: str, form_kwargs=None):
    """A sidebar control: with htmx the sidebar comes back updated, else the page reloads."""
    ticket = _ticket(request, ticket_pk)
    form = form_class(request.POST, **(form_kwargs(ticket) if form_kwargs else {}))
    error = run_action(form, lambda data: perform(ticket, data))

    def render_sidebar(error, done):
        context = _sidebar_context(
            request, _ticket(request, ticket_pk), side_error=error, side_done=done
        )
        return render(request, "tickets/inbox/detail.html#sidebar", context)

    return action_response(
        request,
        error=error,
        done=done,
        render_part=render_sidebar,
        redirect_back=lambda: _to_thread(ticket),
    )


@tenant_member_required
@require_POST
def ticket_change(request, ticket_pk: int):
    def perform(ticket, data):
        changes.ticket_change(
            tenant=request.tenant,
            actor=request.user,
            ticket=ticket,
            status=data["status"] or None,
            priority=data["priority"] or None,
        )

    return _sidebar_action(request, ticket_pk, ChangeForm, perform, _("Saved."))


@tenant_member_required
@require_POST
def ticket_assign_view(request, ticket_pk: int):
    members = selectors.assignable_members(tenant=request.tenant, membership=request.membership)

    def perform(ticket, data):
        assignee = data["assignee_member"]
        if not selectors.may_reassign(request.membership, ticket, assignee):
            raise ValidationError(_("Only a manager can hand this ticket to someone else."))
        ticket_assign(tenant=request.tenant, actor=request.user, ticket=ticket, assignee=assignee)

    return _sidebar_action(
        request,
        ticket_pk,
        AssignForm,
        perform,
        _("Assignee changed."),
        form_kwargs=lambda ticket: {"members": members},
    )


@tenant_member_required
@require_POST
def ticket_contact_vip(request, ticket_pk: int):
    """Managers mark the customer VIP (or not): their new tickets start a priority higher."""
    if not request.membership.is_manager_or_admin:
        raise PermissionDenied

    def perform(ticket, data):
        contact_set_vip(
            tenant=request.tenant, actor=request.user, contact=ticket.contact, is_vip=data["is_vip"]
        )

    return _sidebar_action(request, ticket_pk, VipForm, perform, "Saved.")


@tenant_member_required
@require_POST
def ticket_lead_link(request, ticket_pk: int):
    def perform(ticket, data):
        changes.ticket_link_lead(
            tenant=request.tenant, actor=request.user, ticket=ticket, lead=data["lead"]
        )

    return _sidebar_action(
        request,
        ticket_pk,
        LeadLinkForm,
        perform,
        _("Lead link saved."),
        form_kwargs=lambda ticket: {"ticket": ticket},
    )


@tenant_member_required
@require_POST
def ticket_lead_create(request, ticket_pk: int):
    def perform(ticket, data):
        changes.ticket_create_lead(
            tenant=request.tenant,
            actor=request.user,
            ticket=ticket,
            pipeline_id=data["pipeline"].pk,
            title=data["title"],
        )

    return _sidebar_action(
        request,
        ticket_pk,
        LeadCreateForm,
        perform,
        _("Lead created and linked."),
        form_kwargs=lambda ticket: {"ticket": ticket},
    )


@tenant_member_required
@require_GET
def message_status(request, ticket_pk: int, ticket_message_pk: int):
    """One outbound message's delivery status, asked for again while it is on its way."""
    ticket = _ticket(request, ticket_pk)
    item = selectors.thread_message_get(
        tenant=request.tenant, ticket=ticket, message_id=ticket_message_pk
    )
    if item.message.outbound is None:
        raise Http404("This message has no delivery status.")
    return render(request, "tickets/inbox/_delivery.html", {"item": item, "ticket": ticket})


@tenant_member_required
@require_GET
def attachment_download(request, ticket_pk: int, attachment_pk: int):
    """A customer's file, from private storage, always as a download."""
    ticket = _ticket(request, ticket_pk)
    attachment = selectors.attachment_get(
        tenant=request.tenant, ticket=ticket, attachment_id=attachment_pk
    )
    content_type = attachment.content_type.split(";")[0].strip().lower()
    if content_type not in INERT_CONTENT_TYPES:
        guessed, _encoding = mimetypes.guess_type(attachment.filename)
        content_type = guessed if guessed in INERT_CONTENT_TYPES else "application/octet-stream"
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is no longer stored.") from missing
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=content_type
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def original_download_response(original: selectors.Original) -> HttpResponse:
    """An inbound message as the provider delivered it, always as a download and inert."""
    response = HttpResponse(original.content, content_type=original.content_type)
    response["Content-Disposition"] = f'attachment; filename="{original.filename}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_member_required
@require_GET
def message_original(request, ticket_pk: int, inbound_message_pk: int):
    """The original of an inbound message: its raw RFC 822, else the provider's post."""
    ticket = _ticket(request, ticket_pk)
    return original_download_response(
        selectors.message_original_get(
            tenant=request.tenant, ticket=ticket, message_id=inbound_message_pk
        )
    )
