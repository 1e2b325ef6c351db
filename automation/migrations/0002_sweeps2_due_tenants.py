from django.db import migrations

# Which tenants automation's minute sweeps have work in. Run as the table owner, return tenant ids
# only; one index probe per tenant.
FUNCTIONS = """
-- Active time triggers (time_triggers_sweep reads nothing else): trigger_active_by_event.
CREATE OR REPLACE FUNCTION threadline_tenants_with_time_triggers()
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM comms_trigger r
        WHERE r.tenant_id = t.id AND r.is_active AND r.event IN ('date_reached', 'no_response')
    )
$$;

-- Repeating follow-up steps of active triggers (follow_ups_sweep reads nothing else).
CREATE OR REPLACE FUNCTION threadline_tenants_with_repeating_follow_ups()
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM comms_triggerstep s JOIN comms_trigger r ON r.id = s.trigger_id
        WHERE s.tenant_id = t.id AND s.action = 'follow_up' AND s.repeat_every_days IS NOT NULL
          AND r.is_active
    )
$$;

-- Active enrolments with a step due (sequences_sweep): enrolment_due.
CREATE OR REPLACE FUNCTION threadline_tenants_with_due_enrolments(at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM followups_sequenceenrolment e
        WHERE e.tenant_id = t.id AND e.status = 'active' AND e.next_step_at <= at
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]

    operations = [
        migrations.RunSQL(
            FUNCTIONS,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_time_triggers();"
            "DROP FUNCTION IF EXISTS threadline_tenants_with_repeating_follow_ups();"
            "DROP FUNCTION IF EXISTS threadline_tenants_with_due_enrolments(timestamptz);",
        )
    ]
