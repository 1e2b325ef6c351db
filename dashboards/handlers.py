"""What the dashboard does when other apps publish events (config/events.py wires them)."""

from django.utils import timezone

from dashboards.services.team_rollup import team_day_changed
from followups.events import FollowUpRescheduled


def team_day_left(event: FollowUpRescheduled) -> None:
    """The day a follow-up moved away from is counted again by the next team rollup sweep (the
    sweep finds the day it moved to by itself)."""
    team_day_changed(
        tenant=event.tenant, day=timezone.localtime(event.before, event.tenant.zone).date()
    )
