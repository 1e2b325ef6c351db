"""What the dashboard does when other apps publish events (config/events.py wires them)."""

from django.utils import timezone

from dashboards.services.team_rollup import team_day_changed, team_days_of_lead_changed
from followups.events import FollowUpRescheduled
from leads.events import LeadRegrouped


def team_day_left(event: FollowUpRescheduled) -> None:
    """The day a follow-up moved away from is counted again by the next team rollup sweep (the
    sweep finds the day it moved to by itself)."""
    team_day_changed(
        tenant=event.tenant, day=timezone.localtime(event.before, event.tenant.zone).date()
    )


def team_days_of_regrouped_lead(event: LeadRegrouped) -> None:
    """The days of the lead's follow-ups and SLA events were counted under its old pipeline or
    brand: the next team rollup sweep counts them again."""
    team_days_of_lead_changed(tenant=event.tenant, lead=event.lead)
