"""Which tenants the dashboard's sweeps have work in, so that their fan-out visits only those
(crm.tenancy.sweeps `due_tenants`; dashboards.selectors.sweeps). Each runs as the table owner
(row-level security hides every row outside a tenant's context) and returns tenant ids only.

- period changes: the tenants roll_up_periods would count anything for: no rollup yet, a time
  zone changed since the build, or a change noted by the triggers (one probe each on
  period_change_by_tenant);
- team changes: the tenants roll_up_team would count a day for: no rollup yet, a local day ended
  since the last run, a day marked changed, or a follow-up, ticket or lead saved or an SLA event
  of the counted kinds since the last run (less the overlap the rollup itself looks back),
  each one probe on a (tenant, time) index. An SLA event comes with a save of its ticket, so an
  event committed late with an earlier time is found through the ticket;
- stage flow changes: the tenants roll_up_stage_flow would count visits for: no rollup yet, a
  local day ended since the last run, or a lead saved since it (a stage move saves its lead;
  one probe on dashnow_leads_lead_changed);
- leads at least: the tenants whose lead counter passed a number of leads (the kept figures
  are recounted only where counting them in a request would be slow).
"""

from django.db import migrations

PERIODS = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_period_changes()
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_periodrollup r ON r.tenant_id = t.id
    WHERE r.id IS NULL OR r.zone <> t.time_zone
       OR EXISTS (SELECT 1 FROM dashboards_periodchange c WHERE c.tenant_id = t.id)
$$;
"""

TEAM = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_team_changes(
    at timestamptz, overlap interval, kinds text[]
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_teamrollup r ON r.tenant_id = t.id
    WHERE r.id IS NULL
       OR r.live_day < (at AT TIME ZONE t.time_zone)::date
       OR EXISTS (SELECT 1 FROM dashboards_teamdaychanged d WHERE d.tenant_id = t.id)
       OR EXISTS (SELECT 1 FROM followups_followup f
                  WHERE f.tenant_id = t.id AND f.updated_at > r.changes_seen_at - overlap)
       OR EXISTS (SELECT 1 FROM tickets_ticket k
                  WHERE k.tenant_id = t.id AND k.updated_at > r.changes_seen_at - overlap)
       OR EXISTS (SELECT 1 FROM leads_lead l
                  WHERE l.tenant_id = t.id AND l.updated_at > r.changes_seen_at - overlap)
       OR EXISTS (SELECT 1 FROM tickets_slaevent e
                  WHERE e.tenant_id = t.id AND e.kind = ANY(kinds)
                    AND e.occurred_at > r.changes_seen_at - overlap)
$$;
"""

STAGE_FLOW = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_stage_flow_changes(at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_stageflowrollup r ON r.tenant_id = t.id
    WHERE r.id IS NULL OR r.counted_through IS NULL
       OR r.rolled_through < (at AT TIME ZONE t.time_zone)::date - 1
       OR EXISTS (SELECT 1 FROM leads_lead l
                  WHERE l.tenant_id = t.id AND l.updated_at > r.counted_through)
$$;
"""

LEADS = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_leads_at_least(leads integer)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT c.tenant_id FROM leads_leadcounter c WHERE c.last_number >= 1000 + leads
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0015_narrow_wait_bins"),
        ("leads", "0010_sweeps2_priorities_due"),
        ("tickets", "0011_sweeps2_due_tenants"),
        ("followups", "0006_sweeps2_due_tenants"),
    ]

    operations = [
        migrations.RunSQL(
            PERIODS, "DROP FUNCTION IF EXISTS threadline_tenants_with_period_changes();"
        ),
        migrations.RunSQL(
            TEAM,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_team_changes("
            "timestamptz, interval, text[]);",
        ),
        migrations.RunSQL(
            STAGE_FLOW,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_stage_flow_changes(timestamptz);",
        ),
        migrations.RunSQL(
            LEADS, "DROP FUNCTION IF EXISTS threadline_tenants_with_leads_at_least(integer);"
        ),
    ]
