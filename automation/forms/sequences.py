"""Forms of the sequence pages. Choices are the tenant's own; the rules a sequence and its steps
must follow are the service's (automation.services.sequences) to check, shown on the fields here."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from automation.models import Sequence, SequenceStep, StepKind
from automation.selectors import sequences as selectors
from automation.services.sequence_editing import LONGEST_DAY_OFFSET
from crm.kit.forms import RedisplayMixin, ServiceErrorsMixin, TenantFormMixin
from crm.kit.languages import translated_choices
from crm.models import Contact
from leads.models import Lead
from messaging.models import MessageChannel

BLANK = ""


class SequenceForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("What it is for, e.g. “From signed contract to a submitted file”."),
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Active"),
        help_text=_("Switched off, nobody new can join and everyone in it now is stopped."),
    )

    def __init__(self, *args, sequence: Sequence | None = None, **kwargs):
        if sequence is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": sequence.name,
                    "description": sequence.description,
                    "is_active": sequence.is_active,
                },
            )
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


def _template_label(template) -> str:
    if template.is_archived:
        return gettext("%(name)s (archived)") % {"name": template.name}
    return template.name


class SequenceStepForm(ServiceErrorsMixin, RedisplayMixin, TenantFormMixin, forms.Form):
    day_offset = forms.IntegerField(
        min_value=0,
        max_value=LONGEST_DAY_OFFSET,
        initial=1,
        label=_("On day"),
        help_text=_("Days after enrolment (0: at once). From day 1 a step runs at 9:00."),
    )
    kind = forms.ChoiceField(
        choices=StepKind.choices, widget=forms.RadioSelect, initial=StepKind.TASK, label=_("Do")
    )
    template = forms.ChoiceField(required=False, label=_("Template"))
    channels = forms.MultipleChoiceField(
        choices=translated_choices(MessageChannel),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("On"),
        help_text=_("The message goes on every channel ticked."),
    )
    follow_up_type = forms.ChoiceField(required=False, label=_("Type of follow-up"))
    subject = forms.CharField(
        max_length=200,
        required=False,
        label=_("What to do"),
        help_text=_("What the owner (or the manager) sees, e.g. “Welcome call”."),
    )

    def __init__(self, *args, step: SequenceStep | None = None, **kwargs):
        if step is not None:
            kwargs.setdefault("initial", self.values_of(step))
        super().__init__(*args, **kwargs)
        self.templates = {
            str(t.pk): t for t in selectors.step_templates(tenant=self.tenant, step=step)
        }
        self.fields["template"].choices = [
            (BLANK, _("Pick a template")),
            *((key, _template_label(t)) for key, t in self.templates.items()),
        ]
        self.types = {
            str(t.pk): t for t in selectors.step_follow_up_types(tenant=self.tenant, step=step)
        }
        self.fields["follow_up_type"].choices = [(key, t.name) for key, t in self.types.items()]

    @staticmethod
    def values_of(step: SequenceStep) -> dict:
        return {
            "day_offset": step.day_offset,
            "kind": step.kind,
            "template": str(step.template_id or ""),
            "channels": step.channels,
            "follow_up_type": str(step.follow_up_type_id or ""),
            "subject": step.subject,
        }

    @property
    def chosen_kind(self) -> str:
        return self.current("kind") or StepKind.TASK

    def clean_template(self):
        return self.templates.get(self.cleaned_data["template"])

    def clean_follow_up_type(self):
        return self.types.get(self.cleaned_data["follow_up_type"])

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class EnrolForm(TenantFormMixin, forms.Form):
    sequence = forms.ModelChoiceField(
        queryset=Sequence.unscoped.none(), empty_label=_(_("Pick a sequence")), label=_("Sequence")
    )

    def __init__(self, *args, sequences=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sequence"].queryset = Sequence.objects.filter(
            tenant=self.tenant, is_active=True, steps__isnull=False
        ).distinct()
        if sequences is not None:
            # The panel already read them: its choices cost no second query.
            self.fields["sequence"].choices = [
                ("", _("Pick a sequence")),
                *((sequence.pk, sequence.name) for sequence in sequences),
            ]


class BulkEnrolForm(EnrolForm):
    """A list's selection: lead and contact ids, only this team's."""

    leads = forms.ModelMultipleChoiceField(
        label=_("Leads"), queryset=Lead.unscoped.none(), required=False
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"), queryset=Contact.unscoped.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].queryset = Lead.objects.filter(tenant=self.tenant).select_related(
            "owner"
        )
        self.fields["contacts"].queryset = Contact.objects.filter(tenant=self.tenant)

    def clean(self):
        data = super().clean()
        if not data.get("leads") and not data.get("contacts"):
            raise forms.ValidationError(_("Tick the leads or contacts to enrol."))
        return data


class StopForm(forms.Form):
    reason = forms.CharField(
        max_length=200, required=False, label=_("Why"), help_text=_("Empty: “Stopped by hand”.")
    )
