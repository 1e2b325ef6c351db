from django.db import migrations, models

# Which tenants the priority sweep has work in: never refreshed; or the moment the last run found
# for the next crossing of an aging threshold or the untouched mark has come; or a lead entered a
# stage or arrived since the last run (its own crossing was not in that moment). A minute's
# margin for a lead written in a transaction that the last run could not see yet. Runs as the
# table owner and returns tenant ids only; index probes on lead_team_aging and lead_all_recent.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_priorities_due(at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN leads_leadsettings s ON s.tenant_id = t.id
    WHERE s.priority_refreshed_at IS NULL OR s.priority_next_change_at IS NULL
       OR s.priority_next_change_at <= at
       OR EXISTS (
           SELECT 1 FROM leads_lead l
           WHERE l.tenant_id = t.id AND l.status IN ('open', 'won')
             AND l.stage_entered_at > s.priority_refreshed_at - interval '1 minute'
       ) OR EXISTS (
           SELECT 1 FROM leads_lead l
           WHERE l.tenant_id = t.id AND l.created_at > s.priority_refreshed_at - interval '1 minute'
       )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("leads", "0009_sweeps2_update_due_tenants")]

    operations = [
        migrations.AddField(
            model_name="leadsettings",
            name="priority_next_change_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(
            FUNCTION, "DROP FUNCTION IF EXISTS threadline_tenants_with_priorities_due(timestamptz);"
        ),
    ]
