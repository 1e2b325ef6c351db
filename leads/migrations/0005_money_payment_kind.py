"""Payments get a kind (deposit, progress, final), and "Paid" means paid in full: the stages that
moved leads on any payment (every ready-made pipeline's "Paid") now move them once the job is
paid in full and its work completed. Stage history rows (pghistory) keep what was true then."""

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
        ("leads", "0004_dashboard_lost_and_won_dates"),
    ]

    operations = [
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
        migrations.RunPython(paid_stages_wait_for_paid_in_full, paid_stages_back),
    ]
