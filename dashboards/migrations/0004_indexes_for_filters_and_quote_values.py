"""Covering indexes for the dashboard's filtered views and for a lead's won and lost value.

- dashboard_lead_filters: the leads of a pipeline (and brand) with their ids and owners, so the
  rows counted through their lead with a pipeline chosen (calls, messages, follow-ups) join an
  index-only scan of that pipeline's leads instead of reading the whole lead table.
- dashboard_quote_accepted (dashboards.selectors_sources): a lead's accepted quotes with their
  totals (won value).
- dashboard_quote_offered (dashboards.selectors_lost): a lead's quotes that reached the
  customer, newest first, with their totals (lost value: the latest offer).

The per-lead quote lookups then read the index alone: no table row, no sort.

Like 0002 and 0003: on a large existing table, build them by hand with CREATE INDEX
CONCURRENTLY before migrating (IF NOT EXISTS then skips them).
"""

from django.db import migrations

LEAD_FILTERS = """
CREATE INDEX IF NOT EXISTS dashboard_lead_filters ON leads_lead
    (tenant_id, pipeline_id, brand_id)
    INCLUDE (id, owner_id)
"""
ACCEPTED = """
CREATE INDEX IF NOT EXISTS dashboard_quote_accepted ON leads_quote
    (tenant_id, lead_id)
    INCLUDE (total)
    WHERE status = 'accepted'
"""
OFFERED = """
CREATE INDEX IF NOT EXISTS dashboard_quote_offered ON leads_quote
    (tenant_id, lead_id, created_at DESC, id DESC)
    INCLUDE (total)
    WHERE status IN ('sent', 'viewed', 'rejected', 'expired')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0003_covering_indexes_for_team_and_anomalies"),
        ("leads", "0004_dashboard_lost_and_won_dates"),
    ]

    operations = [
        migrations.RunSQL(LEAD_FILTERS, "DROP INDEX IF EXISTS dashboard_lead_filters"),
        migrations.RunSQL(ACCEPTED, "DROP INDEX IF EXISTS dashboard_quote_accepted"),
        migrations.RunSQL(OFFERED, "DROP INDEX IF EXISTS dashboard_quote_offered"),
    ]
