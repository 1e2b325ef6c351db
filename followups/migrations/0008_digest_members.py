from django.db import migrations

# Who the daily digest sweep may have to write to, across tenants: every active member who wants
# the digest, with the time zones and hours that decide when theirs is due and the day of the last
# one sent. Python decides who is due (followups.selectors.sweeps.digest_due_tenant_ids, with the
# rule members_due applies), so time zones are read by Python's zoneinfo only. Runs as the table
# owner (row-level security hides other tenants' rows from the app role); the last day is one
# backward probe of the digest_once index.
FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_digest_members()
RETURNS TABLE(
    tenant_id bigint, user_zone text, tenant_zone text,
    member_hour smallint, team_hour smallint, last_day date
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT m.tenant_id, u.time_zone, t.time_zone, m.digest_hour, s.digest_hour,
           (SELECT d.day FROM followups_digestsent d
             WHERE d.tenant_id = m.tenant_id AND d.membership_id = m.id
             ORDER BY d.day DESC LIMIT 1)
    FROM crm_membership m
    JOIN crm_user u ON u.id = m.user_id
    JOIN crm_tenant t ON t.id = m.tenant_id
    LEFT JOIN followups_followupsettings s ON s.tenant_id = m.tenant_id
    WHERE m.is_active AND m.digest_enabled AND u.is_active
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("followups", "0007_missed_due_planned_with_values")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS threadline_digest_members();")
    ]
