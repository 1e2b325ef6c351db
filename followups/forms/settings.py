"""Forms of the follow-up settings pages (types, templates, neglect and digest) and of the CSV
import. Every choice list is the active tenant's."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.kit.csv_files import MAX_UPLOAD_BYTES
from crm.kit.forms import MemberChoiceField, TenantFormMixin, digest_hour_choices
from crm.models import Membership
from followups.forms.follow_ups import REMINDER_OFFSETS
from followups.models import FollowUpSettings, FollowUpTemplate, FollowUpType, Priority
from followups.selectors.members import assignable_members
from followups.services.configuration import MAX_NEGLECT_DAYS


class FollowUpSettingsForm(forms.ModelForm):
    digest_hour = forms.TypedChoiceField(
        coerce=int,
        label=gettext_lazy("Daily digest at"),
        help_text=gettext_lazy(
            "In each member's own time zone (their profile's, else the team's), at your team's "
            "own minute past the hour."
        ),
    )

    class Meta:
        model = FollowUpSettings
        fields = ["neglect_after_days", "manager_alert_after_days", "digest_hour"]
        labels = {
            "neglect_after_days": gettext_lazy("Neglected after (days without a touch)"),
            "manager_alert_after_days": gettext_lazy("Tell the managers after (more days)"),
        }
        help_texts = {
            "neglect_after_days": gettext_lazy(
                "An open lead nobody has called, written to or met for this "
                "long is flagged, and its owner gets a high-priority follow-up."
            ),
            "manager_alert_after_days": gettext_lazy(
                "Still untouched this many days after the flag: the "
                "managers are told to check on the rep."
            ),
        }
        widgets = {
            "neglect_after_days": forms.NumberInput(attrs={"min": 1, "max": MAX_NEGLECT_DAYS}),
            "manager_alert_after_days": forms.NumberInput(
                attrs={"min": 1, "max": MAX_NEGLECT_DAYS}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["digest_hour"].choices = digest_hour_choices(self.instance.tenant_id)


class StageNeglectForm(forms.Form):
    """One optional number per stage: its own neglect threshold (empty: the team's)."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for stage, days in rows:
            name = f"stage_{stage.pk}"
            self.fields[name] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=MAX_NEGLECT_DAYS,
                initial=days,
                label=stage.name,
                widget=forms.NumberInput(attrs={"min": 1, "max": MAX_NEGLECT_DAYS}),
            )
            self.rows.append((stage, name))

    @property
    def pipelines(self) -> list[tuple]:
        """(pipeline, [(stage, bound field), …]) in page order."""
        groups: list[tuple] = []
        for stage, name in self.rows:
            if not groups or groups[-1][0].pk != stage.pipeline_id:
                groups.append((stage.pipeline, []))
            groups[-1][1].append((stage, self[name]))
        return groups

    def thresholds(self) -> dict[int, int | None]:
        return {stage.pk: self.cleaned_data.get(name) for stage, name in self.rows}


class FollowUpTypeForm(forms.Form):
    name = forms.CharField(max_length=80, label=gettext_lazy("Name"))


class FollowUpTemplateForm(TenantFormMixin, forms.ModelForm):
    type = forms.ModelChoiceField(
        label=gettext_lazy("Type"), queryset=FollowUpType.unscoped.none(), empty_label=None
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    reminder_offsets = forms.TypedMultipleChoiceField(
        choices=REMINDER_OFFSETS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Reminders"),
    )

    class Meta:
        model = FollowUpTemplate
        fields = [
            "name",
            "type",
            "subject",
            "description",
            "priority",
            "days_after",
            "at_time",
            "reminder_offsets",
            "is_archived",
        ]
        labels = {
            "name": gettext_lazy("Template name"),
            "days_after": gettext_lazy("Days after it is used"),
            "at_time": gettext_lazy("At (local time)"),
            "is_archived": gettext_lazy("Archived (no longer offered)"),
            "subject": gettext_lazy("Subject"),
            "description": gettext_lazy("Description"),
        }
        help_texts = {
            "name": gettext_lazy("What the team picks it by, e.g. “Post-inspection call”."),
            "subject": gettext_lazy("The follow-up's subject."),
            "days_after": gettext_lazy("0: the same day."),
            "at_time": gettext_lazy("Empty: 10:00."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "at_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.type_id if self.instance and self.instance.pk else None
        self.fields["type"].queryset = FollowUpType.objects.filter(tenant=self.tenant).filter(
            Q(is_archived=False) | Q(pk=current)
        )
        if current is None:
            self.initial.setdefault(
                "type",
                FollowUpType.objects.filter(tenant=self.tenant, key="call")
                .values_list("pk", flat=True)
                .first(),
            )


class FollowUpImportForm(TenantFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "A header row naming the columns, one follow-up per row; at most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    assignee = MemberChoiceField(
        queryset=Membership.unscoped.none(),
        required=False,
        empty_label=None,
        label=gettext_lazy("Give them to"),
        help_text=gettext_lazy("Rows with an Assignee email column go to that person."),
    )

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_members(tenant=self.tenant)
        self.fields["assignee"].initial = membership.pk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before a byte is read: the size the browser sent is the size on disk.
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(value)s MB; the limit is 5 MB. Split it into smaller files and import them one after the other."
                )
                % {"value": format(upload.size / 1024 / 1024, ".1f")}
            )
        return upload
