"""The priority score of a lead, as a list of parts a rep can read on the lead page.

Higher means "call this one first". The stored `Lead.priority_score` is the sum of these parts; it is
refreshed on every write to the lead and by a sweep when a lead crosses an aging threshold, so the
list can sort on an index.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_noop

from crm.kit.translations import Translations
from crm.models import Tenant
from leads.aging import AGING_LABELS, Aging, AgingClock
from leads.models import LeadStatus, LeadType, Location
from leads.rows import RowLead

AGING_POINTS = {Aging.GREEN: 0, Aging.ORANGE: 15, Aging.RED: 30, Aging.DONE: 0}
UNTOUCHED_POINTS = 20
LOCATION_POINTS = {Location.IN_STATE: 10, Location.OUT_OF_STATE: -10, Location.UNKNOWN: 0}
COMMERCIAL_POINTS = 15
VALUE_POINTS_PER = Decimal("1000")
VALUE_POINTS_MAX = 25


@dataclass(frozen=True)
class ScorePart:
    label: str
    points: int


def score_parts(
    lead: RowLead,
    *,
    tenant: Tenant,
    now: dt.datetime,
    untouched_after: dt.timedelta,
    clock: AgingClock | None = None,
    translate: Translations | None = None,
) -> list[ScorePart]:
    """`clock` (at `now`) and `translate` may be shared by the scores of a page."""
    translate = translate or Translations()
    if lead.status == LeadStatus.LOST or (lead.stage and lead.stage.is_terminal):
        return [ScorePart(translate(gettext_noop("Closed: nothing left to chase")), 0)]
    parts = []
    if lead.stage is None:
        parts.append(ScorePart(translate(gettext_noop("No stage")), AGING_POINTS[Aging.RED]))
    else:
        colour = (clock or AgingClock(tenant, now)).colour(lead.stage, lead.stage_entered_at)
        label = translate(gettext_noop("Time in stage: %(colour)s")) % {
            "colour": translate(AGING_LABELS[colour]).lower()
        }
        parts.append(ScorePart(label, AGING_POINTS[colour]))
    if (
        lead.status == LeadStatus.OPEN
        and lead.first_touch_at is None
        and now - lead.created_at >= untouched_after
    ):
        parts.append(ScorePart(translate(gettext_noop("Not contacted yet")), UNTOUCHED_POINTS))
    location = Location(lead.location)
    parts.append(ScorePart(translate.label(location), LOCATION_POINTS[location]))
    if lead.lead_type == LeadType.COMMERCIAL:
        parts.append(ScorePart(translate.label(LeadType.COMMERCIAL), COMMERCIAL_POINTS))
    if lead.source is not None and lead.source.priority_points:
        parts.append(
            ScorePart(
                translate(gettext_noop("Source: %(name)s")) % {"name": lead.source.name},
                lead.source.priority_points,
            )
        )
    if lead.estimated_value:
        points = min(int(lead.estimated_value // VALUE_POINTS_PER), VALUE_POINTS_MAX)
        if points:
            parts.append(
                ScorePart(
                    translate(gettext_noop("Value %(amount)s"))
                    % {"amount": f"{lead.estimated_value:,.0f}"},
                    points,
                )
            )
    return parts


def priority_score(parts: list[ScorePart]) -> int:
    return sum(part.points for part in parts)
