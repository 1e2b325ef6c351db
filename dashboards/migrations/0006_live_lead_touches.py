"""A covering index of the leads that can be neglected (open or won: followups.neglect's live
statuses) by id, with the status, owner, pipeline, brand and last touches that "not contacted in
time" reads for each neglect flag.

Counting the open flags per rep joins every flag to its lead; without it PostgreSQL hash-joins
them to a sequential scan of the whole lead table (all leads, every column), which cost about
0.27 s of every dashboard view at a million leads. With it, the join reads this index alone.

Like 0002 to 0004: on a large existing table, build it by hand with CREATE INDEX CONCURRENTLY
before migrating (IF NOT EXISTS then skips it).
"""

from django.db import migrations

LIVE_LEAD_TOUCHES = """
CREATE INDEX IF NOT EXISTS dashboard_lead_touches ON leads_lead
    (tenant_id, id)
    INCLUDE (status, owner_id, pipeline_id, brand_id, last_activity_at, last_outbound_at)
    WHERE status IN ('open', 'won')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0005_activity_rollup"),
    ]

    operations = [
        migrations.RunSQL(LIVE_LEAD_TOUCHES, "DROP INDEX IF EXISTS dashboard_lead_touches"),
    ]
