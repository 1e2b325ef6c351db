from django.db import migrations

# Which tenants have reminders to claim (the beat sweep fans out to those only). Row-level
# security hides every row from the app role outside a tenant's context, so this function runs as
# the table owner; it returns tenant ids only, never a row. One index probe per tenant on the
# partial indexes of pending and queued reminders.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_due_reminders(
    due_before timestamptz, queued_before timestamptz
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM followups_reminder r
        WHERE r.tenant_id = t.id AND r.status = 'pending' AND r.remind_at <= due_before
    ) OR EXISTS (
        SELECT 1 FROM followups_reminder r
        WHERE r.tenant_id = t.id AND r.status = 'queued' AND r.queued_at <= queued_before
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("followups", "0004_sequences_move_to_automation")]

    operations = [
        migrations.RunSQL(
            FUNCTION,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_due_reminders(timestamptz, timestamptz);",
        )
    ]
