"""tickets 0001–0003 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import tickets.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comms", "0001_initial_squashed_0003_sequence_source_and_no_scheduled_follow_ups"),
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
        ("leads", "0002_search_function_and_any_status_indexes_squashed_0006_assign_decision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UnroutedInbound",
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
                            ("twilio", "Twilio"),
                            ("mailgun", "Mailgun"),
                            ("sendgrid", "SendGrid"),
                            ("postmark", "Postmark"),
                            ("amazon_ses", "Amazon SES"),
                            ("email", "Email (other ESP)"),
                            ("import", "Imported file"),
                            ("portal", "Customer portal"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
                        max_length=16,
                    ),
                ),
                ("recipients", models.CharField(max_length=1000)),
                ("sender", models.CharField(blank=True, max_length=254)),
                ("payload", models.JSONField(blank=True, default=dict)),
                ("raw", models.BinaryField(blank=True, default=b"")),
                ("received_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name_plural": "unrouted inbound messages",
            },
        ),
        migrations.CreateModel(
            name="InboundRoute",
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
                ("address", models.CharField(max_length=254)),
                ("tenant_id", models.BigIntegerField()),
                ("inbox_address_id", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("channel", "address"), name="inbound_route_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Inbox",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                (
                    "default_priority",
                    models.CharField(
                        choices=[
                            ("urgent", "Urgent"),
                            ("high", "High"),
                            ("normal", "Normal"),
                            ("low", "Low"),
                        ],
                        default="normal",
                        max_length=8,
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
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
                    "team_lead",
                    models.ForeignKey(
                        blank=True,
                        help_text="Told first when a ticket breaches its SLA; empty: the managers.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="led_inboxes",
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
                "verbose_name_plural": "inboxes",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="InboxAddress",
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
                    "address",
                    models.CharField(
                        help_text="An email address, or a phone number in E.164 (+13055550100).",
                        max_length=254,
                    ),
                ),
                ("twilio_account_sid", models.CharField(blank=True, max_length=64)),
                ("twilio_auth_token", models.CharField(blank=True, max_length=64)),
                ("is_active", models.BooleanField(default=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "inbox",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="addresses",
                        to="tickets.inbox",
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
                "ordering": ["channel", "address"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "channel", "address"), name="inbox_address_unique"
                    )
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "tickets_inboxaddressevent" ("address", "channel", "created_at", "id", "inbox_id", "is_active", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "twilio_account_sid") VALUES (NEW."address", NEW."channel", NEW."created_at", NEW."id", NEW."inbox_id", NEW."is_active", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."tenant_id", NEW."twilio_account_sid"); RETURN NULL;',
                            hash="57a02bd42597605fa58d8534e4762dce9c1e42d6",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_0bb83",
                            table="tickets_inboxaddress",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition='WHEN (OLD."address" IS DISTINCT FROM (NEW."address") OR OLD."channel" IS DISTINCT FROM (NEW."channel") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."inbox_id" IS DISTINCT FROM (NEW."inbox_id") OR OLD."is_active" IS DISTINCT FROM (NEW."is_active") OR OLD."tenant_id" IS DISTINCT FROM (NEW."tenant_id") OR OLD."twilio_account_sid" IS DISTINCT FROM (NEW."twilio_account_sid"))',
                            func='INSERT INTO "tickets_inboxaddressevent" ("address", "channel", "created_at", "id", "inbox_id", "is_active", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "twilio_account_sid") VALUES (NEW."address", NEW."channel", NEW."created_at", NEW."id", NEW."inbox_id", NEW."is_active", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."tenant_id", NEW."twilio_account_sid"); RETURN NULL;',
                            hash="243b6c8f1b990e51af204a863a622d9a150a8544",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_e3c74",
                            table="tickets_inboxaddress",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "tickets_inboxaddressevent" ("address", "channel", "created_at", "id", "inbox_id", "is_active", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id", "twilio_account_sid") VALUES (OLD."address", OLD."channel", OLD."created_at", OLD."id", OLD."inbox_id", OLD."is_active", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."tenant_id", OLD."twilio_account_sid"); RETURN NULL;',
                            hash="5d92d18af13e3627e6547297767c93977c538a55",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_cd348",
                            table="tickets_inboxaddress",
                            when="AFTER",
                        ),
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="InboundEvent",
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
                            ("twilio", "Twilio"),
                            ("mailgun", "Mailgun"),
                            ("sendgrid", "SendGrid"),
                            ("postmark", "Postmark"),
                            ("amazon_ses", "Amazon SES"),
                            ("email", "Email (other ESP)"),
                            ("import", "Imported file"),
                            ("portal", "Customer portal"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("email", "Email"),
                            ("sms", "SMS"),
                            ("whatsapp", "WhatsApp"),
                            ("portal", "Portal"),
                            ("phone", "Phone call"),
                            ("note", "Internal note"),
                        ],
                        max_length=16,
                    ),
                ),
                ("event_key", models.CharField(max_length=300)),
                ("provider_message_id", models.CharField(blank=True, max_length=300)),
                ("recipient", models.CharField(blank=True, max_length=254)),
                (
                    "payload",
                    models.JSONField(
                        blank=True, default=dict, help_text="Form fields (SMS/WhatsApp)."
                    ),
                ),
                (
                    "raw",
                    models.BinaryField(
                        blank=True, default=b"", help_text="The RFC 822 bytes (email)."
                    ),
                ),
                ("received_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting to be processed"),
                            ("processed", "Processed"),
                            ("failed", "Failed (retrying)"),
                            ("dead", "Failed (gave up; needs a person)"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_error", models.CharField(blank=True, max_length=1000)),
                ("processed_at", models.DateTimeField(blank=True, null=True)),
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
                    "inbox_address",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.inboxaddress",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("status__in", ["pending", "failed"])),
                        fields=["tenant", "next_attempt_at"],
                        name="inbound_event_unprocessed",
                    ),
                    models.Index(
                        fields=["tenant", "-received_at", "-id"], name="inbound_event_recent"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "event_key"), name="inbound_event_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="InboxAgent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "capacity",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Most open tickets at once; empty: no limit.",
                        null=True,
                    ),
                ),
                ("last_assigned_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "inbox",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="agent_links",
                        to="tickets.inbox",
                    ),
                ),
                (
                    "membership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
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
                        fields=("tenant", "inbox", "membership"), name="inbox_agent_unique"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="inbox",
            name="agents",
            field=models.ManyToManyField(
                related_name="inboxes", through="tickets.InboxAgent", to="crm.membership"
            ),
        ),
        migrations.CreateModel(
            name="InboxEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("name", models.CharField(max_length=120)),
                (
                    "default_priority",
                    models.CharField(
                        choices=[
                            ("urgent", "Urgent"),
                            ("high", "High"),
                            ("normal", "Normal"),
                            ("low", "Low"),
                        ],
                        default="normal",
                        max_length=8,
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
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
                        to="tickets.inbox",
                    ),
                ),
                (
                    "team_lead",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Told first when a ticket breaches its SLA; empty: the managers.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="crm.membership",
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
            name="InboxSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "thread_window_days",
                    models.PositiveIntegerField(
                        default=7,
                        help_text="A message with no reply token or reference joins the sender's most recent open ticket if it had activity within this many days.",
                    ),
                ),
                (
                    "sentiment_threshold",
                    models.FloatField(
                        default=-0.5,
                        help_text="Inbound text scoring below this (VADER compound, -1 to 1) raises the priority.",
                    ),
                ),
                (
                    "priority_keywords",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=60),
                        blank=True,
                        default=tickets.models.default_priority_keywords,
                        help_text="Words that raise the priority of the message's ticket and alert its assignee.",
                        size=None,
                    ),
                ),
                (
                    "vip_after_won_jobs",
                    models.PositiveIntegerField(
                        default=2,
                        help_text="A contact with this many won jobs is a repeat customer: their tickets start one priority higher. 0: only contacts flagged VIP.",
                    ),
                ),
                (
                    "escalate_to_manager_after_minutes",
                    models.PositiveIntegerField(
                        default=60,
                        help_text="A breached ticket still unanswered this long after the team lead was told goes to the managers.",
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
                "verbose_name_plural": "inbox settings",
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="inbox_settings_one")
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "tickets_inboxsettingsevent" ("escalate_to_manager_after_minutes", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority_keywords", "sentiment_threshold", "tenant_id", "thread_window_days", "vip_after_won_jobs") VALUES (NEW."escalate_to_manager_after_minutes", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."priority_keywords", NEW."sentiment_threshold", NEW."tenant_id", NEW."thread_window_days", NEW."vip_after_won_jobs"); RETURN NULL;',
                            hash="61590f6edff37f104e0899dd4d0d0a8ae31ffbe0",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_c8648",
                            table="tickets_inboxsettings",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                            func='INSERT INTO "tickets_inboxsettingsevent" ("escalate_to_manager_after_minutes", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority_keywords", "sentiment_threshold", "tenant_id", "thread_window_days", "vip_after_won_jobs") VALUES (NEW."escalate_to_manager_after_minutes", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."priority_keywords", NEW."sentiment_threshold", NEW."tenant_id", NEW."thread_window_days", NEW."vip_after_won_jobs"); RETURN NULL;',
                            hash="19f86107cb26f6de60ec9fa5e6b7aa448c5ab5cd",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_68bc4",
                            table="tickets_inboxsettings",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "tickets_inboxsettingsevent" ("escalate_to_manager_after_minutes", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority_keywords", "sentiment_threshold", "tenant_id", "thread_window_days", "vip_after_won_jobs") VALUES (OLD."escalate_to_manager_after_minutes", OLD."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."priority_keywords", OLD."sentiment_threshold", OLD."tenant_id", OLD."thread_window_days", OLD."vip_after_won_jobs"); RETURN NULL;',
                            hash="c53eea23d6dacebd90768edee15c14bd97e2eec9",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_a3a1e",
                            table="tickets_inboxsettings",
                            when="AFTER",
                        ),
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="InboxSettingsEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                (
                    "thread_window_days",
                    models.PositiveIntegerField(
                        default=7,
                        help_text="A message with no reply token or reference joins the sender's most recent open ticket if it had activity within this many days.",
                    ),
                ),
                (
                    "sentiment_threshold",
                    models.FloatField(
                        default=-0.5,
                        help_text="Inbound text scoring below this (VADER compound, -1 to 1) raises the priority.",
                    ),
                ),
                (
                    "priority_keywords",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=60),
                        blank=True,
                        default=tickets.models.default_priority_keywords,
                        help_text="Words that raise the priority of the message's ticket and alert its assignee.",
                        size=None,
                    ),
                ),
                (
                    "vip_after_won_jobs",
                    models.PositiveIntegerField(
                        default=2,
                        help_text="A contact with this many won jobs is a repeat customer: their tickets start one priority higher. 0: only contacts flagged VIP.",
                    ),
                ),
                (
                    "escalate_to_manager_after_minutes",
                    models.PositiveIntegerField(
                        default=60,
                        help_text="A breached ticket still unanswered this long after the team lead was told goes to the managers.",
                    ),
                ),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="tickets.inboxsettings",
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
            name="SlaPolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "priority",
                    models.CharField(
                        choices=[
                            ("urgent", "Urgent"),
                            ("high", "High"),
                            ("normal", "Normal"),
                            ("low", "Low"),
                        ],
                        max_length=8,
                    ),
                ),
                ("first_response_minutes", models.PositiveIntegerField()),
                ("next_response_minutes", models.PositiveIntegerField()),
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
                "verbose_name_plural": "SLA policies",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "priority"), name="sla_policy_per_priority"
                    )
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "tickets_slapolicyevent" ("first_response_minutes", "id", "next_response_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority", "tenant_id") VALUES (NEW."first_response_minutes", NEW."id", NEW."next_response_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."priority", NEW."tenant_id"); RETURN NULL;',
                            hash="1b3718528c7380dcaf1ebb339298b15dc91175d9",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_a3d0e",
                            table="tickets_slapolicy",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                            func='INSERT INTO "tickets_slapolicyevent" ("first_response_minutes", "id", "next_response_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority", "tenant_id") VALUES (NEW."first_response_minutes", NEW."id", NEW."next_response_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."priority", NEW."tenant_id"); RETURN NULL;',
                            hash="cb16f76bc1afa843f2c2905fd470d9db1e40a154",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_a4977",
                            table="tickets_slapolicy",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "tickets_slapolicyevent" ("first_response_minutes", "id", "next_response_minutes", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority", "tenant_id") VALUES (OLD."first_response_minutes", OLD."id", OLD."next_response_minutes", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."priority", OLD."tenant_id"); RETURN NULL;',
                            hash="70e256a6da8148804501a767c00274ae678e39ed",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_987ed",
                            table="tickets_slapolicy",
                            when="AFTER",
                        ),
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SlaPolicyEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                (
                    "priority",
                    models.CharField(
                        choices=[
                            ("urgent", "Urgent"),
                            ("high", "High"),
                            ("normal", "Normal"),
                            ("low", "Low"),
                        ],
                        max_length=8,
                    ),
                ),
                ("first_response_minutes", models.PositiveIntegerField()),
                ("next_response_minutes", models.PositiveIntegerField()),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="tickets.slapolicy",
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
            name="Ticket",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveIntegerField(editable=False, help_text="Shown as T-1042."),
                ),
                ("subject", models.CharField(blank=True, max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("waiting", "Waiting on customer"),
                            ("resolved", "Resolved"),
                            ("closed", "Closed"),
                        ],
                        default="open",
                        max_length=8,
                    ),
                ),
                (
                    "priority",
                    models.CharField(
                        choices=[
                            ("urgent", "Urgent"),
                            ("high", "High"),
                            ("normal", "Normal"),
                            ("low", "Low"),
                        ],
                        default="normal",
                        max_length=8,
                    ),
                ),
                ("priority_reason", models.CharField(blank=True, max_length=300)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("last_message_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_message_snippet", models.CharField(blank=True, max_length=200)),
                (
                    "last_message_channel",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("email", "Email"),
                            ("sms", "SMS"),
                            ("whatsapp", "WhatsApp"),
                            ("portal", "Portal"),
                            ("phone", "Phone call"),
                            ("note", "Internal note"),
                        ],
                        max_length=16,
                    ),
                ),
                ("last_message_direction", models.CharField(blank=True, max_length=8)),
                ("last_customer_message_at", models.DateTimeField(blank=True, null=True)),
                ("first_response_at", models.DateTimeField(blank=True, null=True)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                (
                    "sla_target",
                    models.CharField(
                        blank=True,
                        choices=[("first", "First response"), ("next", "Next response")],
                        max_length=8,
                    ),
                ),
                ("sla_started_at", models.DateTimeField(blank=True, null=True)),
                ("sla_due_at", models.DateTimeField(blank=True, null=True)),
                ("sla_paused_minutes_left", models.PositiveIntegerField(blank=True, null=True)),
                ("sla_breached_at", models.DateTimeField(blank=True, null=True)),
                (
                    "escalation_level",
                    models.PositiveSmallIntegerField(
                        default=0, help_text="0: none; 1: team lead told; 2: managers told."
                    ),
                ),
                ("escalated_at", models.DateTimeField(blank=True, null=True)),
                (
                    "assignee",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tickets",
                        to="crm.membership",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="crm.contact",
                    ),
                ),
                (
                    "inbox",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="tickets.inbox",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tickets",
                        to="leads.lead",
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
                        fields=["tenant", "assignee", "status", "-last_message_at", "-id"],
                        name="ticket_by_assignee",
                    ),
                    models.Index(
                        fields=["tenant", "status", "-last_message_at", "-id"],
                        name="ticket_by_status",
                    ),
                    models.Index(
                        fields=["tenant", "-last_message_at", "-id"], name="ticket_recent"
                    ),
                    models.Index(
                        condition=models.Q(("status__in", ["open", "waiting"])),
                        fields=["tenant", "contact", "-last_message_at"],
                        name="ticket_open_by_contact",
                    ),
                    models.Index(
                        condition=models.Q(
                            ("sla_breached_at__isnull", True), ("sla_due_at__isnull", False)
                        ),
                        fields=["tenant", "sla_due_at"],
                        name="ticket_sla_running",
                    ),
                    models.Index(
                        condition=models.Q(("escalation_level", 1)),
                        fields=["tenant", "escalated_at"],
                        name="ticket_sla_escalated_once",
                    ),
                    models.Index(
                        condition=models.Q(
                            ("sla_breached_at__isnull", False), ("status__in", ["open", "waiting"])
                        ),
                        fields=["tenant", "-last_message_at", "-id"],
                        name="ticket_breached",
                    ),
                    models.Index(
                        condition=models.Q(("lead__isnull", False)),
                        fields=["tenant", "lead", "-last_message_at"],
                        name="ticket_by_lead",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "number"), name="ticket_unique_number"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[
                            ("in", "From the customer"),
                            ("out", "To the customer"),
                            ("internal", "Internal"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("email", "Email"),
                            ("sms", "SMS"),
                            ("whatsapp", "WhatsApp"),
                            ("portal", "Portal"),
                            ("phone", "Phone call"),
                            ("note", "Internal note"),
                        ],
                        max_length=16,
                    ),
                ),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("from_address", models.CharField(blank=True, max_length=254)),
                ("to_address", models.CharField(blank=True, max_length=254)),
                ("subject", models.CharField(blank=True, max_length=300)),
                (
                    "body_text",
                    models.TextField(
                        blank=True, help_text="The whole text, quoted history included."
                    ),
                ),
                (
                    "reply_text",
                    models.TextField(
                        blank=True, help_text="The new part; empty: all of body_text."
                    ),
                ),
                (
                    "body_html",
                    models.TextField(blank=True, help_text="Sanitised (nh3) before it is stored."),
                ),
                (
                    "message_id",
                    models.CharField(blank=True, help_text="Email Message-ID.", max_length=998),
                ),
                ("in_reply_to", models.CharField(blank=True, max_length=998)),
                ("is_auto_reply", models.BooleanField(default=False)),
                ("sentiment", models.FloatField(blank=True, null=True)),
                (
                    "media",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="MMS/WhatsApp media the provider holds (URL, type).",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "inbound_event",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="message",
                        to="tickets.inboundevent",
                    ),
                ),
                (
                    "outbound",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="ticket_message",
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
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "ordering": ["sent_at", "id"],
                "indexes": [
                    models.Index(
                        fields=["tenant", "ticket", "sent_at", "id"], name="ticket_message_thread"
                    ),
                    models.Index(
                        condition=models.Q(("message_id", ""), _negated=True),
                        fields=["tenant", "message_id"],
                        name="ticket_message_by_msgid",
                    ),
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="inbox",
            constraint=models.UniqueConstraint(fields=("tenant", "name"), name="inbox_unique_name"),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inbox",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "tickets_inboxevent" ("brand_id", "created_at", "default_priority", "id", "is_active", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_lead_id", "tenant_id") VALUES (NEW."brand_id", NEW."created_at", NEW."default_priority", NEW."id", NEW."is_active", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."team_lead_id", NEW."tenant_id"); RETURN NULL;',
                    hash="151338d6691088617a6310f5f7648581c30d64ab",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_30245",
                    table="tickets_inbox",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inbox",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "tickets_inboxevent" ("brand_id", "created_at", "default_priority", "id", "is_active", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_lead_id", "tenant_id") VALUES (NEW."brand_id", NEW."created_at", NEW."default_priority", NEW."id", NEW."is_active", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."team_lead_id", NEW."tenant_id"); RETURN NULL;',
                    hash="1211e219dd35b89dbbf9919a8329cfec0d59364d",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_f02f8",
                    table="tickets_inbox",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inbox",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "tickets_inboxevent" ("brand_id", "created_at", "default_priority", "id", "is_active", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_lead_id", "tenant_id") VALUES (OLD."brand_id", OLD."created_at", OLD."default_priority", OLD."id", OLD."is_active", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."team_lead_id", OLD."tenant_id"); RETURN NULL;',
                    hash="18658833d07ea08a5fe775a7ab0cf3260712bb53",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_402f2",
                    table="tickets_inbox",
                    when="AFTER",
                ),
            ),
        ),
        migrations.CreateModel(
            name="TicketCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_number", models.PositiveIntegerField(default=1000)),
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
                    models.UniqueConstraint(fields=("tenant",), name="ticket_counter_one")
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(editable=False, max_length=32)),
                (
                    "file",
                    models.FileField(
                        max_length=300,
                        storage=tickets.models.private_storage,
                        upload_to=tickets.models.attachment_path,
                    ),
                ),
                ("filename", models.CharField(max_length=200)),
                ("content_type", models.CharField(max_length=120)),
                ("size", models.PositiveIntegerField()),
                ("is_inline", models.BooleanField(default=False)),
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
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="tickets.ticketmessage",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "message"], name="ticket_attachment_by_msg")
                ],
            },
        ),
        migrations.CreateModel(
            name="InboxAddressEvent",
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
                    "address",
                    models.CharField(
                        help_text="An email address, or a phone number in E.164 (+13055550100).",
                        max_length=254,
                    ),
                ),
                ("twilio_account_sid", models.CharField(blank=True, max_length=64)),
                ("is_active", models.BooleanField(default=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "inbox",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="tickets.inbox",
                    ),
                ),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="tickets.inboxaddress",
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
            name="SlaEvent",
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
                            ("started", "Clock started"),
                            ("met", "Answered in time"),
                            ("answered_late", "Answered after the target"),
                            ("paused", "Paused (waiting on customer)"),
                            ("resumed", "Resumed"),
                            ("breached", "Breached"),
                            ("escalated_lead", "Escalated to the team lead"),
                            ("escalated_manager", "Escalated to the managers"),
                            ("priority_boosted", "Priority raised"),
                            ("priority_changed", "Priority changed by hand"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "target",
                    models.CharField(
                        blank=True,
                        choices=[("first", "First response"), ("next", "Next response")],
                        max_length=8,
                    ),
                ),
                ("occurred_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("due_at", models.DateTimeField(blank=True, null=True)),
                ("detail", models.CharField(blank=True, max_length=300)),
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
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sla_events",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "ordering": ["occurred_at", "id"],
                "indexes": [
                    models.Index(
                        fields=["tenant", "ticket", "occurred_at"], name="sla_event_by_ticket"
                    ),
                    models.Index(
                        fields=["tenant", "kind", "occurred_at"], name="sla_event_by_kind"
                    ),
                ],
            },
        ),
    ]
