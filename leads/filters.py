"""The lead list's filters. Every choice list is the active tenant's; aging is computed per stage
at read time (leads.aging), so the filter agrees with the colours the rows show."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.kit.prefetched import PrefetchedModelChoiceFilter
from crm.models import Membership, Role, Tenant
from leads.aging import Aging, aging_filter
from leads.models import LeadSource, LeadStatus, LeadType, Pipeline, Stage
from leads.selectors import search
from leads.selectors.lists import ListReferences, list_references

OWNER_SCOPES = [("mine", _("My leads")), ("team", _("Everyone")), ("unassigned", _("Unassigned"))]
PRIORITY_BANDS = {"high": (40, None), "medium": (15, 39), "low": (None, 14)}
SORT_CHOICES = [
    ("priority", _("Priority")),
    ("aging", _("Longest in stage")),
    ("created", _("Newest")),
]
STATUS_CHOICES = [*LeadStatus.choices, ("all", _("Any status"))]


def default_owner_scope(membership: Membership) -> str:
    """A rep starts on their own leads, a manager on the whole team's."""
    return "mine" if membership.role == Role.REP else "team"


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("Status"), empty_label=None
    )
    scope = django_filters.ChoiceFilter(
        choices=OWNER_SCOPES, method="filter_scope", label=_("Whose"), empty_label=None
    )
    # Their choices are the page's reference lists, read together (ListReferences): no query of
    # their own to list the options or to check the chosen one.
    owner = PrefetchedModelChoiceFilter(
        model=Membership, label=_("Owner"), empty_label=_("Any owner")
    )
    pipeline = PrefetchedModelChoiceFilter(model=Pipeline, empty_label=_("Any pipeline"))
    stage = PrefetchedModelChoiceFilter(model=Stage, empty_label=_("Any stage"))
    source = PrefetchedModelChoiceFilter(model=LeadSource, empty_label=_("Any source"))
    lead_type = django_filters.ChoiceFilter(
        choices=LeadType.choices, label=_("Type"), empty_label=_("Any type")
    )
    aging = django_filters.ChoiceFilter(
        # A callable: the labels in the language of the page, not of the first import.
        choices=lambda: [(a.value, a.label) for a in (Aging.GREEN, Aging.ORANGE, Aging.RED)],
        method="filter_aging",
        label=_("Aging"),
        empty_label=_("Any aging"),
    )
    priority = django_filters.ChoiceFilter(
        choices=[("high", _("High")), ("medium", _("Medium")), ("low", _("Low"))],
        method="filter_priority",
        label=_("Priority"),
        empty_label=_("Any priority"),
    )
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Created to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_nothing", label=_("Sort"), empty_label=None
    )

    def __init__(
        self,
        data=None,
        *args,
        tenant: Tenant,
        membership: Membership | None,
        references: ListReferences | None = None,
        **kwargs,
    ):
        data = data.copy() if data is not None else {}
        data.setdefault("status", LeadStatus.OPEN)
        if "scope" not in data:
            # The REST API lists for the team (no member): it always says which scope.
            data["scope"] = default_owner_scope(membership)
        data.setdefault("sort", "priority")
        super().__init__(data, *args, **kwargs)
        self.tenant, self.membership = tenant, membership
        references = references or list_references(tenant=tenant, membership=membership)
        self.filters["owner"].extra["objects"] = references.members
        self.filters["pipeline"].extra["objects"] = references.pipelines
        # Archived stages stay filterable: leads may still sit in them (settings links here).
        self.filters["stage"].extra["objects"] = references.stages
        self.stages = references.stages
        self.filters["source"].extra["objects"] = references.sources
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
        return search.leads_matching(queryset, value, open_only=self.lists_open_leads)

    def filter_aging(self, queryset, name, value):
        # Every stage of the tenant, from the page's small lists: no statement of its own.
        stages = self.stages
        if self.data.get("stage"):
            chosen = self.form.cleaned_data["stage"].pk
            stages = [stage for stage in stages if stage.pk == chosen]
        now = timezone.now()
        return queryset.filter(
            aging_filter(self.tenant, stages, value, now, walked=self.walks_open_priority)
        )

    @property
    def lists_open_leads(self) -> bool:
        """Whether the list is of open leads only (read from the form: the filters run in their
        declared order, so a filter before `status` sees a queryset it has not narrowed yet)."""
        return self.form.cleaned_data.get("status") == LeadStatus.OPEN

    @property
    def walks_open_priority(self) -> bool:
        """Whether the list is open leads by priority, read from lead_open_priority (the team's)
        or lead_owner_open_priority (one owner's, or nobody's), whose entries hold each lead's
        stage and its entry time."""
        return self.lists_open_leads and self.sort_order == "priority"

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
    label = f"{stage.pipeline.name}: {stage.name}"
    if stage.is_archived:
        return gettext("%(name)s (archived)") % {"name": label}
    return label
