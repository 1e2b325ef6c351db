"""Speed to lead: how fast new leads get their first touch.

A touch is what `Lead.first_touch_at` records (leads.services.activity.lead_record_touch): the first
outbound touch by a person — a logged outbound call, a quote emailed, a follow-up completed that
reached the customer. Automatic messages (a trigger's "thanks, we got your request") do not count,
nor does a stage move on its own: nobody spoke to the customer. It is the clock the untouched-lead
alerts use.

For the leads created in the period: the share touched within 15 minutes (target 90 %) of those
whose 15 minutes are over (a lead created 5 minutes ago and not yet touched is not late yet), and
the median time to the first touch of those touched.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.kit.formatting import duration
from dashboards.aggregates import Median
from dashboards.period import Scope
from dashboards.selectors.people import member_name, member_order, team_members
from dashboards.tables import Cell, Table

SPEED_WINDOW = dt.timedelta(minutes=15)
TARGET_SHARE = 90


@dataclass(frozen=True)
class SpeedRow:
    name: str
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
    """The period's new leads, for the team and per owner (two queries plus the names)."""
    now = now or timezone.now()
    first_touch_after = ExpressionWrapper(
        F("first_touch_at") - F("created_at"), output_field=DurationField()
    )
    touched = Q(first_touch_at__isnull=False)
    figures = {
        "new_leads": Count("created_at"),
        "judged": Count("created_at", filter=touched | Q(created_at__lte=now - SPEED_WINDOW)),
        "within_window": Count(
            "created_at", filter=touched & Q(first_touch_after__lte=SPEED_WINDOW)
        ),
        "touched": Count("created_at", filter=touched),
        "median_first_touch": Median("first_touch_after", filter=touched),
    }
    new_leads = (
        scope.leads()
        .filter(created_at__gte=scope.start, created_at__lt=scope.end)
        .annotate(first_touch_after=first_touch_after)
    )
    total = SpeedRow(name="Team", **new_leads.aggregate(**figures))
    per_owner = {
        row.pop("owner_id"): row
        for row in new_leads.values("owner_id").annotate(**figures).order_by()
    }
    members = team_members(scope)
    reps = [
        SpeedRow(name=member_name(members, owner_id), **per_owner[owner_id])
        for owner_id in member_order(members, per_owner)
    ]
    return SpeedFigures(total=total, reps=reps)
