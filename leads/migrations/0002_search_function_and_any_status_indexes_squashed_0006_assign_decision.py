"""leads 0002–0006 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


def paid_stages_wait_for_paid_in_full(apps, schema_editor):
    # As the role that runs the migration (the tables' owner): it sees every tenant's rows.
    Stage = apps.get_model("leads", "Stage")
    db = schema_editor.connection.alias
    Stage.objects.using(db).filter(moves_on="payment_recorded").update(moves_on="paid_in_full")


def paid_stages_back(apps, schema_editor):
    Stage = apps.get_model("leads", "Stage")
    db = schema_editor.connection.alias
    Stage.objects.using(db).filter(moves_on="paid_in_full").update(moves_on="payment_recorded")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
        ("leads", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_lead_search(query tsquery) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$\n    SELECT id FROM leads_lead\n    WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint\n      AND search_vector @@ query\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_lead_search(tsquery);",
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "-priority_score", "-id"], name="lead_all_priority"
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "-created_at", "-id"], name="lead_all_recent"),
        ),
        migrations.AddField(
            model_name="lead",
            name="appointment_at",
            field=models.DateTimeField(
                blank=True,
                help_text="The next visit or meeting booked with the customer.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="last_customer_reply_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="lead",
            name="last_outbound_at",
            field=models.DateTimeField(
                blank=True, help_text="When we last sent the customer a message.", null=True
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="last_update_sent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the customer last got a regular status update.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="next_update_due_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Active jobs only: when the next status update is due.",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("appointment_at__isnull", False)),
                fields=["tenant", "appointment_at"],
                name="lead_appointment",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("last_outbound_at__isnull", False)),
                fields=["tenant", "last_outbound_at"],
                name="lead_awaiting_reply",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("next_update_due_at__isnull", False)),
                fields=["tenant", "next_update_due_at"],
                name="lead_update_due",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "lost")),
                fields=["tenant", "closed_at"],
                name="lead_lost_by_date",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("won_at__isnull", False)),
                fields=["tenant", "won_at"],
                name="lead_won_by_date",
            ),
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="payment",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="payment",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="payment",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="payment",
            name="kind",
            field=models.CharField(
                choices=[
                    ("deposit", "Deposit"),
                    ("progress", "Progress payment"),
                    ("final", "Final payment"),
                ],
                default="progress",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="paymentevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("deposit", "Deposit"),
                    ("progress", "Progress payment"),
                    ("final", "Final payment"),
                ],
                default="progress",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="stage",
            name="moves_on",
            field=models.CharField(
                blank=True,
                choices=[
                    ("quote_sent", "Quote sent"),
                    ("quote_accepted", "Quote accepted"),
                    ("payment_recorded", "Any payment recorded (a deposit too)"),
                    ("paid_in_full", "Paid in full, work completed"),
                    ("customer_replied", "Customer replied"),
                    ("appointment_booked", "Appointment booked"),
                    ("first_touch", "First contact made"),
                ],
                help_text="Leads move here on their own when this happens (if they are not past it).",
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="stageevent",
            name="moves_on",
            field=models.CharField(
                blank=True,
                choices=[
                    ("quote_sent", "Quote sent"),
                    ("quote_accepted", "Quote accepted"),
                    ("payment_recorded", "Any payment recorded (a deposit too)"),
                    ("paid_in_full", "Paid in full, work completed"),
                    ("customer_replied", "Customer replied"),
                    ("appointment_booked", "Appointment booked"),
                    ("first_touch", "First contact made"),
                ],
                help_text="Leads move here on their own when this happens (if they are not past it).",
                max_length=32,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="payment",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "leads_paymentevent" ("amount", "id", "kind", "lead_id", "method", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "received_on", "recorded_at", "recorded_by_id", "reference", "tenant_id") VALUES (NEW."amount", NEW."id", NEW."kind", NEW."lead_id", NEW."method", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."received_on", NEW."recorded_at", NEW."recorded_by_id", NEW."reference", NEW."tenant_id"); RETURN NULL;',
                    hash="b8c1ad5d16ec42d8e02f98a004a1d8767e6fe17a",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_77a60",
                    table="leads_payment",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="payment",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "leads_paymentevent" ("amount", "id", "kind", "lead_id", "method", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "received_on", "recorded_at", "recorded_by_id", "reference", "tenant_id") VALUES (NEW."amount", NEW."id", NEW."kind", NEW."lead_id", NEW."method", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."received_on", NEW."recorded_at", NEW."recorded_by_id", NEW."reference", NEW."tenant_id"); RETURN NULL;',
                    hash="10d0ff4f93f25cc20b4ae93432faca4f2b13f9cb",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_dc9a4",
                    table="leads_payment",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="payment",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "leads_paymentevent" ("amount", "id", "kind", "lead_id", "method", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "received_on", "recorded_at", "recorded_by_id", "reference", "tenant_id") VALUES (OLD."amount", OLD."id", OLD."kind", OLD."lead_id", OLD."method", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."received_on", OLD."recorded_at", OLD."recorded_by_id", OLD."reference", OLD."tenant_id"); RETURN NULL;',
                    hash="5159da6d0f43fd5591249cf9810abb7a018ac539",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_93ee5",
                    table="leads_payment",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunPython(
            code=paid_stages_wait_for_paid_in_full,
            reverse_code=paid_stages_back,
        ),
        migrations.AddField(
            model_name="lead",
            name="assignment_decision",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="How the lead got its owner or why it has none: the round robin's eligible and skipped members with their reasons (leads.assignment_text renders it).",
            ),
        ),
        migrations.AddField(
            model_name="leadsettings",
            name="capacity_counts",
            field=models.CharField(
                choices=[
                    ("open_sales", "Open sales leads (not won jobs in production or after-care)"),
                    ("open_and_won", "Open sales leads and won jobs not yet closed"),
                ],
                default="open_sales",
                help_text="What a rep's lead cap counts when new leads are assigned.",
                max_length=16,
            ),
        ),
    ]
