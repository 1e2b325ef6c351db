"""leads 0007–0016 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.operations
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0008_dashboard_count_indexes_squashed_0022_contact_email_lower_case"),
        ("leads", "0002_search_function_and_any_status_indexes_squashed_0006_assign_decision"),
    ]

    operations = [
        migrations.RunSQL(
            sql="\nUPDATE leads_lead\nSET search_vector = to_tsvector(\n    'simple'::regconfig, threadline_fold(array_to_string(tsvector_to_array(search_vector), ' '))\n)\nWHERE search_vector IS NOT NULL AND search_vector::text ~ '[^\\x01-\\x7f]';\n",
            reverse_sql="",
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="lead",
            index=models.Index(
                condition=models.Q(
                    ("first_touch_at__isnull", True),
                    ("status", "open"),
                    ("untouched_alerts_sent__lt", 2),
                ),
                fields=["tenant", "created_at"],
                name="lead_untouched_unalerted",
            ),
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_untouched_leads(\n    at timestamptz, owner_minutes integer, manager_minutes integer\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN leads_leadsettings s ON s.tenant_id = t.id\n    WHERE EXISTS (\n        SELECT 1 FROM leads_lead l\n        WHERE l.tenant_id = t.id AND l.status = 'open' AND l.first_touch_at IS NULL\n          AND l.untouched_alerts_sent < 2 AND l.untouched_alerts_sent = 0\n          AND l.created_at <= at - make_interval(\n              mins => coalesce(s.untouched_owner_alert_minutes, owner_minutes))\n    ) OR EXISTS (\n        SELECT 1 FROM leads_lead l\n        WHERE l.tenant_id = t.id AND l.status = 'open' AND l.first_touch_at IS NULL\n          AND l.untouched_alerts_sent < 2\n          AND l.created_at <= at - make_interval(\n              mins => coalesce(s.untouched_manager_alert_minutes, manager_minutes))\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_untouched_leads(timestamptz, integer, integer);",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_updates_due(at timestamptz)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM leads_lead l\n        WHERE l.tenant_id = t.id AND l.next_update_due_at IS NOT NULL AND l.next_update_due_at <= at\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_updates_due(timestamptz);",
        ),
        migrations.AddField(
            model_name="leadsettings",
            name="priority_next_change_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_priorities_due(at timestamptz)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN leads_leadsettings s ON s.tenant_id = t.id\n    WHERE s.priority_refreshed_at IS NULL OR s.priority_next_change_at IS NULL\n       OR s.priority_next_change_at <= at\n       OR EXISTS (\n           SELECT 1 FROM leads_lead l\n           WHERE l.tenant_id = t.id AND l.status IN ('open', 'won')\n             AND l.stage_entered_at > s.priority_refreshed_at - interval '1 minute'\n       ) OR EXISTS (\n           SELECT 1 FROM leads_lead l\n           WHERE l.tenant_id = t.id AND l.created_at > s.priority_refreshed_at - interval '1 minute'\n       )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_priorities_due(timestamptz);",
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "-priority_score", "-id"],
                include=("stage_id", "stage_entered_at"),
                name="lead_open_priority",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "owner", "-priority_score", "-id"],
                include=("pipeline_id", "stage_id", "stage_entered_at"),
                name="lead_owner_open_priority",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "-priority_score", "-id"],
                include=("search_vector",),
                name="lead_open_priority_search",
            ),
        ),
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_all_priority",
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "-priority_score", "-id"],
                include=("owner_id",),
                name="lead_all_priority",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "owner", "-priority_score", "-id"],
                include=("search_vector",),
                name="lead_owner_open_search",
            ),
        ),
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_owner_aging",
        ),
        migrations.RemoveIndex(
            model_name="lead",
            name="lead_team_aging",
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "owner", "status", "stage_entered_at", "id"],
                include=("stage_id",),
                name="lead_owner_aging",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "status", "stage_entered_at", "id"],
                include=("stage_id",),
                name="lead_team_aging",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("status", "open")),
                fields=["search_vector"],
                name="lead_open_search",
            ),
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_open_lead_search(query tsquery) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$\n    SELECT id FROM leads_lead\n    WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint\n      AND status = 'open'\n      AND search_vector @@ query\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_open_lead_search(tsquery);",
        ),
    ]
