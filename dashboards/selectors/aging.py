"""Aging at a glance: open leads green, orange or red per pipeline, stage and rep, right now; and
who has left leads and customers uncontacted past their allowed time.

Colours come from leads.aging's cutoffs (the same ones the lead list's filter uses), turned into
one CASE over the stage and the time it was entered, so PostgreSQL counts them in one grouped
query; no lead is loaded.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, DateTimeField, F, Q, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from crm.kit.links import leads_list
from dashboards.period import Scope
from dashboards.selectors.people import Member, member_name, member_order, team_members
from dashboards.tables import Cell, Table
from followups.selectors.neglect import LIVE_STATUSES, neglect_flags_showing
from leads.aging import Aging, StageCutoffs
from leads.models import LeadStatus, Stage
from leads.selectors.settings import lead_settings_get, untouched_after

COLOURS = (Aging.GREEN, Aging.ORANGE, Aging.RED)


@dataclass
class ColourCounts:
    green: int = 0
    orange: int = 0
    red: int = 0

    @property
    def total(self) -> int:
        return self.green + self.orange + self.red

    def add(self, colour: str, count: int) -> None:
        setattr(self, colour, getattr(self, colour) + count)


@dataclass
class StageAging:
    pipeline_id: int
    pipeline_name: str
    stage: Stage | None  # None: open leads that have no stage (counted red, like the list)
    counts: ColourCounts = field(default_factory=ColourCounts)

    @property
    def name(self) -> str:
        return self.stage.name if self.stage else "No stage"


@dataclass
class AgingFigures:
    scope: Scope
    stages: list[StageAging]
    reps: list[tuple[int | None, str, ColourCounts]]
    cells: dict[tuple[int, int | None, int | None], ColourCounts]  # (pipeline, stage, owner)
    members: dict[int, Member]

    @property
    def totals(self) -> ColourCounts:
        totals = ColourCounts()
        for row in self.stages:
            for colour in COLOURS:
                totals.add(colour, getattr(row.counts, colour))
        return totals

    def _owner_params(self, owner_id: int | None) -> dict:
        if owner_id is None:
            return {"scope": "unassigned"}
        return {"owner": owner_id}

    def _cell(self, count: int, colour: str, **params) -> Cell:
        if not count:
            return Cell(0)
        query = {"status": LeadStatus.OPEN, "scope": "mine" if self.scope.rep else "team"}
        query.update(params, aging=colour)
        return Cell(count, url=leads_list(**query), tone=colour)

    def stage_table(self) -> Table:
        """The stages that hold open leads."""
        rows = []
        for row in self.stages:
            if not row.counts.total:
                continue
            stage_params = {"pipeline": row.pipeline_id}
            if row.stage is not None:
                stage_params["stage"] = row.stage.pk
            rows.append(
                [
                    row.pipeline_name,
                    row.name,
                    *[self._cell(getattr(row.counts, c), c, **stage_params) for c in COLOURS],
                    row.counts.total,
                ]
            )
        return Table(
            title=_("Open leads by stage"),
            headers=[_("Pipeline"), _("Stage"), _("Green"), _("Orange"), _("Red"), _("Open")],
            rows=rows,
        )

    def rep_table(self) -> Table:
        rows = [
            [
                name,
                *[
                    self._cell(getattr(counts, c), c, **self._owner_params(owner_id))
                    for c in COLOURS
                ],
                counts.total,
            ]
            for owner_id, name, counts in self.reps
        ]
        return Table(
            title=_("Open leads by rep"),
            headers=[_("Rep"), _("Green"), _("Orange"), _("Red"), _("Open")],
            rows=rows,
        )

    def attention_table(self) -> Table:
        """The reps with late or getting-late leads, most late first: the manager's first look."""
        late = [row for row in self.reps if row[2].orange or row[2].red]
        late.sort(key=lambda row: (-row[2].red, -row[2].orange))
        return Table(
            title=gettext("Late and getting late, by rep"),
            headers=[gettext("Rep"), gettext("Late"), gettext("Getting late")],
            rows=[
                [
                    name,
                    self._cell(counts.red, Aging.RED, **self._owner_params(owner_id)),
                    self._cell(counts.orange, Aging.ORANGE, **self._owner_params(owner_id)),
                ]
                for owner_id, name, counts in late
            ],
        )

    def table(self) -> Table:
        """Every pipeline, stage and rep with its counts (the export's finest grain)."""
        rows = []
        for row in self.stages:
            stage_id = row.stage.pk if row.stage else None
            owners = [
                owner
                for (pipeline, stage, owner) in self.cells
                if pipeline == row.pipeline_id and stage == stage_id
            ]
            for owner_id in member_order(self.members, owners):
                counts = self.cells[(row.pipeline_id, stage_id, owner_id)]
                rows.append(
                    [
                        row.pipeline_name,
                        row.name,
                        member_name(self.members, owner_id),
                        counts.green,
                        counts.orange,
                        counts.red,
                    ]
                )
        return Table(
            title=_("Open leads by pipeline, stage and rep"),
            headers=[_("Pipeline"), _("Stage"), _("Rep"), _("Green"), _("Orange"), _("Red")],
            rows=rows,
        )


def _cutoff_of_lead(cutoffs: dict[int, dt.datetime]) -> Case:
    """The stage-entry time at or before which the lead's stage makes it late (one per stage, as
    SQL); NULL for a stage without that threshold."""
    return Case(
        *[When(stage_id=stage_id, then=Value(cutoff)) for stage_id, cutoff in cutoffs.items()],
        default=None,
        output_field=DateTimeField(),
    )


def aging_stages(scope: Scope) -> list[Stage]:
    """The stages the aging figures list: the scope's pipeline's (or every pipeline's), not lost."""
    stages = list(
        Stage.objects.filter(tenant=scope.tenant, is_lost=False)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )
    if scope.pipeline_id is not None:
        stages = [stage for stage in stages if stage.pipeline_id == scope.pipeline_id]
    return stages


def aging_counts(leads, stages: list[Stage], *, tenant, now: dt.datetime, by: tuple[str, ...]):
    """Open `leads` by colour now, grouped `by` these lead columns: rows of (*by, green, orange,
    red). Each stage's orange and red cutoffs (leads.aging.StageCutoffs, as the lead list's filter
    uses them) become one CASE each, so PostgreSQL counts the colours per group straight from the
    covering index dashboard_lead_open; red is checked before orange, as StageCutoffs.colour
    does."""
    cutoffs = {
        stage.pk: StageCutoffs.for_stage(tenant, stage, now)
        for stage in stages
        if not stage.is_terminal
    }
    is_red = Q(stage__isnull=True) | Q(stage_entered_at__lte=F("red_after"))
    grouped = (
        leads.filter(status=LeadStatus.OPEN)
        .exclude(stage_id__in=[stage.pk for stage in stages if stage.is_terminal])
        .annotate(
            red_after=_cutoff_of_lead({pk: cut.red for pk, cut in cutoffs.items() if cut.red}),
            orange_after=_cutoff_of_lead(
                {pk: cut.orange for pk, cut in cutoffs.items() if cut.orange}
            ),
        )
        .values_list(*by)
        .annotate(
            total=Count("stage_entered_at"),
            red=Count("stage_entered_at", filter=is_red),
            orange=Count(
                "stage_entered_at", filter=Q(stage_entered_at__lte=F("orange_after")) & ~is_red
            ),
        )
        .order_by()
    )
    return [(*key, total - red - orange, orange, red) for *key, total, red, orange in grouped]


def aging_figures(
    scope: Scope, *, now: dt.datetime | None = None, cells: dict | None = None
) -> AgingFigures:
    """Open leads by colour now, per pipeline, stage and owner (three queries), or from `cells`
    counted before ({(pipeline, stage, owner): ColourCounts}, dashboards.selectors.moment)."""
    now = now or timezone.now()
    stages = aging_stages(scope)
    if cells is None:
        cells = {
            (pipeline_id, stage_id, owner_id): ColourCounts(green=green, orange=orange, red=red)
            for pipeline_id, stage_id, owner_id, green, orange, red in aging_counts(
                scope.leads(),
                stages,
                tenant=scope.tenant,
                now=now,
                by=("pipeline_id", "stage_id", "owner_id"),
            )
        }
    members = team_members(scope)
    return AgingFigures(
        scope=scope,
        stages=_stage_rows(stages, cells),
        reps=_rep_rows(cells, members),
        cells=cells,
        members=members,
    )


def _stage_rows(stages: list[Stage], cells: dict) -> list[StageAging]:
    """Every stage in use (archived ones only while leads sit in them), each pipeline's leads
    without a stage first."""
    by_stage: dict[tuple[int, int | None], ColourCounts] = defaultdict(ColourCounts)
    for (pipeline_id, stage_id, _owner), counts in cells.items():
        for colour in COLOURS:
            by_stage[(pipeline_id, stage_id)].add(colour, getattr(counts, colour))
    rows: list[StageAging] = []
    seen_pipelines = set()
    for stage in stages:
        if stage.is_terminal:
            continue
        if stage.pipeline_id not in seen_pipelines:
            seen_pipelines.add(stage.pipeline_id)
            stageless = by_stage.get((stage.pipeline_id, None))
            if stageless:
                rows.append(StageAging(stage.pipeline_id, stage.pipeline.name, None, stageless))
        counts = by_stage.get((stage.pipeline_id, stage.pk), ColourCounts())
        if stage.is_archived and not counts.total:
            continue
        rows.append(StageAging(stage.pipeline_id, stage.pipeline.name, stage, counts))
    return rows


def _rep_rows(cells: dict, members: dict[int, Member]):
    by_owner: dict[int | None, ColourCounts] = defaultdict(ColourCounts)
    for (_pipeline, _stage, owner_id), counts in cells.items():
        for colour in COLOURS:
            by_owner[owner_id].add(colour, getattr(counts, colour))
    return [
        (owner_id, member_name(members, owner_id), by_owner[owner_id])
        for owner_id in member_order(members, by_owner)
    ]


# --- Not contacted in time ---------------------------------------------------------------------


@dataclass
class UncontactedRow:
    owner_id: int | None
    name: str | Promise  # "Unassigned" stays lazy: the figures are shared by every language
    never_contacted: int = 0
    neglected_leads: int = 0
    neglected_customers: int = 0


@dataclass
class UncontactedFigures:
    rows: list[UncontactedRow]
    untouched_after: dt.timedelta

    @property
    def total(self) -> UncontactedRow:
        total = UncontactedRow(owner_id=None, name="Total")
        for row in self.rows:
            total.never_contacted += row.never_contacted
            total.neglected_leads += row.neglected_leads
            total.neglected_customers += row.neglected_customers
        return total

    @property
    def untouched_after_minutes(self) -> int:
        return int(self.untouched_after.total_seconds() // 60)

    def table(self) -> Table:
        return Table(
            title=_("Not contacted in time"),
            headers=[
                _("Rep"),
                _("New leads not contacted after %(untouched_after_minutes)s min")
                % {"untouched_after_minutes": self.untouched_after_minutes},
                _("Neglected leads"),
                _("Neglected customers"),
            ],
            rows=[
                [
                    row.name,
                    Cell(row.never_contacted, tone="danger" if row.never_contacted else ""),
                    Cell(row.neglected_leads, tone="danger" if row.neglected_leads else ""),
                    Cell(row.neglected_customers, tone="danger" if row.neglected_customers else ""),
                ]
                for row in self.rows
            ],
        )


def uncontacted_counts(scope: Scope, *, now: dt.datetime, wait: dt.timedelta, by=("owner_id",)):
    """Open leads of `scope` nobody has touched `wait` after they came in, grouped `by` these
    lead columns."""
    return (
        scope.leads()
        .filter(status=LeadStatus.OPEN, first_touch_at__isnull=True, created_at__lte=now - wait)
        .values_list(*by)
        .annotate(count=Count("*"))
        .order_by()
    )


def neglected_counts(scope: Scope):
    """Leads and customers flagged as neglected in `scope`, grouped `by` these columns."""
    return (
        neglect_flags_showing(tenant=scope.tenant)
        # Spelled out (it is implied) so the join reads the partial index dashboard_lead_touches.
        .filter(scope.lead_conditions(via="lead__"), lead__status__in=LIVE_STATUSES)
        .values_list("lead__owner_id")
        .annotate(
            leads=Count("lead_id", distinct=True),
            customers=Count("contact_id", distinct=True),
        )
        .order_by()
    )


def neglected_flags(scope: Scope):
    """Each neglect flag showing in `scope`: its lead's pipeline, brand and owner, lead, customer."""
    return (
        neglect_flags_showing(tenant=scope.tenant)
        .filter(scope.lead_conditions(via="lead__"), lead__status__in=LIVE_STATUSES)
        .values_list(
            "lead__pipeline_id", "lead__brand_id", "lead__owner_id", "lead_id", "contact_id"
        )
        .order_by()
    )


def uncontacted_figures(
    scope: Scope,
    *,
    now: dt.datetime | None = None,
    counted: tuple[dict, dict] | None = None,
) -> UncontactedFigures:
    """Per rep, right now: open leads nobody has touched past the speed-to-lead alert time (the
    same clock as the alert, Settings → Speed to lead), and leads and customers flagged as
    neglected (followups.selectors.neglect: live leads untouched past their stage's threshold, as
    the lead pages show them). Three queries plus the member names; or from `counted` before
    ({owner: never contacted}, {owner: (leads, customers)}: dashboards.selectors.moment)."""
    now = now or timezone.now()
    wait = untouched_after(lead_settings_get(tenant=scope.tenant))
    if counted is None:
        never_contacted = dict(uncontacted_counts(scope, now=now, wait=wait))
        neglected = {
            owner_id: (leads, customers) for owner_id, leads, customers in neglected_counts(scope)
        }
    else:
        never_contacted, neglected = counted
    members = team_members(scope)
    owners = set(never_contacted) | set(neglected)
    rows = []
    for owner_id in member_order(members, owners):
        leads, customers = neglected.get(owner_id, (0, 0))
        rows.append(
            UncontactedRow(
                owner_id=owner_id,
                name=member_name(members, owner_id),
                never_contacted=never_contacted.get(owner_id, 0),
                neglected_leads=leads,
                neglected_customers=customers,
            )
        )
    return UncontactedFigures(rows=rows, untouched_after=wait)
