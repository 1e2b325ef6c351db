"""Forms of the follow-up pages: the list's filters, the quick actions, bulk changes, the create
form. Every choice list is the active tenant's; date-times are read in the member's time zone
(the views activate it)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import (
    MemberChoiceField,
    PrefetchedMemberChoiceField,
    ServiceErrorsMixin,
    TenantFormMixin,
)
from crm.kit.prefetched import PrefetchedModelChoiceField
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
from followups.services.recurrence_rules import WEEKDAYS, recurrence_rule
from leads.models import Lead
from tickets.models import Ticket

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

STATUS_FILTERS = [
    ("todo", _("To do (open or missed)")),
    ("open", _("Open (pending or in progress)")),
    *Status.choices,
    ("all", _("Any status")),
]
WHEN_FILTERS = [
    ("", _("Any time")),
    ("today", _("Today")),
    ("overdue", _("Overdue")),
    ("week", _("This week")),
    ("upcoming", _("From now on")),
]
ORDER_CHOICES = [("soonest", _("Soonest first")), ("latest", _("Latest first"))]

# Offsets a person picks reminders at (minutes before the follow-up).
REMINDER_OFFSETS = [
    (10080, _("1 week before")),
    (2880, _("2 days before")),
    (1440, _("1 day before")),
    (180, _("3 hours before")),
    (60, _("1 hour before")),
    (30, _("30 minutes before")),
    (15, _("15 minutes before")),
    (0, _("At the time")),
]
DURATIONS = [(15, _("15 minutes")), (30, _("30 minutes")), (45, _("45 minutes")), (60, _("1 hour")),
             (90, _("1½ hours")), (120, _("2 hours")), (240, _("Half a day"))]  # fmt: skip


def datetime_local_field(**kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        **kwargs,
    )


# --- The list's filters ---------------------------------------------------------------------------


class FollowUpFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTERS, required=False)
    # Its choices are the types the page has read (`types`), set in __init__.
    type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=FollowUpType.unscoped.none(),
        required=False,
        empty_label=_("Any type"),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], required=False
    )
    when = forms.ChoiceField(label=_("When"), choices=WHEN_FILTERS, required=False)
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    assignee = forms.ChoiceField(required=False, label=_("Assignee"))
    contact = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    lead = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    order = forms.ChoiceField(choices=ORDER_CHOICES, required=False, label=_("Order"))

    MAIN_FIELDS = ("q", "status", "assignee", "when")
    HIDDEN_FIELDS = ("contact", "lead")

    def __init__(self, data, *, tenant: Tenant, membership: Membership, members, types):
        # Without a choice the list shows the member's default scope (a manager: everyone), and
        # the select must say so: showing "Mine" then would make picking "Mine" do nothing.
        self.default_assignee = default_assignee_scope(membership)
        if not (data or {}).get("assignee"):
            data = data.copy() if data is not None else {}
            data["assignee"] = self.default_assignee
        super().__init__(data)
        self.membership = membership
        declared = self.fields["type"]
        self.fields["type"] = PrefetchedModelChoiceField(
            model=FollowUpType,
            objects=types,
            label=declared.label,
            required=False,
            empty_label=declared.empty_label,
        )
        self.fields["assignee"].choices = [
            ("mine", _("Mine")),
            ("all", _("Everyone")),
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
        return any(
            value
            for key, value in self.data.items()
            if key != "after" and not (key == "assignee" and value == self.default_assignee)
        )

    @property
    def more_is_narrowed(self) -> bool:
        return any(self.data.get(field.name) for field in self.secondary_fields)


# --- Quick actions --------------------------------------------------------------------------------


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Ticked: the member goes on to the form of the next follow-up with this customer.
    next_one = forms.BooleanField(required=False, label=_("Schedule the next one"))


RESCHEDULE_CHOICES = [
    ("tomorrow", _("Tomorrow")),
    ("next_week", _("Next week")),
    ("pick", _("Pick a date and time")),
]


class RescheduleForm(forms.Form):
    to = forms.ChoiceField(label=_("To"), choices=RESCHEDULE_CHOICES, initial="pick")
    at = datetime_local_field(required=False, label=_("New date and time"))

    def clean(self):
        data = super().clean()
        if data.get("to") == "pick" and not data.get("at"):
            raise ValidationError(_("Pick the new date and time."))
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
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class DelegateForm(TenantFormMixin, forms.Form):
    assignee = MemberChoiceField(
        label=_("Assignee"), queryset=Membership.unscoped.none(), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_members(tenant=self.tenant)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Body"), max_length=10000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BulkForm(forms.Form):
    """One change to many ticked follow-ups; an empty choice leaves that part as it is."""

    follow_ups = forms.ModelMultipleChoiceField(
        label=_("Follow ups"),
        queryset=FollowUp.unscoped.none(),
        error_messages={"required": _("Tick the follow-ups to change first.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Status: keep")),
            (Status.IN_PROGRESS, _("Start (in progress)")),
            (Status.COMPLETED, _("Complete (outcome “other”)")),
            (Status.CANCELLED, _("Cancel")),
        ],
    )
    # Its choices are the members the page has read (`members`), set in __init__.
    assignee = MemberChoiceField(
        label=_("Assignee"),
        queryset=Membership.unscoped.none(),
        required=False,
        empty_label=_("Assignee: keep"),
    )
    scheduled_at = datetime_local_field(required=False, label=_("Move to"))
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Priority: keep")), *Priority.choices]
    )

    def __init__(self, *args, follow_ups, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_ups"].queryset = follow_ups
        declared = self.fields["assignee"]
        self.fields["assignee"] = PrefetchedMemberChoiceField(
            model=Membership,
            objects=members,
            label=declared.label,
            required=False,
            empty_label=declared.empty_label,
        )

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("status", "assignee", "scheduled_at", "priority")):
            raise ValidationError(_("Choose what to change."))
        return data


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    query = forms.CharField(label=_("Query"), max_length=1000, required=False)


# --- Repeating -----------------------------------------------------------------------------------

REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("daily", _("Every day")),
    ("weekly", _("Every week, on the days ticked")),
    ("monthly", _("Every month, on this day of the month")),
    ("custom", _("Every few days, weeks or months")),
]
UNIT_CHOICES = [("DAILY", _("days")), ("WEEKLY", _("weeks")), ("MONTHLY", _("months"))]
WEEKDAY_CHOICES = list(
    zip(
        WEEKDAYS,
        (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")),
        strict=True,
    )
)
END_CHOICES = [
    ("never", _("Never")),
    ("until", _("On a date")),
    ("count", _("After a number of times")),
]


class RepeatForm(forms.Form):
    """How a follow-up repeats: daily, weekly on some days, monthly on the start's day of the
    month, or every N days, weeks or months; ending never, on a date, or after N times. The time of
    day (and, monthly, the day) come from the follow-up's own time. `rule` is the RRULE after
    cleaning ("" when it does not repeat)."""

    repeat = forms.ChoiceField(choices=REPEAT_CHOICES, required=False, label=_("Repeat"))
    interval = forms.IntegerField(
        required=False, min_value=1, max_value=365, initial=2, label=_("Every")
    )
    unit = forms.ChoiceField(choices=UNIT_CHOICES, required=False, initial="WEEKLY", label="")
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("On"),
    )
    ends = forms.ChoiceField(
        choices=END_CHOICES, required=False, initial="never", label=_("Ends"), widget=forms.Select
    )
    until = forms.DateField(
        required=False, label=_("Last date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(required=False, min_value=1, max_value=500, label=_("Times"))

    rule = ""

    def clean(self):
        data = super().clean()
        self.rule = ""
        repeat = data.get("repeat")
        start = data.get("scheduled_at")
        if not repeat or start is None:
            return data
        local = timezone.localtime(start)
        weekdays = data.get("weekdays") or []
        interval = 1
        if repeat == "custom":
            frequency = data.get("unit") or "WEEKLY"
            interval = data.get("interval")
            if not interval:
                self.add_error("interval", gettext("Say how often it repeats."))
                return data
        else:
            frequency = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}[repeat]
        if frequency == "WEEKLY" and not weekdays:
            weekdays = [WEEKDAYS[local.weekday()]]
        try:
            self.rule = recurrence_rule(
                frequency=frequency,
                interval=interval,
                weekdays=weekdays if frequency == "WEEKLY" else (),
                month_day=local.day if frequency == "MONTHLY" else None,
            )
        except ValidationError as error:
            self.add_error("repeat", error.messages)
        ends = data.get("ends") or "never"
        if ends == "until" and not data.get("until"):
            self.add_error("until", gettext("Pick the last date."))
        elif ends == "until" and data["until"] < local.date():
            self.add_error("until", gettext("The last date comes before the first."))
        if ends == "count" and not data.get("count"):
            self.add_error("count", gettext("Say how many times."))
        return data

    @property
    def repeat_until(self):
        return self.cleaned_data.get("until") if self.cleaned_data.get("ends") == "until" else None

    @property
    def repeat_count(self):
        return self.cleaned_data.get("count") if self.cleaned_data.get("ends") == "count" else None


def repeat_initial(series) -> dict:
    """The repeat fields as a series' rule fills them in (the edit form of an occurrence)."""
    parts = dict(part.partition("=")[::2] for part in series.rule.upper().split(";") if "=" in part)
    frequency = parts.get("FREQ", "WEEKLY")
    interval = int(parts.get("INTERVAL", 1))
    named = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly"}
    repeat = named.get(frequency, "custom") if interval == 1 else "custom"
    initial = {
        "repeat": repeat,
        "interval": interval if interval > 1 else 2,
        "unit": frequency if frequency in dict(UNIT_CHOICES) else "WEEKLY",
        "weekdays": [day[-2:] for day in parts["BYDAY"].split(",")] if "BYDAY" in parts else [],
        "ends": "never",
    }
    if series.count:
        initial |= {"ends": "count", "count": series.count}
    elif series.until:
        initial |= {"ends": "until", "until": timezone.localtime(series.until, series.zone).date()}
    return initial


# --- Create ---------------------------------------------------------------------------------------


class FollowUpForm(TenantFormMixin, RepeatForm):
    """A new follow-up, once or repeating (a series whose first occurrence is "When"). The contact is fixed when it was started from a contact, lead or ticket;
    otherwise it is picked from those matching a search (`candidates`)."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    type = forms.ModelChoiceField(
        label=_("Type"), queryset=FollowUpType.unscoped.none(), empty_label=None
    )
    scheduled_at = datetime_local_field(label=_("When"))
    duration_minutes = forms.TypedChoiceField(
        choices=DURATIONS, coerce=int, initial=30, label=_("How long")
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    assignee = MemberChoiceField(
        label=_("Assignee"), queryset=Membership.unscoped.none(), empty_label=None
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.unscoped.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the customer this follow-up is with.")},
    )
    lead = forms.ModelChoiceField(
        label=_("Lead"), queryset=Lead.unscoped.none(), required=False, empty_label=_("No lead")
    )
    ticket = forms.ModelChoiceField(
        label=_("Ticket"),
        queryset=Ticket.unscoped.none(),
        required=False,
        empty_label=_("No ticket"),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reminder_offsets = forms.TypedMultipleChoiceField(
        choices=REMINDER_OFFSETS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Remind"),
    )
    reminder_channels = forms.MultipleChoiceField(
        choices=ReminderChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("By"),
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
            raise ValidationError(_("Pick a time from now on."))
        return at

    def clean(self):
        data = super().clean()
        contact = data.get("contact")
        for name in ("lead", "ticket"):
            related = data.get(name)
            if related is not None and contact is not None and related.contact_id != contact.pk:
                self.add_error(name, _("That %(name)s is another customer's.") % {"name": name})
        if data.get("reminder_offsets") and not data.get("reminder_channels"):
            self.add_error("reminder_channels", _("Choose how to be reminded."))
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


# --- Edit -----------------------------------------------------------------------------------------

SCOPE_CHOICES = [
    ("one", _("This one only")),
    ("series", _("The whole series (every one still to come)")),
]


class FollowUpEditForm(ServiceErrorsMixin, TenantFormMixin, RepeatForm):
    """Edit a follow-up still to do. One that is part of a series asks whether the change is for
    this occurrence or the whole series (whose timing, the repeat fields, only the latter can
    change)."""

    subject = forms.CharField(max_length=200, label=_("Subject"))
    type = forms.ModelChoiceField(
        queryset=FollowUpType.unscoped.none(), empty_label=None, label=_("Type")
    )
    scheduled_at = datetime_local_field(label=_("When"))
    duration_minutes = forms.TypedChoiceField(choices=DURATIONS, coerce=int, label=_("How long"))
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))
    assignee = MemberChoiceField(
        queryset=Membership.unscoped.none(), empty_label=None, label=_("Assignee")
    )
    description = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Description"),
    )
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES,
        required=False,
        initial="one",
        widget=forms.RadioSelect,
        label=_("Change"),
    )

    def __init__(self, *args, follow_up: FollowUp, **kwargs):
        series = follow_up.series
        initial = {
            "subject": follow_up.subject,
            "type": follow_up.type_id,
            "scheduled_at": follow_up.scheduled_at,
            "duration_minutes": follow_up.duration_minutes,
            "priority": follow_up.priority,
            "assignee": follow_up.assignee_id,
            "description": follow_up.description,
            "scope": "one",
            **(repeat_initial(series) if series is not None else {}),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.follow_up = follow_up
        self.fields["type"].queryset = FollowUpType.objects.filter(tenant=self.tenant).filter(
            Q(is_archived=False) | Q(pk=follow_up.type_id)
        )
        self.fields["assignee"].queryset = assignable_members(tenant=self.tenant)
        if follow_up.duration_minutes not in dict(DURATIONS):
            self.fields["duration_minutes"].choices = sorted(
                [*DURATIONS, (follow_up.duration_minutes, f"{follow_up.duration_minutes} min")]
            )
        if series is None:
            for name in ("scope", *RepeatForm.base_fields):
                del self.fields[name]
        else:
            self.fields["repeat"].choices = REPEAT_CHOICES[1:]  # a series keeps repeating

    @property
    def is_series(self) -> bool:
        return "scope" in self.fields

    @property
    def whole_series(self) -> bool:
        return self.is_series and self.cleaned_data.get("scope") == "series"

    def clean(self):
        if not self.is_series or self.cleaned_data.get("scope") != "series":
            self.rule = ""  # "this one" leaves the series' timing alone
            return forms.Form.clean(self)
        return super().clean()
