from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

# Which tenants the speed-to-lead sweep has work in (the beat sweep fans out to those only). Runs
# as the table owner (row-level security hides every row outside a tenant's context) and returns
# tenant ids only. Exactly what leads_alert_untouched would alert: an owner alert not sent yet past
# the owner's wait, or a manager alert not sent yet past the managers' wait (the tenant's settings,
# or the defaults when it has no row). One probe per tenant on the partial index
# lead_untouched_unalerted, which only holds leads still waiting for an alert.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_untouched_leads(
    at timestamptz, owner_minutes integer, manager_minutes integer
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN leads_leadsettings s ON s.tenant_id = t.id
    WHERE EXISTS (
        SELECT 1 FROM leads_lead l
        WHERE l.tenant_id = t.id AND l.status = 'open' AND l.first_touch_at IS NULL
          AND l.untouched_alerts_sent < 2 AND l.untouched_alerts_sent = 0
          AND l.created_at <= at - make_interval(
              mins => coalesce(s.untouched_owner_alert_minutes, owner_minutes))
    ) OR EXISTS (
        SELECT 1 FROM leads_lead l
        WHERE l.tenant_id = t.id AND l.status = 'open' AND l.first_touch_at IS NULL
          AND l.untouched_alerts_sent < 2
          AND l.created_at <= at - make_interval(
              mins => coalesce(s.untouched_manager_alert_minutes, manager_minutes))
    )
$$;
"""


class Migration(migrations.Migration):
    # Built without locking the table's writes: it holds every lead/ticket of an installation.
    atomic = False

    dependencies = [("leads", "0007_search_folded_documents")]

    operations = [
        AddIndexConcurrently(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "created_at"],
                condition=models.Q(
                    first_touch_at__isnull=True, status="open", untouched_alerts_sent__lt=2
                ),
                name="lead_untouched_unalerted",
            ),
        ),
        migrations.RunSQL(
            FUNCTION,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_untouched_leads("
            "timestamptz, integer, integer);",
        ),
    ]
