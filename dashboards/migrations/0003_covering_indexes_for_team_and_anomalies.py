"""Covering indexes for the team and anomaly figures, so PostgreSQL counts them from the index
alone (index-only scans) instead of fetching a row per follow-up or message from the table.

They live here, with the queries they serve (dashboards.selectors_team, dashboards.anomalies),
like 0002. On a large existing table, build them by hand with CREATE INDEX CONCURRENTLY before
migrating (IF NOT EXISTS then skips them).

- dashboard_follow_up_by_time: the follow-ups scheduled in a period with what the team section
  counts them by (assignee, status, completion, slot length).
- dashboard_message_by_time: customer messages by time with their direction (messages sent and
  received per week). It covers what tickets' ticket_message_by_time indexes, plus the direction.
"""

from django.db import migrations

FOLLOW_UPS = """
CREATE INDEX IF NOT EXISTS dashboard_follow_up_by_time ON followups_followup
    (tenant_id, scheduled_at)
    INCLUDE (assignee_id, status, completed_at, duration_minutes)
"""
MESSAGES = """
CREATE INDEX IF NOT EXISTS dashboard_message_by_time ON tickets_ticketmessage
    (tenant_id, sent_at)
    INCLUDE (direction)
    WHERE direction IN ('in', 'out')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_lead_indexes_for_the_dashboard"),
        ("followups", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FOLLOW_UPS, "DROP INDEX IF EXISTS dashboard_follow_up_by_time"),
        migrations.RunSQL(MESSAGES, "DROP INDEX IF EXISTS dashboard_message_by_time"),
    ]
