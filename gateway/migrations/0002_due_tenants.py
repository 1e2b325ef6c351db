from django.db import migrations

DUE_TENANTS = """
-- Events stored but not processed whose turn has come (provider_events_due):
-- provider_event_unprocessed.
CREATE OR REPLACE FUNCTION threadline_tenants_with_due_provider_events(at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM gateway_providerevent e
        WHERE e.tenant_id = t.id AND e.status IN ('pending', 'failed') AND e.next_attempt_at <= at
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("gateway", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=DUE_TENANTS,
            reverse_sql=(
                "DROP FUNCTION IF EXISTS threadline_tenants_with_due_provider_events(timestamptz);"
            ),
        )
    ]
