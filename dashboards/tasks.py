"""Beat-driven work of the dashboard: the stage-flow and activity rollups and the kept figures."""

from celery import shared_task
from django.utils import timezone

from crm.tenancy.tasks import each_tenant
from dashboards.aggregates import planner_for_aggregates
from dashboards.period import team_scope
from dashboards.selectors.figures import figures_recount
from dashboards.services.rollups import activity_roll_up, stage_flow_roll_up

# The views kept counted ahead of the manager: the team's month, quarter and last twelve months,
# all pipelines (a year of a million-lead tenant takes seconds to count).
KEPT_PERIODS = ("month", "quarter", "year")


@shared_task
def roll_up_stage_flow() -> int:
    """Store every tenant's finished days of stage flow (hourly: days end in every time zone)."""
    return each_tenant(stage_flow_roll_up)


@shared_task
def roll_up_activity() -> int:
    """Store every tenant's finished days of calls and messages (hourly, as the stage flow)."""
    return each_tenant(activity_roll_up)


def _recount_team_views(*, tenant) -> int:
    planner_for_aggregates()
    now = timezone.now()
    # The figures of the moment are keyed without the period: counted with the first one only.
    return sum(
        figures_recount(team_scope(tenant, now=now, period=period), now=now, right_now=index == 0)
        for index, period in enumerate(KEPT_PERIODS)
    )


@shared_task
def keep_figures_fresh() -> int:
    """Recount the team's kept periods of every tenant before their figures expire (beat runs
    this more often than DASHBOARD_FIGURES_SECONDS)."""
    return each_tenant(_recount_team_views)
