"""followups 0004–0010 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0006_triggers_move_to_automation_squashed_0008_digest_source"),
        ("followups", "0001_initial_squashed_0003_follow_up_slot_at_most_a_day"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="sequenceevent",
                    name="pgh_obj",
                ),
                migrations.RemoveField(
                    model_name="sequencestep",
                    name="sequence",
                ),
                migrations.RemoveField(
                    model_name="sequenceenrolment",
                    name="sequence",
                ),
                migrations.RemoveField(
                    model_name="sequenceenrolment",
                    name="contact",
                ),
                migrations.RemoveField(
                    model_name="sequenceenrolment",
                    name="enrolled_by",
                ),
                migrations.RemoveField(
                    model_name="sequenceenrolment",
                    name="lead",
                ),
                migrations.RemoveField(
                    model_name="sequenceenrolment",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="sequenceenrolment",
                    name="tenant",
                ),
                migrations.RemoveField(
                    model_name="sequenceevent",
                    name="tenant",
                ),
                migrations.RemoveField(
                    model_name="sequencestep",
                    name="follow_up_type",
                ),
                migrations.RemoveField(
                    model_name="sequencestep",
                    name="template",
                ),
                migrations.RemoveField(
                    model_name="sequencestep",
                    name="tenant",
                ),
                migrations.DeleteModel(
                    name="Sequence",
                ),
                migrations.DeleteModel(
                    name="SequenceEnrolment",
                ),
                migrations.DeleteModel(
                    name="SequenceEvent",
                ),
                migrations.DeleteModel(
                    name="SequenceStep",
                ),
            ],
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_due_reminders(\n    due_before timestamptz, queued_before timestamptz\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM followups_reminder r\n        WHERE r.tenant_id = t.id AND r.status = 'pending' AND r.remind_at <= due_before\n    ) OR EXISTS (\n        SELECT 1 FROM followups_reminder r\n        WHERE r.tenant_id = t.id AND r.status = 'queued' AND r.queued_at <= queued_before\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_due_reminders(timestamptz, timestamptz);",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_missed_follow_ups(\n    at timestamptz, min_grace interval, started_grace interval\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM followups_followup f\n        WHERE f.tenant_id = t.id AND f.status IN ('pending', 'in_progress')\n          AND f.scheduled_at <= at - min_grace\n          AND greatest(\n              f.scheduled_at + make_interval(mins => f.duration_minutes),\n              f.scheduled_at + min_grace\n          ) <= CASE WHEN f.status = 'pending' THEN at ELSE at - started_grace END\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_missed_follow_ups(timestamptz, interval, interval);",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_missed_follow_ups(\n    at timestamptz, min_grace interval, started_grace interval\n) RETURNS SETOF bigint\nLANGUAGE plpgsql STABLE SECURITY DEFINER\nSET search_path = public SET plan_cache_mode = force_custom_plan AS $$\nBEGIN\n    RETURN QUERY\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM followups_followup f\n        WHERE f.tenant_id = t.id AND f.status IN ('pending', 'in_progress')\n          AND f.scheduled_at <= at - min_grace\n          AND greatest(\n              f.scheduled_at + make_interval(mins => f.duration_minutes),\n              f.scheduled_at + min_grace\n          ) <= CASE WHEN f.status = 'pending' THEN at ELSE at - started_grace END\n    );\nEND\n$$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_missed_follow_ups(\n    at timestamptz, min_grace interval, started_grace interval\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM followups_followup f\n        WHERE f.tenant_id = t.id AND f.status IN ('pending', 'in_progress')\n          AND f.scheduled_at <= at - min_grace\n          AND greatest(\n              f.scheduled_at + make_interval(mins => f.duration_minutes),\n              f.scheduled_at + min_grace\n          ) <= CASE WHEN f.status = 'pending' THEN at ELSE at - started_grace END\n    )\n$$;\n",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_digest_members()\nRETURNS TABLE(\n    tenant_id bigint, user_zone text, tenant_zone text,\n    member_hour smallint, team_hour smallint, last_day date\n)\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT m.tenant_id, u.time_zone, t.time_zone, m.digest_hour, s.digest_hour,\n           (SELECT d.day FROM followups_digestsent d\n             WHERE d.tenant_id = m.tenant_id AND d.membership_id = m.id\n             ORDER BY d.day DESC LIMIT 1)\n    FROM crm_membership m\n    JOIN crm_user u ON u.id = m.user_id\n    JOIN crm_tenant t ON t.id = m.tenant_id\n    LEFT JOIN followups_followupsettings s ON s.tenant_id = m.tenant_id\n    WHERE m.is_active AND m.digest_enabled AND u.is_active\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_digest_members();",
        ),
        migrations.AddIndex(
            model_name="neglectflag",
            index=models.Index(
                condition=models.Q(("cleared_at__isnull", True)),
                fields=["tenant", "owner", "last_touch_at", "id"],
                name="neglect_flag_open_by_owner",
            ),
        ),
        migrations.AddIndex(
            model_name="neglectflag",
            index=models.Index(
                condition=models.Q(
                    ("cleared_at__isnull", True), ("manager_alerted_at__isnull", False)
                ),
                fields=["tenant", "last_touch_at", "id"],
                name="neglect_flag_escalated",
            ),
        ),
        migrations.AddIndex(
            model_name="neglectflag",
            index=models.Index(
                condition=models.Q(("cleared_at__isnull", False)),
                fields=["tenant", "cleared_at"],
                name="neglect_flag_cleared",
            ),
        ),
    ]
