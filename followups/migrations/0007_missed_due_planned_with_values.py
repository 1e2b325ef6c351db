"""The missed sweep's due-tenant function (migration 0006) planned with the call's values.

A SQL function's statement is planned without its arguments' values: `scheduled_at <= at -
min_grace` then looks as likely as any range, and the planner walked the dashboard's covering
index of every follow-up (635,000 rows of a million-lead tenant, 0.6 s every minute) instead of
the small index of the open ones. PL/pgSQL with a custom plan on each call plans it with the
values (a few milliseconds).
"""

import importlib

from django.db import migrations

_0006 = importlib.import_module("followups.migrations.0006_sweeps2_due_tenants")

FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_missed_follow_ups(
    at timestamptz, min_grace interval, started_grace interval
) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN QUERY
    SELECT t.id FROM crm_tenant t
    WHERE EXISTS (
        SELECT 1 FROM followups_followup f
        WHERE f.tenant_id = t.id AND f.status IN ('pending', 'in_progress')
          AND f.scheduled_at <= at - min_grace
          AND greatest(
              f.scheduled_at + make_interval(mins => f.duration_minutes),
              f.scheduled_at + min_grace
          ) <= CASE WHEN f.status = 'pending' THEN at ELSE at - started_grace END
    );
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("followups", "0006_sweeps2_due_tenants")]

    operations = [migrations.RunSQL(FUNCTION, _0006.FUNCTION)]
