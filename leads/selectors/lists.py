"""The lead list: its rows, filters, sort orders and pages, saved filters, and the options every
row's action menus offer."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.kit.formatting import duration
from crm.models import Membership, Tenant
from crm.pagination import KeysetPage, keyset_page
from leads.models import CallOutcome, Lead, LostReason, SavedLeadFilter, Stage, StageVisit
from leads.progress import ProgressBar, build_progress
from leads.scoring import ScorePart, score_parts
from leads.selectors.configuration import assignable_members, stages_by_pipeline
from leads.selectors.settings import lead_settings_get, untouched_after

LEADS_PER_PAGE = 50
SORT_ORDERS = {
    "priority": ("-priority_score", "-id"),
    "aging": ("stage_entered_at", "id"),
    "created": ("-created_at", "-id"),
}


@dataclass(frozen=True)
class LeadRow:
    lead: Lead
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
    leads: list[Lead],
    now: dt.datetime | None = None,
    stages: dict[int, list[Stage]] | None = None,
) -> list:
    """Each lead with its progress bar: a few queries whatever the number of leads (`stages`,
    from stages_by_pipeline, when the caller has already read them)."""
    now = now or timezone.now()
    stages = stages if stages is not None else stages_by_pipeline(tenant=tenant)
    visits: dict[int, list[StageVisit]] = defaultdict(list)
    for visit in StageVisit.objects.filter(tenant=tenant, lead_id__in=[lead.pk for lead in leads]):
        visits[visit.lead_id].append(visit)
    wait = untouched_after(lead_settings_get(tenant=tenant))
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
            ),
            time_in_stage=duration(now - lead.stage_entered_at, short=True),
            score_parts=tuple(score_parts(lead, tenant=tenant, now=now, untouched_after=wait)),
        )
        for lead in leads
    ]


def lead_list(
    *, tenant: Tenant, leads: QuerySet[Lead], sort: str, after: str | None
) -> tuple[KeysetPage, list[LeadRow]]:
    """One page of an already filtered lead queryset, with its rows' progress bars.

    The page's leads are chosen on the lead table alone, then read with their joins by id: with
    the six joins in the same statement, PostgreSQL may join every open lead before it applies
    the limit (a search took two seconds at a million leads; docs/benchmarks.md).
    """
    order = SORT_ORDERS.get(sort, SORT_ORDERS["priority"])
    keys = leads.select_related(None).only(*(name.lstrip("-") for name in order))
    page = keyset_page(keys, order=order, after=after, per_page=LEADS_PER_PAGE)
    by_id = leads.in_bulk([lead.pk for lead in page.items])
    items = [by_id[lead.pk] for lead in page.items]
    return KeysetPage(items=items, next_cursor=page.next_cursor), lead_rows(
        tenant=tenant, leads=items
    )


def lead_get(*, tenant: Tenant, lead_id: int) -> Lead:
    return get_object_or_404(lead_queryset(tenant=tenant), pk=lead_id)


def lead_row(*, tenant: Tenant, lead_id: int) -> LeadRow:
    return lead_rows(tenant=tenant, leads=[lead_get(tenant=tenant, lead_id=lead_id)])[0]


def saved_filters_for(*, tenant: Tenant, membership: Membership) -> QuerySet[SavedLeadFilter]:
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
    return RowOptions(
        stages=stages_by_pipeline(tenant=tenant), members=list(assignable_members(tenant=tenant))
    )
