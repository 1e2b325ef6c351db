"""Which tenants the figures of the moment are counted for (migration 0019) asks whether a
neglect flag changed since the last count with two index probes a tenant, as it asks of leads.

`EXISTS (… WHERE f.tenant_id = t.id AND (f.flagged_at > m.counted_at OR f.cleared_at > …))` has
no index to follow, so PostgreSQL read every flag of the table for each tenant: 10.7 s a minute
at 1,000 tenants and 168,000 flags, on a worker, ahead of the round it plans. A flag is cleared
after it is raised, so the same question is: the latest open flag (neglect_flag_open) or the
latest clearing (neglect_flag_cleared, followups migration 0010) is newer than the count.
"""

import importlib

from django.db import migrations

_0019 = importlib.import_module("dashboards.migrations.0019_due_tenants_one_probe")

MOMENT = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(
    at timestamptz, stale interval, big integer
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t
    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id
    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id
    WHERE m.id IS NULL OR m.counted_at < at - stale
       OR c.last_number >= 1000 + big
       OR (SELECT max(l.updated_at) FROM leads_lead l WHERE l.tenant_id = t.id) > m.counted_at
       OR (SELECT max(f.flagged_at) FROM followups_neglectflag f
           WHERE f.tenant_id = t.id AND f.cleared_at IS NULL) > m.counted_at
       OR (SELECT max(f.cleared_at) FROM followups_neglectflag f
           WHERE f.tenant_id = t.id AND f.cleared_at IS NOT NULL) > m.counted_at
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0026_first_touch_month_sums"),
        ("followups", "0010_neglect_flag_cleared"),
    ]

    operations = [migrations.RunSQL(MOMENT, _0019.MOMENT)]
