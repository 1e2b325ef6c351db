"""A small tenant's figures of the moment counted for the clock alone come at its turn: one minute
in every MOMENT_STALE_AFTER (ten), by its id, instead of all at once.

Before, a tenant with nothing written was due as soon as its count was older than the staleness.
Tenants counted in one round (the first round after beat came back from an outage, or after a
deploy) were then stale in the same round ten minutes later, and again, for ever: every tenth
minute a round of every small tenant (a thousand), which expired behind the rest of the minute's
work after an outage (docs/benchmarks.md, "Sweeps with 1,000 tenants"), while nine rounds in ten
had almost nothing to do. Now every small tenant is counted at its turn, so a round counts about
a tenth of them whatever happened before (after an outage too: the stale ones are counted over
the next ten minutes, not in the first round), and those counted together drift apart within ten
minutes. A tenant whose turn's task expired waits for its next turn. A lead or neglect flag
written since the count, a tenant never counted and a large tenant are due every minute, as
before.
"""

from django.db import migrations

# The function this one replaces, as dashboards 0027 (in the squash) left it.
MOMENT_BEFORE = """
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

MOMENT = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(
    at timestamptz, stale interval, big integer
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    WITH clock AS (
        SELECT greatest(1, floor(extract(epoch FROM stale) / 60))::bigint AS turns,
               floor(extract(epoch FROM at) / 60)::bigint AS minute
    )
    SELECT t.id FROM crm_tenant t CROSS JOIN clock
    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id
    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id
    WHERE m.id IS NULL
       OR mod(t.id, clock.turns) = mod(clock.minute, clock.turns)
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
        ("dashboards", "0001_initial_squashed_0027_moment_due_flags_one_probe"),
    ]

    operations = [migrations.RunSQL(MOMENT, MOMENT_BEFORE)]
