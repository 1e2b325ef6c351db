"""The lead list: its rows, filters, sort orders and pages, saved filters, and the options every
row's action menus offer."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Expression, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.kit.formatting import duration
from crm.kit.statements import InstancesFor, RowsById, kept
from crm.kit.together import read_together
from crm.kit.translations import Translations
from crm.models import Membership, Tenant
from crm.pagination import KeysetPage, keyset_page
from leads.aging import AgingClock
from leads.models import (
    CallOutcome,
    Lead,
    LeadSettings,
    LeadSource,
    LostReason,
    Pipeline,
    SavedLeadFilter,
    Stage,
    StageVisit,
)
from leads.progress import ProgressBar, build_progress
from leads.rows import RowLead
from leads.scoring import ScorePart, score_parts
from leads.selectors.configuration import (
    assignable_members,
    lead_sources_for_tenant,
    pipelines_for_tenant,
    stages_by_pipeline,
)
from leads.selectors.lead_values import leads_as_values
from leads.selectors.settings import lead_settings_get, untouched_after

LEADS_PER_PAGE = 50
SORT_ORDERS = {
    "priority": ("-priority_score", "-id"),
    "aging": ("stage_entered_at", "id"),
    "created": ("-created_at", "-id"),
}


class VisitRow(NamedTuple):
    """What a progress bar reads of a stage visit."""

    lead_id: int
    stage_id: int
    entered_at: dt.datetime
    left_at: dt.datetime | None
    pk: int


@dataclass(frozen=True)
class LeadRow:
    lead: RowLead
    bar: ProgressBar
    time_in_stage: str
    # Why the lead has its priority score, from what the row already read (no query of its own).
    score_parts: tuple[ScorePart, ...] = ()

    @property
    def score_reasons(self) -> str:
        """The score's parts on one line, for the score's tooltip: "Time in stage: late +30; …"."""
        return "; ".join(f"{part.label} {part.points:+d}" for part in self.score_parts)


def lead_queryset(*, tenant: Tenant) -> QuerySet[Lead]:
    """Leads with what a list row shows, joined in the same query."""
    return Lead.objects.filter(tenant=tenant).select_related(
        "contact", "property", "stage", "pipeline", "owner__user", "source"
    )


def lead_rows(
    *,
    tenant: Tenant,
    leads: Sequence[RowLead],
    now: dt.datetime | None = None,
    stages: dict[int, list[Stage]] | None = None,
    settings: LeadSettings | None = None,
) -> list:
    """Each lead with its progress bar: a few queries whatever the number of leads (`stages`,
    from stages_by_pipeline, and the tenant's `settings` when the caller has already read them)."""
    now = now or timezone.now()
    stages = stages if stages is not None else stages_by_pipeline(tenant=tenant)
    # Visits as named tuples of what a bar reads, not model instances: a page of leads has
    # hundreds (6.5 a lead in the bench data set). Their statement is compiled once per process
    # for a tenant and a number of leads (crm.kit.statements).
    ids = [lead.pk for lead in leads]
    visits: dict[int, list] = defaultdict(list)
    if ids:
        statement = kept(
            ("leads.lead_rows visits", tenant.pk, len(ids)),
            lambda: RowsById(
                StageVisit.objects.filter(tenant=tenant).values_list(*VisitRow._fields),
                ids,
                field="lead_id",
            ),
        )
        for row in statement.rows(ids):
            visit = VisitRow._make(row)
            visits[visit.lead_id].append(visit)
    wait = untouched_after(settings or lead_settings_get(tenant=tenant))
    # Shared by every row: each stage's cutoffs at `now` and each message are worked out once.
    clock, translate = AgingClock(tenant, now), Translations()
    return [
        LeadRow(
            lead=lead,
            bar=build_progress(
                tenant=tenant,
                lead=lead,
                pipeline_stages=stages[lead.pipeline_id],
                visits=visits[lead.pk],
                now=now,
                untouched_after=wait,
                clock=clock,
                translate=translate,
            ),
            time_in_stage=duration(now - lead.stage_entered_at, short=True),
            score_parts=tuple(
                score_parts(
                    lead,
                    tenant=tenant,
                    now=now,
                    untouched_after=wait,
                    clock=clock,
                    translate=translate,
                )
            ),
        )
        for lead in leads
    ]


def lead_list(
    *,
    tenant: Tenant,
    leads: QuerySet[Lead],
    sort: str,
    after: str | None,
    stages: dict[int, list[Stage]] | None = None,
    settings: LeadSettings | None = None,
    per_page: int = LEADS_PER_PAGE,
    columns: dict[str, Callable[..., Expression]] | None = None,
) -> tuple[KeysetPage, list[LeadRow]]:
    """One page of an already filtered lead queryset, with its rows' progress bars; its leads
    are ListLeads (plain values, leads.selectors.lead_values).

    The page's leads are chosen on the lead table alone, then read with their joins by id: with
    the joins in the same statement, PostgreSQL may join every open lead before it applies the
    limit (a search takes seconds at a million leads that way). `columns`: what
    the caller reads with each lead in that statement (another app's flag), as attributes:
    {name: a selector of the expression, called with tenant=}.
    """
    order = SORT_ORDERS.get(sort, SORT_ORDERS["priority"])
    keys = leads.values_list("pk", *(name.lstrip("-") for name in order), named=True)
    page = keyset_page(keys, order=order, after=after, per_page=per_page)
    stages = stages if stages is not None else stages_by_pipeline(tenant=tenant)
    stage_by_id = {stage.pk: stage for pipeline in stages.values() for stage in pipeline}
    items = leads_as_values(
        tenant=tenant, ids=[key.pk for key in page.items], stages=stage_by_id, columns=columns
    )
    return KeysetPage(items=items, next_cursor=page.next_cursor), lead_rows(
        tenant=tenant, leads=items, stages=stages, settings=settings
    )


def stages_grouped(stages: list[Stage]) -> dict[int, list[Stage]]:
    """Stages already read (e.g. for the stage filter), per pipeline in the order
    stages_by_pipeline gives: the list's bars need no query of their own."""
    grouped: dict[int, list[Stage]] = defaultdict(list)
    for stage in sorted(stages, key=lambda stage: (stage.position, stage.pk)):
        grouped[stage.pipeline_id].append(stage)
    return grouped


def _settings_row(tenant: Tenant) -> QuerySet[LeadSettings]:
    """The tenant's lead settings row, as one of the lists read together."""
    return LeadSettings.objects.filter(tenant=tenant).order_by("pk")[:1]


def _settings_or_defaults(rows: list[LeadSettings], tenant: Tenant) -> LeadSettings:
    return rows[0] if rows else LeadSettings(tenant=tenant)


@dataclass(frozen=True)
class ListReferences:
    """The small lists the lead list page shows (filter choices, bulk form, saved filters) and the
    tenant's lead settings, read in one statement."""

    settings: LeadSettings
    members: list[Membership]
    pipelines: list[Pipeline]
    stages: list[Stage]  # every stage, archived ones too (leads may sit there), with .pipeline.name
    sources: list[LeadSource]
    saved_filters: list[SavedLeadFilter]
    others: dict[str, list]  # the caller's own lists (other apps'), read in the same statement


def list_references(
    *,
    tenant: Tenant,
    membership: Membership | None,
    others: dict[str, Callable[..., QuerySet]] | None = None,
) -> ListReferences:
    """`others`: {name: a selector called with tenant=} for the caller's own lists."""
    others = others or {}

    def querysets() -> dict[str, QuerySet]:
        return {
            "settings": _settings_row(tenant),
            "members": assignable_members(tenant=tenant),
            "pipelines": pipelines_for_tenant(tenant=tenant),
            "stages": Stage.objects.filter(tenant=tenant).order_by(
                "is_archived", "pipeline__position", "pipeline_id", "position", "id"
            ),
            "sources": lead_sources_for_tenant(tenant=tenant),
            "saved_filters": saved_filters_for(tenant=tenant, membership=membership),
            **{f"other_{name}": selector(tenant=tenant) for name, selector in others.items()},
        }

    lists = read_together(
        querysets,
        joined={"members": {"user": ["full_name", "email"]}, "stages": {"pipeline": ["name"]}},
        # The SQL depends on the tenant, the member and the other lists only.
        kept_as=(
            "leads.list_references",
            tenant.pk,
            membership.pk if membership else None,
            tuple(others.items()),
        ),
    )
    return ListReferences(
        settings=_settings_or_defaults(lists["settings"], tenant),
        members=lists["members"],
        pipelines=lists["pipelines"],
        stages=lists["stages"],
        sources=lists["sources"],
        saved_filters=lists["saved_filters"],
        others={name: lists[f"other_{name}"] for name in others},
    )


def lead_get(*, tenant: Tenant, lead_id: int) -> Lead:
    """The lead with what its row shows (every row action reads it, some twice): one statement
    kept per tenant and run prepared (crm.kit.statements), as the ORM would read it."""
    statement = kept(
        ("leads.lead_get", tenant.pk),
        lambda: InstancesFor(lambda pk: lead_queryset(tenant=tenant).filter(pk=pk), 1),
    )
    found = statement.instances(int(lead_id))
    if not found:
        raise Http404("No lead matches the given query.")
    return found[0]


def lead_row(*, tenant: Tenant, lead_id: int) -> LeadRow:
    """One row (a row action's answer): its stages and the tenant's lead settings in one kept
    statement."""
    lead = lead_get(tenant=tenant, lead_id=lead_id)
    lists = read_together(
        lambda: {
            "settings": _settings_row(tenant),
            "stages": Stage.objects.filter(tenant=tenant),
        },
        kept_as=("leads.lead_row", tenant.pk),
    )
    return lead_rows(
        tenant=tenant,
        leads=[lead],
        stages=stages_grouped(lists["stages"]),
        settings=_settings_or_defaults(lists["settings"], tenant),
    )[0]


def saved_filters_for(
    *, tenant: Tenant, membership: Membership | None
) -> QuerySet[SavedLeadFilter]:
    """The member's own saved filters and the shared ones; the shared ones only for no member (an
    API key's caller)."""
    return SavedLeadFilter.objects.filter(tenant=tenant).filter(
        Q(membership=membership) | Q(is_shared=True)
    )


def saved_filter_get(*, tenant: Tenant, membership: Membership, filter_id: int):
    return get_object_or_404(
        SavedLeadFilter.objects.filter(tenant=tenant, membership=membership), pk=filter_id
    )


@dataclass(frozen=True)
class RowOptions:
    """What every row's action menus offer, read once per page rather than once per row."""

    stages: dict[int, list[Stage]]
    members: list[Membership]
    call_outcomes = CallOutcome.choices
    lost_reasons = LostReason.choices

    def stages_for(self, lead: Lead) -> list[Stage]:
        return [
            stage
            for stage in self.stages.get(lead.pipeline_id, [])
            if not stage.is_archived and not stage.is_lost
        ]


def row_options(*, tenant: Tenant) -> RowOptions:
    """Every stage and the team in one statement, kept per tenant (a row's menu opens often)."""
    lists = read_together(
        lambda: {
            "stages": Stage.objects.filter(tenant=tenant),
            "members": assignable_members(tenant=tenant),
        },
        joined={"members": {"user": ["full_name", "email"]}},
        kept_as=("leads.row_options", tenant.pk),
    )
    return RowOptions(stages=stages_grouped(lists["stages"]), members=lists["members"])
