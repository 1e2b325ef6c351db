from django.db import migrations

# Which tenants the missed sweep has work in: an open follow-up whose slot is over (its time plus
# its duration, at least the minimum grace; a started one the started grace more), as
# follow_ups_mark_missed decides it. Runs as the table owner, returns tenant ids only; one range
# probe per tenant on follow_up_open_due.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_missed_follow_ups(
    at timestamptz, min_grace interval, started_grace interval
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM followups_followup f
        WHERE f.tenant_id = t.id AND f.status IN ('pending', 'in_progress')
          AND f.scheduled_at <= at - min_grace
          AND greatest(
              f.scheduled_at + make_interval(mins => f.duration_minutes),
              f.scheduled_at + min_grace
          ) <= CASE WHEN f.status = 'pending' THEN at ELSE at - started_grace END
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("followups", "0005_sweeps_due_tenants")]

    operations = [
        migrations.RunSQL(
            FUNCTION,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_missed_follow_ups("
            "timestamptz, interval, interval);",
        )
    ]
