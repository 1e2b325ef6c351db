"""automation 0001–0003 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them).

A trigger step's sequence is a foreign key to followups' sequences, so its column, index and check
are made here (SEQUENCE_COLUMNS), where both apps' tables exist, and not by messaging, which
created the step's table. A database that made them earlier (comms 0004 once did) keeps them."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

SEQUENCE_COLUMNS = """
ALTER TABLE "comms_triggerstep" ADD COLUMN IF NOT EXISTS "sequence_id" bigint NULL
    CONSTRAINT "comms_triggerstep_sequence_id_5a27e842_fk_followups_sequence_id"
    REFERENCES "followups_sequence" ("id") DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "comms_triggerstepevent" ADD COLUMN IF NOT EXISTS "sequence_id" bigint NULL;
CREATE INDEX IF NOT EXISTS "comms_triggerstep_sequence_id_5a27e842"
    ON "comms_triggerstep" ("sequence_id");
CREATE INDEX IF NOT EXISTS "comms_triggerstepevent_sequence_id_e1074c5a"
    ON "comms_triggerstepevent" ("sequence_id");
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_constraint
        WHERE conrelid = 'comms_triggerstep'::regclass
          AND conname = 'trigger_step_enrol_has_sequence'
    ) THEN
        ALTER TABLE "comms_triggerstep" ADD CONSTRAINT "trigger_step_enrol_has_sequence"
            CHECK ((NOT ("action" = 'enrol') OR "sequence_id" IS NOT NULL));
    END IF;
END $$;
"""

DROP_SEQUENCE_COLUMNS = """
ALTER TABLE "comms_triggerstep" DROP COLUMN IF EXISTS "sequence_id";
ALTER TABLE "comms_triggerstepevent" DROP COLUMN IF EXISTS "sequence_id";
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comms", "0004_trigger_step_enrols_in_sequence_squashed_0005_message_sources_portal"),
        ("crm", "0008_dashboard_count_indexes_squashed_0022_contact_email_lower_case"),
        ("followups", "0001_initial_squashed_0003_follow_up_slot_at_most_a_day"),
        ("leads", "0002_search_function_and_any_status_indexes_squashed_0006_assign_decision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="\nDROP TRIGGER IF EXISTS pgtrigger_insert_insert_594b9 ON comms_trigger; DROP FUNCTION IF EXISTS pgtrigger_insert_insert_594b9();\nDROP TRIGGER IF EXISTS pgtrigger_update_update_fea1a ON comms_trigger; DROP FUNCTION IF EXISTS pgtrigger_update_update_fea1a();\nDROP TRIGGER IF EXISTS pgtrigger_delete_delete_97f4e ON comms_trigger; DROP FUNCTION IF EXISTS pgtrigger_delete_delete_97f4e();\nDROP TRIGGER IF EXISTS pgtrigger_insert_insert_7a0ea ON comms_triggerstep; DROP FUNCTION IF EXISTS pgtrigger_insert_insert_7a0ea();\nDROP TRIGGER IF EXISTS pgtrigger_update_update_71e03 ON comms_triggerstep; DROP FUNCTION IF EXISTS pgtrigger_update_update_71e03();\nDROP TRIGGER IF EXISTS pgtrigger_delete_delete_c73f1 ON comms_triggerstep; DROP FUNCTION IF EXISTS pgtrigger_delete_delete_c73f1();\nDROP TRIGGER IF EXISTS pgtrigger_insert_insert_da947 ON followups_sequence; DROP FUNCTION IF EXISTS pgtrigger_insert_insert_da947();\nDROP TRIGGER IF EXISTS pgtrigger_update_update_f9304 ON followups_sequence; DROP FUNCTION IF EXISTS pgtrigger_update_update_f9304();\nDROP TRIGGER IF EXISTS pgtrigger_delete_delete_b7b6b ON followups_sequence; DROP FUNCTION IF EXISTS pgtrigger_delete_delete_b7b6b();\n",
                    reverse_sql="",
                ),
                migrations.RunSQL(SEQUENCE_COLUMNS, DROP_SEQUENCE_COLUMNS),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="Sequence",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=120)),
                        ("description", models.CharField(blank=True, max_length=300)),
                        ("is_active", models.BooleanField(default=True)),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
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
                        "db_table": "followups_sequence",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="SequenceEnrolment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("active", "Active"),
                                    ("completed", "Completed"),
                                    ("stopped", "Stopped"),
                                ],
                                default="active",
                                max_length=16,
                            ),
                        ),
                        ("enrolled_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "next_step",
                            models.PositiveIntegerField(
                                default=0, help_text="Index of the next step to run."
                            ),
                        ),
                        ("next_step_at", models.DateTimeField(blank=True, null=True)),
                        ("stopped_at", models.DateTimeField(blank=True, null=True)),
                        ("stop_reason", models.CharField(blank=True, max_length=200)),
                        (
                            "contact",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="enrolments",
                                to="crm.contact",
                            ),
                        ),
                        (
                            "enrolled_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "lead",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="enrolments",
                                to="leads.lead",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="crm.membership",
                            ),
                        ),
                        (
                            "sequence",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="enrolments",
                                to="automation.sequence",
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
                        "db_table": "followups_sequenceenrolment",
                    },
                ),
                migrations.CreateModel(
                    name="SequenceEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("pgh_context", pghistory.utils.JSONField(null=True)),
                        ("pgh_context_id", models.UUIDField(null=True)),
                        ("id", models.BigIntegerField()),
                        ("name", models.CharField(max_length=120)),
                        ("description", models.CharField(blank=True, max_length=300)),
                        ("is_active", models.BooleanField(default=True)),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        (
                            "pgh_obj",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="events",
                                to="automation.sequence",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                db_constraint=False,
                                editable=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="crm.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "followups_sequenceevent",
                        "abstract": False,
                    },
                ),
                migrations.CreateModel(
                    name="SequenceStep",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("position", models.PositiveIntegerField(default=0)),
                        (
                            "day_offset",
                            models.PositiveIntegerField(help_text="Days after enrolment."),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("message", "Send a message"),
                                    ("task", "Create a follow-up"),
                                    ("escalate", "Escalate to a manager"),
                                ],
                                default="task",
                                max_length=16,
                            ),
                        ),
                        (
                            "channels",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=16),
                                blank=True,
                                default=list,
                                size=None,
                            ),
                        ),
                        ("subject", models.CharField(blank=True, max_length=200)),
                        (
                            "follow_up_type",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="followups.followuptype",
                            ),
                        ),
                        (
                            "sequence",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="steps",
                                to="automation.sequence",
                            ),
                        ),
                        (
                            "template",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="comms.messagetemplate",
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
                        "db_table": "followups_sequencestep",
                        "ordering": ["position", "day_offset", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="Trigger",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=120)),
                        ("is_active", models.BooleanField(default=True)),
                        (
                            "event",
                            models.CharField(
                                choices=[
                                    ("stage_entered", "A lead enters a stage"),
                                    ("lead_created", "A new lead arrives"),
                                    ("lead_lost", "A lead is lost"),
                                    ("date_reached", "A time relative to a date on the lead"),
                                    ("no_response", "The customer has not answered"),
                                ],
                                max_length=24,
                            ),
                        ),
                        (
                            "date_field",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("appointment_at", "Appointment"),
                                    ("stage_entered_at", "Entered its current stage"),
                                    ("won_at", "Won"),
                                    ("created_at", "Created"),
                                ],
                                max_length=24,
                            ),
                        ),
                        (
                            "offset_minutes",
                            models.IntegerField(
                                default=0,
                                help_text="Time triggers: minutes after the date (negative: before). No response: minutes since our last message.",
                            ),
                        ),
                        (
                            "lead_type",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("residential", "Residential"),
                                    ("commercial", "Commercial"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("min_priority", models.IntegerField(blank=True, null=True)),
                        (
                            "swept_until",
                            models.DateTimeField(
                                blank=True,
                                editable=False,
                                help_text="Time triggers: checked up to here.",
                                null=True,
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "brand",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="crm.brand",
                            ),
                        ),
                        (
                            "pipeline",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="leads.pipeline",
                            ),
                        ),
                        (
                            "source",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="leads.leadsource",
                            ),
                        ),
                        (
                            "stage",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="triggers",
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
                        "db_table": "comms_trigger",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="TriggerEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("pgh_context", pghistory.utils.JSONField(null=True)),
                        ("pgh_context_id", models.UUIDField(null=True)),
                        ("id", models.BigIntegerField()),
                        ("name", models.CharField(max_length=120)),
                        ("is_active", models.BooleanField(default=True)),
                        (
                            "event",
                            models.CharField(
                                choices=[
                                    ("stage_entered", "A lead enters a stage"),
                                    ("lead_created", "A new lead arrives"),
                                    ("lead_lost", "A lead is lost"),
                                    ("date_reached", "A time relative to a date on the lead"),
                                    ("no_response", "The customer has not answered"),
                                ],
                                max_length=24,
                            ),
                        ),
                        (
                            "date_field",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("appointment_at", "Appointment"),
                                    ("stage_entered_at", "Entered its current stage"),
                                    ("won_at", "Won"),
                                    ("created_at", "Created"),
                                ],
                                max_length=24,
                            ),
                        ),
                        (
                            "offset_minutes",
                            models.IntegerField(
                                default=0,
                                help_text="Time triggers: minutes after the date (negative: before). No response: minutes since our last message.",
                            ),
                        ),
                        (
                            "lead_type",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("residential", "Residential"),
                                    ("commercial", "Commercial"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("min_priority", models.IntegerField(blank=True, null=True)),
                        (
                            "swept_until",
                            models.DateTimeField(
                                blank=True,
                                editable=False,
                                help_text="Time triggers: checked up to here.",
                                null=True,
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "brand",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="crm.brand",
                            ),
                        ),
                        (
                            "pgh_obj",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="events",
                                to="automation.trigger",
                            ),
                        ),
                        (
                            "pipeline",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="leads.pipeline",
                            ),
                        ),
                        (
                            "source",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="leads.leadsource",
                            ),
                        ),
                        (
                            "stage",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="leads.stage",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                db_constraint=False,
                                editable=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="crm.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "comms_triggerevent",
                        "abstract": False,
                    },
                ),
                migrations.CreateModel(
                    name="TriggerStep",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("position", models.PositiveIntegerField(default=0)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("send", "Send a message"),
                                    ("follow_up", "Create a follow-up for the owner"),
                                    ("enrol", "Enrol in a follow-up sequence"),
                                ],
                                default="send",
                                max_length=16,
                            ),
                        ),
                        (
                            "delay_minutes",
                            models.PositiveIntegerField(
                                default=0, help_text="How long after the trigger fires."
                            ),
                        ),
                        (
                            "channels",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(
                                    choices=[
                                        ("email", "Email"),
                                        ("sms", "SMS"),
                                        ("whatsapp", "WhatsApp"),
                                    ],
                                    max_length=16,
                                ),
                                blank=True,
                                default=list,
                                size=None,
                            ),
                        ),
                        (
                            "channel_choice",
                            models.CharField(
                                choices=[
                                    ("preferred", "The customer's preferred one of these channels"),
                                    ("all", "Every one of these channels"),
                                ],
                                default="preferred",
                                max_length=16,
                            ),
                        ),
                        (
                            "follow_up_kind",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("call", "Phone call"),
                                    ("email", "Email"),
                                    ("message", "SMS/WhatsApp"),
                                    ("meeting", "Meeting"),
                                    ("escalation", "Escalation to a manager"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("follow_up_subject", models.CharField(blank=True, max_length=200)),
                        (
                            "repeat_every_days",
                            models.PositiveIntegerField(
                                blank=True,
                                help_text="Follow-ups: again every N days while the lead stays.",
                                null=True,
                            ),
                        ),
                        (
                            "only_while_in_stage",
                            models.BooleanField(
                                default=True,
                                help_text="Stage triggers: skip this step if the lead has left the stage by then.",
                            ),
                        ),
                        (
                            "sequence",
                            models.ForeignKey(
                                blank=True,
                                help_text="Enrol steps: the sequence the lead joins.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="trigger_steps",
                                to="automation.sequence",
                            ),
                        ),
                        (
                            "template",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="steps",
                                to="comms.messagetemplate",
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
                        (
                            "trigger",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="steps",
                                to="automation.trigger",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "comms_triggerstep",
                        "ordering": ["position", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="TriggerStepEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("pgh_context", pghistory.utils.JSONField(null=True)),
                        ("pgh_context_id", models.UUIDField(null=True)),
                        ("id", models.BigIntegerField()),
                        ("position", models.PositiveIntegerField(default=0)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("send", "Send a message"),
                                    ("follow_up", "Create a follow-up for the owner"),
                                    ("enrol", "Enrol in a follow-up sequence"),
                                ],
                                default="send",
                                max_length=16,
                            ),
                        ),
                        (
                            "delay_minutes",
                            models.PositiveIntegerField(
                                default=0, help_text="How long after the trigger fires."
                            ),
                        ),
                        (
                            "channels",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(
                                    choices=[
                                        ("email", "Email"),
                                        ("sms", "SMS"),
                                        ("whatsapp", "WhatsApp"),
                                    ],
                                    max_length=16,
                                ),
                                blank=True,
                                default=list,
                                size=None,
                            ),
                        ),
                        (
                            "channel_choice",
                            models.CharField(
                                choices=[
                                    ("preferred", "The customer's preferred one of these channels"),
                                    ("all", "Every one of these channels"),
                                ],
                                default="preferred",
                                max_length=16,
                            ),
                        ),
                        (
                            "follow_up_kind",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("call", "Phone call"),
                                    ("email", "Email"),
                                    ("message", "SMS/WhatsApp"),
                                    ("meeting", "Meeting"),
                                    ("escalation", "Escalation to a manager"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("follow_up_subject", models.CharField(blank=True, max_length=200)),
                        (
                            "repeat_every_days",
                            models.PositiveIntegerField(
                                blank=True,
                                help_text="Follow-ups: again every N days while the lead stays.",
                                null=True,
                            ),
                        ),
                        (
                            "only_while_in_stage",
                            models.BooleanField(
                                default=True,
                                help_text="Stage triggers: skip this step if the lead has left the stage by then.",
                            ),
                        ),
                        (
                            "pgh_obj",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="events",
                                to="automation.triggerstep",
                            ),
                        ),
                        (
                            "sequence",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Enrol steps: the sequence the lead joins.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="automation.sequence",
                            ),
                        ),
                        (
                            "template",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="comms.messagetemplate",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                db_constraint=False,
                                editable=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="crm.tenant",
                            ),
                        ),
                        (
                            "trigger",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="automation.trigger",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "comms_triggerstepevent",
                        "abstract": False,
                    },
                ),
                migrations.AddConstraint(
                    model_name="sequence",
                    constraint=models.UniqueConstraint(
                        fields=("tenant", "name"), name="sequence_unique_name"
                    ),
                ),
                migrations.AddIndex(
                    model_name="sequenceenrolment",
                    index=models.Index(
                        condition=models.Q(("status", "active")),
                        fields=["tenant", "next_step_at"],
                        name="enrolment_due",
                    ),
                ),
                migrations.AddIndex(
                    model_name="sequenceenrolment",
                    index=models.Index(
                        condition=models.Q(("status", "active")),
                        fields=["tenant", "contact"],
                        name="enrolment_active_by_contact",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="sequenceenrolment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status", "active")),
                        fields=("tenant", "sequence", "contact", "lead"),
                        name="enrolment_one_active",
                        nulls_distinct=False,
                    ),
                ),
                migrations.AddIndex(
                    model_name="sequencestep",
                    index=models.Index(
                        fields=["tenant", "sequence", "position"], name="seq_step_order"
                    ),
                ),
                migrations.AddIndex(
                    model_name="trigger",
                    index=models.Index(
                        condition=models.Q(("is_active", True)),
                        fields=["tenant", "event", "stage"],
                        name="trigger_active_by_event",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="trigger",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event", "stage_entered"), _negated=True),
                            ("stage__isnull", False),
                            _connector="OR",
                        ),
                        name="trigger_stage_event_has_stage",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="trigger",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event", "date_reached"), _negated=True),
                            models.Q(("date_field", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="trigger_time_event_has_date",
                    ),
                ),
                migrations.AddIndex(
                    model_name="triggerstep",
                    index=models.Index(
                        fields=["tenant", "trigger", "position"], name="step_by_trigger"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="triggerstep",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("action", "send"), _negated=True),
                            ("template__isnull", False),
                            _connector="OR",
                        ),
                        name="trigger_step_send_has_template",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="triggerstep",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("action", "enrol"), _negated=True),
                            ("sequence__isnull", False),
                            _connector="OR",
                        ),
                        name="trigger_step_enrol_has_sequence",
                    ),
                ),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sequence",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "followups_sequenceevent" ("created_at", "description", "id", "is_active", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id") VALUES (NEW."created_at", NEW."description", NEW."id", NEW."is_active", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."tenant_id"); RETURN NULL;',
                    hash="65794d0d204eff7998b2af4f9558325e0e6d05d7",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_cf5bc",
                    table="followups_sequence",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sequence",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "followups_sequenceevent" ("created_at", "description", "id", "is_active", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id") VALUES (NEW."created_at", NEW."description", NEW."id", NEW."is_active", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."tenant_id"); RETURN NULL;',
                    hash="230f42e65d8483742b63130c0005f8e24544dcbe",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_81f82",
                    table="followups_sequence",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="sequence",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "followups_sequenceevent" ("created_at", "description", "id", "is_active", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id") VALUES (OLD."created_at", OLD."description", OLD."id", OLD."is_active", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."tenant_id"); RETURN NULL;',
                    hash="851c79e541b89438ae74076d4d0560fc0c0f5e16",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_62ac6",
                    table="followups_sequence",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="trigger",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "comms_triggerevent" ("brand_id", "created_at", "date_field", "event", "id", "is_active", "lead_type", "min_priority", "name", "offset_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pipeline_id", "source_id", "stage_id", "swept_until", "tenant_id", "updated_at") VALUES (NEW."brand_id", NEW."created_at", NEW."date_field", NEW."event", NEW."id", NEW."is_active", NEW."lead_type", NEW."min_priority", NEW."name", NEW."offset_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."pipeline_id", NEW."source_id", NEW."stage_id", NEW."swept_until", NEW."tenant_id", NEW."updated_at"); RETURN NULL;',
                    hash="4443506c369e45a6005d0ef6881d5791e0719aa8",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_55201",
                    table="comms_trigger",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="trigger",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "comms_triggerevent" ("brand_id", "created_at", "date_field", "event", "id", "is_active", "lead_type", "min_priority", "name", "offset_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pipeline_id", "source_id", "stage_id", "swept_until", "tenant_id", "updated_at") VALUES (NEW."brand_id", NEW."created_at", NEW."date_field", NEW."event", NEW."id", NEW."is_active", NEW."lead_type", NEW."min_priority", NEW."name", NEW."offset_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."pipeline_id", NEW."source_id", NEW."stage_id", NEW."swept_until", NEW."tenant_id", NEW."updated_at"); RETURN NULL;',
                    hash="cd15b50b9b16aee7a86e9bbbf5eaa13d747a72a3",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_72f87",
                    table="comms_trigger",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="trigger",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "comms_triggerevent" ("brand_id", "created_at", "date_field", "event", "id", "is_active", "lead_type", "min_priority", "name", "offset_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pipeline_id", "source_id", "stage_id", "swept_until", "tenant_id", "updated_at") VALUES (OLD."brand_id", OLD."created_at", OLD."date_field", OLD."event", OLD."id", OLD."is_active", OLD."lead_type", OLD."min_priority", OLD."name", OLD."offset_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."pipeline_id", OLD."source_id", OLD."stage_id", OLD."swept_until", OLD."tenant_id", OLD."updated_at"); RETURN NULL;',
                    hash="e05248ea13a873a7114c894104acc3216763cc56",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_f6274",
                    table="comms_trigger",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="triggerstep",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "comms_triggerstepevent" ("action", "channel_choice", "channels", "delay_minutes", "follow_up_kind", "follow_up_subject", "id", "only_while_in_stage", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "repeat_every_days", "sequence_id", "template_id", "tenant_id", "trigger_id") VALUES (NEW."action", NEW."channel_choice", NEW."channels", NEW."delay_minutes", NEW."follow_up_kind", NEW."follow_up_subject", NEW."id", NEW."only_while_in_stage", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."position", NEW."repeat_every_days", NEW."sequence_id", NEW."template_id", NEW."tenant_id", NEW."trigger_id"); RETURN NULL;',
                    hash="a02aed99ebc73eaa470c70357c3f4fd2e907421b",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_6c484",
                    table="comms_triggerstep",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="triggerstep",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "comms_triggerstepevent" ("action", "channel_choice", "channels", "delay_minutes", "follow_up_kind", "follow_up_subject", "id", "only_while_in_stage", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "repeat_every_days", "sequence_id", "template_id", "tenant_id", "trigger_id") VALUES (NEW."action", NEW."channel_choice", NEW."channels", NEW."delay_minutes", NEW."follow_up_kind", NEW."follow_up_subject", NEW."id", NEW."only_while_in_stage", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."position", NEW."repeat_every_days", NEW."sequence_id", NEW."template_id", NEW."tenant_id", NEW."trigger_id"); RETURN NULL;',
                    hash="6e0ef204dbc6c2e979a6f6b6c72698908e584bab",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_69674",
                    table="comms_triggerstep",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="triggerstep",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "comms_triggerstepevent" ("action", "channel_choice", "channels", "delay_minutes", "follow_up_kind", "follow_up_subject", "id", "only_while_in_stage", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "repeat_every_days", "sequence_id", "template_id", "tenant_id", "trigger_id") VALUES (OLD."action", OLD."channel_choice", OLD."channels", OLD."delay_minutes", OLD."follow_up_kind", OLD."follow_up_subject", OLD."id", OLD."only_while_in_stage", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."position", OLD."repeat_every_days", OLD."sequence_id", OLD."template_id", OLD."tenant_id", OLD."trigger_id"); RETURN NULL;',
                    hash="8e48b2f46ce26b682a8f830fe6060e34ae73467f",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_b412b",
                    table="comms_triggerstep",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(
            sql="\n-- Active time triggers (time_triggers_sweep reads nothing else): trigger_active_by_event.\nCREATE OR REPLACE FUNCTION threadline_tenants_with_time_triggers()\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM comms_trigger r\n        WHERE r.tenant_id = t.id AND r.is_active AND r.event IN ('date_reached', 'no_response')\n    )\n$$;\n\n-- Repeating follow-up steps of active triggers (follow_ups_sweep reads nothing else).\nCREATE OR REPLACE FUNCTION threadline_tenants_with_repeating_follow_ups()\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM comms_triggerstep s JOIN comms_trigger r ON r.id = s.trigger_id\n        WHERE s.tenant_id = t.id AND s.action = 'follow_up' AND s.repeat_every_days IS NOT NULL\n          AND r.is_active\n    )\n$$;\n\n-- Active enrolments with a step due (sequences_sweep): enrolment_due.\nCREATE OR REPLACE FUNCTION threadline_tenants_with_due_enrolments(at timestamptz)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM followups_sequenceenrolment e\n        WHERE e.tenant_id = t.id AND e.status = 'active' AND e.next_step_at <= at\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_time_triggers();DROP FUNCTION IF EXISTS threadline_tenants_with_repeating_follow_ups();DROP FUNCTION IF EXISTS threadline_tenants_with_due_enrolments(timestamptz);",
        ),
        migrations.AddField(
            model_name="sequenceenrolment",
            name="stop_reason_params",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
