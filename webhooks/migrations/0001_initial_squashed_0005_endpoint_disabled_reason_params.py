"""webhooks 0001–0005 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import webhooks.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("crm", "0008_dashboard_count_indexes_squashed_0022_contact_email_lower_case"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("url", models.URLField(max_length=2000)),
                ("description", models.CharField(blank=True, max_length=200)),
                (
                    "events",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(
                            choices=[
                                ("lead.created", "Lead created"),
                                ("lead.stage_changed", "Lead moved to another stage"),
                                ("lead.won", "Lead won"),
                                ("lead.lost", "Lead lost"),
                                ("quote.accepted", "Quote accepted"),
                                ("quote.declined", "Quote declined"),
                                ("payment.recorded", "Payment recorded"),
                                ("message.received", "Message received from a customer"),
                                ("follow_up.completed", "Follow-up completed"),
                            ],
                            max_length=40,
                        ),
                        size=None,
                    ),
                ),
                (
                    "secret",
                    models.CharField(default=webhooks.models.new_signing_secret, max_length=100),
                ),
                ("is_enabled", models.BooleanField(default=True)),
                ("disabled_at", models.DateTimeField(blank=True, null=True)),
                ("disabled_reason", models.CharField(blank=True, max_length=300)),
                ("consecutive_failures", models.PositiveIntegerField(default=0)),
                ("failing_since", models.DateTimeField(blank=True, null=True)),
                ("last_success_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
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
                    models.Index(fields=["tenant", "created_at", "id"], name="webhook_endpoints")
                ],
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_type", models.CharField(max_length=40)),
                ("event_key", models.CharField(max_length=200)),
                (
                    "webhook_id",
                    models.CharField(default=webhooks.models.new_webhook_id, max_length=40),
                ),
                ("body", models.TextField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("scheduled", "Scheduled"),
                            ("queued", "Sending"),
                            ("delivered", "Delivered"),
                            ("failed", "Failed"),
                            ("cancelled", "Not sent"),
                        ],
                        default="scheduled",
                        max_length=16,
                    ),
                ),
                ("send_after", models.DateTimeField(default=django.utils.timezone.now)),
                ("queued_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("last_status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                ("last_duration_ms", models.PositiveIntegerField(blank=True, null=True)),
                ("attempt_log", models.JSONField(blank=True, default=list)),
                ("delivered_at", models.DateTimeField(blank=True, null=True)),
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
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="webhooks.webhookendpoint",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "scheduled")),
                        fields=["tenant", "send_after"],
                        name="webhook_delivery_due",
                    ),
                    models.Index(
                        condition=models.Q(("status", "queued")),
                        fields=["tenant", "queued_at"],
                        name="webhook_delivery_queued",
                    ),
                    models.Index(
                        fields=["tenant", "endpoint", "-created_at", "-id"],
                        name="webhook_delivery_log",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "endpoint", "event_key"), name="webhook_delivery_once"
                    ),
                    models.UniqueConstraint(
                        fields=("tenant", "webhook_id"), name="webhook_delivery_id"
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_due_webhooks(\n    due_before timestamptz, queued_before timestamptz\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM webhooks_webhookdelivery d\n        WHERE d.tenant_id = t.id AND d.status = 'scheduled' AND d.send_after <= due_before\n    ) OR EXISTS (\n        SELECT 1 FROM webhooks_webhookdelivery d\n        WHERE d.tenant_id = t.id AND d.status = 'queued' AND d.queued_at <= queued_before\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_due_webhooks(timestamptz, timestamptz);",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="webhookendpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "webhooks_webhookendpointevent" ("created_at", "created_by_id", "description", "disabled_at", "disabled_reason", "events", "id", "is_enabled", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "url") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."disabled_at", NEW."disabled_reason", NEW."events", NEW."id", NEW."is_enabled", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."tenant_id", NEW."url"); RETURN NULL;',
                    hash="640e192a36ff9bdc5769a518da1327da14d084f1",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_9dcc2",
                    table="webhooks_webhookendpoint",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="webhookendpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."description" IS DISTINCT FROM (NEW."description") OR OLD."disabled_at" IS DISTINCT FROM (NEW."disabled_at") OR OLD."disabled_reason" IS DISTINCT FROM (NEW."disabled_reason") OR OLD."events" IS DISTINCT FROM (NEW."events") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."is_enabled" IS DISTINCT FROM (NEW."is_enabled") OR OLD."tenant_id" IS DISTINCT FROM (NEW."tenant_id") OR OLD."url" IS DISTINCT FROM (NEW."url"))',
                    func='INSERT INTO "webhooks_webhookendpointevent" ("created_at", "created_by_id", "description", "disabled_at", "disabled_reason", "events", "id", "is_enabled", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "url") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."disabled_at", NEW."disabled_reason", NEW."events", NEW."id", NEW."is_enabled", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."tenant_id", NEW."url"); RETURN NULL;',
                    hash="4870f393dda122a9323bcd5201baae4e61877326",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_0a54d",
                    table="webhooks_webhookendpoint",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="webhookendpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "webhooks_webhookendpointevent" ("created_at", "created_by_id", "description", "disabled_at", "disabled_reason", "events", "id", "is_enabled", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "url") VALUES (OLD."created_at", OLD."created_by_id", OLD."description", OLD."disabled_at", OLD."disabled_reason", OLD."events", OLD."id", OLD."is_enabled", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."tenant_id", OLD."url"); RETURN NULL;',
                    hash="77b35d5ce81f4f6ffed769cf6a17c80f63208b83",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_1aec2",
                    table="webhooks_webhookendpoint",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="webhookendpoint",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="webhookendpoint",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="webhookendpoint",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="disabled_reason_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.CreateModel(
            name="WebhookEndpointEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("url", models.URLField(max_length=2000)),
                ("description", models.CharField(blank=True, max_length=200)),
                (
                    "events",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(
                            choices=[
                                ("lead.created", "Lead created"),
                                ("lead.stage_changed", "Lead moved to another stage"),
                                ("lead.won", "Lead won"),
                                ("lead.lost", "Lead lost"),
                                ("quote.accepted", "Quote accepted"),
                                ("quote.declined", "Quote declined"),
                                ("payment.recorded", "Payment recorded"),
                                ("message.received", "Message received from a customer"),
                                ("follow_up.completed", "Follow-up completed"),
                            ],
                            max_length=40,
                        ),
                        size=None,
                    ),
                ),
                ("is_enabled", models.BooleanField(default=True)),
                ("disabled_at", models.DateTimeField(blank=True, null=True)),
                ("disabled_reason", models.CharField(blank=True, max_length=300)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "created_by",
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
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="audit_events",
                        to="webhooks.webhookendpoint",
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
                ("disabled_reason_params", models.JSONField(blank=True, default=dict)),
            ],
            options={
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="webhookendpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "webhooks_webhookendpointevent" ("created_at", "created_by_id", "description", "disabled_at", "disabled_reason", "disabled_reason_params", "events", "id", "is_enabled", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "url") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."disabled_at", NEW."disabled_reason", NEW."disabled_reason_params", NEW."events", NEW."id", NEW."is_enabled", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."tenant_id", NEW."url"); RETURN NULL;',
                    hash="b77fb77ea7092f57be4b5b6aaebf5b9fa9426bd7",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_9dcc2",
                    table="webhooks_webhookendpoint",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="webhookendpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."description" IS DISTINCT FROM (NEW."description") OR OLD."disabled_at" IS DISTINCT FROM (NEW."disabled_at") OR OLD."disabled_reason" IS DISTINCT FROM (NEW."disabled_reason") OR OLD."disabled_reason_params" IS DISTINCT FROM (NEW."disabled_reason_params") OR OLD."events" IS DISTINCT FROM (NEW."events") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."is_enabled" IS DISTINCT FROM (NEW."is_enabled") OR OLD."tenant_id" IS DISTINCT FROM (NEW."tenant_id") OR OLD."url" IS DISTINCT FROM (NEW."url"))',
                    func='INSERT INTO "webhooks_webhookendpointevent" ("created_at", "created_by_id", "description", "disabled_at", "disabled_reason", "disabled_reason_params", "events", "id", "is_enabled", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "url") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."disabled_at", NEW."disabled_reason", NEW."disabled_reason_params", NEW."events", NEW."id", NEW."is_enabled", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."tenant_id", NEW."url"); RETURN NULL;',
                    hash="2336080ad6ea822cef59d65447f60de24cad57d9",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_0a54d",
                    table="webhooks_webhookendpoint",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="webhookendpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "webhooks_webhookendpointevent" ("created_at", "created_by_id", "description", "disabled_at", "disabled_reason", "disabled_reason_params", "events", "id", "is_enabled", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "url") VALUES (OLD."created_at", OLD."created_by_id", OLD."description", OLD."disabled_at", OLD."disabled_reason", OLD."disabled_reason_params", OLD."events", OLD."id", OLD."is_enabled", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."tenant_id", OLD."url"); RETURN NULL;',
                    hash="e563fe2961425f104f4cc3eeb1392867c8b23572",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_1aec2",
                    table="webhooks_webhookendpoint",
                    when="AFTER",
                ),
            ),
        ),
    ]
