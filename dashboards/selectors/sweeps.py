"""Which tenants the dashboard's sweeps have work in (read across tenants, ids only; dashboards
migration 0016_sweeps_due_tenants)."""

import datetime as dt

from crm.tenancy.sweeps import tenants_from_function
from tickets.models import SlaEventKind

# The SLA events the team figures count (dashboards.services.team_rollup._changed_days).
TEAM_SLA_KINDS = [SlaEventKind.MET, SlaEventKind.ANSWERED_LATE, SlaEventKind.STARTED]
# Below this many leads the kept figures are not recounted by beat: a request that finds them
# expired counts them from the rollups in tens of milliseconds, about what keeping them costs
# every four minutes, for each of a thousand small tenants.
KEEP_FIGURES_FROM_LEADS = 20_000
# How far before the last run changes are looked for again (a transaction open at the time). A
# tenant is due again for such a change only once this has passed since that run (dashboards
# migration 0029), not in every round meanwhile.
CHANGES_OVERLAP = dt.timedelta(minutes=5)
# A smaller tenant's figures of the moment are counted again this often when nothing of theirs
# is written (a colour or "not contacted in time" turns with the clock alone; the page says when
# they were counted), at its own turn (a minute of the ten, by its id: a round counts a tenth of
# the tenants, never all of them at once), and within the minute after a lead or neglect flag
# changes.
MOMENT_STALE_AFTER = dt.timedelta(minutes=10)


def period_changes_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants roll_up_periods would count days for: not built, time zone changed, or a change
    noted by the triggers."""
    return tenants_from_function("threadline_tenants_with_period_changes")


def stage_flow_changes_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants roll_up_stage_flow would count visits for (a superset: a lead saved without a
    stage move makes its tenant due). A visit it misses is counted by the page live until the
    day's end, when the day is counted again whole."""
    return tenants_from_function("threadline_tenants_with_stage_flow_changes", now)


def team_changes_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants roll_up_team would count a day for (a superset: it may find none): a change since
    its last run, and once more when CHANGES_OVERLAP has passed since (migration 0029)."""
    return tenants_from_function(
        "threadline_tenants_with_team_changes",
        now,
        CHANGES_OVERLAP,
        [str(kind) for kind in TEAM_SLA_KINDS],
    )


def kept_figures_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants large enough for beat to keep their figures counted ahead of the manager."""
    return tenants_from_function("threadline_tenants_with_leads_at_least", KEEP_FIGURES_FROM_LEADS)


def moment_due_tenant_ids(now: dt.datetime) -> list[int]:
    """Tenants whose figures of the moment the minute sweep counts: the large ones every minute,
    the others when something they show may have changed (migration 0017) and at their turn
    (migration 0028)."""
    return tenants_from_function(
        "threadline_tenants_with_moment_due", now, MOMENT_STALE_AFTER, KEEP_FIGURES_FROM_LEADS
    )
