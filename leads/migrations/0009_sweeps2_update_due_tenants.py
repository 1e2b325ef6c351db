from django.db import migrations

# Which tenants the customer-update sweep has work in: a lead whose next update is due (what
# customer_updates_sweep claims). Runs as the table owner, returns tenant ids only; one probe per
# tenant on lead_update_due.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_updates_due(at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM leads_lead l
        WHERE l.tenant_id = t.id AND l.next_update_due_at IS NOT NULL AND l.next_update_due_at <= at
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_sweeps2_due_tenants")]

    operations = [
        migrations.RunSQL(
            FUNCTION, "DROP FUNCTION IF EXISTS threadline_tenants_with_updates_due(timestamptz);"
        )
    ]
