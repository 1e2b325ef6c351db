from django.db import migrations

# Which tenants have outbox rows to claim (the beat sweep fans out to those only). Row-level
# security hides every row from the app role outside a tenant's context, so this function runs as
# the table owner; it returns tenant ids only, never a row. One index probe per tenant on the
# partial indexes outbox_due / outbox_queued, so a thousand idle tenants cost milliseconds.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_due_messages(
    due_before timestamptz, queued_before timestamptz
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM comms_outboundmessage m
        WHERE m.tenant_id = t.id AND m.status = 'scheduled' AND m.send_after <= due_before
    ) OR EXISTS (
        SELECT 1 FROM comms_outboundmessage m
        WHERE m.tenant_id = t.id AND m.status = 'queued' AND m.queued_at <= queued_before
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("comms", "0006_triggers_move_to_automation")]

    operations = [
        migrations.RunSQL(
            FUNCTION,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_due_messages(timestamptz, timestamptz);",
        )
    ]
