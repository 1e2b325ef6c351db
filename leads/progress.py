"""The progress bar of a lead: one segment per stage of its pipeline, coloured when it is read.

Past segments are faded and tinted by whether the lead left them on time; the current one is green,
orange or red by its time in stage; future ones are empty. Every pipeline spans the same width
(the template gives each segment an equal share), so bars of different pipelines line up.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext, gettext_noop

from crm.kit.formatting import duration
from crm.models import Tenant
from leads.aging import AGING_LABELS, Aging, AgingClock, describe_delay
from leads.models import LeadStatus, Stage, StageVisit
from leads.rows import RowLead


class Segment(NamedTuple):
    """A named tuple rather than a frozen dataclass: a page of fifty bars makes about 500, and a
    frozen dataclass sets each field through object.__setattr__."""

    stage: Stage
    state: str  # past | current | future
    tint: str  # past: on-time | late | skipped; current: green | orange | red | done; future: ""
    entered_at: dt.datetime | None = None
    left_at: dt.datetime | None = None
    read_at: dt.datetime | None = None  # when the bar was computed: the current stay ends there

    @property
    def duration(self) -> str:
        end = self.left_at or self.read_at
        if self.entered_at is None or end is None:
            return ""
        return duration(end - self.entered_at, short=True)

    @property
    def title(self) -> str:
        """The hover text, also read by screen readers as part of the bar's description."""
        return self.title_in(gettext)

    def title_in(self, translate: Callable[[str], str]) -> str:
        """The title with `translate` for gettext (a page's crm.kit.translations.Translations)."""
        name = self.stage.name
        if self.state == "current":
            return translate(gettext_noop("%(stage)s: now, %(duration)s in stage (%(colour)s)")) % {
                "stage": name,
                "duration": self.duration,
                "colour": translate(AGING_LABELS[self.tint]).lower(),
            }
        if self.state == "past":
            if self.tint == "skipped":
                return translate(gettext_noop("%(stage)s: skipped")) % {"stage": name}
            if self.tint == "late":
                return translate(gettext_noop("%(stage)s: %(duration)s (late)")) % {
                    "stage": name,
                    "duration": self.duration,
                }
            return f"{name}: {self.duration}"
        return translate(gettext_noop("%(stage)s: not yet")) % {"stage": name}

    @property
    def allowed(self) -> str:
        return describe_delay(self.stage)


@dataclass(frozen=True)
class ProgressBar:
    segments: list[Segment]
    colour: str  # the current segment's colour, "lost", or "none" when the lead has no stage
    stalled: bool  # no stage, or nobody has touched a new lead: shown so it stands out
    summary: str = field(default="")

    @property
    def current(self) -> Segment | None:
        return next((s for s in self.segments if s.state == "current"), None)


def _last_visits(visits: Iterable[StageVisit]) -> dict[int, StageVisit]:
    last: dict[int, StageVisit] = {}
    for visit in sorted(visits, key=lambda v: (v.entered_at, v.pk or 0)):
        last[visit.stage_id] = visit
    return last


def bar_stages(pipeline_stages: list[Stage], lead: RowLead) -> list[Stage]:
    """The stages a bar shows: the pipeline's live steps, plus an archived one the lead is in.

    Lost stages are where a lead ends, not a step of the job, so they are not segments.
    """
    return [
        stage
        for stage in pipeline_stages
        if not stage.is_lost and (not stage.is_archived or stage.pk == lead.stage_id)
    ]


def _segments(
    lead: RowLead,
    stages: list[Stage],
    ids: list[int],
    last_visit: dict[int, StageVisit],
    *,
    current: tuple[int, bool],
    clock: AgingClock,
    now: dt.datetime,
) -> list[Segment]:
    """One segment per stage: past ones tinted by whether the lead left them on time, the current
    one by its time in stage. `current`: the current stage's position, and whether the lead
    stands in it (not when lost or off the bar: the position is then the last stage reached)."""
    current_position, current_is_segment = current
    segments = []
    for index, (stage, pk) in enumerate(zip(stages, ids, strict=True)):
        visit = last_visit.get(pk)
        if index < current_position or (index == current_position and not current_is_segment):
            if visit is None:
                segments.append(Segment(stage, "past", "skipped"))
                continue
            if visit.left_at is None:
                cutoffs = clock.cutoffs(stage)
            else:
                cutoffs = clock.cutoffs_at(stage, visit.left_at)
            on_time = cutoffs.colour(visit.entered_at)
            tint = "late" if on_time == Aging.RED else "on-time"
            segments.append(
                Segment(stage, "past", tint, visit.entered_at, visit.left_at, read_at=now)
            )
        elif index == current_position:
            tint = clock.colour(stage, lead.stage_entered_at).value
            segments.append(Segment(stage, "current", tint, lead.stage_entered_at, read_at=now))
        else:
            segments.append(Segment(stage, "future", ""))
    return segments


def build_progress(
    *,
    tenant: Tenant,
    lead: RowLead,
    pipeline_stages: list[Stage],
    visits: Iterable[StageVisit],
    now: dt.datetime,
    untouched_after: dt.timedelta,
    clock: AgingClock | None = None,
    translate: Callable[[str], str] = gettext,
) -> ProgressBar:
    """`visits`: StageVisits, or rows with their stage_id, entered_at, left_at and pk. `clock` (at
    `now`) and `translate` may be shared by the bars of a page."""
    clock = clock or AgingClock(tenant, now)
    stages = bar_stages(pipeline_stages, lead)
    # The ids read once (`.pk` is a property: about 2,000 lookups for a page of fifty bars).
    ids = [stage.id for stage in stages]
    last_visit = _last_visits(visits)
    current_stage = lead.stage
    lost = lead.status == LeadStatus.LOST
    if lost or current_stage is None or lead.stage_id not in ids:
        # Where the lead reached before it was lost (or its stage was taken off the bar).
        reached = [index for index, pk in enumerate(ids) if pk in last_visit]
        current_position = reached[-1] if reached else -1
        current_is_segment = False
    else:
        current_position = ids.index(lead.stage_id)
        current_is_segment = True

    segments = _segments(
        lead,
        stages,
        ids,
        last_visit,
        current=(current_position, current_is_segment),
        clock=clock,
        now=now,
    )
    untouched = (
        lead.status == LeadStatus.OPEN
        and lead.first_touch_at is None
        and now - lead.created_at >= untouched_after
    )
    if lost:
        colour = "lost"
        summary = translate(gettext_noop("Lost (%(reason)s)")) % {
            "reason": lead.get_lost_reason_display() or translate(gettext_noop("no reason"))
        }
    elif current_stage is None:
        colour, summary = "none", translate(gettext_noop("No stage"))
    else:
        colour = clock.colour(current_stage, lead.stage_entered_at).value
        position = current_position + 1
        summary = translate(
            gettext_noop(
                "Stage %(position)s of %(count)s: %(stage)s, %(duration)s in stage, %(colour)s"
            )
        ) % {
            "position": position,
            "count": len(stages),
            "stage": current_stage.name,
            "duration": duration(now - lead.stage_entered_at, short=True),
            "colour": translate(AGING_LABELS[colour]).lower(),
        }
    if untouched:
        summary += translate(gettext_noop("; not contacted yet"))
    return ProgressBar(
        segments=segments,
        colour=colour,
        stalled=current_stage is None or untouched,
        summary=summary,
    )
