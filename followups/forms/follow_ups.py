"""Forms of the follow-up pages: the list's filters, the quick actions, bulk changes, the create
form. Every choice list is the active tenant's; date-times are read in the member's time zone
(the views activate it)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.kit.forms import MemberChoiceField, TenantFormMixin
from crm.models import Contact, Membership, Tenant
from followups.models import (
    FollowUp,
    FollowUpTemplate,
    FollowUpType,
    Outcome,
    Priority,
    ReminderChannel,
    Status,
)
from followups.selectors.lists import FollowUpQuery, follow_up_types
from followups.selectors.members import assignable_members, default_assignee_scope
from leads.models import Lead
from tickets.models import Ticket

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

STATUS_FILTERS = [
    ("todo", "To do (open or missed)"),
    ("open", "Open (pending or in progress)"),
    *Status.choices,
    ("all", "Any status"),
]
WHEN_FILTERS = [
    ("", "Any time"),
    ("today", "Today"),
    ("overdue", "Overdue"),
    ("week", "This week"),
    ("upcoming", "From now on"),
]
ORDER_CHOICES = [("soonest", "Soonest first"), ("latest", "Latest first")]

# Offsets a person picks reminders at (minutes before the follow-up).
REMINDER_OFFSETS = [
    (10080, "1 week before"),
    (2880, "2 days before"),
    (1440, "1 day before"),
    (180, "3 hours before"),
    (60, "1 hour before"),
    (30, "30 minutes before"),
    (15, "15 minutes before"),
    (0, "At the time"),
]
DURATIONS = [(15, "15 minutes"), (30, "30 minutes"), (45, "45 minutes"), (60, "1 hour"),
             (90, "1½ hours"), (120, "2 hours"), (240, "Half a day")]  # fmt: skip


def datetime_local_field(**kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        **kwargs,
    )


# --- The list's filters ---------------------------------------------------------------------------


class FollowUpFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    type = forms.ModelChoiceField(
        queryset=FollowUpType.unscoped.none(), required=False, empty_label="Any type"
    )
    priority = forms.ChoiceField(choices=[("", "Any priority"), *Priority.choices], required=False)
    when = forms.ChoiceField(choices=WHEN_FILTERS, required=False)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    assignee = forms.ChoiceField(required=False, label="Assignee")
    contact = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    lead = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    order = forms.ChoiceField(choices=ORDER_CHOICES, required=False, label="Order")

    MAIN_FIELDS = ("q", "status", "assignee", "when")
    HIDDEN_FIELDS = ("contact", "lead")

    def __init__(self, data, *, tenant: Tenant, membership: Membership, members, types):
        super().__init__(data)
        self.membership = membership
        self.fields["type"].queryset = types
        self.fields["assignee"].choices = [
            ("mine", "Mine"),
            ("all", "Everyone"),
            *((str(member.pk), str(member.user)) for member in members),
        ]

    def query(self) -> FollowUpQuery:
        """The query the form describes; a value it does not understand is left out."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value}
        type_ = data.get("type")
        return FollowUpQuery(
            text=data.get("q", ""),
            status=data.get("status", "todo"),
            type_id=type_.pk if type_ else None,
            priority=data.get("priority", ""),
            when=data.get("when", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            assignee=data.get("assignee") or default_assignee_scope(self.membership),
            contact_id=data.get("contact"),
            lead_id=data.get("lead"),
            order=data.get("order", "soonest"),
        )

    @property
    def secondary_fields(self):
        """The filters under "More filters"; the main ones sit in the toolbar."""
        return [
            field
            for field in self
            if field.name not in self.MAIN_FIELDS and field.name not in self.HIDDEN_FIELDS
        ]

    @property
    def is_narrowed(self) -> bool:
        return any(value for key, value in self.data.items() if key != "after")

    @property
    def more_is_narrowed(self) -> bool:
        return any(self.data.get(field.name) for field in self.secondary_fields)


# --- Quick actions --------------------------------------------------------------------------------


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices)
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


RESCHEDULE_CHOICES = [
    ("tomorrow", "Tomorrow"),
    ("next_week", "Next week"),
    ("pick", "Pick a date and time"),
]


class RescheduleForm(forms.Form):
    to = forms.ChoiceField(choices=RESCHEDULE_CHOICES, initial="pick")
    at = datetime_local_field(required=False, label="New date and time")

    def clean(self):
        data = super().clean()
        if data.get("to") == "pick" and not data.get("at"):
            raise ValidationError("Pick the new date and time.")
        return data

    def new_time(self, follow_up: FollowUp, *, zone, now: dt.datetime) -> dt.datetime:
        """Tomorrow and next week keep the follow-up's local time of day (across DST too)."""
        data = self.cleaned_data
        if data["to"] == "pick":
            return data["at"]
        days = 1 if data["to"] == "tomorrow" else 7
        local_time = timezone.localtime(follow_up.scheduled_at, zone).time()
        day = timezone.localdate(now, zone) + dt.timedelta(days=days)
        return dt.datetime.combine(day, local_time, tzinfo=zone)


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500)


class DelegateForm(TenantFormMixin, forms.Form):
    assignee = MemberChoiceField(queryset=Membership.unscoped.none(), empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_members(tenant=self.tenant)


class NoteForm(forms.Form):
    body = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))


class BulkForm(forms.Form):
    """One change to many ticked follow-ups; an empty choice leaves that part as it is."""

    follow_ups = forms.ModelMultipleChoiceField(
        queryset=FollowUp.unscoped.none(),
        error_messages={"required": "Tick the follow-ups to change first."},
    )
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Status: keep"),
            (Status.IN_PROGRESS, "Start (in progress)"),
            (Status.COMPLETED, "Complete (outcome “other”)"),
            (Status.CANCELLED, "Cancel"),
        ],
    )
    assignee = MemberChoiceField(
        queryset=Membership.unscoped.none(), required=False, empty_label="Assignee: keep"
    )
    scheduled_at = datetime_local_field(required=False, label="Move to")
    priority = forms.ChoiceField(
        required=False, choices=[("", "Priority: keep"), *Priority.choices]
    )

    def __init__(self, *args, follow_ups, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_ups"].queryset = follow_ups
        self.fields["assignee"].queryset = members

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("status", "assignee", "scheduled_at", "priority")):
            raise ValidationError("Choose what to change.")
        return data


class SavedFilterForm(forms.Form):
    name = forms.CharField(max_length=80)
    query = forms.CharField(max_length=1000, required=False)


# --- Create ---------------------------------------------------------------------------------------


class FollowUpForm(TenantFormMixin, forms.Form):
    """A new follow-up. The contact is fixed when it was started from a contact, lead or ticket;
    otherwise it is picked from those matching a search (`candidates`)."""

    subject = forms.CharField(max_length=200)
    type = forms.ModelChoiceField(queryset=FollowUpType.unscoped.none(), empty_label=None)
    scheduled_at = datetime_local_field(label="When")
    duration_minutes = forms.TypedChoiceField(
        choices=DURATIONS, coerce=int, initial=30, label="How long"
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    assignee = MemberChoiceField(queryset=Membership.unscoped.none(), empty_label=None)
    contact = forms.ModelChoiceField(
        queryset=Contact.unscoped.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the customer this follow-up is with."},
    )
    lead = forms.ModelChoiceField(
        queryset=Lead.unscoped.none(), required=False, empty_label="No lead"
    )
    ticket = forms.ModelChoiceField(
        queryset=Ticket.unscoped.none(), required=False, empty_label="No ticket"
    )
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reminder_offsets = forms.TypedMultipleChoiceField(
        choices=REMINDER_OFFSETS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Remind",
    )
    reminder_channels = forms.MultipleChoiceField(
        choices=ReminderChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="By",
    )

    def __init__(
        self,
        *args,
        contact: Contact | None,
        candidates: list[Contact],
        leads,
        tickets,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.fields["type"].queryset = follow_up_types(tenant=self.tenant)
        self.fields["assignee"].queryset = assignable_members(tenant=self.tenant)
        contacts = self.fields["contact"]
        contacts.queryset = Contact.objects.filter(tenant=self.tenant)
        if contact is not None:
            contacts.widget = forms.HiddenInput()
            contacts.initial = contact.pk
        else:
            # Offer only the matches; any contact of the team is accepted.
            contacts.widget.choices = [(c.pk, c.display_name) for c in candidates]
        self.fields["lead"].queryset = leads
        self.fields["ticket"].queryset = tickets
        self.fields["lead"].label_from_instance = lead_label
        self.fields["ticket"].label_from_instance = ticket_label

    def clean_scheduled_at(self):
        at = self.cleaned_data["scheduled_at"]
        if at < timezone.now() - dt.timedelta(minutes=5):
            raise ValidationError("Pick a time from now on.")
        return at

    def clean(self):
        data = super().clean()
        contact = data.get("contact")
        for name in ("lead", "ticket"):
            related = data.get(name)
            if related is not None and contact is not None and related.contact_id != contact.pk:
                self.add_error(name, f"That {name} is another customer's.")
        if data.get("reminder_offsets") and not data.get("reminder_channels"):
            self.add_error("reminder_channels", "Choose how to be reminded.")
        return data

    @property
    def reminders(self) -> list[tuple[int, str]]:
        data = self.cleaned_data
        return [
            (offset, channel)
            for offset in data.get("reminder_offsets", [])
            for channel in data.get("reminder_channels", [])
        ]


def lead_label(lead: Lead) -> str:
    title = f" · {lead.title}" if lead.title else ""
    return f"{lead.reference}{title} ({lead.get_status_display().lower()})"


def ticket_label(ticket: Ticket) -> str:
    subject = f" · {ticket.subject}" if ticket.subject else ""
    return f"{ticket.reference}{subject}"


def initial_from_template(template: FollowUpTemplate, *, zone, now: dt.datetime) -> dict:
    """A template's values as the form's starting point: its day offset at its local time."""
    at = template.at_time or dt.time(10, 0)
    day = timezone.localdate(now, zone) + dt.timedelta(days=template.days_after)
    return {
        "subject": template.subject,
        "description": template.description,
        "type": template.type_id,
        "priority": template.priority,
        "scheduled_at": dt.datetime.combine(day, at, tzinfo=zone),
        "reminder_offsets": list(template.reminder_offsets),
    }
