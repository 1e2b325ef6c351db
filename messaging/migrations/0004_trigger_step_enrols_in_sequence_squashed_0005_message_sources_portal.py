"""comms 0004–0005 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0001_initial_squashed_0003_sequence_source_and_no_scheduled_follow_ups"),
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
        ("followups", "0001_initial_squashed_0003_follow_up_slot_at_most_a_day"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="triggerstep",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="triggerstep",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="triggerstep",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="triggerstep",
            name="sequence",
            field=models.ForeignKey(
                blank=True,
                help_text="Enrol steps: the sequence the lead joins.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="trigger_steps",
                to="followups.sequence",
            ),
        ),
        migrations.AddField(
            model_name="triggerstepevent",
            name="sequence",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Enrol steps: the sequence the lead joins.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="followups.sequence",
            ),
        ),
        migrations.AlterField(
            model_name="triggerstep",
            name="action",
            field=models.CharField(
                choices=[
                    ("send", "Send a message"),
                    ("follow_up", "Create a follow-up for the owner"),
                    ("enrol", "Enrol in a follow-up sequence"),
                ],
                default="send",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="triggerstepevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("send", "Send a message"),
                    ("follow_up", "Create a follow-up for the owner"),
                    ("enrol", "Enrol in a follow-up sequence"),
                ],
                default="send",
                max_length=16,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="triggerstep",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "comms_triggerstepevent" ("action", "channel_choice", "channels", "delay_minutes", "follow_up_kind", "follow_up_subject", "id", "only_while_in_stage", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "repeat_every_days", "sequence_id", "template_id", "tenant_id", "trigger_id") VALUES (NEW."action", NEW."channel_choice", NEW."channels", NEW."delay_minutes", NEW."follow_up_kind", NEW."follow_up_subject", NEW."id", NEW."only_while_in_stage", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."position", NEW."repeat_every_days", NEW."sequence_id", NEW."template_id", NEW."tenant_id", NEW."trigger_id"); RETURN NULL;',
                    hash="c554ea6c1a39a66722544007439b6aca54d2c29c",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_7a0ea",
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
                    hash="635d389a4cfb934937444067b649e414ebb94f8e",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_71e03",
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
                    hash="f1983ca357a25a33b3aedca953a32c1241ca5585",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_c73f1",
                    table="comms_triggerstep",
                    when="AFTER",
                ),
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
        migrations.AlterField(
            model_name="outboundmessage",
            name="source",
            field=models.CharField(
                choices=[
                    ("trigger", "Trigger"),
                    ("quote", "Quote"),
                    ("update", "Customer update"),
                    ("staff", "Staff notification"),
                    ("manual", "Sent by a person"),
                    ("system", "Reply to a keyword"),
                    ("sequence", "Sequence"),
                    ("portal_sign_in", "Portal sign-in link or code"),
                    ("onboarding", "Portal onboarding reminder"),
                ],
                max_length=16,
            ),
        ),
    ]
