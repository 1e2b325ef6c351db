"""Beat-driven work of the dashboard: the stage-flow and activity rollups and the kept figures."""

from crm.models import Tenant
from crm.tenancy.sweeps import (
    BULK,
    SECONDS_FEW_MINUTES,
    SECONDS_HOURLY,
    SECONDS_MINUTE,
    More,
    tenant_sweep,
)
from dashboards.selectors.figures import team_views_recount
from dashboards.selectors.sweeps import (
    kept_figures_tenant_ids,
    moment_due_tenant_ids,
    period_changes_tenant_ids,
    stage_flow_changes_tenant_ids,
    team_changes_tenant_ids,
)
from dashboards.services.moment import moment_keep
from dashboards.services.period_rollups import period_roll_up_step
from dashboards.services.rollups import activity_roll_up, stage_flow_roll_up
from dashboards.services.team_rollup import team_roll_up


# The first build takes minutes at a million leads (the hourly limit; the tenant's lock makes the
# next minutes' rounds skip it meanwhile); after it, a round adds today's new visits, and visits
# only the tenants with a lead saved or a day ended since.
@tenant_sweep(soft_time_limit=SECONDS_HOURLY, due_tenants=stage_flow_changes_tenant_ids)
def roll_up_stage_flow(*, tenant: Tenant) -> int:
    """Store the tenant's days of stage flow, today's so far (every minute)."""
    return stage_flow_roll_up(tenant=tenant)


@tenant_sweep(soft_time_limit=SECONDS_HOURLY)
def roll_up_activity(*, tenant: Tenant) -> int:
    """Store the tenant's finished days of calls and messages (hourly, as the stage flow)."""
    return activity_roll_up(tenant=tenant)


# The first build of a million-lead tenant takes minutes: the limit is the hourly one, and the
# tenant's lock makes the next minutes' rounds skip it meanwhile. Only the tenants with a change
# noted (or no rollup yet) are visited.
@tenant_sweep(soft_time_limit=SECONDS_HOURLY, due_tenants=period_changes_tenant_ids)
def roll_up_periods(*, tenant: Tenant) -> int:
    """Recount the tenant's days of leads created and lost that changed since the last run
    (every minute: until then the page counts those days live), or build them the first time;
    a step that left days for later continues in a follow-up task."""
    counted, left = period_roll_up_step(tenant=tenant)
    return More(counted) if left else counted


# Only the tenants large enough for a count in the request to be slow: at a thousand tenants,
# keeping every small one's figures took more than the two default workers had. With the minute
# rollups (BULK), not behind the other few-minute sweeps: the figures it keeps expire a minute
# after its next round is due.
@tenant_sweep(
    soft_time_limit=SECONDS_FEW_MINUTES, due_tenants=kept_figures_tenant_ids, priority=BULK
)
def keep_figures_fresh(*, tenant: Tenant) -> int:
    """Recount the tenant's team's kept periods before their figures expire (beat runs this more
    often than DASHBOARD_FIGURES_SECONDS)."""
    return team_views_recount(tenant=tenant)


# The first build of a tenant's team days takes minutes at a million leads (the hourly limit;
# the tenant's lock makes the next rounds skip it meanwhile); after it, a round takes seconds,
# and visits only the tenants where something it counts changed.
@tenant_sweep(soft_time_limit=SECONDS_HOURLY, due_tenants=team_changes_tenant_ids)
def roll_up_team(*, tenant: Tenant) -> int:
    """Count again the days of the tenant's team figures that changed (every minute)."""
    return team_roll_up(tenant=tenant)


# Every minute for the large tenants; the others when a lead or neglect flag changed, or every
# ten minutes (at a thousand tenants, a count a minute each took more than the workers had).
@tenant_sweep(soft_time_limit=SECONDS_MINUTE, due_tenants=moment_due_tenant_ids)
def count_the_moment(*, tenant: Tenant) -> int:
    """Count the tenant's figures of the moment for the dashboard (every minute)."""
    return moment_keep(tenant=tenant)
