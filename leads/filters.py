"""The lead list's filters. Every choice list is the active tenant's; aging is computed per stage
at read time (leads.aging), so the filter agrees with the colours the rows show."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from crm.models import Membership, Role, Tenant
from leads.aging import Aging, aging_filter
from leads.models import LeadSource, LeadStatus, LeadType, Pipeline, Stage
from leads.selectors import configuration as configuration_selectors
from leads.selectors import search

OWNER_SCOPES = [("mine", "My leads"), ("team", "Everyone"), ("unassigned", "Unassigned")]
PRIORITY_BANDS = {"high": (40, None), "medium": (15, 39), "low": (None, 14)}
SORT_CHOICES = [("priority", "Priority"), ("aging", "Longest in stage"), ("created", "Newest")]
STATUS_CHOICES = [*LeadStatus.choices, ("all", "Any status")]


def default_owner_scope(membership: Membership) -> str:
    """A rep starts on their own leads, a manager on the whole team's."""
    return "mine" if membership.role == Role.REP else "team"


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label="Status", empty_label=None
    )
    scope = django_filters.ChoiceFilter(
        choices=OWNER_SCOPES, method="filter_scope", label="Whose", empty_label=None
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=Membership.unscoped.none(), label="Owner", empty_label="Any owner"
    )
    pipeline = django_filters.ModelChoiceFilter(
        queryset=Pipeline.unscoped.none(), empty_label="Any pipeline"
    )
    stage = django_filters.ModelChoiceFilter(
        queryset=Stage.unscoped.none(), empty_label="Any stage"
    )
    source = django_filters.ModelChoiceFilter(
        queryset=LeadSource.unscoped.none(), empty_label="Any source"
    )
    lead_type = django_filters.ChoiceFilter(
        choices=LeadType.choices, label="Type", empty_label="Any type"
    )
    aging = django_filters.ChoiceFilter(
        choices=[(a.value, a.label) for a in (Aging.GREEN, Aging.ORANGE, Aging.RED)],
        method="filter_aging",
        label="Aging",
        empty_label="Any aging",
    )
    priority = django_filters.ChoiceFilter(
        choices=[("high", "High"), ("medium", "Medium"), ("low", "Low")],
        method="filter_priority",
        label="Priority",
        empty_label="Any priority",
    )
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Created from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Created to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_nothing", label="Sort", empty_label=None
    )

    def __init__(self, data=None, *args, tenant: Tenant, membership: Membership, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", LeadStatus.OPEN)
        data.setdefault("scope", default_owner_scope(membership))
        data.setdefault("sort", "priority")
        super().__init__(data, *args, **kwargs)
        self.tenant, self.membership = tenant, membership
        self.filters["owner"].queryset = configuration_selectors.assignable_members(tenant=tenant)
        self.filters["pipeline"].queryset = configuration_selectors.pipelines_for_tenant(
            tenant=tenant
        )
        # Archived stages stay filterable: leads may still sit in them (settings links here).
        self.filters["stage"].queryset = (
            Stage.objects.filter(tenant=tenant)
            .select_related("pipeline")
            .order_by("is_archived", "pipeline__position", "pipeline_id", "position", "id")
        )
        self.filters["source"].queryset = configuration_selectors.lead_sources_for_tenant(
            tenant=tenant
        )
        # The form is built on first use: only now, with every queryset in place.
        self.form.fields["stage"].label_from_instance = stage_label

    @property
    def sort_order(self) -> str:
        return self.form.cleaned_data.get("sort") or "priority"

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_scope(self, queryset, name, value):
        if self.data.get("owner"):
            return queryset  # picking an owner overrides the scope
        if value == "mine":
            return queryset.filter(owner=self.membership)
        if value == "unassigned":
            return queryset.filter(owner__isnull=True)
        return queryset

    def filter_search(self, queryset, name, value):
        return search.leads_matching(queryset, value)

    def filter_aging(self, queryset, name, value):
        stages = Stage.objects.filter(tenant=self.tenant)
        if self.data.get("stage"):
            stages = stages.filter(pk=self.form.cleaned_data["stage"].pk)
        return queryset.filter(aging_filter(self.tenant, stages, value, timezone.now()))

    def filter_priority(self, queryset, name, value):
        low, high = PRIORITY_BANDS[value]
        band = Q()
        if low is not None:
            band &= Q(priority_score__gte=low)
        if high is not None:
            band &= Q(priority_score__lte=high)
        return queryset.filter(band)

    MAIN_FIELDS = ("q", "scope", "status", "sort")

    @property
    def secondary_fields(self):
        """The filters under "More filters"; the main ones sit in the toolbar."""
        return [field for field in self.form if field.name not in self.MAIN_FIELDS]

    @property
    def is_narrowed(self) -> bool:
        """Whether anything beyond the defaults is applied (the page offers "Clear")."""
        defaults = {"status", "scope", "sort"}
        return any(value for key, value in self.data.items() if key not in defaults | {"after"})


def stage_label(stage: Stage) -> str:
    archived = " (archived)" if stage.is_archived else ""
    return f"{stage.pipeline.name}: {stage.name}{archived}"
