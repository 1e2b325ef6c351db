"""Which tenants the figures of the moment are counted for each minute (dashboards.selectors
.sweeps `moment_due_tenant_ids`), so that a thousand small tenants do not cost a thousand counts
a minute (docs/benchmarks.md, "Sweeps with 1,000 tenants"): a tenant with at least `big` leads
(every minute: a request could not count its figures), no figures yet, figures older than
`stale` (colours and "not contacted in time" move with the clock alone), or a lead saved or a
neglect flag raised or cleared since they were counted. SECURITY DEFINER as the other
`threadline_tenants_with_*` functions (migration 0016): tenant ids only.
"""

from django.db import migrations

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
       OR EXISTS (SELECT 1 FROM leads_lead l
                  WHERE l.tenant_id = t.id AND l.updated_at > m.counted_at)
       OR EXISTS (SELECT 1 FROM followups_neglectflag f
                  WHERE f.tenant_id = t.id
                    AND (f.flagged_at > m.counted_at OR f.cleared_at > m.counted_at))
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0016_sweeps_due_tenants"),
    ]

    operations = [
        migrations.RunSQL(
            MOMENT,
            "DROP FUNCTION IF EXISTS threadline_tenants_with_moment_due("
            "timestamptz, interval, integer);",
        ),
    ]
