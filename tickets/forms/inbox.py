"""Forms of the agent's inbox: the list's filters and bulk actions, and the thread's reply, note,
call and sidebar controls. Every choice is the tenant's own (and the member's, for assignees)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import Membership
from leads.models import Lead, Pipeline
from tickets.models import Priority, Ticket, TicketStatus
from tickets.selectors.inbox import (
    STATUS_ACTIVE,
    STATUS_ANY,
    VIEW_ALL,
    VIEW_BREACHED,
    VIEW_MINE,
    VIEW_UNASSIGNED,
    InboxQuery,
    ReplyOptions,
)

KEEP = ""
NOBODY = "nobody"


class InboxFilterForm(forms.Form):
    """The list's view tab and filters; anything not understood falls back to the default."""

    view = forms.ChoiceField(
        label=_("View"),
        choices=[
            (VIEW_MINE, _("Mine")),
            (VIEW_UNASSIGNED, _("Unassigned")),
            (VIEW_ALL, _("All")),
            (VIEW_BREACHED, _("SLA breached")),
        ],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (STATUS_ACTIVE, _("Open or waiting")),
            *TicketStatus.choices,
            (STATUS_ANY, _("Any status")),
        ],
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], required=False
    )
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, T-number or words"),
                "aria-label": _("Search tickets"),
            }
        ),
    )

    def __init__(self, *args, manager: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Like the lead list: a rep starts on their own tickets, a manager on the team's.
        self.default_view = VIEW_ALL if manager else VIEW_MINE
        if not manager:
            # A rep's widest view is what they can reach, not the whole team's.
            self.fields["view"].choices = [
                (value, _("My inboxes") if value == VIEW_ALL else label)
                for value, label in self.fields["view"].choices
            ]

    def query(self) -> InboxQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return InboxQuery(
            view=data.get("view") or self.default_view,
            status=data.get("status") or STATUS_ACTIVE,
            priority=data.get("priority") or "",
            search=(data.get("q") or "").strip(),
        )


def _assignee_choices(members: list[Membership], keep_label: str | None) -> list:
    choices = [(KEEP, keep_label)] if keep_label else []
    return [*choices, (NOBODY, _("Nobody (the queue)")), *((m.pk, str(m.user)) for m in members)]


def _assignee_from(value: str, members: list[Membership]) -> Membership | None:
    if value == NOBODY:
        return None
    return next(member for member in members if str(member.pk) == value)


class BulkActionForm(forms.Form):
    tickets = forms.ModelMultipleChoiceField(queryset=Ticket.unscoped.none())
    assignee = forms.ChoiceField(required=False, label=_("Assign to"))
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(KEEP, _("Status: keep")), *TicketStatus.choices],
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[(KEEP, _("Priority: keep")), *Priority.choices],
        required=False,
    )

    def __init__(self, *args, tickets, members: list[Membership], **kwargs):
        # The list page also has a status and a priority filter: keep the ids apart.
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        self.members = members
        self.fields["tickets"].queryset = tickets
        self.fields["tickets"].error_messages["required"] = _("Tick the tickets to change first.")
        self.fields["assignee"].choices = _assignee_choices(members, _("Assignee: keep"))
        for name, label in (
            ("assignee", _("Assign the ticked tickets to")),
            ("status", _("Set the status of the ticked tickets")),
            ("priority", _("Set the priority of the ticked tickets")),
        ):
            self.fields[name].widget.attrs["aria-label"] = label

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("assignee", "status", "priority")):
            raise ValidationError(_("Choose an assignee, a status or a priority to apply."))
        if cleaned.get("assignee"):
            cleaned["assignee_member"] = _assignee_from(cleaned["assignee"], self.members)
        return cleaned


class ReplyForm(forms.Form):
    """An answer on one of the channels the contact can be reached on: free text or a template.
    The nonce is made when the form is first shown, so a second submit of it sends nothing."""

    channel = forms.ChoiceField(label=_("Send by"))
    template = forms.ChoiceField(required=False, label=_("Template"))
    body = forms.CharField(
        required=False,
        max_length=10000,
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    nonce = forms.UUIDField(widget=forms.HiddenInput)
    status_after = forms.ChoiceField(
        choices=TicketStatus.choices,
        initial=TicketStatus.WAITING,
        label=_("Then set the ticket to"),
    )

    def __init__(self, *args, options: ReplyOptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["channel"].choices = options.channels
        self.fields["channel"].initial = options.default_channel
        self.fields["template"].choices = [
            ("", _("None: write my own")),
            *((str(template.pk), template.name) for template in options.templates),
        ]

    def clean(self):
        cleaned = super().clean()
        channel, body = cleaned.get("channel"), cleaned.get("body", "").strip()
        template = next(
            (t for t in self.options.templates if str(t.pk) == cleaned.get("template")), None
        )
        cleaned["template_obj"] = template
        if template is None and not body:
            raise ValidationError(_("Write a reply or choose a template."))
        if template is not None and body:
            raise ValidationError(
                _("Send the template or your own words, not both: clear the text or the template.")
            )
        if template is not None and channel:
            channels = {variant.channel for variant in template.variants.all()}
            if channel not in channels:
                self.add_error(
                    "template",
                    _("“%(name)s” has no wording for %(channel)s.")
                    % {"name": template.name, "channel": channel.upper()},
                )
        return cleaned


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CallForm(forms.Form):
    summary = forms.CharField(
        label=_("What was said"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    inbound = forms.BooleanField(required=False, label=_("They called us"))


class ChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("status") and not cleaned.get("priority"):
            raise ValidationError(_("Choose a status or a priority."))
        return cleaned


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assignee"))

    def __init__(self, *args, members: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        self.fields["assignee"].choices = _assignee_choices(members, None)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("assignee"):
            cleaned["assignee_member"] = _assignee_from(cleaned["assignee"], self.members)
        return cleaned


class LeadLinkForm(forms.Form):
    lead = forms.ModelChoiceField(
        label=_("Lead"), queryset=Lead.unscoped.none(), required=False, empty_label=_("No lead")
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = Lead.objects.filter(
            tenant_id=ticket.tenant_id, contact_id=ticket.contact_id
        )


class LeadCreateForm(forms.Form):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.unscoped.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = Pipeline.objects.filter(
            tenant_id=ticket.tenant_id, is_archived=False
        )


class VipForm(forms.Form):
    is_vip = forms.BooleanField(label=_("VIP"), required=False)
