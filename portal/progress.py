"""A job's progress as its customer sees it: the pipeline's steps under their customer labels.

Built on the staff bar (leads/progress.py) so both agree on where a job stands; then a stage hidden
from the portal folds into the step before it (a first hidden stage into the step after), and the
team's aging colours stay inside: the customer sees done, now and next, and the steps the job went
past without stopping at as skipped (a job moved from the second step to the fifth did not do the
third and fourth).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from crm.models import Tenant
from leads.models import DelayUnit, Lead, LeadStatus, Stage, StageVisit
from leads.progress import Segment, build_progress

# The staff bar flags leads nobody has contacted yet; that is not the customer's business.
NEVER = dt.timedelta.max


SPOKEN_STATES = {
    "done": _("Done: "),
    "skipped": _("Skipped: "),
    "current": _("Now: "),
    "upcoming": _("Still to come: "),
}


@dataclass(frozen=True)
class JourneyStep:
    label: str
    state: str  # done | skipped | current | upcoming

    @property
    def spoken(self) -> str:
        """What a screen reader says before the label (the bar's colours say it to the eye)."""
        return str(SPOKEN_STATES[self.state])


@dataclass(frozen=True)
class Journey:
    steps: list[JourneyStep]
    status: str  # active | finished | closed
    current_label: str
    since: dt.datetime | None  # when the current step began
    expected: str  # how long the current step usually takes, e.g. "up to 3 business days"

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def position(self) -> int:
        """The current step's number, counting from 1 (0 with no current step)."""
        return next((i for i, step in enumerate(self.steps, 1) if step.state == "current"), 0)

    @property
    def summary(self) -> str:
        """The whole bar in words, for screen readers."""
        if self.status == "closed":
            if self.current_label:
                return gettext("Closed after: %(step)s") % {"step": self.current_label}
            return gettext("Closed")
        if self.status == "finished":
            return gettext("Finished: %(step)s") % {"step": self.current_label}
        if not self.position:
            return gettext("Not started yet")
        return gettext("Step %(position)d of %(count)d: %(step)s") % {
            "position": self.position,
            "count": len(self.steps),
            "step": self.current_label,
        }


def expected_duration(stage: Stage | None) -> str:
    """The stage's allowed delay in the customer's words: the time after which the team itself
    would call the step late (its orange threshold, else its red one)."""
    if stage is None or stage.is_terminal:
        return ""
    amount = stage.orange_after if stage.orange_after is not None else stage.red_after
    if amount is None:
        return ""
    if stage.delay_unit == DelayUnit.HOURS:
        return ngettext("up to %(count)d hour", "up to %(count)d hours", amount) % {"count": amount}
    return ngettext("up to %(count)d business day", "up to %(count)d business days", amount) % {
        "count": amount
    }


def _fold(segments: list[Segment]) -> list[list[Segment]]:
    groups: list[list[Segment]] = []
    for segment in segments:
        opens_a_step = segment.stage.show_in_portal and (
            not groups or any(s.stage.show_in_portal for s in groups[-1])
        )
        if opens_a_step or not groups:
            groups.append([segment])
        else:
            groups[-1].append(segment)
    return groups


def _label(group: list[Segment]) -> str:
    shown = next((s for s in group if s.stage.show_in_portal), group[0])
    return shown.stage.label_for_customer


def _state(group: list[Segment]) -> str:
    states = {segment.state for segment in group}
    if "current" in states:
        return "current"
    if any(segment.state == "past" and segment.tint != "skipped" for segment in group):
        return "done"
    if "past" in states:
        return "skipped"  # every stage of the step was jumped over
    return "upcoming"


def customer_journey(
    *,
    tenant: Tenant,
    lead: Lead,
    pipeline_stages: list[Stage],
    visits: list[StageVisit],
    now: dt.datetime,
) -> Journey:
    bar = build_progress(
        tenant=tenant,
        lead=lead,
        pipeline_stages=pipeline_stages,
        visits=visits,
        now=now,
        untouched_after=NEVER,
    )
    groups = _fold(bar.segments)
    steps = [JourneyStep(_label(group), _state(group)) for group in groups]
    reached = [group for group, step in zip(groups, steps, strict=True) if step.state != "upcoming"]
    current_label = _label(reached[-1]) if reached else ""
    finished = lead.stage is not None and lead.stage.is_terminal
    if lead.status == LeadStatus.LOST:
        status = "closed"
    elif finished:
        status = "finished"
        steps = [
            JourneyStep(step.label, "skipped" if step.state == "skipped" else "done")
            for step in steps
        ]
    else:
        status = "active"
    since = None
    if status == "active" and reached:
        entered = [segment.entered_at for segment in reached[-1] if segment.entered_at]
        since = min(entered, default=None)
    return Journey(
        steps=steps,
        status=status,
        current_label=current_label,
        since=since,
        expected=expected_duration(lead.stage) if status == "active" else "",
    )
