"""The figures of the moment (open leads by colour, who is uncontacted) for any pipeline, brand or
rep, read from what the minute sweep counted for the whole tenant (dashboards.models
.MomentFigures, kept by dashboards.services.moment): a request never counts open leads.

Colours and "not contacted in time" are as of the sweep (at most a minute or two old); the page
shows when they were counted.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from crm.models import Tenant
from dashboards.models import MomentFigures
from dashboards.period import Scope
from dashboards.selectors.aging import (
    AgingFigures,
    ColourCounts,
    UncontactedFigures,
    aging_counts,
    aging_figures,
    aging_stages,
    neglected_flags,
    uncontacted_counts,
    uncontacted_figures,
)
from leads.models import LeadStatus
from leads.selectors.settings import lead_settings_get, untouched_after

LEAD_DIMENSIONS = ("pipeline_id", "brand_id", "owner_id")


@dataclass(frozen=True)
class Moment:
    counted_at: dt.datetime
    aging: list
    open_leads: list
    never_contacted: list
    neglected: list


def moment_count(*, tenant: Tenant, now: dt.datetime) -> Moment:
    """Count the tenant's figures of the moment with every dimension the page filters on (four
    grouped queries over the open leads and the neglect flags)."""
    scope = Scope(
        tenant=tenant,
        start=now,
        end=now,
        pipeline_id=None,
        brand_id=None,
        rep=None,
        label="",
    )
    stages = aging_stages(scope)
    aging = aging_counts(
        scope.leads(),
        stages,
        tenant=tenant,
        now=now,
        by=("pipeline_id", "stage_id", "owner_id", "brand_id"),
    )
    open_leads = (
        scope.leads()
        .filter(status=LeadStatus.OPEN)
        .values_list(*LEAD_DIMENSIONS)
        .annotate(count=Count("*"))
        .order_by()
    )
    wait = untouched_after(lead_settings_get(tenant=tenant))
    never = uncontacted_counts(scope, now=now, wait=wait, by=LEAD_DIMENSIONS)
    # Customers are counted once per owner whatever pipelines their leads are in: each pipeline
    # and brand combination (None: any) is counted from the flags themselves.
    flags: dict[tuple, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for pipeline_id, brand_id, owner_id, lead_id, contact_id in neglected_flags(scope):
        for key in (
            (pipeline_id, brand_id, owner_id),
            (pipeline_id, None, owner_id),
            (None, brand_id, owner_id),
            (None, None, owner_id),
        ):
            flags[key][0].add(lead_id)
            flags[key][1].add(contact_id)
    return Moment(
        counted_at=now,
        aging=[list(row) for row in aging],
        open_leads=[list(row) for row in open_leads],
        never_contacted=[list(row) for row in never],
        neglected=[[*key, len(leads), len(customers)] for key, (leads, customers) in flags.items()],
    )


def moment_get(*, tenant: Tenant) -> MomentFigures | None:
    return MomentFigures.objects.filter(tenant=tenant).first()


def _in_scope(scope: Scope, pipeline_id, brand_id, owner_id) -> bool:
    return (
        scope.pipeline_id in (None, pipeline_id)
        and scope.brand_id in (None, brand_id)
        and (scope.rep is None or scope.rep.pk == owner_id)
    )


def moment_aging(scope: Scope, moment: MomentFigures) -> AgingFigures:
    cells: dict = defaultdict(ColourCounts)
    for pipeline_id, stage_id, owner_id, brand_id, green, orange, red in moment.aging:
        if _in_scope(scope, pipeline_id, brand_id, owner_id):
            counts = cells[(pipeline_id, stage_id, owner_id)]
            counts.green, counts.orange, counts.red = (
                counts.green + green,
                counts.orange + orange,
                counts.red + red,
            )
    return aging_figures(scope, now=moment.counted_at, cells=dict(cells))


def moment_uncontacted(scope: Scope, moment: MomentFigures) -> UncontactedFigures:
    never: dict = defaultdict(int)
    for pipeline_id, brand_id, owner_id, count in moment.never_contacted:
        if _in_scope(scope, pipeline_id, brand_id, owner_id):
            never[owner_id] += count
    neglected = {
        owner_id: (leads, customers)
        for pipeline_id, brand_id, owner_id, leads, customers in moment.neglected
        if pipeline_id == scope.pipeline_id
        and brand_id == scope.brand_id
        and (scope.rep is None or scope.rep.pk == owner_id)
    }
    return uncontacted_figures(scope, now=moment.counted_at, counted=(dict(never), neglected))


def moment_open_leads(scope: Scope, moment: MomentFigures) -> dict[int | None, int]:
    open_leads: dict = defaultdict(int)
    for pipeline_id, brand_id, owner_id, count in moment.open_leads:
        if _in_scope(scope, pipeline_id, brand_id, owner_id):
            open_leads[owner_id] += count
    return dict(open_leads)
