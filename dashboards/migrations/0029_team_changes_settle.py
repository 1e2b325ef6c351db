"""The team rollup visits a tenant twice for a change instead of six times: once in the next
round, and once more when the change's overlap has passed.

`_changed_days` looks for changes CHANGES_OVERLAP (five minutes) before its last run, for a
transaction that committed after that run with an earlier time. The due check asked the same
question, so a tenant whose follow-up changed once was due in every round of the next five
minutes, each round counting the same days again: after a burst of missed follow-ups at a
thousand tenants, 5,000 tenant tasks and 130–200 s of the default queue's time in five minutes
(bench/sweeps, docs/benchmarks.md).

Now a tenant is due for a change newer than its last run, as soon as it is seen; and for one
within the overlap before its last run only once the overlap has passed since that run. That
later visit is the one a late commit needs: every transaction open at the last run has committed
by then (the overlap's own assumption), and its window reaches back the overlap from the last
run, so it counts what such a transaction wrote. A late commit's figures may so wait up to the
overlap (five minutes) instead of a minute. Everything else is as in migration 0019.
"""

from django.db import migrations

# The function this one replaces, as dashboards 0019 (in the squash) left it.
TEAM_BEFORE = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_team_changes(
    at timestamptz, overlap interval, kinds text[]
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_teamrollup r ON r.tenant_id = t.id
    WHERE r.id IS NULL
       OR r.live_day < (at AT TIME ZONE t.time_zone)::date
       OR EXISTS (SELECT 1 FROM dashboards_teamdaychanged d WHERE d.tenant_id = t.id)
       OR (SELECT max(f.updated_at) FROM followups_followup f WHERE f.tenant_id = t.id)
          > r.changes_seen_at - overlap
       OR (SELECT max(k.updated_at) FROM tickets_ticket k WHERE k.tenant_id = t.id)
          > r.changes_seen_at - overlap
       OR EXISTS (SELECT 1 FROM unnest(kinds) AS counted(kind)
                  WHERE (SELECT max(e.occurred_at) FROM tickets_slaevent e
                         WHERE e.tenant_id = t.id AND e.kind = counted.kind)
                        > r.changes_seen_at - overlap)
$$;
"""

TEAM = """
CREATE OR REPLACE FUNCTION threadline_tenants_with_team_changes(
    at timestamptz, overlap interval, kinds text[]
) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_teamrollup r ON r.tenant_id = t.id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN at >= r.changes_seen_at + overlap THEN r.changes_seen_at - overlap
                    ELSE r.changes_seen_at END AS since
    ) AS seen
    WHERE r.id IS NULL
       OR r.live_day < (at AT TIME ZONE t.time_zone)::date
       OR EXISTS (SELECT 1 FROM dashboards_teamdaychanged d WHERE d.tenant_id = t.id)
       OR (SELECT max(f.updated_at) FROM followups_followup f WHERE f.tenant_id = t.id)
          > seen.since
       OR (SELECT max(k.updated_at) FROM tickets_ticket k WHERE k.tenant_id = t.id)
          > seen.since
       OR EXISTS (SELECT 1 FROM unnest(kinds) AS counted(kind)
                  WHERE (SELECT max(e.occurred_at) FROM tickets_slaevent e
                         WHERE e.tenant_id = t.id AND e.kind = counted.kind)
                        > seen.since)
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0028_moment_turns"),
    ]

    operations = [migrations.RunSQL(TEAM, TEAM_BEFORE)]
