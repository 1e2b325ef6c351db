"""Forms of the admin's lead configuration pages. Every choice list is the tenant's own."""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import TenantFormMixin
from crm.kit.languages import tenant_language
from crm.models import UI_LANGUAGES, Membership
from leads.models import (
    CUSTOMER_LABEL_MAX_LENGTH,
    AssignmentRule,
    LeadSettings,
    LeadSource,
    LeadType,
    Pipeline,
    Stage,
    TaxRate,
)
from leads.pipeline_templates import TEMPLATES
from leads.selectors import configuration as configuration_selectors
from leads.services.configuration import STAGE_FIELDS

BLANK = ""


class PipelineCreateForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Start from"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "A ready-made pipeline comes with its stages and allowed delays; "
            "change them afterwards."
        ),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        required=False,
        help_text=_("Empty: the name of the template."),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    lead_type = forms.ChoiceField(
        choices=[(BLANK, _("Any")), *LeadType.choices],
        required=False,
        label=_("Usual type of job"),
        help_text=_("New leads in this pipeline default to it (a template sets its own)."),
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
            self.add_error("name", _("Name the new pipeline."))
        return cleaned


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "description", "lead_type", "is_archived"]
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "lead_type": _("Usual type of job"),
            "is_archived": _("Archived"),
        }
        help_texts = {
            "lead_type": _("The usual type of job in this pipeline; new leads default to it."),
            "is_archived": _("Archived pipelines take no new leads; their leads stay."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_type"].choices = [(BLANK, _("Any")), *LeadType.choices]


class StageForm(TenantFormMixin, forms.ModelForm):
    """Every setting of a stage. Clashes with the pipeline's other stages are the service's to
    find (it holds the lock); this form catches what one stage alone gets wrong.

    What the customer sees is one input per language: the team's language fills the customer
    label, the others its translations (`customer_labels`)."""

    class Meta:
        model = Stage
        fields = [name for name in STAGE_FIELDS if name != "customer_labels"]
        help_texts = {
            "customer_label": "",
            "orange_after": _("Time in this stage before it turns orange; empty: never."),
            "red_after": _("Time in this stage before it turns red; empty: never."),
            "is_won": _("Entering this stage marks the lead won."),
            "is_lost": _("Leads marked lost move here (they keep their history)."),
            "is_terminal": _("The job's life ends here: no aging, no alerts."),
            "show_in_portal": _(
                "Hidden stages fold into the previous step in the customer portal."
            ),
            "moves_on": _(
                "Leads move here on their own when this happens (if they are not past it)."
            ),
        }
        labels = {
            "delay_unit": _("Delays counted in"),
            "orange_after": _("Orange after"),
            "red_after": _("Red after"),
            "is_won": _("Won stage"),
            "is_lost": _("Lost stage"),
            "is_terminal": _("Last stage of the job"),
            "show_in_portal": _("Show in the customer portal"),
            "moves_on": _("Leads move here automatically when"),
            "name": _("Name"),
            "customer_label": _("Customer label"),
            "phase": _("Phase"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moves_on"].choices = [
            (BLANK, _("Never (moved by hand)")),
            *self.moves_on_events,
        ]
        self._add_customer_label_fields()

    def _add_customer_label_fields(self) -> None:
        self.team_language = tenant_language(self.tenant)
        names = dict(UI_LANGUAGES)
        stored = self.instance.customer_labels or {}
        self.fields["customer_label"].label = _("%(language)s (the team's language)") % {
            "language": names[self.team_language]
        }
        if stored.get(self.team_language):
            # Written while the team spoke another language: what these customers see today.
            self.initial["customer_label"] = stored[self.team_language]
        for code in self.other_languages:
            self.fields[f"customer_label_{code}"] = forms.CharField(
                label=names[code],
                max_length=CUSTOMER_LABEL_MAX_LENGTH,
                required=False,
                initial=stored.get(code, ""),
            )

    @property
    def other_languages(self) -> list[str]:
        return [code for code, _name in settings.LANGUAGES if code != self.team_language]

    @property
    def customer_label_fields(self) -> list:
        """The inputs of what the customer sees: the team's language first."""
        return [self["customer_label"]] + [
            self[f"customer_label_{code}"] for code in self.other_languages
        ]

    @property
    def moves_on_events(self):
        return [choice for choice in Stage._meta.get_field("moves_on").choices if choice[0]]

    def clean(self):
        cleaned = super().clean()
        orange, red = cleaned.get("orange_after"), cleaned.get("red_after")
        if orange is not None and red is not None and red < orange:
            self.add_error(
                "red_after", _("Red comes after orange: give at least the orange delay.")
            )
        if cleaned.get("is_won") and cleaned.get("is_lost"):
            self.add_error("is_lost", _("A stage cannot be both won and lost."))
        cleaned["customer_labels"] = {
            code: label.strip()
            for code in self.other_languages
            if (label := cleaned.get(f"customer_label_{code}", "")).strip()
        }
        return cleaned


class LeadSourceForm(TenantFormMixin, forms.ModelForm):
    class Meta:
        model = LeadSource
        fields = ["name", "default_cost", "priority_points", "is_archived"]
        labels = {
            "name": _("Name"),
            "priority_points": _("Priority points"),
            "default_cost": _("Usual cost per lead"),
            "is_archived": _("Archived"),
        }
        help_texts = {
            "default_cost": _("What a lead from this source usually costs; each lead can differ."),
            "priority_points": _("Added to the priority score of its leads (negative lowers it)."),
            "is_archived": _("Archived sources are not offered for new leads."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_cost"].label = _("Usual cost per lead (%(currency)s)") % {
            "currency": self.tenant.currency
        }


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        return str(membership.user)


class AssignmentRuleForm(TenantFormMixin, forms.ModelForm):
    # Declared with empty querysets: the tenant's own are set per form, in __init__.
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.unscoped.none(),
        required=False,
        label=_("Leads in pipeline"),
        empty_label=_("Any pipeline"),
    )
    source = forms.ModelChoiceField(
        queryset=LeadSource.unscoped.none(),
        required=False,
        label=_("Leads from source"),
        empty_label=_("Any source"),
    )
    members = MemberMultipleChoiceField(
        label=_("Members"),
        queryset=Membership.unscoped.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every active rep."),
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
        help_texts = {
            "lead_type": _("Empty: any."),
            "require_availability": _("Only members working now (weekly hours, not on time off)."),
            "require_capacity": _("Only members below their open-lead cap."),
            "require_expertise": _("Only members whose expertise matches residential/commercial."),
            "require_territory": _("Only members whose territories cover the property."),
        }
        labels = {
            "is_active": _("Active"),
            "lead_type": _("Type of job"),
            "require_availability": _("Working now"),
            "require_capacity": _("Below their lead cap"),
            "require_expertise": _("Expertise matches"),
            "require_territory": _("Territory covers the property"),
            "name": _("Name"),
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
        self.fields["lead_type"].choices = [(BLANK, _("Any type")), *LeadType.choices]
        self.fields["members"].queryset = configuration_selectors.assignable_members(
            tenant=self.tenant
        )


class LeadSettingsForm(forms.ModelForm):
    class Meta:
        model = LeadSettings
        fields = ["untouched_owner_alert_minutes", "untouched_manager_alert_minutes"]
        labels = {
            "untouched_owner_alert_minutes": _("Alert the owner after (minutes)"),
            "untouched_manager_alert_minutes": _("Alert the managers after (minutes)"),
        }
        help_texts = {
            "untouched_owner_alert_minutes": _(
                "A new lead nobody has called, emailed or texted "
                "yet alerts its owner after this long."
            ),
            "untouched_manager_alert_minutes": _(
                "…and the managers after this long (no sooner than the owner)."
            ),
        }

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("untouched_owner_alert_minutes")
        manager = cleaned.get("untouched_manager_alert_minutes")
        if owner is not None and manager is not None and manager < owner:
            self.add_error(
                "untouched_manager_alert_minutes", _("Alert the managers no sooner than the owner.")
            )
        return cleaned


class AssignmentSettingsForm(forms.ModelForm):
    class Meta:
        model = LeadSettings
        fields = ["capacity_counts"]
        labels = {"capacity_counts": _("A rep's lead cap counts")}
        widgets = {"capacity_counts": forms.RadioSelect}


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ["name", "percent", "is_default", "is_archived"]
        labels = {
            "name": _("Name"),
            "percent": _("Percent"),
            "is_default": _("Default for new quote lines"),
            "is_archived": _("Archived"),
        }
        help_texts = {
            "name": _("As the customer reads it on quotes and invoices, e.g. Sales tax, BTW 21 %."),
            "percent": _("e.g. 7 or 21."),
            "is_default": _("Every new quote line gets this rate unless the line picks another."),
            "is_archived": _(
                "Not offered for new quote lines; quotes and invoices keep the rate they have."
            ),
        }
