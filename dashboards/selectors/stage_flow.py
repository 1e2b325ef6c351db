"""How leads flow through stages, per tenant-local day: the visits that began in each stage, and
the visits that ended — where the lead went next and how long it had stayed.

A visit ends when the lead enters its next stage (leads.services closes the open visit at the
moment it opens the next one), so the visits that ended on a day are the predecessors of the
visits that began on it: each is found by one probe of the lead's visits (index
stage_visit_by_lead). `flow_rows` computes that live for any range;
dashboards.services.rollups.stage_flow_roll_up stores it per day in dashboards.StageFlowDay (today
so far, every minute), so a month on the dashboard sums a few hundred rows instead of probing a
quarter of a million visits, and counts live only the visits of the last minute.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate

from crm.models import Tenant
from dashboards.models import StageFlowRollup
from leads.models import Stage, StageVisit


@dataclass
class Flow:
    entered: int = 0
    left: int = 0
    moved_on: int = 0
    time_in_stage: dt.timedelta = field(default_factory=dt.timedelta)

    def add(self, other: "Flow") -> None:
        self.entered += other.entered
        self.left += other.left
        self.moved_on += other.moved_on
        self.time_in_stage += other.time_in_stage


# (day, stage id, owner id, brand id): the lead's owner and brand when computed.
FlowKey = tuple[dt.date, int, int | None, int | None]


def moves_on(stage: Stage, next_stage: Stage) -> bool:
    """A step forward: a later stage of the same pipeline, not the lost stage."""
    return (
        not next_stage.is_lost
        and next_stage.pipeline_id == stage.pipeline_id
        and next_stage.position > stage.position
    )


def local_midnight(day: dt.date, tenant: Tenant) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tenant.zone)


def flow_rows(*, tenant: Tenant, start: dt.datetime, end: dt.datetime) -> dict[FlowKey, Flow]:
    """The flow of [start, end) computed from the stage visits (one grouped query: a range scan
    of stage_visit_by_stage (tenant, stage, entered_at) over every stage, and a probe of
    stage_visit_by_lead per visit for the one it ended). dashboards.services.rollups.FLOW_SQL
    stores the same figures of finished days."""
    stages = {stage.pk: stage for stage in Stage.objects.filter(tenant=tenant)}
    previous = (
        StageVisit.objects.filter(
            tenant=tenant, lead_id=OuterRef("lead_id"), left_at=OuterRef("entered_at")
        )
        .exclude(pk=OuterRef("pk"))
        # Two visits that ended at that moment (moves with one timestamp): the one entered last.
        .order_by("-entered_at", "-pk")
    )
    grouped = (
        StageVisit.objects.filter(
            tenant=tenant, stage_id__in=stages, entered_at__gte=start, entered_at__lt=end
        )
        .annotate(
            day=TruncDate("entered_at", tzinfo=tenant.zone),
            from_stage_id=Subquery(previous.values("stage_id")[:1]),
            stay=ExpressionWrapper(
                F("entered_at") - Subquery(previous.values("entered_at")[:1]),
                output_field=DurationField(),
            ),
        )
        .values_list("day", "stage_id", "from_stage_id", "lead__owner_id", "lead__brand_id")
        .annotate(visits=Count("pk"), time_in_stage=Sum("stay"))
        .order_by()
    )
    flows: dict[FlowKey, Flow] = defaultdict(Flow)
    for day, stage_id, from_stage_id, owner_id, brand_id, visits, time_in_stage in grouped:
        flows[(day, stage_id, owner_id, brand_id)].entered += visits
        if from_stage_id is None:
            continue
        ended = flows[(day, from_stage_id, owner_id, brand_id)]
        ended.left += visits
        ended.time_in_stage += time_in_stage or dt.timedelta()
        if moves_on(stages[from_stage_id], stages[stage_id]):
            ended.moved_on += visits
    return dict(flows)


@dataclass(frozen=True)
class Stored:
    """How far a tenant's stage flow is stored: StageFlowDay holds the visits that began before
    `until`, StageFlowMonth every month before `months_until` (the first of a month: the months
    whose every day is stored whole)."""

    until: dt.datetime
    months_until: dt.date


def stored_flow(*, tenant: Tenant) -> Stored | None:
    """What StageFlowDay and StageFlowMonth hold (None: no rows)."""
    state = StageFlowRollup.objects.filter(tenant=tenant).first()
    if state is None:
        return None
    after = state.rolled_through + dt.timedelta(days=1)
    return Stored(
        until=state.counted_through or local_midnight(after, tenant),
        months_until=after.replace(day=1),
    )


def stored_until(*, tenant: Tenant) -> dt.datetime | None:
    """StageFlowDay holds the flow of the visits that began before this moment (None: no rows)."""
    stored = stored_flow(tenant=tenant)
    return None if stored is None else stored.until
