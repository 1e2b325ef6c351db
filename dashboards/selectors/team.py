"""The team, per rep: open leads, follow-ups kept, tickets answered in time, and how leads flow
through the stages.

- Follow-ups: those scheduled in the period and not cancelled, by assignee. Done on time means
  completed by the end of its slot (scheduled time + duration, as the follow-ups widget counts);
  done late after it; overdue is still open past its time now; missed is what the missed sweep
  marked missed.
- Tickets: the SLA answers recorded in the period (tickets.SlaEvent "met" or "answered late"), by
  the ticket's assignee, and while the period runs the tickets breached now and still unanswered
  (dashboards.selectors.breached): within SLA = met / (met + late + breached and unanswered); the first response is from the customer's first message (the start of
  the first-response clock) to our first answer, in wall-clock time, for the tickets whose clock
  started in the period. With a pipeline chosen, only tickets linked to its leads count; with a
  brand, tickets of that brand's inboxes.
- Stages: the leads that entered each stage in the period, and those that left it. Moved on
  means the lead's next stage is a later one of the same pipeline (not lost, not back, not
  another pipeline); conversion is moved on / left, so leads still in the stage do not count
  until they move. Average days in stage is over the visits that have ended.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.kit.formatting import duration
from dashboards.aggregates import ColumnSums, Median
from dashboards.models import (
    StageFlowDay,
    StageFlowMonth,
    TeamDay,
    TeamMonth,
    TeamResponseBin,
    TeamResponseMonthBin,
    TeamRollup,
)
from dashboards.period import Scope
from dashboards.selectors.breached import BreachedFigures
from dashboards.selectors.histograms import (  # noqa: F401  (the tests read them here)
    BINS,
    Waits,
    buckets_add,
    buckets_median,
    fine_bucket_sums,
    wait_bucket,
)
from dashboards.selectors.people import member_name, member_order, team_members
from dashboards.selectors.period_rollups import next_month
from dashboards.selectors.stage_flow import Flow, flow_rows, local_midnight, stored_flow
from dashboards.tables import Cell, Table
from followups.models import OPEN_STATUSES, FollowUp, Status
from leads.models import LeadStatus, Stage
from tickets.models import SlaEvent, SlaEventKind, SlaTarget

DAY = dt.timedelta(days=1)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _percent_cell(part: int, whole: int, *, good_at: int | None = None) -> Cell:
    share = _percent(part, whole)
    if share is None:
        return Cell("—")
    tone = "" if good_at is None else ("ok" if share >= good_at else "warning")
    return Cell(f"{share}%", tone=tone)


@dataclass
class TeamRow:
    owner_id: int | None
    name: str | Promise
    open_leads: int = 0
    follow_ups_on_time: int = 0
    follow_ups_late: int = 0
    follow_ups_overdue: int = 0
    follow_ups_missed: int = 0
    sla_met: int = 0
    sla_late: int = 0
    sla_breached: int = 0  # breached now and still unanswered (while the period runs)
    first_responses: int = 0
    median_first_response: dt.timedelta | None = None

    @property
    def follow_ups_due(self) -> int:
        return (
            self.follow_ups_on_time
            + self.follow_ups_late
            + self.follow_ups_overdue
            + self.follow_ups_missed
        )

    @property
    def sla_answered(self) -> int:
        return self.sla_met + self.sla_late

    @property
    def sla_owed(self) -> int:
        """The answers the SLA judged: given (in time or late) or breached and still owed."""
        return self.sla_answered + self.sla_breached

    def cells(self) -> list:
        return [
            self.name,
            self.open_leads,
            self.follow_ups_on_time,
            self.follow_ups_late,
            Cell(self.follow_ups_overdue, tone="warning" if self.follow_ups_overdue else ""),
            Cell(self.follow_ups_missed, tone="danger" if self.follow_ups_missed else ""),
            _percent_cell(self.follow_ups_on_time, self.follow_ups_due, good_at=90),
            self.sla_met,
            self.sla_answered,
            Cell(self.sla_breached, tone="danger" if self.sla_breached else ""),
            _percent_cell(self.sla_met, self.sla_owed, good_at=90),
            "—"
            if self.median_first_response is None
            else duration(self.median_first_response, short=True),
        ]


@dataclass
class TeamFigures:
    reps: list[TeamRow]

    def with_breached(self, breached: BreachedFigures) -> "TeamFigures":
        """These figures with the tickets breached right now counted against each assignee's SLA
        share (the caller passes them only while the period runs): the same tickets the page
        lists, so a rep with tickets breached for weeks is never "100 % within SLA"."""
        members = breached.members
        rows = {row.owner_id: replace(row) for row in self.reps}
        for owner_id, count in breached.by_assignee.items():
            if owner_id not in rows:
                rows[owner_id] = TeamRow(owner_id=owner_id, name=member_name(members, owner_id))
            rows[owner_id].sla_breached = count
        return TeamFigures(reps=[rows[pk] for pk in member_order(members, rows)])

    def table(self) -> Table:
        return Table(
            title=_("Team"),
            headers=[
                _("Rep"),
                _("Open leads"),
                _("Follow-ups on time"),
                _("Done late"),
                _("Overdue"),
                _("Missed"),
                _("On time"),
                _("Tickets answered within SLA"),
                _("Tickets answered"),
                _("Breached, unanswered"),
                _("Within SLA"),
                _("Median first response"),
            ],
            rows=[row.cells() for row in self.reps],
        )


def _slot_end():
    return ExpressionWrapper(
        F("scheduled_at") + F("duration_minutes") * Value(dt.timedelta(minutes=1)),
        output_field=DateTimeField(),
    )


def _follow_up_counts(
    scope: Scope, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict[int | None, dict[str, Any]]:
    """The follow-ups scheduled in [start, end), per assignee."""
    follow_ups = FollowUp.objects.filter(
        tenant=scope.tenant, scheduled_at__gte=start, scheduled_at__lt=end
    ).exclude(status=Status.CANCELLED)
    if scope.pipeline_id is not None or scope.brand_id is not None:
        follow_ups = follow_ups.filter(scope.lead_conditions("lead__", by_owner=False))
    if scope.rep is not None:
        follow_ups = follow_ups.filter(assignee=scope.rep)
    completed = Q(status=Status.COMPLETED)
    # Counted on a column of the covering index dashboard_follow_up_by_time (not the id), so
    # PostgreSQL reads the index alone.
    counted = (
        follow_ups.annotate(slot_end=_slot_end())
        .values("assignee_id")
        .annotate(
            follow_ups_on_time=Count(
                "scheduled_at", filter=completed & Q(completed_at__lte=F("slot_end"))
            ),
            follow_ups_late=Count(
                "scheduled_at", filter=completed & Q(completed_at__gt=F("slot_end"))
            ),
            follow_ups_overdue=Count(
                "scheduled_at", filter=Q(status__in=OPEN_STATUSES, scheduled_at__lt=now)
            ),
            follow_ups_missed=Count("scheduled_at", filter=Q(status=Status.MISSED)),
        )
        .order_by()
    )
    by_assignee: dict[int | None, dict[str, Any]] = {}
    for row in counted:
        counts: dict[str, Any] = dict(row)
        by_assignee[counts.pop("assignee_id")] = counts
    return by_assignee


# The SLA answers recorded (met or late) and the first-response clocks that started (with their
# wait), counted in one pass over the period's SLA events and their tickets.
_ANSWERED = Q(kind__in=[SlaEventKind.MET, SlaEventKind.ANSWERED_LATE])
_FIRST_CLOCK = Q(
    kind=SlaEventKind.STARTED,
    target=SlaTarget.FIRST,
    ticket__first_response_at__gte=F("occurred_at"),
)


def _sla_events(scope: Scope, start: dt.datetime, end: dt.datetime):
    return (
        SlaEvent.objects.filter(
            scope.ticket_conditions("ticket__"),
            tenant=scope.tenant,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .filter(_ANSWERED | _FIRST_CLOCK)
        .annotate(
            wait=ExpressionWrapper(
                F("ticket__first_response_at") - F("occurred_at"), output_field=DurationField()
            )
        )
    )


def team_figures_counted(scope: Scope, *, now: dt.datetime | None = None) -> TeamFigures:
    """The team's figures counted from the follow-ups and SLA events themselves (three grouped
    queries plus names): what team_figures reads from the rollup, kept to check it against."""
    now = now or timezone.now()
    follow_up_rows = _follow_up_counts(scope, scope.start, scope.end, now)
    sla_rows = {
        row.pop("ticket__assignee_id"): row
        for row in _sla_events(scope, scope.start, scope.end)
        .values("ticket__assignee_id")
        .annotate(
            sla_met=Count("occurred_at", filter=Q(kind=SlaEventKind.MET)),
            sla_late=Count("occurred_at", filter=Q(kind=SlaEventKind.ANSWERED_LATE)),
            first_responses=Count("occurred_at", filter=_FIRST_CLOCK),
            median_first_response=Median("wait", filter=_FIRST_CLOCK),
        )
        .order_by()
    }
    return _team(scope, _open_leads(scope), follow_up_rows, sla_rows)


def _open_leads(scope: Scope) -> dict[int | None, int]:
    return dict(
        scope.leads()
        .filter(status=LeadStatus.OPEN)
        .values_list("owner_id")
        .annotate(count=Count("*"))
        .order_by()
    )


def _team(scope: Scope, open_leads: dict, follow_up_rows: dict, sla_rows: dict) -> TeamFigures:
    members = team_members(scope)
    everyone = set(open_leads) | set(follow_up_rows) | set(sla_rows)
    if scope.rep is None:
        everyone |= {pk for pk, member in members.items() if member.is_rep and member.is_active}
    else:
        everyone = {scope.rep.pk}
    rows = []
    for member_id in member_order(members, everyone):
        rows.append(
            TeamRow(
                owner_id=member_id,
                name=member_name(members, member_id),
                open_leads=open_leads.get(member_id, 0),
                **follow_up_rows.get(member_id, {}),
                **sla_rows.get(member_id, {}),
            )
        )
    return TeamFigures(reps=rows)


# --- Read from the rollup -----------------------------------------------------------------------


RESPONSE_BINS = [f"response_bin_{index}" for index in range(BINS)]


def _rolled_rows(
    scope: Scope, first: dt.date, after: dt.date, live: tuple[dt.date, dt.date], model=TeamDay
):
    rows = model.objects.filter(tenant=scope.tenant, day__gte=first, day__lt=after).exclude(
        day__gte=live[0], day__lte=live[1]
    )
    return _in_scope(scope, rows)


def _whole_months(
    first: dt.date, after: dt.date, live: tuple[dt.date, dt.date]
) -> tuple[dt.date, dt.date] | None:
    """The months wholly in [first, after) and over before the live days' month, as [first day,
    first day after): read from the month tables (TeamMonth, TeamResponseMonthBin), which the
    sweep writes once a month is over; None when there are none."""
    months_first = first if first.day == 1 else next_month(first)
    months_after = min(after.replace(day=1), live[0].replace(day=1))
    return (months_first, months_after) if months_first < months_after else None


def _response_bins(
    scope: Scope, first: dt.date, after: dt.date, live: tuple[dt.date, dt.date]
) -> list[QuerySet]:
    """The stored fine buckets of the days in [first, after) but the live ones: the whole
    months (_whole_months) from TeamResponseMonthBin, the other days from TeamResponseBin (a
    year: eleven or twelve rows per key and bin, and this month's days, instead of 365)."""
    days = _rolled_rows(scope, first, after, live, TeamResponseBin)
    months = _whole_months(first, after, live)
    if months is None:
        return [days]
    in_months = TeamResponseMonthBin.objects.filter(
        tenant=scope.tenant, month__gte=months[0], month__lt=months[1]
    )
    return [days.exclude(day__gte=months[0], day__lt=months[1]), _in_scope(scope, in_months)]


def team_sums(
    scope: Scope, first: dt.date, after: dt.date, live: tuple[dt.date, dt.date], today: dt.date
) -> QuerySet:
    """TeamDay's figures of the days in [first, after) but the live ones summed per person, in
    one statement: the whole months (_whole_months) from TeamMonth, the other days from TeamDay
    (a year: twelve rows per key instead of 365), so a person may have a row from each. What was
    still to do counts as overdue on the days before the live ones, as `overdue_today` on
    today's row as the sweep saw it, and as `to_come` from today on."""
    live_first = live[0]

    def sums(rows: QuerySet, *, overdue, overdue_today, to_come) -> QuerySet:
        return (
            rows.values("person_id")
            .annotate(
                on_time=Sum("follow_ups_on_time"),
                late=Sum("follow_ups_late"),
                overdue=overdue,
                overdue_today=overdue_today,
                to_come=to_come,
                missed=Sum("follow_ups_missed"),
                met=Sum("sla_met"),
                sla_late=Sum("sla_late"),
                responses=Sum("first_responses"),
                bins_=ColumnSums(*RESPONSE_BINS),
            )
            .order_by()
        )

    days = _rolled_rows(scope, first, after, live)
    months = _whole_months(first, after, live)
    if months is not None:
        days = days.exclude(day__gte=months[0], day__lt=months[1])
    day_sums = sums(
        days,
        overdue=Sum("follow_ups_open", filter=Q(day__lt=live_first), default=0),
        overdue_today=Sum("follow_ups_overdue", filter=Q(day=today), default=0),
        to_come=Sum("follow_ups_open", filter=Q(day__gte=today), default=0),
    )
    if months is None:
        return day_sums
    in_months = TeamMonth.objects.filter(
        tenant=scope.tenant, month__gte=months[0], month__lt=months[1]
    )
    # The months are over before the live days: all they had still to do is overdue.
    nothing = Value(0, output_field=IntegerField())
    month_sums = sums(
        _in_scope(scope, in_months),
        overdue=Sum("follow_ups_open"),
        overdue_today=nothing,
        to_come=nothing,
    )
    return day_sums.union(month_sums, all=True)


def _in_scope(scope: Scope, rows: QuerySet) -> QuerySet:
    """Rows of a team rollup table narrowed to the scope's pipeline, brand and rep."""
    if scope.pipeline_id is not None:
        rows = rows.filter(pipeline_id=scope.pipeline_id)
    if scope.brand_id is not None:
        rows = rows.filter(brand_id=scope.brand_id)
    if scope.rep is not None:
        rows = rows.filter(person_id=scope.rep.pk)
    return rows


def _person_totals(rows) -> dict[int | None, dict]:
    """A person's kept days and months come as a row each: added up, bins bin by bin."""
    totals: dict[int | None, dict] = {}
    for row in rows:
        person_id = row.pop("person_id")
        if person_id not in totals:
            totals[person_id] = row
            continue
        kept = totals[person_id]
        for name, value in row.items():
            if name == "bins_":
                kept[name] = [mine + theirs for mine, theirs in zip(kept[name], value, strict=True)]
            else:
                kept[name] += value
    return totals


def _add_kept_days(person_id, row: dict, follow_up_rows, sla_rows, waits) -> None:
    """A person's kept sums into their figures (a person with none of one kind gets no entry)."""
    if row["on_time"] or row["late"] or row["overdue"] or row["to_come"] or row["missed"]:
        follow_up_rows[person_id].update(
            follow_ups_on_time=row["on_time"],
            follow_ups_late=row["late"],
            follow_ups_overdue=row["overdue"] + row["overdue_today"],
            follow_ups_missed=row["missed"],
        )
    if row["met"] or row["sla_late"] or row["responses"]:
        sla_rows[person_id].update(
            sla_met=row["met"], sla_late=row["sla_late"], first_responses=row["responses"]
        )
    if row["responses"]:
        waits[person_id].add_bins(row["bins_"])


def _add_median_buckets(
    scope: Scope, waits: dict, first: dt.date, after: dt.date, live: tuple[dt.date, dt.date]
) -> None:
    """The fine buckets of each person's median bins (a few bins between them), read at once:
    every person's rows of those bins (one index range per bin; a condition per person made a
    scan of the bin's range per person), each person's own bins kept."""
    needs = {person_id: kept.median_bins() for person_id, kept in waits.items()}
    wanted = set().union(*needs.values())
    if not wanted:
        return
    fine = _response_bins(scope, first, after, live)
    for person_id, index, *bucket in fine_bucket_sums(
        [rows.filter(bin__in=wanted) for rows in fine], "f.person_id", columns=["person_id"]
    ):
        if index in needs.get(person_id, ()):
            waits[person_id].add_fine(index, *bucket)


def team_figures(
    scope: Scope, *, now: dt.datetime | None = None, open_leads: dict | None = None
) -> TeamFigures:
    """One row per rep (and any other member with figures): the days kept in TeamDay
    (dashboards.services.team_rollup) summed, today's as of the last sweep with what has
    happened since read from a small index range (the follow-ups fallen due, the SLA events
    recorded), any day the sweep has not reached yet counted. Without a rollup yet, counted.
    `open_leads` per owner as counted before (dashboards.selectors.moment), else counted now."""
    now = now or timezone.now()
    tenant = scope.tenant
    state = TeamRollup.objects.filter(tenant=tenant).first()
    if state is None:
        return team_figures_counted(scope, now=now)
    today = timezone.localtime(now, tenant.zone).date()
    live_first = min(state.live_day, today)
    counted_at = state.today_counted_at
    # Today's rows hold the sweep's count of today (made today, before this request's time).
    today_kept = (
        counted_at is not None
        and counted_at <= now
        and timezone.localtime(counted_at, tenant.zone).date() == today
    )
    live_last = today - DAY if today_kept else today
    follow_up_rows: dict = defaultdict(lambda: defaultdict(int))
    sla_rows: dict = defaultdict(lambda: defaultdict(int))
    waits: dict[int | None, Waits] = defaultdict(Waits)

    first_day = timezone.localtime(scope.start, tenant.zone).date()
    after_day = timezone.localtime(scope.end, tenant.zone).date()
    totals = _person_totals(team_sums(scope, first_day, after_day, (live_first, live_last), today))
    for person_id, row in totals.items():
        _add_kept_days(person_id, row, follow_up_rows, sla_rows, waits)

    def live_follow_ups(start: dt.datetime, end: dt.datetime, names=None) -> None:
        if start < end:
            for person_id, counts in _follow_up_counts(scope, start, end, now).items():
                for name in names or counts:
                    follow_up_rows[person_id][name] += counts[name]

    def live_sla_events(start: dt.datetime, end: dt.datetime) -> None:
        if start >= end:
            return
        for person_id, kind, wait in _sla_events(scope, start, end).values_list(
            "ticket__assignee_id", "kind", "wait"
        ):
            figures = sla_rows[person_id]
            if kind == SlaEventKind.MET:
                figures["sla_met"] += 1
            elif kind == SlaEventKind.ANSWERED_LATE:
                figures["sla_late"] += 1
            else:
                figures["first_responses"] += 1
                seconds = wait.total_seconds()
                waits[person_id].add_bucket(wait_bucket(seconds), 1, seconds, seconds)

    live_start = max(scope.start, local_midnight(live_first, tenant))
    live_end = min(scope.end, local_midnight(live_last + DAY, tenant))
    live_follow_ups(live_start, live_end)
    live_sla_events(live_start, live_end)
    if today_kept and counted_at is not None:
        today_end = min(scope.end, local_midnight(today + DAY, tenant))
        since = max(scope.start, counted_at)
        # Today's row counts the follow-ups overdue when it was counted; those fallen due since,
        # and the SLA events recorded since, are read here.
        live_follow_ups(since, min(today_end, now), names=["follow_ups_overdue"])
        live_sla_events(since, today_end)
    _add_median_buckets(scope, waits, first_day, after_day, (live_first, live_last))
    for person_id, kept in waits.items():
        if kept.total:
            sla_rows[person_id]["median_first_response"] = kept.median()
    return _team(
        scope,
        _open_leads(scope) if open_leads is None else open_leads,
        {pk: dict(row) for pk, row in follow_up_rows.items()},
        {pk: dict(row) for pk, row in sla_rows.items()},
    )


# --- Stage flow ---------------------------------------------------------------------------------


@dataclass
class StageFlowRow:
    pipeline_name: str
    stage: Stage
    flow: Flow = field(default_factory=Flow)

    @property
    def conversion(self) -> int | None:
        return _percent(self.flow.moved_on, self.flow.left)

    @property
    def average_days(self) -> float | None:
        if not self.flow.left:
            return None
        return round(self.flow.time_in_stage / self.flow.left / DAY, 1)

    def cells(self) -> list:
        days = self.average_days
        return [
            self.pipeline_name,
            self.stage.name,
            self.flow.entered,
            self.flow.left,
            self.flow.moved_on,
            self.flow.left - self.flow.moved_on,
            _percent_cell(self.flow.moved_on, self.flow.left),
            "—" if days is None else days,
        ]


@dataclass
class StageFlowFigures:
    rows: list[StageFlowRow]

    def table(self) -> Table:
        return Table(
            title=_("Stage conversion"),
            headers=[
                _("Pipeline"),
                _("Stage"),
                _("Entered"),
                _("Left"),
                _("Moved on"),
                _("Lost or moved back"),
                _("Conversion"),
                _("Average days in stage"),
            ],
            rows=[row.cells() for row in self.rows if row.flow.entered or row.flow.left],
        )


def _flow_sums(scope: Scope, stored, rows: dict):
    """Stored flow rows (StageFlowDay or StageFlowMonth) of the scope's stages, brand and rep,
    summed per stage."""
    stored = stored.filter(tenant=scope.tenant, stage_id__in=rows)
    if scope.brand_id is not None:
        stored = stored.filter(brand_id=scope.brand_id)
    if scope.rep is not None:
        stored = stored.filter(owner_id=scope.rep.pk)
    return (
        stored.values_list("stage_id")
        .annotate(Sum("entered"), Sum("left"), Sum("moved_on"), Sum("time_in_stage"))
        .order_by()
    )


def stage_flow_figures(scope: Scope, *, now: dt.datetime | None = None) -> StageFlowFigures:
    """Per stage: the visits that began in the period, and those that ended in it — how many
    moved on to a later stage and how long they had stayed. The days and today so far come from
    the rollup (dashboards.services.rollups); the visits since its last sweep are computed. With a rep or
    a brand, the lead's owner and brand as of the rollup count."""
    now = now or timezone.now()
    tenant = scope.tenant
    stages = [
        stage
        for stage in Stage.objects.filter(tenant=tenant, is_lost=False, is_terminal=False)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
        if scope.pipeline_id in (None, stage.pipeline_id)
    ]
    rows = {stage.pk: StageFlowRow(stage.pipeline.name, stage) for stage in stages}
    live_from = scope.start
    stored = stored_flow(tenant=tenant)
    if stored is not None:
        # The rows of a day hold its visits up to stored.until (today's: up to the last sweep).
        read_end = min(scope.end, stored.until)
        live_from = max(scope.start, stored.until)
        first_day = timezone.localtime(scope.start, tenant.zone).date()
        last_day = timezone.localtime(read_end - dt.timedelta.resolution, tenant.zone).date()
        # The stored months wholly in the period are read from their month rows, the other days
        # from their day rows: a year reads eleven months of rows and this month's days.
        months_first = first_day if first_day.day == 1 else next_month(first_day)
        months_after = min(stored.months_until, (last_day + DAY).replace(day=1))
        days = Q(day__gte=first_day, day__lte=last_day)
        if months_first < months_after:
            days = Q(day__gte=first_day, day__lt=months_first) | Q(
                day__gte=months_after, day__lte=last_day
            )
        rolled = _flow_sums(scope, StageFlowDay.objects.filter(days), rows)
        if months_first < months_after:
            months = StageFlowMonth.objects.filter(month__gte=months_first, month__lt=months_after)
            rolled = rolled.union(_flow_sums(scope, months, rows), all=True)
        for stage_id, *figures in rolled:
            rows[stage_id].flow.add(Flow(*figures))
    live_to = min(scope.end, now)
    if live_from < live_to:
        for (_day, stage_id, owner_id, brand_id), flow in flow_rows(
            tenant=tenant, start=live_from, end=live_to
        ).items():
            if stage_id not in rows or scope.brand_id not in (None, brand_id):
                continue
            if scope.rep is not None and owner_id != scope.rep.pk:
                continue
            rows[stage_id].flow.add(flow)
    return StageFlowFigures(
        rows=[
            row
            for row in rows.values()
            if row.flow.entered or row.flow.left or not row.stage.is_archived
        ]
    )
