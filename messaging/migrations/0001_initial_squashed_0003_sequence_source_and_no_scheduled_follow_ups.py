"""comms 0001–0003 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import messaging.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
        ("leads", "0002_search_function_and_any_status_indexes_squashed_0006_assign_decision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CommsSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("quiet_hours", models.JSONField(default=messaging.models.default_quiet_hours)),
                ("weekly_caps", models.JSONField(default=messaging.models.default_weekly_caps)),
                (
                    "duplicate_window_hours",
                    models.PositiveIntegerField(
                        default=24,
                        help_text="The same template never reaches the same contact twice in this time.",
                    ),
                ),
                (
                    "update_interval_days",
                    models.PositiveIntegerField(
                        default=14,
                        help_text="How often every active job sends its customer a status update.",
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
                "verbose_name_plural": "comms settings",
            },
        ),
        migrations.CreateModel(
            name="MessageTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key",
                    models.SlugField(help_text="A stable handle, e.g. quote-sent.", max_length=60),
                ),
                ("name", models.CharField(max_length=120)),
                ("description", models.CharField(blank=True, max_length=300)),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("transactional", "Transactional (about the customer's own job)"),
                            ("marketing", "Marketing (needs an opt-in, counts toward caps)"),
                        ],
                        default="transactional",
                        max_length=16,
                    ),
                ),
                ("is_archived", models.BooleanField(default=False)),
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
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "key"), name="message_template_unique_key"
                    )
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_messagetemplateevent" ("created_at", "description", "id", "is_archived", "key", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "purpose", "tenant_id") VALUES (NEW."created_at", NEW."description", NEW."id", NEW."is_archived", NEW."key", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."purpose", NEW."tenant_id"); RETURN NULL;',
                            hash="f17468181405d099f55498e50faed57cdfad5887",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_bcc5f",
                            table="comms_messagetemplate",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                            func='INSERT INTO "comms_messagetemplateevent" ("created_at", "description", "id", "is_archived", "key", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "purpose", "tenant_id") VALUES (NEW."created_at", NEW."description", NEW."id", NEW."is_archived", NEW."key", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."purpose", NEW."tenant_id"); RETURN NULL;',
                            hash="6d18fb90042d96c2818a743ae200f5a258853575",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_7d697",
                            table="comms_messagetemplate",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_messagetemplateevent" ("created_at", "description", "id", "is_archived", "key", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "purpose", "tenant_id") VALUES (OLD."created_at", OLD."description", OLD."id", OLD."is_archived", OLD."key", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."purpose", OLD."tenant_id"); RETURN NULL;',
                            hash="0c990d3427b095b91e59b926de1527586d8f97ce",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_0d5f7",
                            table="comms_messagetemplate",
                            when="AFTER",
                        ),
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CommsSettingsEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("quiet_hours", models.JSONField(default=messaging.models.default_quiet_hours)),
                ("weekly_caps", models.JSONField(default=messaging.models.default_weekly_caps)),
                (
                    "duplicate_window_hours",
                    models.PositiveIntegerField(
                        default=24,
                        help_text="The same template never reaches the same contact twice in this time.",
                    ),
                ),
                (
                    "update_interval_days",
                    models.PositiveIntegerField(
                        default=14,
                        help_text="How often every active job sends its customer a status update.",
                    ),
                ),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="comms.commssettings",
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
                    "update_template",
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
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="commssettings",
            name="update_template",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="comms.messagetemplate",
            ),
        ),
        migrations.CreateModel(
            name="MessageTemplateEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                (
                    "key",
                    models.SlugField(
                        db_index=False, help_text="A stable handle, e.g. quote-sent.", max_length=60
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("description", models.CharField(blank=True, max_length=300)),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("transactional", "Transactional (about the customer's own job)"),
                            ("marketing", "Marketing (needs an opt-in, counts toward caps)"),
                        ],
                        default="transactional",
                        max_length=16,
                    ),
                ),
                ("is_archived", models.BooleanField(default=False)),
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
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ProviderMessageRoute",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "provider",
                    models.CharField(
                        choices=[
                            ("sandbox", "Sandbox (recorded, not sent)"),
                            ("email", "Email service (anymail)"),
                            ("twilio", "Twilio"),
                        ],
                        max_length=16,
                    ),
                ),
                ("provider_message_id", models.CharField(max_length=200)),
                ("tenant_id", models.BigIntegerField()),
                ("message_id", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("provider", "provider_message_id"),
                        name="provider_message_route_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TemplateVariant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
                        max_length=16,
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("es", "Spanish"),
                            ("nl", "Dutch"),
                            ("pt", "Portuguese"),
                            ("fr", "French"),
                            ("de", "German"),
                        ],
                        default="en",
                        max_length=8,
                    ),
                ),
                ("subject", models.CharField(blank=True, max_length=300)),
                (
                    "body_text",
                    models.TextField(help_text="The message; for email, the plain-text part."),
                ),
                (
                    "body_html",
                    models.TextField(
                        blank=True, help_text="Email only; empty: made from the text."
                    ),
                ),
                (
                    "whatsapp_approved",
                    models.BooleanField(
                        default=False,
                        help_text="Approved by WhatsApp as a template: may open a conversation outside the 24-hour session window.",
                    ),
                ),
                (
                    "whatsapp_content_sid",
                    models.CharField(
                        blank=True,
                        help_text="Twilio Content SID of the approved template.",
                        max_length=64,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "brand",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: every brand without its own wording.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="crm.brand",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="variants",
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
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["channel", "language", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "template", "channel", "language", "brand"),
                        name="template_variant_unique",
                        nulls_distinct=False,
                    )
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_templatevariantevent" ("body_html", "body_text", "brand_id", "channel", "id", "language", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "subject", "template_id", "tenant_id", "updated_at", "updated_by_id", "whatsapp_approved", "whatsapp_content_sid") VALUES (NEW."body_html", NEW."body_text", NEW."brand_id", NEW."channel", NEW."id", NEW."language", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."subject", NEW."template_id", NEW."tenant_id", NEW."updated_at", NEW."updated_by_id", NEW."whatsapp_approved", NEW."whatsapp_content_sid"); RETURN NULL;',
                            hash="e8df840c9fe7e70f14ffd820dbb701b8c4e2c137",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_f70cd",
                            table="comms_templatevariant",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                            func='INSERT INTO "comms_templatevariantevent" ("body_html", "body_text", "brand_id", "channel", "id", "language", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "subject", "template_id", "tenant_id", "updated_at", "updated_by_id", "whatsapp_approved", "whatsapp_content_sid") VALUES (NEW."body_html", NEW."body_text", NEW."brand_id", NEW."channel", NEW."id", NEW."language", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."subject", NEW."template_id", NEW."tenant_id", NEW."updated_at", NEW."updated_by_id", NEW."whatsapp_approved", NEW."whatsapp_content_sid"); RETURN NULL;',
                            hash="673c4954763bc24cf930faadd5d8b813f8ec857b",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_34feb",
                            table="comms_templatevariant",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_templatevariantevent" ("body_html", "body_text", "brand_id", "channel", "id", "language", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "subject", "template_id", "tenant_id", "updated_at", "updated_by_id", "whatsapp_approved", "whatsapp_content_sid") VALUES (OLD."body_html", OLD."body_text", OLD."brand_id", OLD."channel", OLD."id", OLD."language", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."subject", OLD."template_id", OLD."tenant_id", OLD."updated_at", OLD."updated_by_id", OLD."whatsapp_approved", OLD."whatsapp_content_sid"); RETURN NULL;',
                            hash="e7249daf7238b8a3e82fea6542c15ca804565289",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_71f54",
                            table="comms_templatevariant",
                            when="AFTER",
                        ),
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="TemplateVariantEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                (
                    "channel",
                    models.CharField(
                        choices=[("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
                        max_length=16,
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("es", "Spanish"),
                            ("nl", "Dutch"),
                            ("pt", "Portuguese"),
                            ("fr", "French"),
                            ("de", "German"),
                        ],
                        default="en",
                        max_length=8,
                    ),
                ),
                ("subject", models.CharField(blank=True, max_length=300)),
                (
                    "body_text",
                    models.TextField(help_text="The message; for email, the plain-text part."),
                ),
                (
                    "body_html",
                    models.TextField(
                        blank=True, help_text="Email only; empty: made from the text."
                    ),
                ),
                (
                    "whatsapp_approved",
                    models.BooleanField(
                        default=False,
                        help_text="Approved by WhatsApp as a template: may open a conversation outside the 24-hour session window.",
                    ),
                ),
                (
                    "whatsapp_content_sid",
                    models.CharField(
                        blank=True,
                        help_text="Twilio Content SID of the approved template.",
                        max_length=64,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "brand",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Empty: every brand without its own wording.",
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
                        to="comms.templatevariant",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        db_constraint=False,
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
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Trigger",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
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
                        choices=[("residential", "Residential"), ("commercial", "Commercial")],
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
                "ordering": ["name"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("is_active", True)),
                        fields=["tenant", "event", "stage"],
                        name="trigger_active_by_event",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event", "stage_entered"), _negated=True),
                            ("stage__isnull", False),
                            _connector="OR",
                        ),
                        name="trigger_stage_event_has_stage",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event", "date_reached"), _negated=True),
                            models.Q(("date_field", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="trigger_time_event_has_date",
                    ),
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_triggerevent" ("brand_id", "created_at", "date_field", "event", "id", "is_active", "lead_type", "min_priority", "name", "offset_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pipeline_id", "source_id", "stage_id", "swept_until", "tenant_id", "updated_at") VALUES (NEW."brand_id", NEW."created_at", NEW."date_field", NEW."event", NEW."id", NEW."is_active", NEW."lead_type", NEW."min_priority", NEW."name", NEW."offset_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."pipeline_id", NEW."source_id", NEW."stage_id", NEW."swept_until", NEW."tenant_id", NEW."updated_at"); RETURN NULL;',
                            hash="2aefde1790ba9c3ed8ec203b5e42e3bc383b59fe",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_594b9",
                            table="comms_trigger",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                            func='INSERT INTO "comms_triggerevent" ("brand_id", "created_at", "date_field", "event", "id", "is_active", "lead_type", "min_priority", "name", "offset_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pipeline_id", "source_id", "stage_id", "swept_until", "tenant_id", "updated_at") VALUES (NEW."brand_id", NEW."created_at", NEW."date_field", NEW."event", NEW."id", NEW."is_active", NEW."lead_type", NEW."min_priority", NEW."name", NEW."offset_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."pipeline_id", NEW."source_id", NEW."stage_id", NEW."swept_until", NEW."tenant_id", NEW."updated_at"); RETURN NULL;',
                            hash="1be5433655c1d6d9b1521fbcc5086ae2a674aa29",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_fea1a",
                            table="comms_trigger",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_triggerevent" ("brand_id", "created_at", "date_field", "event", "id", "is_active", "lead_type", "min_priority", "name", "offset_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pipeline_id", "source_id", "stage_id", "swept_until", "tenant_id", "updated_at") VALUES (OLD."brand_id", OLD."created_at", OLD."date_field", OLD."event", OLD."id", OLD."is_active", OLD."lead_type", OLD."min_priority", OLD."name", OLD."offset_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."pipeline_id", OLD."source_id", OLD."stage_id", OLD."swept_until", OLD."tenant_id", OLD."updated_at"); RETURN NULL;',
                            hash="194a90f092c650c3a4f1f099d27a9e3ac34251e5",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_97f4e",
                            table="comms_trigger",
                            when="AFTER",
                        ),
                    ),
                ],
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
                        choices=[("residential", "Residential"), ("commercial", "Commercial")],
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
                        to="comms.trigger",
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
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="TriggerStep",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveIntegerField(default=0)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("send", "Send a message"),
                            ("follow_up", "Create a follow-up for the owner"),
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
                            choices=[("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
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
                        to="comms.trigger",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "id"],
                "indexes": [
                    models.Index(fields=["tenant", "trigger", "position"], name="step_by_trigger")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("action", "send"), _negated=True),
                            ("template__isnull", False),
                            _connector="OR",
                        ),
                        name="trigger_step_send_has_template",
                    )
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_triggerstepevent" ("action", "channel_choice", "channels", "delay_minutes", "follow_up_kind", "follow_up_subject", "id", "only_while_in_stage", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "repeat_every_days", "template_id", "tenant_id", "trigger_id") VALUES (NEW."action", NEW."channel_choice", NEW."channels", NEW."delay_minutes", NEW."follow_up_kind", NEW."follow_up_subject", NEW."id", NEW."only_while_in_stage", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."position", NEW."repeat_every_days", NEW."template_id", NEW."tenant_id", NEW."trigger_id"); RETURN NULL;',
                            hash="c39720056a3b4b5fb4c329dd1c8761b4967e0aeb",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_7a0ea",
                            table="comms_triggerstep",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                            func='INSERT INTO "comms_triggerstepevent" ("action", "channel_choice", "channels", "delay_minutes", "follow_up_kind", "follow_up_subject", "id", "only_while_in_stage", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "repeat_every_days", "template_id", "tenant_id", "trigger_id") VALUES (NEW."action", NEW."channel_choice", NEW."channels", NEW."delay_minutes", NEW."follow_up_kind", NEW."follow_up_subject", NEW."id", NEW."only_while_in_stage", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."position", NEW."repeat_every_days", NEW."template_id", NEW."tenant_id", NEW."trigger_id"); RETURN NULL;',
                            hash="ffc485ea0ae5755dbf472f1773bd708095a3f258",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_71e03",
                            table="comms_triggerstep",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "comms_triggerstepevent" ("action", "channel_choice", "channels", "delay_minutes", "follow_up_kind", "follow_up_subject", "id", "only_while_in_stage", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "repeat_every_days", "template_id", "tenant_id", "trigger_id") VALUES (OLD."action", OLD."channel_choice", OLD."channels", OLD."delay_minutes", OLD."follow_up_kind", OLD."follow_up_subject", OLD."id", OLD."only_while_in_stage", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."position", OLD."repeat_every_days", OLD."template_id", OLD."tenant_id", OLD."trigger_id"); RETURN NULL;',
                            hash="08313eafec57c56329047418bc72bc136ac7d951",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_c73f1",
                            table="comms_triggerstep",
                            when="AFTER",
                        ),
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="OutboundMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("idempotency_key", models.CharField(max_length=200)),
                (
                    "channel",
                    models.CharField(
                        choices=[("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
                        max_length=16,
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("transactional", "Transactional (about the customer's own job)"),
                            ("marketing", "Marketing (needs an opt-in, counts toward caps)"),
                        ],
                        default="transactional",
                        max_length=16,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("trigger", "Trigger"),
                            ("quote", "Quote"),
                            ("update", "Customer update"),
                            ("staff", "Staff notification"),
                            ("manual", "Sent by a person"),
                            ("system", "Reply to a keyword"),
                            ("sequence", "Sequence"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("scheduled", "Scheduled"),
                            ("queued", "Queued for sending"),
                            ("sent", "Sent"),
                            ("delivered", "Delivered"),
                            ("opened", "Opened"),
                            ("clicked", "Clicked"),
                            ("bounced", "Bounced"),
                            ("failed", "Failed"),
                            ("suppressed", "Not sent (policy)"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="scheduled",
                        max_length=16,
                    ),
                ),
                ("send_after", models.DateTimeField()),
                (
                    "context",
                    models.JSONField(
                        blank=True, default=dict, help_text="Extra template variables."
                    ),
                ),
                ("to_address", models.CharField(blank=True, max_length=254)),
                ("from_address", models.CharField(blank=True, max_length=254)),
                ("subject", models.CharField(blank=True, max_length=300)),
                ("body_text", models.TextField(blank=True)),
                ("body_html", models.TextField(blank=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                ("decisions", models.JSONField(blank=True, default=list)),
                (
                    "provider",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("sandbox", "Sandbox (recorded, not sent)"),
                            ("email", "Email service (anymail)"),
                            ("twilio", "Twilio"),
                        ],
                        max_length=16,
                    ),
                ),
                ("provider_message_id", models.CharField(blank=True, max_length=200)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("queued_at", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("delivered_at", models.DateTimeField(blank=True, null=True)),
                ("opened_at", models.DateTimeField(blank=True, null=True)),
                ("clicked_at", models.DateTimeField(blank=True, null=True)),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "brand",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="crm.brand",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outbound_messages",
                        to="crm.contact",
                    ),
                ),
                (
                    "created_by",
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
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="outbound_messages",
                        to="leads.lead",
                    ),
                ),
                (
                    "recipient_user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
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
                (
                    "trigger_stage",
                    models.ForeignKey(
                        blank=True,
                        help_text="The stage whose trigger scheduled it: skipped if the lead has left it.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.stage",
                    ),
                ),
                (
                    "variant",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="comms.templatevariant",
                    ),
                ),
                (
                    "trigger_step",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="comms.triggerstep",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "scheduled")),
                        fields=["tenant", "send_after"],
                        name="outbox_due",
                    ),
                    models.Index(
                        condition=models.Q(("status", "queued")),
                        fields=["tenant", "queued_at"],
                        name="outbox_queued",
                    ),
                    models.Index(
                        condition=models.Q(("contact__isnull", False)),
                        fields=["tenant", "contact", "channel", "-send_after"],
                        name="outbox_by_contact",
                    ),
                    models.Index(
                        condition=models.Q(("lead__isnull", False)),
                        fields=["tenant", "lead", "-created_at"],
                        name="outbox_by_lead",
                    ),
                    models.Index(fields=["tenant", "-created_at", "-id"], name="outbox_recent"),
                    models.Index(
                        fields=["tenant", "status", "-created_at", "-id"], name="outbox_by_status"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "idempotency_key"), name="outbound_message_idempotent"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("contact__isnull", False),
                            ("recipient_user__isnull", False),
                            _connector="OR",
                        ),
                        name="outbound_message_has_recipient",
                    ),
                ],
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
                            choices=[("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
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
                        to="comms.triggerstep",
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
                        to="comms.trigger",
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ContactCommsProfile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(
                        blank=True, help_text="Empty: the business's time zone.", max_length=64
                    ),
                ),
                (
                    "update_frequency",
                    models.CharField(
                        choices=[
                            ("default", "The business's rhythm"),
                            ("weekly", "Every week"),
                            ("biweekly", "Every two weeks"),
                            ("monthly", "Every month"),
                            ("never", "Only when something changes"),
                        ],
                        default="default",
                        max_length=16,
                    ),
                ),
                ("email_bounced_at", models.DateTimeField(blank=True, null=True)),
                ("bounced_email", models.EmailField(blank=True, max_length=254)),
                (
                    "last_whatsapp_inbound_at",
                    models.DateTimeField(
                        blank=True, help_text="Opens WhatsApp's 24-hour session window.", null=True
                    ),
                ),
                (
                    "contact",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comms_profile",
                        to="crm.contact",
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
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "contact"), name="comms_profile_one")
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="commssettings",
            constraint=models.UniqueConstraint(fields=("tenant",), name="comms_settings_one"),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="commssettings",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "comms_commssettingsevent" ("duplicate_window_hours", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "quiet_hours", "tenant_id", "update_interval_days", "update_template_id", "weekly_caps") VALUES (NEW."duplicate_window_hours", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."quiet_hours", NEW."tenant_id", NEW."update_interval_days", NEW."update_template_id", NEW."weekly_caps"); RETURN NULL;',
                    hash="5d919e35658deeafc8b49ee718fa0e135a351979",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_7b164",
                    table="comms_commssettings",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="commssettings",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "comms_commssettingsevent" ("duplicate_window_hours", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "quiet_hours", "tenant_id", "update_interval_days", "update_template_id", "weekly_caps") VALUES (NEW."duplicate_window_hours", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."quiet_hours", NEW."tenant_id", NEW."update_interval_days", NEW."update_template_id", NEW."weekly_caps"); RETURN NULL;',
                    hash="5281fd163bd0ff4ebe53c785b0dbd0ff50f70172",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_c062a",
                    table="comms_commssettings",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="commssettings",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "comms_commssettingsevent" ("duplicate_window_hours", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "quiet_hours", "tenant_id", "update_interval_days", "update_template_id", "weekly_caps") VALUES (OLD."duplicate_window_hours", OLD."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."quiet_hours", OLD."tenant_id", OLD."update_interval_days", OLD."update_template_id", OLD."weekly_caps"); RETURN NULL;',
                    hash="822cb03837b02d65b67c63383285fa46019a7e1a",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_c470b",
                    table="comms_commssettings",
                    when="AFTER",
                ),
            ),
        ),
        migrations.CreateModel(
            name="SandboxDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
                        max_length=16,
                    ),
                ),
                ("to_address", models.CharField(max_length=254)),
                ("from_address", models.CharField(blank=True, max_length=254)),
                ("subject", models.CharField(blank=True, max_length=300)),
                ("body_text", models.TextField(blank=True)),
                ("body_html", models.TextField(blank=True)),
                ("headers", models.JSONField(blank=True, default=dict)),
                ("delivered_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sandbox_deliveries",
                        to="comms.outboundmessage",
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
                "indexes": [models.Index(fields=["tenant", "message"], name="sandbox_by_message")],
            },
        ),
        migrations.CreateModel(
            name="StaffNotificationPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("lead_assigned", "A lead is assigned to me"),
                            ("lead_stuck", "A lead of mine is stuck in its stage"),
                            ("lead_untouched", "A new lead has not been contacted"),
                            ("customer_replied", "A customer replied"),
                            ("payment_received", "A payment was received"),
                            ("ticket_assigned", "A ticket is assigned to me"),
                            ("ticket_priority", "A ticket of mine was raised in priority"),
                            ("sla_breach", "A ticket breached its SLA"),
                            ("follow_up_due", "A follow-up is due"),
                            ("message_failed", "A message could not be sent"),
                        ],
                        max_length=32,
                    ),
                ),
                ("by_email", models.BooleanField(default=False)),
                ("by_sms", models.BooleanField(default=False)),
                (
                    "membership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preferences",
                        to="crm.membership",
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
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "membership", "kind"),
                        name="staff_notification_pref_unique",
                    )
                ],
            },
        ),
    ]
