"""Forms of the admin's lead configuration pages. Every choice list is the tenant's own."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import TenantFormMixin
from crm.models import Membership
from leads.models import AssignmentRule, LeadSettings, LeadSource, LeadType, Pipeline, Stage
from leads.pipeline_templates import TEMPLATES
from leads.selectors import configuration as configuration_selectors
from leads.services.configuration import STAGE_FIELDS

BLANK = ""


class PipelineCreateForm(forms.Form):
    template = forms.ChoiceField(
        label="Start from",
        required=False,
        widget=forms.RadioSelect,
        help_text="A ready-made pipeline comes with its stages and allowed delays; "
        "change them afterwards.",
    )
    name = forms.CharField(
        max_length=120, required=False, help_text="Empty: the name of the template."
    )
    description = forms.CharField(max_length=300, required=False)
    lead_type = forms.ChoiceField(
        choices=[(BLANK, "Any"), *LeadType.choices],
        required=False,
        label="Usual type of job",
        help_text="New leads in this pipeline default to it (a template sets its own).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [
            (BLANK, "A blank pipeline (add its stages yourself)"),
            *((key, f"{t.name}: {t.description}") for key, t in TEMPLATES.items()),
        ]
        self.initial.setdefault("template", next(iter(TEMPLATES)))

    def clean(self):
        cleaned = super().clean()
        template = TEMPLATES.get(cleaned.get("template") or "")
        cleaned["template"] = template
        if template is None and not cleaned.get("name", "").strip():
            self.add_error("name", "Name the new pipeline.")
        return cleaned


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "description", "lead_type", "is_archived"]
        labels = {"lead_type": "Usual type of job", "is_archived": "Archived"}
        help_texts = {"is_archived": "Archived pipelines take no new leads; their leads stay."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_type"].choices = [(BLANK, "Any"), *LeadType.choices]


class StageForm(forms.ModelForm):
    """Every setting of a stage. Clashes with the pipeline's other stages are the service's to
    find (it holds the lock); this form catches what one stage alone gets wrong."""

    class Meta:
        model = Stage
        fields = list(STAGE_FIELDS)
        labels = {
            "delay_unit": "Delays counted in",
            "orange_after": "Orange after",
            "red_after": "Red after",
            "is_won": "Won stage",
            "is_lost": "Lost stage",
            "is_terminal": "Last stage of the job",
            "show_in_portal": "Show in the customer portal",
            "moves_on": "Leads move here automatically when",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moves_on"].choices = [(BLANK, "Never (moved by hand)"), *self.moves_on_events]

    @property
    def moves_on_events(self):
        return [choice for choice in Stage._meta.get_field("moves_on").choices if choice[0]]

    def clean(self):
        cleaned = super().clean()
        orange, red = cleaned.get("orange_after"), cleaned.get("red_after")
        if orange is not None and red is not None and red < orange:
            self.add_error("red_after", "Red comes after orange: give at least the orange delay.")
        if cleaned.get("is_won") and cleaned.get("is_lost"):
            self.add_error("is_lost", "A stage cannot be both won and lost.")
        return cleaned


class LeadSourceForm(TenantFormMixin, forms.ModelForm):
    class Meta:
        model = LeadSource
        fields = ["name", "default_cost", "priority_points", "is_archived"]
        labels = {"default_cost": "Usual cost per lead", "is_archived": "Archived"}
        help_texts = {"is_archived": "Archived sources are not offered for new leads."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_cost"].label = f"Usual cost per lead ({self.tenant.currency})"


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        return str(membership.user)


class AssignmentRuleForm(TenantFormMixin, forms.ModelForm):
    # Declared with empty querysets: the tenant's own are set per form, in __init__.
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.unscoped.none(),
        required=False,
        label="Leads in pipeline",
        empty_label="Any pipeline",
    )
    source = forms.ModelChoiceField(
        queryset=LeadSource.unscoped.none(),
        required=False,
        label="Leads from source",
        empty_label="Any source",
    )
    members = MemberMultipleChoiceField(
        queryset=Membership.unscoped.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every active rep.",
    )

    class Meta:
        model = AssignmentRule
        fields = [
            "name",
            "is_active",
            "pipeline",
            "lead_type",
            "source",
            "members",
            "require_availability",
            "require_capacity",
            "require_expertise",
            "require_territory",
        ]
        labels = {
            "is_active": "Active",
            "lead_type": "Type of job",
            "require_availability": "Working now",
            "require_capacity": "Below their lead cap",
            "require_expertise": "Expertise matches",
            "require_territory": "Territory covers the property",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rule = self.instance
        # Archived pipelines and sources stay offered only to a rule that already names them.
        self.fields["pipeline"].queryset = configuration_selectors.pipelines_for_tenant(
            tenant=self.tenant, include_archived=True
        ).filter(Q(is_archived=False) | Q(pk=rule.pipeline_id))
        self.fields["source"].queryset = configuration_selectors.lead_sources_for_tenant(
            tenant=self.tenant, include_archived=True
        ).filter(Q(is_archived=False) | Q(pk=rule.source_id))
        self.fields["lead_type"].choices = [(BLANK, "Any type"), *LeadType.choices]
        self.fields["members"].queryset = configuration_selectors.assignable_members(
            tenant=self.tenant
        )


class LeadSettingsForm(forms.ModelForm):
    class Meta:
        model = LeadSettings
        fields = ["untouched_owner_alert_minutes", "untouched_manager_alert_minutes"]
        labels = {
            "untouched_owner_alert_minutes": "Alert the owner after (minutes)",
            "untouched_manager_alert_minutes": "Alert the managers after (minutes)",
        }
        help_texts = {
            "untouched_owner_alert_minutes": "A new lead nobody has called, emailed or texted "
            "yet alerts its owner after this long.",
            "untouched_manager_alert_minutes": "…and the managers after this long (no sooner "
            "than the owner).",
        }

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("untouched_owner_alert_minutes")
        manager = cleaned.get("untouched_manager_alert_minutes")
        if owner is not None and manager is not None and manager < owner:
            self.add_error(
                "untouched_manager_alert_minutes", "Alert the managers no sooner than the owner."
            )
        return cleaned


class AssignmentSettingsForm(forms.ModelForm):
    class Meta:
        model = LeadSettings
        fields = ["capacity_counts"]
        labels = {"capacity_counts": _("A rep's lead cap counts")}
        widgets = {"capacity_counts": forms.RadioSelect}
