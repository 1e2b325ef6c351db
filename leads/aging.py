"""How late a lead is in its stage: green, orange or red against the stage's allowed delays.

Colours are computed when a page is read, never stored. Every question ("what colour is this
lead?", "which leads are red?") goes through the same cutoff: a lead is orange once it entered its
stage at or before `cutoff(now, orange_after)`, so the list, its filter and the dashboard agree.
Business days are the tenant's business calendar's (crm.business_calendar): the days its hours
open on, less public holidays and the closed days an admin added, in its time zone.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Expression, F, Q
from django.utils.translation import gettext, gettext_noop, ngettext

from crm.business_calendar import BusinessCalendar
from crm.models import Tenant
from crm.selectors.calendar import business_calendar
from leads.models import DelayUnit, Stage

AGING_LABELS = {
    "green": gettext_noop("On time"),
    "orange": gettext_noop("Getting late"),
    "red": gettext_noop("Late"),
    "done": gettext_noop("Done"),
}


class Aging(StrEnum):
    GREEN = "green"
    ORANGE = "orange"
    RED = "red"
    DONE = "done"  # a terminal stage: the clock no longer runs

    @property
    def label(self) -> str:
        return gettext(AGING_LABELS[self])


def cutoff(
    tenant: Tenant,
    now: dt.datetime,
    amount: int,
    unit: str,
    calendar: BusinessCalendar | None = None,
) -> dt.datetime:
    """The latest stage-entry time that has used up `amount` hours or business days by `now`
    (business days by the tenant's calendar: its weekly hours, public holidays and closed days,
    the calendar the SLA clocks count in; `calendar`: that calendar, when the caller has it)."""
    if unit == DelayUnit.HOURS:
        return now - dt.timedelta(hours=amount)
    return (calendar or business_calendar(tenant)).business_days_before(now, amount)


@dataclass(frozen=True)
class StageCutoffs:
    """For one stage at one moment: entered at or before `orange` is orange, before `red` red."""

    orange: dt.datetime | None
    red: dt.datetime | None

    @classmethod
    def for_stage(
        cls,
        tenant: Tenant,
        stage: Stage,
        now: dt.datetime,
        calendar: BusinessCalendar | None = None,
    ) -> "StageCutoffs":
        def at(amount):
            if amount is None:
                return None
            return cutoff(tenant, now, amount, stage.delay_unit, calendar)

        return cls(orange=at(stage.orange_after), red=at(stage.red_after))

    def colour(self, entered_at: dt.datetime) -> Aging:
        if self.red is not None and entered_at <= self.red:
            return Aging.RED
        if self.orange is not None and entered_at <= self.orange:
            return Aging.ORANGE
        return Aging.GREEN


class AgingClock:
    """Stage colours at one moment, each stage's cutoffs worked out once: a list page asks for the
    colour of fifty leads in a handful of stages, three times each (the bar, its current segment,
    the score), and a cutoff in business days walks the tenant's calendar."""

    def __init__(self, tenant: Tenant, now: dt.datetime):
        self.tenant = tenant
        self.now = now
        self._cutoffs: dict[int, StageCutoffs] = {}
        self._calendar: BusinessCalendar | None = None

    @property
    def calendar(self) -> BusinessCalendar:
        # Looked up once a page: checking that the kept calendar is still the tenant's costs
        # about as much as a cutoff, and a page's past visits ask for hundreds.
        if self._calendar is None:
            self._calendar = business_calendar(self.tenant)
        return self._calendar

    def cutoffs(self, stage: Stage) -> StageCutoffs:
        # `.id`, not the `.pk` property: asked about 200 times a page.
        cutoffs = self._cutoffs.get(stage.id)
        if cutoffs is None:
            cutoffs = self._cutoffs[stage.id] = self.cutoffs_at(stage, self.now)
        return cutoffs

    def cutoffs_at(self, stage: Stage, moment: dt.datetime) -> StageCutoffs:
        """The stage's cutoffs at another moment (when a past visit ended), in this calendar."""
        return StageCutoffs.for_stage(self.tenant, stage, moment, self.calendar)

    def colour(self, stage: Stage | None, entered_at: dt.datetime) -> Aging:
        if stage is None:
            return Aging.RED
        if stage.is_terminal:
            return Aging.DONE
        return self.cutoffs(stage).colour(entered_at)


class StageWindows(Expression):
    """Leads in one of the stages whose stage-entry time is inside that stage's window: (stage
    id, low, high) each, entered after `low` and at or before `high` (None: unbounded).

    The SQL that one Q per stage gives (each branch tests the stage first), written here: a
    tenant has about forty stages, and building, resolving, cloning and compiling their hundred
    lookups cost 8-12 ms of CPU a page at a million leads, more than the walk it plans.
    `hidden`: inside a CASE, which PostgreSQL checks on each row but cannot estimate."""

    output_field = BooleanField()

    def __init__(self, windows, *, hidden: bool = False):
        super().__init__()
        self.windows = tuple(windows)
        self.hidden = hidden
        self.stage, self.entered = F("stage_id"), F("stage_entered_at")

    def get_source_expressions(self):
        return [self.stage, self.entered]

    def set_source_expressions(self, expressions):
        self.stage, self.entered = expressions

    def as_sql(self, compiler, connection):
        if not self.windows:
            raise EmptyResultSet
        stage, _ = compiler.compile(self.stage)
        entered, _ = compiler.compile(self.entered)
        branches, params = [], []
        for stage_id, low, high in self.windows:
            parts = [f"{stage} = %s"]
            params.append(stage_id)
            if low is not None:
                parts.append(f"{entered} > %s")
                params.append(low)
            if high is not None:
                parts.append(f"{entered} <= %s")
                params.append(high)
            branches.append(f"({' AND '.join(parts)})")
        sql = " OR ".join(branches)
        if self.hidden:
            return f"CASE WHEN ({sql}) THEN true ELSE false END", params
        return f"({sql})", params


def aging_filter(
    tenant: Tenant,
    stages,
    colour: str,
    now: dt.datetime,
    *,
    walked: bool = False,
    staged: bool = False,
) -> Q:
    """Leads whose current stage colour is `colour` now, as one indexable condition per stage.

    `walked`: the caller reads the leads in an order whose index holds each lead's stage and its
    entry time (lead_open_priority, lead_owner_open_priority), and wants that order walked for an
    orange or green filter. PostgreSQL expects a few hundred leads from the per-stage windows
    where there are thousands (the stage and its entry time are correlated): it would read every
    one of them from the table to sort them (ten thousand orange leads at a million, 35 ms)
    rather than walk the index until a page is found (3 ms). Hidden in a CASE, the windows are
    only checked on each index entry; their envelope stays an indexable range. Red is most open
    leads: walked anyway.

    `staged`: the caller wants only leads in one of `stages` (red does not then include the
    leads without a stage): the windows alone, which an index holding the stage checks.
    """
    windows = []
    calendar = business_calendar(tenant)
    for stage in stages:
        if stage.is_terminal:
            continue
        cut = StageCutoffs.for_stage(tenant, stage, now, calendar)
        low = high = None
        if colour == Aging.RED:
            if cut.red is None:
                continue
            high = cut.red
        elif colour == Aging.ORANGE:
            if cut.orange is None:
                continue
            low, high = cut.red, cut.orange
        elif colour == Aging.GREEN:
            low = cut.orange if cut.orange is not None else cut.red
        windows.append((stage.pk, low, high))
    if colour == Aging.RED and not staged:
        return Q(StageWindows(windows)) | Q(stage__isnull=True)
    if not walked or not windows:
        return Q(StageWindows(windows))
    hidden = Q(StageWindows(windows, hidden=True))
    lows = [low for _, low, _ in windows]
    highs = [high for _, _, high in windows]
    if None not in lows:
        hidden &= Q(stage_entered_at__gt=min(lows))
    if None not in highs:
        hidden &= Q(stage_entered_at__lte=max(highs))
    return hidden


def describe_delay(stage: Stage) -> str:
    """A stage's allowed delays in the active language: "orange after 2 business days, red after
    5 business days", "red after 4h", "no time limit"."""

    def amount(value: int) -> str:
        if stage.delay_unit == DelayUnit.HOURS:
            return gettext("%(count)dh") % {"count": value}
        return ngettext("%(count)d business day", "%(count)d business days", value) % {
            "count": value
        }

    parts = []
    if stage.orange_after is not None:
        parts.append(gettext("orange after %(delay)s") % {"delay": amount(stage.orange_after)})
    if stage.red_after is not None:
        parts.append(gettext("red after %(delay)s") % {"delay": amount(stage.red_after)})
    return ", ".join(parts) or gettext("no time limit")
