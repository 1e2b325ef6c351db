"""dashboards 0001–0027 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import datetime

import django.contrib.postgres.operations
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    initial = True

    dependencies = [
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
        ("crm", "0008_dashboard_count_indexes_squashed_0022_contact_email_lower_case"),
        ("followups", "0001_initial_squashed_0003_follow_up_slot_at_most_a_day"),
        ("followups", "0004_sequences_move_to_automation_squashed_0010_neglect_flag_cleared"),
        ("leads", "0001_initial"),
        ("leads", "0002_search_function_and_any_status_indexes_squashed_0006_assign_decision"),
        ("leads", "0007_search_folded_documents_squashed_0016_open_lead_search"),
        ("tickets", "0001_initial_squashed_0003_priority_changed_event"),
        ("tickets", "0004_dashboard_count_indexes_squashed_0012_sla_event_by_tenant_id"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StageFlowDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The tenant's local date.")),
                ("entered", models.PositiveIntegerField(default=0)),
                ("left", models.PositiveIntegerField(default=0)),
                (
                    "moved_on",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Of those that left: to a later stage of the same pipeline.",
                    ),
                ),
                (
                    "time_in_stage",
                    models.DurationField(
                        default=datetime.timedelta, help_text="Summed over the visits that ended."
                    ),
                ),
                (
                    "brand",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        help_text="The lead's owner when the day was rolled up.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "stage",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="leads.stage",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "day"], name="stage_flow_day_by_day")],
            },
        ),
        migrations.CreateModel(
            name="StageFlowRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rolled_through", models.DateField()),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="stage_flow_rollup_one")
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_lead_open ON leads_lead\n    (tenant_id, stage_id, stage_entered_at)\n    INCLUDE (owner_id, pipeline_id, brand_id, first_touch_at, created_at)\n    WHERE status = 'open'\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_lead_open",
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_lead_created ON leads_lead\n    (tenant_id, created_at)\n    INCLUDE (first_touch_at, owner_id, pipeline_id, brand_id)\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_lead_created",
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_follow_up_by_time ON followups_followup\n    (tenant_id, scheduled_at)\n    INCLUDE (assignee_id, status, completed_at, duration_minutes)\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_follow_up_by_time",
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_message_by_time ON tickets_ticketmessage\n    (tenant_id, sent_at)\n    INCLUDE (direction)\n    WHERE direction IN ('in', 'out')\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_message_by_time",
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_lead_filters ON leads_lead\n    (tenant_id, pipeline_id, brand_id)\n    INCLUDE (id, owner_id)\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_lead_filters",
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_quote_accepted ON leads_quote\n    (tenant_id, lead_id)\n    INCLUDE (total)\n    WHERE status = 'accepted'\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_quote_accepted",
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_quote_offered ON leads_quote\n    (tenant_id, lead_id, created_at DESC, id DESC)\n    INCLUDE (total)\n    WHERE status IN ('sent', 'viewed', 'rejected', 'expired')\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_quote_offered",
        ),
        migrations.CreateModel(
            name="ActivityDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The tenant's local date.")),
                ("calls", models.PositiveIntegerField(default=0)),
                ("messages_sent", models.PositiveIntegerField(default=0)),
                ("messages_received", models.PositiveIntegerField(default=0)),
                (
                    "brand",
                    models.ForeignKey(
                        help_text="A call's lead's brand; a message's inbox's brand.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "pipeline",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.pipeline",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "day"], name="activity_day_by_day")],
            },
        ),
        migrations.CreateModel(
            name="ActivityRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rolled_through", models.DateField()),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="activity_rollup_one")
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS dashboard_lead_touches ON leads_lead\n    (tenant_id, id)\n    INCLUDE (status, owner_id, pipeline_id, brand_id, last_activity_at, last_outbound_at)\n    WHERE status IN ('open', 'won')\n",
            reverse_sql="DROP INDEX IF EXISTS dashboard_lead_touches",
        ),
        migrations.CreateModel(
            name="LeadCohortDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("source_id", models.BigIntegerField(null=True)),
                ("leads", models.PositiveIntegerField(default=0)),
                ("cost", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("won", models.PositiveIntegerField(default=0)),
                ("won_value", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("not_our_work", models.PositiveIntegerField(default=0)),
                ("out_of_area", models.PositiveIntegerField(default=0)),
                (
                    "day",
                    models.DateField(help_text="The tenant's local date the leads were created."),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "day"], name="lead_cohort_day_by_day")],
            },
        ),
        migrations.CreateModel(
            name="LeadCohortMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("source_id", models.BigIntegerField(null=True)),
                ("leads", models.PositiveIntegerField(default=0)),
                ("cost", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("won", models.PositiveIntegerField(default=0)),
                ("won_value", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("not_our_work", models.PositiveIntegerField(default=0)),
                ("out_of_area", models.PositiveIntegerField(default=0)),
                ("month", models.DateField(help_text="The first day of the tenant's local month.")),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "month"], name="lead_cohort_month_by_month")
                ],
            },
        ),
        migrations.CreateModel(
            name="LostDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("source_id", models.BigIntegerField(null=True)),
                ("reason", models.CharField(max_length=16)),
                ("lost", models.PositiveIntegerField(default=0)),
                ("value", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                (
                    "day",
                    models.DateField(
                        help_text="The tenant's local date the leads were closed as lost."
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "day"], name="lost_day_by_day")],
            },
        ),
        migrations.CreateModel(
            name="LostMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("source_id", models.BigIntegerField(null=True)),
                ("reason", models.CharField(max_length=16)),
                ("lost", models.PositiveIntegerField(default=0)),
                ("value", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("month", models.DateField(help_text="The first day of the tenant's local month.")),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "month"], name="lost_month_by_month")],
            },
        ),
        migrations.CreateModel(
            name="PeriodChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(help_text="The lead's creation: its cohort's day."),
                ),
                (
                    "closed_at",
                    models.DateTimeField(help_text="When it was lost, if it was.", null=True),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "id"], name="period_change_by_tenant")],
            },
        ),
        migrations.CreateModel(
            name="PeriodRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("built_at", models.DateTimeField()),
                ("zone", models.CharField(max_length=64)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="period_rollup_one")
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION dashboard_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP <> 'INSERT' THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)\n        VALUES (OLD.tenant_id, OLD.created_at, CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END);\n    END IF;\n    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.created_at IS DISTINCT FROM NEW.created_at\n            OR (CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END)\n               IS DISTINCT FROM (CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END)) THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)\n        VALUES (NEW.tenant_id, NEW.created_at, CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END);\n    END IF;\n    RETURN NULL;\nEND $$;\n\nCREATE OR REPLACE FUNCTION dashboard_quote_changed() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP <> 'INSERT' THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)\n        SELECT lead.tenant_id, lead.created_at, CASE WHEN lead.status = 'lost' THEN lead.closed_at END FROM leads_lead lead WHERE lead.id = OLD.lead_id;\n    END IF;\n    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND OLD.lead_id <> NEW.lead_id THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)\n        SELECT lead.tenant_id, lead.created_at, CASE WHEN lead.status = 'lost' THEN lead.closed_at END FROM leads_lead lead WHERE lead.id = NEW.lead_id;\n    END IF;\n    RETURN NULL;\nEND $$;\n\nCREATE TRIGGER dashboard_lead_added_or_removed AFTER INSERT OR DELETE ON leads_lead\n    FOR EACH ROW EXECUTE FUNCTION dashboard_lead_changed();\nCREATE TRIGGER dashboard_lead_changed AFTER UPDATE ON leads_lead FOR EACH ROW\n    WHEN (OLD.status IS DISTINCT FROM NEW.status\n          OR OLD.closed_at IS DISTINCT FROM NEW.closed_at\n          OR OLD.lost_reason IS DISTINCT FROM NEW.lost_reason\n          OR OLD.owner_id IS DISTINCT FROM NEW.owner_id\n          OR OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id\n          OR OLD.brand_id IS DISTINCT FROM NEW.brand_id\n          OR OLD.source_id IS DISTINCT FROM NEW.source_id\n          OR OLD.cost IS DISTINCT FROM NEW.cost\n          OR OLD.estimated_value IS DISTINCT FROM NEW.estimated_value\n          OR OLD.first_touch_at IS DISTINCT FROM NEW.first_touch_at\n          OR OLD.won_at IS DISTINCT FROM NEW.won_at\n          OR OLD.created_at IS DISTINCT FROM NEW.created_at\n          OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)\n    EXECUTE FUNCTION dashboard_lead_changed();\nCREATE TRIGGER dashboard_quote_added_or_removed AFTER INSERT OR DELETE ON leads_quote\n    FOR EACH ROW EXECUTE FUNCTION dashboard_quote_changed();\nCREATE TRIGGER dashboard_quote_changed AFTER UPDATE ON leads_quote FOR EACH ROW\n    WHEN (OLD.status IS DISTINCT FROM NEW.status\n          OR OLD.total IS DISTINCT FROM NEW.total\n          OR OLD.created_at IS DISTINCT FROM NEW.created_at\n          OR OLD.lead_id IS DISTINCT FROM NEW.lead_id)\n    EXECUTE FUNCTION dashboard_quote_changed();\n",
            reverse_sql="\nDROP TRIGGER IF EXISTS dashboard_lead_added_or_removed ON leads_lead;\nDROP TRIGGER IF EXISTS dashboard_lead_changed ON leads_lead;\nDROP TRIGGER IF EXISTS dashboard_quote_added_or_removed ON leads_quote;\nDROP TRIGGER IF EXISTS dashboard_quote_changed ON leads_quote;\nDROP FUNCTION IF EXISTS dashboard_lead_changed();\nDROP FUNCTION IF EXISTS dashboard_quote_changed();\n",
        ),
        migrations.CreateModel(
            name="TeamDayChanged",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="TeamDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The tenant's local date.")),
                ("follow_ups_on_time", models.PositiveIntegerField(default=0)),
                ("follow_ups_late", models.PositiveIntegerField(default=0)),
                (
                    "follow_ups_open",
                    models.PositiveIntegerField(
                        default=0, help_text="Still to do: overdue once the day is over."
                    ),
                ),
                ("follow_ups_missed", models.PositiveIntegerField(default=0)),
                ("sla_met", models.PositiveIntegerField(default=0)),
                ("sla_late", models.PositiveIntegerField(default=0)),
                ("first_responses", models.PositiveIntegerField(default=0)),
                (
                    "first_response_buckets",
                    models.JSONField(
                        default=dict,
                        help_text="The first-response waits as {bucket: [count, shortest, longest]} in seconds; a bucket is a whole minute below a day, a whole hour after (what the page shows).",
                    ),
                ),
                (
                    "brand",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "pipeline",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.pipeline",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "day"], name="team_day_by_day")],
            },
        ),
        migrations.CreateModel(
            name="TeamRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("live_day", models.DateField()),
                ("changes_seen_at", models.DateTimeField()),
                ("sla_events_seen", models.BigIntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="team_rollup_one")
                ],
            },
        ),
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS dashnow_followups_followup_changed ON followups_followup (tenant_id, updated_at)",
            reverse_sql="DROP INDEX IF EXISTS dashnow_followups_followup_changed",
        ),
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS dashnow_tickets_ticket_changed ON tickets_ticket (tenant_id, updated_at)",
            reverse_sql="DROP INDEX IF EXISTS dashnow_tickets_ticket_changed",
        ),
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS dashnow_leads_lead_changed ON leads_lead (tenant_id, updated_at)",
            reverse_sql="DROP INDEX IF EXISTS dashnow_leads_lead_changed",
        ),
        migrations.CreateModel(
            name="MomentFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("counted_at", models.DateTimeField()),
                ("aging", models.JSONField(default=list)),
                ("open_leads", models.JSONField(default=list)),
                ("never_contacted", models.JSONField(default=list)),
                ("neglected", models.JSONField(default=list)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="moment_figures_one")
                ],
            },
        ),
        migrations.CreateModel(
            name="FirstTouchBin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("bin", models.PositiveSmallIntegerField()),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("buckets", models.JSONField(default=dict)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "bin", "day"], name="first_touch_bin_by_bin")
                ],
            },
        ),
        migrations.CreateModel(
            name="FirstTouchDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "day",
                    models.DateField(help_text="The tenant's local date the leads were created."),
                ),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("leads", models.PositiveIntegerField(default=0)),
                ("touched", models.PositiveIntegerField(default=0)),
                (
                    "within_window",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Touched within dashboards.selectors.first_touch.SPEED_WINDOW.",
                    ),
                ),
                ("bin_0", models.PositiveIntegerField(default=0)),
                ("bin_1", models.PositiveIntegerField(default=0)),
                ("bin_2", models.PositiveIntegerField(default=0)),
                ("bin_3", models.PositiveIntegerField(default=0)),
                ("bin_4", models.PositiveIntegerField(default=0)),
                ("bin_5", models.PositiveIntegerField(default=0)),
                ("bin_6", models.PositiveIntegerField(default=0)),
                ("bin_7", models.PositiveIntegerField(default=0)),
                ("bin_8", models.PositiveIntegerField(default=0)),
                ("bin_9", models.PositiveIntegerField(default=0)),
                ("bin_10", models.PositiveIntegerField(default=0)),
                ("bin_11", models.PositiveIntegerField(default=0)),
                ("bin_12", models.PositiveIntegerField(default=0)),
                ("bin_13", models.PositiveIntegerField(default=0)),
                ("bin_14", models.PositiveIntegerField(default=0)),
                ("bin_15", models.PositiveIntegerField(default=0)),
                ("bin_16", models.PositiveIntegerField(default=0)),
                ("bin_17", models.PositiveIntegerField(default=0)),
                ("bin_18", models.PositiveIntegerField(default=0)),
                ("bin_19", models.PositiveIntegerField(default=0)),
                ("bin_20", models.PositiveIntegerField(default=0)),
                ("bin_21", models.PositiveIntegerField(default=0)),
                ("bin_22", models.PositiveIntegerField(default=0)),
                ("bin_23", models.PositiveIntegerField(default=0)),
                ("bin_24", models.PositiveIntegerField(default=0)),
                ("bin_25", models.PositiveIntegerField(default=0)),
                ("bin_26", models.PositiveIntegerField(default=0)),
                ("bin_27", models.PositiveIntegerField(default=0)),
                ("bin_28", models.PositiveIntegerField(default=0)),
                ("bin_29", models.PositiveIntegerField(default=0)),
                ("bin_30", models.PositiveIntegerField(default=0)),
                ("bin_31", models.PositiveIntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "day"], name="first_touch_day_by_day")],
            },
        ),
        migrations.RunSQL(
            sql="DELETE FROM dashboards_periodrollup",
            reverse_sql="",
        ),
        migrations.RemoveField(
            model_name="teamday",
            name="first_response_buckets",
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_0",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_1",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_10",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_11",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_12",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_13",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_14",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_15",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_16",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_17",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_18",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_19",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_2",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_20",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_21",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_22",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_23",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_24",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_25",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_26",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_27",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_28",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_29",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_3",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_30",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_31",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_4",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_5",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_6",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_7",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_8",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="teamday",
            name="response_bin_9",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="TeamResponseBin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("bin", models.PositiveSmallIntegerField()),
                ("buckets", models.JSONField(default=dict)),
                (
                    "brand",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "pipeline",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.pipeline",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "bin", "day"], name="team_response_bin_by_bin")
                ],
            },
        ),
        migrations.RunSQL(
            sql="DELETE FROM dashboards_teamrollup",
            reverse_sql="",
        ),
        migrations.AddField(
            model_name="stageflowrollup",
            name="counted_through",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="periodchange",
            name="won_at",
            field=models.DateTimeField(help_text="When it was won, if it was.", null=True),
        ),
        migrations.CreateModel(
            name="LeadDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The tenant's local date.")),
                ("any_of", models.PositiveSmallIntegerField()),
                ("pipeline_id", models.BigIntegerField(null=True)),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("leads", models.PositiveIntegerField(default=0)),
                ("touched", models.PositiveIntegerField(default=0)),
                ("won", models.PositiveIntegerField(default=0)),
                ("bin_0", models.PositiveIntegerField(default=0)),
                ("bin_1", models.PositiveIntegerField(default=0)),
                ("bin_2", models.PositiveIntegerField(default=0)),
                ("bin_3", models.PositiveIntegerField(default=0)),
                ("bin_4", models.PositiveIntegerField(default=0)),
                ("bin_5", models.PositiveIntegerField(default=0)),
                ("bin_6", models.PositiveIntegerField(default=0)),
                ("bin_7", models.PositiveIntegerField(default=0)),
                ("bin_8", models.PositiveIntegerField(default=0)),
                ("bin_9", models.PositiveIntegerField(default=0)),
                ("bin_10", models.PositiveIntegerField(default=0)),
                ("bin_11", models.PositiveIntegerField(default=0)),
                ("bin_12", models.PositiveIntegerField(default=0)),
                ("bin_13", models.PositiveIntegerField(default=0)),
                ("bin_14", models.PositiveIntegerField(default=0)),
                ("bin_15", models.PositiveIntegerField(default=0)),
                ("bin_16", models.PositiveIntegerField(default=0)),
                ("bin_17", models.PositiveIntegerField(default=0)),
                ("bin_18", models.PositiveIntegerField(default=0)),
                ("bin_19", models.PositiveIntegerField(default=0)),
                ("bin_20", models.PositiveIntegerField(default=0)),
                ("bin_21", models.PositiveIntegerField(default=0)),
                ("bin_22", models.PositiveIntegerField(default=0)),
                ("bin_23", models.PositiveIntegerField(default=0)),
                ("bin_24", models.PositiveIntegerField(default=0)),
                ("bin_25", models.PositiveIntegerField(default=0)),
                ("bin_26", models.PositiveIntegerField(default=0)),
                ("bin_27", models.PositiveIntegerField(default=0)),
                ("bin_28", models.PositiveIntegerField(default=0)),
                ("bin_29", models.PositiveIntegerField(default=0)),
                ("bin_30", models.PositiveIntegerField(default=0)),
                ("bin_31", models.PositiveIntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["tenant", "any_of", "pipeline_id", "brand_id", "owner_id", "day"],
                        name="lead_day_by_filter_and_day",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="LeadDayBin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("any_of", models.PositiveSmallIntegerField()),
                ("pipeline_id", models.BigIntegerField(null=True)),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("bin", models.PositiveSmallIntegerField()),
                ("buckets", models.JSONField(default=dict)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=[
                            "tenant",
                            "any_of",
                            "pipeline_id",
                            "brand_id",
                            "owner_id",
                            "bin",
                            "day",
                        ],
                        name="lead_day_bin_by_filter_and_bin",
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION dashboard_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP <> 'INSERT' THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at, won_at)\n        VALUES (OLD.tenant_id, OLD.created_at, CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END,\n                CASE WHEN OLD.status = 'won' THEN OLD.won_at END);\n    END IF;\n    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.created_at IS DISTINCT FROM NEW.created_at\n            OR (CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END)\n               IS DISTINCT FROM (CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END)\n            OR (CASE WHEN OLD.status = 'won' THEN OLD.won_at END)\n               IS DISTINCT FROM (CASE WHEN NEW.status = 'won' THEN NEW.won_at END)) THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at, won_at)\n        VALUES (NEW.tenant_id, NEW.created_at, CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END,\n                CASE WHEN NEW.status = 'won' THEN NEW.won_at END);\n    END IF;\n    RETURN NULL;\nEND $$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION dashboard_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP <> 'INSERT' THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)\n        VALUES (OLD.tenant_id, OLD.created_at, CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END);\n    END IF;\n    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND (OLD.created_at IS DISTINCT FROM NEW.created_at\n            OR (CASE WHEN OLD.status = 'lost' THEN OLD.closed_at END)\n               IS DISTINCT FROM (CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END)) THEN\n        INSERT INTO dashboards_periodchange (tenant_id, created_at, closed_at)\n        VALUES (NEW.tenant_id, NEW.created_at, CASE WHEN NEW.status = 'lost' THEN NEW.closed_at END);\n    END IF;\n    RETURN NULL;\nEND $$;\n",
        ),
        migrations.RunSQL(
            sql="DELETE FROM dashboards_periodrollup",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="DELETE FROM dashboards_teamrollup",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="DELETE FROM dashboards_periodrollup",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_period_changes()\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_periodrollup r ON r.tenant_id = t.id\n    WHERE r.id IS NULL OR r.zone <> t.time_zone\n       OR EXISTS (SELECT 1 FROM dashboards_periodchange c WHERE c.tenant_id = t.id)\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_period_changes();",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_team_changes(\n    at timestamptz, overlap interval, kinds text[]\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_teamrollup r ON r.tenant_id = t.id\n    WHERE r.id IS NULL\n       OR r.live_day < (at AT TIME ZONE t.time_zone)::date\n       OR EXISTS (SELECT 1 FROM dashboards_teamdaychanged d WHERE d.tenant_id = t.id)\n       OR EXISTS (SELECT 1 FROM followups_followup f\n                  WHERE f.tenant_id = t.id AND f.updated_at > r.changes_seen_at - overlap)\n       OR EXISTS (SELECT 1 FROM tickets_ticket k\n                  WHERE k.tenant_id = t.id AND k.updated_at > r.changes_seen_at - overlap)\n       OR EXISTS (SELECT 1 FROM leads_lead l\n                  WHERE l.tenant_id = t.id AND l.updated_at > r.changes_seen_at - overlap)\n       OR EXISTS (SELECT 1 FROM tickets_slaevent e\n                  WHERE e.tenant_id = t.id AND e.kind = ANY(kinds)\n                    AND e.occurred_at > r.changes_seen_at - overlap)\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_team_changes(timestamptz, interval, text[]);",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_stage_flow_changes(at timestamptz)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_stageflowrollup r ON r.tenant_id = t.id\n    WHERE r.id IS NULL OR r.counted_through IS NULL\n       OR r.rolled_through < (at AT TIME ZONE t.time_zone)::date - 1\n       OR EXISTS (SELECT 1 FROM leads_lead l\n                  WHERE l.tenant_id = t.id AND l.updated_at > r.counted_through)\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_stage_flow_changes(timestamptz);",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_leads_at_least(leads integer)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT c.tenant_id FROM leads_leadcounter c WHERE c.last_number >= 1000 + leads\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_leads_at_least(integer);",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(\n    at timestamptz, stale interval, big integer\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id\n    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id\n    WHERE m.id IS NULL OR m.counted_at < at - stale\n       OR c.last_number >= 1000 + big\n       OR EXISTS (SELECT 1 FROM leads_lead l\n                  WHERE l.tenant_id = t.id AND l.updated_at > m.counted_at)\n       OR EXISTS (SELECT 1 FROM followups_neglectflag f\n                  WHERE f.tenant_id = t.id\n                    AND (f.flagged_at > m.counted_at OR f.cleared_at > m.counted_at))\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_moment_due(timestamptz, interval, integer);",
        ),
        migrations.CreateModel(
            name="StageFlowMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="The first day of the tenant's local month.")),
                ("entered", models.PositiveIntegerField(default=0)),
                ("left", models.PositiveIntegerField(default=0)),
                ("moved_on", models.PositiveIntegerField(default=0)),
                ("time_in_stage", models.DurationField(default=datetime.timedelta)),
                (
                    "brand",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "stage",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="leads.stage",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "month"], name="stage_flow_month_by_month")
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nINSERT INTO dashboards_stageflowmonth\n    (tenant_id, month, stage_id, owner_id, brand_id, entered, \"left\", moved_on, time_in_stage)\nSELECT d.tenant_id, date_trunc('month', d.day)::date, d.stage_id, d.owner_id, d.brand_id,\n       sum(d.entered), sum(d.\"left\"), sum(d.moved_on), sum(d.time_in_stage)\nFROM dashboards_stageflowday d\nJOIN dashboards_stageflowrollup r ON r.tenant_id = d.tenant_id\nWHERE d.day < date_trunc('month', r.rolled_through + 1)::date\nGROUP BY 1, 2, 3, 4, 5\n",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_team_changes(\n    at timestamptz, overlap interval, kinds text[]\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_teamrollup r ON r.tenant_id = t.id\n    WHERE r.id IS NULL\n       OR r.live_day < (at AT TIME ZONE t.time_zone)::date\n       OR EXISTS (SELECT 1 FROM dashboards_teamdaychanged d WHERE d.tenant_id = t.id)\n       OR (SELECT max(f.updated_at) FROM followups_followup f WHERE f.tenant_id = t.id)\n          > r.changes_seen_at - overlap\n       OR (SELECT max(k.updated_at) FROM tickets_ticket k WHERE k.tenant_id = t.id)\n          > r.changes_seen_at - overlap\n       OR EXISTS (SELECT 1 FROM unnest(kinds) AS counted(kind)\n                  WHERE (SELECT max(e.occurred_at) FROM tickets_slaevent e\n                         WHERE e.tenant_id = t.id AND e.kind = counted.kind)\n                        > r.changes_seen_at - overlap)\n$$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_team_changes(\n    at timestamptz, overlap interval, kinds text[]\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_teamrollup r ON r.tenant_id = t.id\n    WHERE r.id IS NULL\n       OR r.live_day < (at AT TIME ZONE t.time_zone)::date\n       OR EXISTS (SELECT 1 FROM dashboards_teamdaychanged d WHERE d.tenant_id = t.id)\n       OR EXISTS (SELECT 1 FROM followups_followup f\n                  WHERE f.tenant_id = t.id AND f.updated_at > r.changes_seen_at - overlap)\n       OR EXISTS (SELECT 1 FROM tickets_ticket k\n                  WHERE k.tenant_id = t.id AND k.updated_at > r.changes_seen_at - overlap)\n       OR EXISTS (SELECT 1 FROM leads_lead l\n                  WHERE l.tenant_id = t.id AND l.updated_at > r.changes_seen_at - overlap)\n       OR EXISTS (SELECT 1 FROM tickets_slaevent e\n                  WHERE e.tenant_id = t.id AND e.kind = ANY(kinds)\n                    AND e.occurred_at > r.changes_seen_at - overlap)\n$$;\n",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_stage_flow_changes(at timestamptz)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_stageflowrollup r ON r.tenant_id = t.id\n    WHERE r.id IS NULL OR r.counted_through IS NULL\n       OR r.rolled_through < (at AT TIME ZONE t.time_zone)::date - 1\n       OR (SELECT max(l.updated_at) FROM leads_lead l WHERE l.tenant_id = t.id)\n          > r.counted_through\n$$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_stage_flow_changes(at timestamptz)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN dashboards_stageflowrollup r ON r.tenant_id = t.id\n    WHERE r.id IS NULL OR r.counted_through IS NULL\n       OR r.rolled_through < (at AT TIME ZONE t.time_zone)::date - 1\n       OR EXISTS (SELECT 1 FROM leads_lead l\n                  WHERE l.tenant_id = t.id AND l.updated_at > r.counted_through)\n$$;\n",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(\n    at timestamptz, stale interval, big integer\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id\n    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id\n    WHERE m.id IS NULL OR m.counted_at < at - stale\n       OR c.last_number >= 1000 + big\n       OR (SELECT max(l.updated_at) FROM leads_lead l WHERE l.tenant_id = t.id) > m.counted_at\n       OR EXISTS (SELECT 1 FROM followups_neglectflag f\n                  WHERE f.tenant_id = t.id\n                    AND (f.flagged_at > m.counted_at OR f.cleared_at > m.counted_at))\n$$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(\n    at timestamptz, stale interval, big integer\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id\n    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id\n    WHERE m.id IS NULL OR m.counted_at < at - stale\n       OR c.last_number >= 1000 + big\n       OR EXISTS (SELECT 1 FROM leads_lead l\n                  WHERE l.tenant_id = t.id AND l.updated_at > m.counted_at)\n       OR EXISTS (SELECT 1 FROM followups_neglectflag f\n                  WHERE f.tenant_id = t.id\n                    AND (f.flagged_at > m.counted_at OR f.cleared_at > m.counted_at))\n$$;\n",
        ),
        migrations.RunSQL(
            sql="\nDROP TRIGGER IF EXISTS dashboard_quote_changed ON leads_quote;\nCREATE TRIGGER dashboard_quote_changed AFTER UPDATE ON leads_quote FOR EACH ROW\n    WHEN ((OLD.status = 'accepted') <> (NEW.status = 'accepted')\n          OR (OLD.status = 'draft') <> (NEW.status = 'draft')\n          OR NOT (OLD.status = 'draft' AND NEW.status = 'draft')\n             AND (OLD.total IS DISTINCT FROM NEW.total\n                  OR OLD.created_at IS DISTINCT FROM NEW.created_at\n                  OR OLD.lead_id IS DISTINCT FROM NEW.lead_id))\n    EXECUTE FUNCTION dashboard_quote_changed();\n",
            reverse_sql="\nDROP TRIGGER IF EXISTS dashboard_quote_changed ON leads_quote;\nCREATE TRIGGER dashboard_quote_changed AFTER UPDATE ON leads_quote FOR EACH ROW\n    WHEN (OLD.status IS DISTINCT FROM NEW.status\n          OR OLD.total IS DISTINCT FROM NEW.total\n          OR OLD.created_at IS DISTINCT FROM NEW.created_at\n          OR OLD.lead_id IS DISTINCT FROM NEW.lead_id)\n    EXECUTE FUNCTION dashboard_quote_changed();\n",
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="leadday",
            index=models.Index(fields=["tenant", "day"], name="lead_day_by_day"),
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="leaddaybin",
            index=models.Index(fields=["tenant", "day"], name="lead_day_bin_by_day"),
        ),
        migrations.AddField(
            model_name="teamday",
            name="follow_ups_overdue",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Of those still to do, the ones scheduled before the row was counted: read on today's row only (a past day's are all overdue).",
            ),
        ),
        migrations.AddField(
            model_name="teamrollup",
            name="today_counted_at",
            field=models.DateTimeField(
                help_text="When the sweep counted live_day's rows (none: read live).", null=True
            ),
        ),
        migrations.CreateModel(
            name="TeamResponseMonthBin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("bin", models.PositiveSmallIntegerField()),
                ("buckets", models.JSONField(default=dict)),
                (
                    "brand",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "pipeline",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.pipeline",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["tenant", "bin", "month"], name="team_response_month_by_bin"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nINSERT INTO dashboards_teamresponsemonthbin\n    (tenant_id, month, bin, pipeline_id, brand_id, person_id, buckets)\nSELECT tenant_id, month, bin, pipeline_id, brand_id, person_id,\n       jsonb_object_agg(bucket, jsonb_build_array(\n           answered,\n           CASE WHEN shortest = trunc(shortest) THEN to_jsonb(shortest::numeric + 0.0)\n                ELSE to_jsonb(shortest) END,\n           CASE WHEN longest = trunc(longest) THEN to_jsonb(longest::numeric + 0.0)\n                ELSE to_jsonb(longest) END))\n  FROM (SELECT r.tenant_id, date_trunc('month', r.day)::date AS month, r.bin, r.pipeline_id,\n               r.brand_id, r.person_id, b.key AS bucket, sum((b.value->>0)::integer) AS answered,\n               min((b.value->>1)::float8) AS shortest, max((b.value->>2)::float8) AS longest\n          FROM dashboards_teamresponsebin r\n          JOIN dashboards_teamrollup t ON t.tenant_id = r.tenant_id\n           AND r.day < date_trunc('month', t.live_day)::date,\n               jsonb_each(r.buckets) b\n         GROUP BY 1, 2, 3, 4, 5, 6, 7) AS buckets\n GROUP BY tenant_id, month, bin, pipeline_id, brand_id, person_id\n",
            reverse_sql="",
        ),
        migrations.AddField(
            model_name="periodrollup",
            name="touch_months_until",
            field=models.DateField(
                help_text="FirstTouchBinMonth holds every month before this one (a first day): the months over when the sweep last ran.",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="FirstTouchBinMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("bin", models.PositiveSmallIntegerField()),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("buckets", models.JSONField(default=dict)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "bin", "month"], name="first_touch_month_by_bin")
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nINSERT INTO dashboards_firsttouchbinmonth\n    (tenant_id, month, bin, pipeline_id, brand_id, owner_id, buckets)\nSELECT tenant_id, month, bin, pipeline_id, brand_id, owner_id,\n       jsonb_object_agg(bucket, jsonb_build_array(\n           answered,\n           CASE WHEN shortest = trunc(shortest) THEN to_jsonb(shortest::numeric + 0.0)\n                ELSE to_jsonb(shortest) END,\n           CASE WHEN longest = trunc(longest) THEN to_jsonb(longest::numeric + 0.0)\n                ELSE to_jsonb(longest) END))\n  FROM (SELECT r.tenant_id, date_trunc('month', r.day)::date AS month, r.bin, r.pipeline_id,\n               r.brand_id, r.owner_id, b.key AS bucket, sum((b.value->>0)::integer) AS answered,\n               min((b.value->>1)::float8) AS shortest, max((b.value->>2)::float8) AS longest\n          FROM dashboards_firsttouchbin r\n          JOIN dashboards_periodrollup p ON p.tenant_id = r.tenant_id\n           AND r.day < date_trunc('month', now() AT TIME ZONE p.zone)::date,\n               jsonb_each(r.buckets) b\n         GROUP BY 1, 2, 3, 4, 5, 6, 7) AS buckets\n GROUP BY tenant_id, month, bin, pipeline_id, brand_id, owner_id;\nUPDATE dashboards_periodrollup\n   SET touch_months_until = date_trunc('month', now() AT TIME ZONE zone)::date;\n",
            reverse_sql="",
        ),
        migrations.CreateModel(
            name="TeamMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("follow_ups_on_time", models.PositiveIntegerField(default=0)),
                ("follow_ups_late", models.PositiveIntegerField(default=0)),
                ("follow_ups_open", models.PositiveIntegerField(default=0)),
                ("follow_ups_missed", models.PositiveIntegerField(default=0)),
                ("sla_met", models.PositiveIntegerField(default=0)),
                ("sla_late", models.PositiveIntegerField(default=0)),
                ("first_responses", models.PositiveIntegerField(default=0)),
                ("response_bin_0", models.PositiveIntegerField(default=0)),
                ("response_bin_1", models.PositiveIntegerField(default=0)),
                ("response_bin_2", models.PositiveIntegerField(default=0)),
                ("response_bin_3", models.PositiveIntegerField(default=0)),
                ("response_bin_4", models.PositiveIntegerField(default=0)),
                ("response_bin_5", models.PositiveIntegerField(default=0)),
                ("response_bin_6", models.PositiveIntegerField(default=0)),
                ("response_bin_7", models.PositiveIntegerField(default=0)),
                ("response_bin_8", models.PositiveIntegerField(default=0)),
                ("response_bin_9", models.PositiveIntegerField(default=0)),
                ("response_bin_10", models.PositiveIntegerField(default=0)),
                ("response_bin_11", models.PositiveIntegerField(default=0)),
                ("response_bin_12", models.PositiveIntegerField(default=0)),
                ("response_bin_13", models.PositiveIntegerField(default=0)),
                ("response_bin_14", models.PositiveIntegerField(default=0)),
                ("response_bin_15", models.PositiveIntegerField(default=0)),
                ("response_bin_16", models.PositiveIntegerField(default=0)),
                ("response_bin_17", models.PositiveIntegerField(default=0)),
                ("response_bin_18", models.PositiveIntegerField(default=0)),
                ("response_bin_19", models.PositiveIntegerField(default=0)),
                ("response_bin_20", models.PositiveIntegerField(default=0)),
                ("response_bin_21", models.PositiveIntegerField(default=0)),
                ("response_bin_22", models.PositiveIntegerField(default=0)),
                ("response_bin_23", models.PositiveIntegerField(default=0)),
                ("response_bin_24", models.PositiveIntegerField(default=0)),
                ("response_bin_25", models.PositiveIntegerField(default=0)),
                ("response_bin_26", models.PositiveIntegerField(default=0)),
                ("response_bin_27", models.PositiveIntegerField(default=0)),
                ("response_bin_28", models.PositiveIntegerField(default=0)),
                ("response_bin_29", models.PositiveIntegerField(default=0)),
                ("response_bin_30", models.PositiveIntegerField(default=0)),
                ("response_bin_31", models.PositiveIntegerField(default=0)),
                (
                    "brand",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.brand",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crm.membership",
                    ),
                ),
                (
                    "pipeline",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.pipeline",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "month"], name="team_month_by_month")],
            },
        ),
        migrations.RunSQL(
            sql="\nINSERT INTO dashboards_teammonth\n    (tenant_id, month, pipeline_id, brand_id, person_id, follow_ups_on_time, follow_ups_late, follow_ups_open, follow_ups_missed, sla_met, sla_late, first_responses, response_bin_0, response_bin_1, response_bin_2, response_bin_3, response_bin_4, response_bin_5, response_bin_6, response_bin_7, response_bin_8, response_bin_9, response_bin_10, response_bin_11, response_bin_12, response_bin_13, response_bin_14, response_bin_15, response_bin_16, response_bin_17, response_bin_18, response_bin_19, response_bin_20, response_bin_21, response_bin_22, response_bin_23, response_bin_24, response_bin_25, response_bin_26, response_bin_27, response_bin_28, response_bin_29, response_bin_30, response_bin_31)\nSELECT d.tenant_id, date_trunc('month', d.day)::date, d.pipeline_id, d.brand_id, d.person_id,\n       sum(d.follow_ups_on_time), sum(d.follow_ups_late), sum(d.follow_ups_open), sum(d.follow_ups_missed), sum(d.sla_met), sum(d.sla_late), sum(d.first_responses), sum(d.response_bin_0), sum(d.response_bin_1), sum(d.response_bin_2), sum(d.response_bin_3), sum(d.response_bin_4), sum(d.response_bin_5), sum(d.response_bin_6), sum(d.response_bin_7), sum(d.response_bin_8), sum(d.response_bin_9), sum(d.response_bin_10), sum(d.response_bin_11), sum(d.response_bin_12), sum(d.response_bin_13), sum(d.response_bin_14), sum(d.response_bin_15), sum(d.response_bin_16), sum(d.response_bin_17), sum(d.response_bin_18), sum(d.response_bin_19), sum(d.response_bin_20), sum(d.response_bin_21), sum(d.response_bin_22), sum(d.response_bin_23), sum(d.response_bin_24), sum(d.response_bin_25), sum(d.response_bin_26), sum(d.response_bin_27), sum(d.response_bin_28), sum(d.response_bin_29), sum(d.response_bin_30), sum(d.response_bin_31)\n  FROM dashboards_teamday d\n  JOIN dashboards_teamrollup t ON t.tenant_id = d.tenant_id\n   AND d.day < date_trunc('month', t.live_day)::date\n GROUP BY 1, 2, 3, 4, 5\n",
            reverse_sql="",
        ),
        migrations.CreateModel(
            name="FirstTouchMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("pipeline_id", models.BigIntegerField()),
                ("brand_id", models.BigIntegerField(null=True)),
                ("owner_id", models.BigIntegerField(null=True)),
                ("leads", models.PositiveIntegerField(default=0)),
                ("touched", models.PositiveIntegerField(default=0)),
                ("within_window", models.PositiveIntegerField(default=0)),
                ("bin_0", models.PositiveIntegerField(default=0)),
                ("bin_1", models.PositiveIntegerField(default=0)),
                ("bin_2", models.PositiveIntegerField(default=0)),
                ("bin_3", models.PositiveIntegerField(default=0)),
                ("bin_4", models.PositiveIntegerField(default=0)),
                ("bin_5", models.PositiveIntegerField(default=0)),
                ("bin_6", models.PositiveIntegerField(default=0)),
                ("bin_7", models.PositiveIntegerField(default=0)),
                ("bin_8", models.PositiveIntegerField(default=0)),
                ("bin_9", models.PositiveIntegerField(default=0)),
                ("bin_10", models.PositiveIntegerField(default=0)),
                ("bin_11", models.PositiveIntegerField(default=0)),
                ("bin_12", models.PositiveIntegerField(default=0)),
                ("bin_13", models.PositiveIntegerField(default=0)),
                ("bin_14", models.PositiveIntegerField(default=0)),
                ("bin_15", models.PositiveIntegerField(default=0)),
                ("bin_16", models.PositiveIntegerField(default=0)),
                ("bin_17", models.PositiveIntegerField(default=0)),
                ("bin_18", models.PositiveIntegerField(default=0)),
                ("bin_19", models.PositiveIntegerField(default=0)),
                ("bin_20", models.PositiveIntegerField(default=0)),
                ("bin_21", models.PositiveIntegerField(default=0)),
                ("bin_22", models.PositiveIntegerField(default=0)),
                ("bin_23", models.PositiveIntegerField(default=0)),
                ("bin_24", models.PositiveIntegerField(default=0)),
                ("bin_25", models.PositiveIntegerField(default=0)),
                ("bin_26", models.PositiveIntegerField(default=0)),
                ("bin_27", models.PositiveIntegerField(default=0)),
                ("bin_28", models.PositiveIntegerField(default=0)),
                ("bin_29", models.PositiveIntegerField(default=0)),
                ("bin_30", models.PositiveIntegerField(default=0)),
                ("bin_31", models.PositiveIntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "month"], name="first_touch_month_by_month")
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nINSERT INTO dashboards_firsttouchmonth\n    (tenant_id, month, pipeline_id, brand_id, owner_id, leads, touched, within_window, bin_0, bin_1, bin_2, bin_3, bin_4, bin_5, bin_6, bin_7, bin_8, bin_9, bin_10, bin_11, bin_12, bin_13, bin_14, bin_15, bin_16, bin_17, bin_18, bin_19, bin_20, bin_21, bin_22, bin_23, bin_24, bin_25, bin_26, bin_27, bin_28, bin_29, bin_30, bin_31)\nSELECT d.tenant_id, date_trunc('month', d.day)::date, d.pipeline_id, d.brand_id, d.owner_id,\n       sum(d.leads), sum(d.touched), sum(d.within_window), sum(d.bin_0), sum(d.bin_1), sum(d.bin_2), sum(d.bin_3), sum(d.bin_4), sum(d.bin_5), sum(d.bin_6), sum(d.bin_7), sum(d.bin_8), sum(d.bin_9), sum(d.bin_10), sum(d.bin_11), sum(d.bin_12), sum(d.bin_13), sum(d.bin_14), sum(d.bin_15), sum(d.bin_16), sum(d.bin_17), sum(d.bin_18), sum(d.bin_19), sum(d.bin_20), sum(d.bin_21), sum(d.bin_22), sum(d.bin_23), sum(d.bin_24), sum(d.bin_25), sum(d.bin_26), sum(d.bin_27), sum(d.bin_28), sum(d.bin_29), sum(d.bin_30), sum(d.bin_31)\n  FROM dashboards_firsttouchday d\n  JOIN dashboards_periodrollup p ON p.tenant_id = d.tenant_id AND d.day < p.touch_months_until\n GROUP BY 1, 2, 3, 4, 5\n",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(\n    at timestamptz, stale interval, big integer\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id\n    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id\n    WHERE m.id IS NULL OR m.counted_at < at - stale\n       OR c.last_number >= 1000 + big\n       OR (SELECT max(l.updated_at) FROM leads_lead l WHERE l.tenant_id = t.id) > m.counted_at\n       OR (SELECT max(f.flagged_at) FROM followups_neglectflag f\n           WHERE f.tenant_id = t.id AND f.cleared_at IS NULL) > m.counted_at\n       OR (SELECT max(f.cleared_at) FROM followups_neglectflag f\n           WHERE f.tenant_id = t.id AND f.cleared_at IS NOT NULL) > m.counted_at\n$$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_moment_due(\n    at timestamptz, stale interval, big integer\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    LEFT JOIN dashboards_momentfigures m ON m.tenant_id = t.id\n    LEFT JOIN leads_leadcounter c ON c.tenant_id = t.id\n    WHERE m.id IS NULL OR m.counted_at < at - stale\n       OR c.last_number >= 1000 + big\n       OR (SELECT max(l.updated_at) FROM leads_lead l WHERE l.tenant_id = t.id) > m.counted_at\n       OR EXISTS (SELECT 1 FROM followups_neglectflag f\n                  WHERE f.tenant_id = t.id\n                    AND (f.flagged_at > m.counted_at OR f.cleared_at > m.counted_at))\n$$;\n",
        ),
    ]
