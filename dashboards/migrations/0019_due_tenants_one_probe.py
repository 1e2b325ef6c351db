"""The dashboard's due-tenant functions (migrations 0016 and 0017) probe each tenant's latest
change with one index read, whatever the planner guesses.

`EXISTS (SELECT 1 … WHERE tenant_id = t.id AND updated_at > r.changes_seen_at)` compares with a
value of the outer row, so the planner guesses a third of the table matches and scans it in heap
order, where the newest rows come last: the team's check took 0.7 s a minute at a million leads.
`(SELECT max(updated_at) … WHERE tenant_id = t.id)` is always the last entry of the (tenant,
updated_at) index. The team's check no longer looks at saved leads: a lead's pipeline or brand
change marks its days itself (leads.events.LeadRegrouped), and a lead is saved far more often.
"""

import importlib

from django.db import migrations

_0016 = importlib.import_module("dashboards.migrations.0016_sweeps_due_tenants")
_0017 = importlib.import_module("dashboards.migrations.0017_moment_due_tenants")

TEAM = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_team_changes(
    at timestamptz, overlap interval, kinds text[]
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_teamrollup r ON r.tenant_id = t.id
    WHERE r.id IS NULL
       OR r.live_day < (at AT TIME ZONE t.time_zone)::date
       OR EXISTS (SELECT 1 FROM dashboards_teamdaychanged d WHERE d.tenant_id = t.id)
       OR (SELECT max(f.updated_at) FROM followups_followup f WHERE f.tenant_id = t.id)
          > r.changes_seen_at - overlap
       OR (SELECT max(k.updated_at) FROM tickets_ticket k WHERE k.tenant_id = t.id)
          > r.changes_seen_at - overlap
       OR EXISTS (SELECT 1 FROM unnest(kinds) AS counted(kind)
                  WHERE (SELECT max(e.occurred_at) FROM tickets_slaevent e
                         WHERE e.tenant_id = t.id AND e.kind = counted.kind)
                        > r.changes_seen_at - overlap)
$$;
"""

STAGE_FLOW = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_stage_flow_changes(at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_stageflowrollup r ON r.tenant_id = t.id
    WHERE r.id IS NULL OR r.counted_through IS NULL
       OR r.rolled_through < (at AT TIME ZONE t.time_zone)::date - 1
       OR (SELECT max(l.updated_at) FROM leads_lead l WHERE l.tenant_id = t.id)
          > r.counted_through
$$;
"""

MOMENT = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(
    at timestamptz, stale interval, big integer
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id
    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id
    WHERE m.id IS NULL OR m.counted_at < at - stale
       OR c.last_number >= 1000 + big
       OR (SELECT max(l.updated_at) FROM leads_lead l WHERE l.tenant_id = t.id) > m.counted_at
       OR EXISTS (SELECT 1 FROM followups_neglectflag f
                  WHERE f.tenant_id = t.id
                    AND (f.flagged_at > m.counted_at OR f.cleared_at > m.counted_at))
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0018_stage_flow_months")]

    operations = [
        migrations.RunSQL(TEAM, _0016.TEAM),
        migrations.RunSQL(STAGE_FLOW, _0016.STAGE_FLOW),
        migrations.RunSQL(MOMENT, _0017.MOMENT),
    ]
