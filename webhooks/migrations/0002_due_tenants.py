from django.db import migrations

# Which tenants have webhook deliveries to claim (the beat sweep fans out to those only). Row-level
# security hides every row from the app role outside a tenant's context, so this function runs as
# the table owner; it returns tenant ids only, never a row. One probe per tenant on the partial
# indexes webhook_delivery_due / webhook_delivery_queued.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_due_webhooks(
    due_before timestamptz, queued_before timestamptz
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM webhooks_webhookdelivery d
        WHERE d.tenant_id = t.id AND d.status = 'scheduled' AND d.send_after <= due_before
    ) OR EXISTS (
        SELECT 1 FROM webhooks_webhookdelivery d
        WHERE d.tenant_id = t.id AND d.status = 'queued' AND d.queued_at <= queued_before
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0001_initial")]

    operations = [
        migrations.RunSQL(
            FUNCTION,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_due_webhooks(timestamptz, timestamptz);",
        )
    ]
