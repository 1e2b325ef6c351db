from django.db import migrations

# Which tenants the inbox's minute sweeps have work in. Run as the table owner, return tenant ids
# only; one probe per tenant on the partial indexes the sweeps themselves use.
FUNCTIONS = """
-- Events stored but not processed whose turn has come (inbound_events_due): inbound_event_unprocessed.
CREATE OR REPLACE FUNCTION threadline_tenants_with_due_inbound_events(at timestamptz)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM tickets_inboundevent e
        WHERE e.tenant_id = t.id AND e.status IN ('pending', 'failed') AND e.next_attempt_at <= at
    )
$$;

-- An SLA clock that ran out, or a breach the team lead was told of longer ago than the tenant's
-- wait for the managers (sla_breaches_sweep): ticket_sla_running, ticket_sla_escalated_once.
CREATE OR REPLACE FUNCTION threadline_tenants_with_sla_due(at timestamptz, manager_minutes integer)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN tickets_inboxsettings s ON s.tenant_id = t.id
    WHERE EXISTS (
        SELECT 1 FROM tickets_ticket k
        WHERE k.tenant_id = t.id AND k.sla_breached_at IS NULL AND k.sla_due_at IS NOT NULL
          AND k.sla_due_at <= at AND k.status IN ('open', 'waiting')
    ) OR EXISTS (
        SELECT 1 FROM tickets_ticket k
        WHERE k.tenant_id = t.id AND k.escalation_level = 1 AND k.sla_due_at IS NOT NULL
          AND k.status IN ('open', 'waiting')
          AND k.escalated_at <= at - make_interval(
              mins => coalesce(s.escalate_to_manager_after_minutes, manager_minutes))
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_pages_inbox_active_indexes")]

    operations = [
        migrations.RunSQL(
            FUNCTIONS,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_due_inbound_events(timestamptz);"
            "DROP FUNCTION IF EXISTS threadline_tenants_with_sla_due(timestamptz, integer);",
        )
    ]
