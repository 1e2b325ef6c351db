"""Covering indexes on leads_lead for the dashboard's aggregates, so PostgreSQL answers them from
the index alone (index-only scans) instead of reading a row per lead from the table.

They live here, with the queries they serve (dashboards.selectors_aging, selectors_speed,
selectors_team), rather than in leads.models. On a large existing table, build them by hand with
CREATE INDEX CONCURRENTLY before migrating (IF NOT EXISTS then skips them).

- dashboard_lead_open: the open leads by stage and time in stage (aging colours), with the owner,
  pipeline, brand, first touch and creation time the aging, "not contacted in time" and team
  figures group and filter on.
- dashboard_lead_created: the leads created in a period with their first touch (speed to lead).
"""

from django.db import migrations

OPEN_LEADS = """
CREATE INDEX IF NOT EXISTS dashboard_lead_open ON leads_lead
    (tenant_id, stage_id, stage_entered_at)
    INCLUDE (owner_id, pipeline_id, brand_id, first_touch_at, created_at)
    WHERE status = 'open'
"""
CREATED = """
CREATE INDEX IF NOT EXISTS dashboard_lead_created ON leads_lead
    (tenant_id, created_at)
    INCLUDE (first_touch_at, owner_id, pipeline_id, brand_id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("leads", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(OPEN_LEADS, "DROP INDEX IF EXISTS dashboard_lead_open"),
        migrations.RunSQL(CREATED, "DROP INDEX IF EXISTS dashboard_lead_created"),
    ]
