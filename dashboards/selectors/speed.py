"""Speed to lead: how fast new leads get their first touch.

A touch is what `Lead.first_touch_at` records (leads.services.activity.lead_record_touch): the first
outbound touch by a person — a logged outbound call, a quote emailed, a follow-up completed that
reached the customer. Automatic messages (a trigger's "thanks, we got your request") do not count,
nor does a stage move on its own: nobody spoke to the customer. It is the clock the untouched-lead
alerts use.

For the leads created in the period: the share touched within 15 minutes (target 90 %) of those
whose 15 minutes are over (a lead created 5 minutes ago and not yet touched is not late yet), and
the median time to the first touch of those touched (exact to the minute the page shows: an
hour past a day).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.kit.formatting import duration
from dashboards.period import Scope
from dashboards.selectors.first_touch import (
    Touches,
    add_live,
    bin_sums,
    created_within,
    day_ranges,
    fine_buckets,
    live_buckets,
    local_date,
    local_midnight,
    stored_rows,
    touch_rollup,
)
from dashboards.selectors.people import member_name, member_order, team_members
from dashboards.tables import Cell, Table

TARGET_SHARE = 90


@dataclass(frozen=True)
class SpeedRow:
    name: str | Promise
    new_leads: int
    judged: int  # touched, or their 15 minutes are over
    within_window: int
    touched: int
    median_first_touch: dt.timedelta | None

    @property
    def share(self) -> int | None:
        """Percent touched within the window, of the leads that can be judged; None: none yet."""
        if not self.judged:
            return None
        return round(100 * self.within_window / self.judged)

    @property
    def meets_target(self) -> bool:
        return self.share is not None and self.share >= TARGET_SHARE

    @property
    def untouched(self) -> int:
        return self.new_leads - self.touched

    def cells(self) -> list:
        share = self.share
        return [
            self.name,
            self.new_leads,
            Cell(
                "—" if share is None else f"{share}%",
                tone="" if share is None else ("ok" if self.meets_target else "danger"),
            ),
            self.within_window,
            self.judged,
            "—"
            if self.median_first_touch is None
            else duration(self.median_first_touch, short=True),
            self.untouched,
        ]


@dataclass(frozen=True)
class SpeedFigures:
    total: SpeedRow
    reps: list[SpeedRow]
    target: int = TARGET_SHARE

    def table(self) -> Table:
        rows = [row.cells() for row in self.reps]
        if len(self.reps) != 1:
            rows.append(self.total.cells())
        return Table(
            title=_("Speed to lead"),
            headers=[
                _("Rep"),
                _("New leads"),
                _("Touched within 15 min"),
                _("Within 15 min"),
                _("Judged"),
                _("Median first touch"),
                _("Not touched yet"),
            ],
            rows=rows,
        )


def speed_figures(scope: Scope, *, now: dt.datetime | None = None) -> SpeedFigures:
    """The period's new leads, for the team and per owner: the days kept in FirstTouchDay summed
    (dashboards.selectors.first_touch; the median's bins read for the team and each owner),
    the others counted from the leads (today, the days changed since the sweep). Without the
    rollup, all counted. At most five queries plus the names."""
    now = now or timezone.now()
    tenant = scope.tenant
    first, after = local_date(scope.start, tenant), local_date(scope.end, tenant)
    state = touch_rollup(tenant, now)
    whole_days = scope.start == local_midnight(first, tenant) and scope.end == local_midnight(
        after, tenant
    )
    rows = None
    live_ranges = [(scope.start, scope.end)]
    if state is not None and whole_days:
        days = [first + dt.timedelta(days=n) for n in range((after - first).days)]
        stored = [day for day in days if day not in state.live_days]
        live_ranges = day_ranges([day for day in days if day in state.live_days], tenant)
        if stored:
            rows = stored_rows(tenant, scope.lead_conditions(), stored, state.months_until)
    per_owner: dict[int | None, Touches] = {}
    if rows is not None:
        for owner_id, (leads, touched, within, bins) in bin_sums(rows, "owner_id").items():
            touches = per_owner.setdefault(owner_id, Touches())
            # A stored day is over: every lead of it is judged.
            touches.add_counts(leads, leads, within, touched)
            touches.add_bins(bins)
    if live_ranges:
        leads = scope.leads().filter(created_within(live_ranges))
        for owner_id, bucket, *counts in live_buckets(leads, F("owner_id"), now=now):
            add_live(per_owner.setdefault(owner_id, Touches()), bucket, *counts)
    team = Touches()
    for touches in per_owner.values():
        team.merge(touches)
    if rows is not None and state is not None and team.touched:
        # The fine buckets of each median's bins: each owner's, and the team's (any owner).
        needs = {owner_id: touches.median_bins() for owner_id, touches in per_owner.items()}
        team_bins = team.median_bins()
        bins = set().union(team_bins, *needs.values())
        for owner_id, index, *bucket in fine_buckets(
            tenant, scope.lead_conditions(), stored, bins, state.months_until
        ):
            if index in needs.get(owner_id, ()):
                per_owner[owner_id].add_fine(index, *bucket)
            if index in team_bins:
                team.add_fine(index, *bucket)

    def row(name: str | Promise, touches: Touches) -> SpeedRow:
        return SpeedRow(
            name=name,
            new_leads=touches.leads,
            judged=touches.judged,
            within_window=touches.within_window,
            touched=touches.touched,
            median_first_touch=touches.median(),
        )

    members = team_members(scope)
    reps = [
        row(member_name(members, owner_id), per_owner[owner_id])
        for owner_id in member_order(members, per_owner)
    ]
    return SpeedFigures(total=row("Team", team), reps=reps)
