"""crm 0008–0022 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.core.validators
import django.db.migrations.operations.special
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
import phonenumber_field.modelfields
from django.conf import settings
from django.db import migrations, models

import crm.models

# The fallback order of crm.services.consent.PREFERRED_CHANNEL_FALLBACKS, frozen here.
FALLBACKS = ("email", "phone", "whatsapp", "sms")
LABELS = {"email": "Email", "sms": "SMS", "whatsapp": "WhatsApp", "phone": "Phone call"}


def move_off_withdrawn(apps, schema_editor):
    # As the role that runs the migration (the tables' owner): it sees every tenant's rows.
    db = schema_editor.connection.alias
    Contact = apps.get_model("crm", "Contact")
    ContactConsent = apps.get_model("crm", "ContactConsent")
    ContactEmail = apps.get_model("crm", "ContactEmail")
    ContactPhone = apps.get_model("crm", "ContactPhone")
    TimelineEvent = apps.get_model("crm", "TimelineEvent")
    withdrawn = ContactConsent.objects.using(db).filter(status="withdrawn")
    for consent in withdrawn.select_related("contact").iterator():
        contact = consent.contact
        if contact.preferred_channel != consent.channel:
            continue
        refused = set(withdrawn.filter(contact=contact).values_list("channel", flat=True))
        phones = ContactPhone.objects.using(db).filter(contact=contact)
        kinds = set(phones.values_list("kind", flat=True))
        has_mobile = bool(kinds - {"landline"})
        reachable = {
            "email": ContactEmail.objects.using(db).filter(contact=contact).exists(),
            "phone": bool(kinds),
            "whatsapp": has_mobile,
            "sms": has_mobile,
        }
        instead = next(
            (c for c in FALLBACKS if c not in refused and reachable[c]),
            None,
        )
        if instead is None:
            continue
        Contact.objects.using(db).filter(pk=contact.pk).update(preferred_channel=instead)
        TimelineEvent.objects.using(db).create(
            tenant_id=contact.tenant_id,
            kind="contact.preferred_channel",
            summary=(
                f"Preferred channel {LABELS[consent.channel]} → {LABELS[instead]}: "
                f"{LABELS[consent.channel]} consent was withdrawn"
            ),
            contact=contact,
            detail={"from": consent.channel, "to": instead},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="timelineevent",
            index=models.Index(fields=["tenant", "kind", "occurred_at"], name="timeline_by_kind"),
        ),
        migrations.CreateModel(
            name="ErasureRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "how",
                    models.CharField(
                        choices=[
                            ("portal", "Asked in the customer portal"),
                            ("staff", "Told a member of staff"),
                        ],
                        default="portal",
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("done", "Done: contact erased"),
                            ("declined", "Declined"),
                        ],
                        default="open",
                        max_length=16,
                    ),
                ),
                ("handled_at", models.DateTimeField(blank=True, null=True)),
                ("note", models.CharField(blank=True, max_length=500)),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="erasure_requests",
                        to="crm.contact",
                    ),
                ),
                (
                    "handled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
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
                    models.Index(
                        fields=["tenant", "contact", "-requested_at"],
                        name="erasure_request_by_contact",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "open")),
                        fields=("tenant", "contact"),
                        name="erasure_request_one_open",
                    )
                ],
            },
        ),
        migrations.RunPython(
            code=move_off_withdrawn,
            reverse_code=django.db.migrations.operations.special.RunPython.noop,
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="contactemail",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="contactemail",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="contactemail",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="contactphone",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="contactphone",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="contactphone",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="contactemail",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="contactemail",
            name="source",
            field=models.CharField(
                choices=[
                    ("staff", "Typed by staff"),
                    ("web_form", "Web form"),
                    ("inbound_email", "Inbound email"),
                    ("inbound_sms", "Inbound text message"),
                    ("csv_import", "CSV import"),
                    ("portal", "Customer portal"),
                    ("api", "API"),
                    ("before_verification", "Added before addresses were verified"),
                ],
                default="before_verification",
                max_length=24,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contactemail",
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contactemail",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="contactemail",
            name="verified_how",
            field=models.CharField(
                blank=True,
                choices=[
                    ("staff", "Confirmed by staff"),
                    ("portal_code", "Code entered in the customer portal"),
                    ("with_contact", "Came with the contact (before addresses were verified)"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="contactemailevent",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="contactemailevent",
            name="source",
            field=models.CharField(
                choices=[
                    ("staff", "Typed by staff"),
                    ("web_form", "Web form"),
                    ("inbound_email", "Inbound email"),
                    ("inbound_sms", "Inbound text message"),
                    ("csv_import", "CSV import"),
                    ("portal", "Customer portal"),
                    ("api", "API"),
                    ("before_verification", "Added before addresses were verified"),
                ],
                default="before_verification",
                max_length=24,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contactemailevent",
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contactemailevent",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="contactemailevent",
            name="verified_how",
            field=models.CharField(
                blank=True,
                choices=[
                    ("staff", "Confirmed by staff"),
                    ("portal_code", "Code entered in the customer portal"),
                    ("with_contact", "Came with the contact (before addresses were verified)"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="contactphone",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="contactphone",
            name="source",
            field=models.CharField(
                choices=[
                    ("staff", "Typed by staff"),
                    ("web_form", "Web form"),
                    ("inbound_email", "Inbound email"),
                    ("inbound_sms", "Inbound text message"),
                    ("csv_import", "CSV import"),
                    ("portal", "Customer portal"),
                    ("api", "API"),
                    ("before_verification", "Added before addresses were verified"),
                ],
                default="before_verification",
                max_length=24,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contactphone",
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contactphone",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="contactphone",
            name="verified_how",
            field=models.CharField(
                blank=True,
                choices=[
                    ("staff", "Confirmed by staff"),
                    ("portal_code", "Code entered in the customer portal"),
                    ("with_contact", "Came with the contact (before addresses were verified)"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="contactphoneevent",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="contactphoneevent",
            name="source",
            field=models.CharField(
                choices=[
                    ("staff", "Typed by staff"),
                    ("web_form", "Web form"),
                    ("inbound_email", "Inbound email"),
                    ("inbound_sms", "Inbound text message"),
                    ("csv_import", "CSV import"),
                    ("portal", "Customer portal"),
                    ("api", "API"),
                    ("before_verification", "Added before addresses were verified"),
                ],
                default="before_verification",
                max_length=24,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contactphoneevent",
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contactphoneevent",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="contactphoneevent",
            name="verified_how",
            field=models.CharField(
                blank=True,
                choices=[
                    ("staff", "Confirmed by staff"),
                    ("portal_code", "Code entered in the customer portal"),
                    ("with_contact", "Came with the contact (before addresses were verified)"),
                ],
                max_length=16,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contactemail",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_contactemailevent" ("contact_id", "created_at", "email", "id", "is_primary", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tenant_id", "verified_at", "verified_by_id", "verified_how") VALUES (NEW."contact_id", NEW."created_at", NEW."email", NEW."id", NEW."is_primary", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."source", NEW."tenant_id", NEW."verified_at", NEW."verified_by_id", NEW."verified_how"); RETURN NULL;',
                    hash="090bf4d7c989d248c5c6081bce4157796c73a56b",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_470c0",
                    table="crm_contactemail",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contactemail",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "crm_contactemailevent" ("contact_id", "created_at", "email", "id", "is_primary", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tenant_id", "verified_at", "verified_by_id", "verified_how") VALUES (NEW."contact_id", NEW."created_at", NEW."email", NEW."id", NEW."is_primary", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."source", NEW."tenant_id", NEW."verified_at", NEW."verified_by_id", NEW."verified_how"); RETURN NULL;',
                    hash="9d62663f22ee0eb9881616f36f85cd57690332e6",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_55e9e",
                    table="crm_contactemail",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contactemail",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_contactemailevent" ("contact_id", "created_at", "email", "id", "is_primary", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tenant_id", "verified_at", "verified_by_id", "verified_how") VALUES (OLD."contact_id", OLD."created_at", OLD."email", OLD."id", OLD."is_primary", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."source", OLD."tenant_id", OLD."verified_at", OLD."verified_by_id", OLD."verified_how"); RETURN NULL;',
                    hash="063ebed3052fbc419b14e56823e5a4ce38ee99f1",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_273d6",
                    table="crm_contactemail",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contactphone",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_contactphoneevent" ("contact_id", "created_at", "id", "is_primary", "kind", "number", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tenant_id", "verified_at", "verified_by_id", "verified_how") VALUES (NEW."contact_id", NEW."created_at", NEW."id", NEW."is_primary", NEW."kind", NEW."number", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."source", NEW."tenant_id", NEW."verified_at", NEW."verified_by_id", NEW."verified_how"); RETURN NULL;',
                    hash="b8ed71a5a49079b7e0e6eb645c3c2a45e9ebf60e",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_07b96",
                    table="crm_contactphone",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contactphone",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "crm_contactphoneevent" ("contact_id", "created_at", "id", "is_primary", "kind", "number", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tenant_id", "verified_at", "verified_by_id", "verified_how") VALUES (NEW."contact_id", NEW."created_at", NEW."id", NEW."is_primary", NEW."kind", NEW."number", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."source", NEW."tenant_id", NEW."verified_at", NEW."verified_by_id", NEW."verified_how"); RETURN NULL;',
                    hash="742244b3fd368bd87433fd8251f6ce37a8aac9fd",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_1abde",
                    table="crm_contactphone",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="contactphone",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_contactphoneevent" ("contact_id", "created_at", "id", "is_primary", "kind", "number", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tenant_id", "verified_at", "verified_by_id", "verified_how") VALUES (OLD."contact_id", OLD."created_at", OLD."id", OLD."is_primary", OLD."kind", OLD."number", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."source", OLD."tenant_id", OLD."verified_at", OLD."verified_by_id", OLD."verified_how"); RETURN NULL;',
                    hash="c9c06ef901c9f742893cfb5defedbe254c2c1a04",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_f84c5",
                    table="crm_contactphone",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(
            sql="\n        UPDATE crm_contactemail AS address SET created_at = event.pgh_created_at\n        FROM crm_contactemailevent AS event\n        WHERE event.pgh_obj_id = address.id AND event.pgh_label = 'insert'\n    ",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="\n        UPDATE crm_contactemail AS address SET verified_at = now(), verified_how = 'with_contact'\n        WHERE address.verified_at IS NULL AND EXISTS (\n            SELECT 1 FROM crm_contactemailevent AS added\n            JOIN crm_contactevent AS created\n              ON created.pgh_obj_id = address.contact_id AND created.pgh_label = 'insert'\n            WHERE added.pgh_obj_id = address.id AND added.pgh_label = 'insert'\n              AND added.pgh_created_at = created.pgh_created_at\n        )\n    ",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="\n        UPDATE crm_contactphone AS address SET created_at = event.pgh_created_at\n        FROM crm_contactphoneevent AS event\n        WHERE event.pgh_obj_id = address.id AND event.pgh_label = 'insert'\n    ",
            reverse_sql="",
        ),
        migrations.RunSQL(
            sql="\n        UPDATE crm_contactphone AS address SET verified_at = now(), verified_how = 'with_contact'\n        WHERE address.verified_at IS NULL AND EXISTS (\n            SELECT 1 FROM crm_contactphoneevent AS added\n            JOIN crm_contactevent AS created\n              ON created.pgh_obj_id = address.contact_id AND created.pgh_label = 'insert'\n            WHERE added.pgh_obj_id = address.id AND added.pgh_label = 'insert'\n              AND added.pgh_created_at = created.pgh_created_at\n        )\n    ",
            reverse_sql="",
        ),
        migrations.AlterField(
            model_name="tenant",
            name="time_zone",
            field=models.CharField(
                choices=crm.models.time_zone_choices, default="UTC", max_length=64
            ),
        ),
        migrations.AlterField(
            model_name="tenantevent",
            name="time_zone",
            field=models.CharField(
                choices=crm.models.time_zone_choices, default="UTC", max_length=64
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="time_zone",
            field=models.CharField(
                blank=True,
                choices=crm.models.time_zone_choices,
                help_text="Where the person works (daily digest, calendar); empty: the team's time zone.",
                max_length=64,
            ),
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="brand",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="brand",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="brand",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="brand",
            name="logo",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="brand",
            name="logo_type",
            field=models.CharField(blank=True, editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name="brand",
            name="phone",
            field=phonenumber_field.modelfields.PhoneNumberField(
                blank=True,
                help_text="The number customers call, if not the texting number.",
                max_length=128,
                region=None,
            ),
        ),
        migrations.AddField(
            model_name="brandevent",
            name="logo",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="brandevent",
            name="logo_type",
            field=models.CharField(blank=True, editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name="brandevent",
            name="phone",
            field=phonenumber_field.modelfields.PhoneNumberField(
                blank=True,
                help_text="The number customers call, if not the texting number.",
                max_length=128,
                region=None,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="brand",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_brandevent" ("created_at", "id", "is_archived", "is_default", "logo", "logo_type", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "reply_to_email", "sender_email", "sender_name", "slug", "sms_number", "tenant_id", "website") VALUES (NEW."created_at", NEW."id", NEW."is_archived", NEW."is_default", NEW."logo", NEW."logo_type", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."phone", NEW."reply_to_email", NEW."sender_email", NEW."sender_name", NEW."slug", NEW."sms_number", NEW."tenant_id", NEW."website"); RETURN NULL;',
                    hash="daa034a64c4e7afbe1a1abc8fd8f030935628b41",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_a6b4f",
                    table="crm_brand",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="brand",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "crm_brandevent" ("created_at", "id", "is_archived", "is_default", "logo", "logo_type", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "reply_to_email", "sender_email", "sender_name", "slug", "sms_number", "tenant_id", "website") VALUES (NEW."created_at", NEW."id", NEW."is_archived", NEW."is_default", NEW."logo", NEW."logo_type", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."phone", NEW."reply_to_email", NEW."sender_email", NEW."sender_name", NEW."slug", NEW."sms_number", NEW."tenant_id", NEW."website"); RETURN NULL;',
                    hash="ca15f8da9800340a6a93bec4e2986129c9618816",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_96e4c",
                    table="crm_brand",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="brand",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_brandevent" ("created_at", "id", "is_archived", "is_default", "logo", "logo_type", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "reply_to_email", "sender_email", "sender_name", "slug", "sms_number", "tenant_id", "website") VALUES (OLD."created_at", OLD."id", OLD."is_archived", OLD."is_default", OLD."logo", OLD."logo_type", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."phone", OLD."reply_to_email", OLD."sender_email", OLD."sender_name", OLD."slug", OLD."sms_number", OLD."tenant_id", OLD."website"); RETURN NULL;',
                    hash="64952a55c910e77adaba010a7900a5fa5a8fb228",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_c9f34",
                    table="crm_brand",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_fold(value text) RETURNS text\nLANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$\n    SELECT lower(translate(value, 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳøØđĐłŁħĦŧŦı', 'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoUuAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyoOdDlLhHtTi'))\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_fold(text);",
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX contact_search_words ON crm_contact USING gin (to_tsvector('simple'::regconfig, threadline_fold(first_name || ' ' || last_name || ' ' || company_name)));\nCREATE INDEX contact_email_search_words ON crm_contactemail USING gin (to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(email, '[@._+-]+', ' ', 'g'))));\nCREATE INDEX contact_phone_digits_end ON crm_contactphone (tenant_id, (reverse(regexp_replace(number, '[^0-9]', '', 'g')) COLLATE \"C\"));\n",
            reverse_sql="\nDROP INDEX IF EXISTS contact_search_words;\nDROP INDEX IF EXISTS contact_email_search_words;\nDROP INDEX IF EXISTS contact_phone_digits_end;\n",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_contact_search(query tsquery, digits_reversed text)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$\n    SELECT id FROM crm_contact\n    WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint AND to_tsvector('simple'::regconfig, threadline_fold(first_name || ' ' || last_name || ' ' || company_name)) @@ query\n    UNION ALL\n    SELECT contact_id FROM crm_contactemail\n    WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint AND to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(email, '[@._+-]+', ' ', 'g'))) @@ query\n    UNION ALL\n    SELECT contact_id FROM crm_contactphone\n    WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint AND digits_reversed <> ''\n      AND (reverse(regexp_replace(number, '[^0-9]', '', 'g')) COLLATE \"C\") >= digits_reversed AND (reverse(regexp_replace(number, '[^0-9]', '', 'g')) COLLATE \"C\") < digits_reversed || ':'\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_contact_search(tsquery, text);",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="membership",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="membership",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="membership",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="membership",
            name="digest_enabled",
            field=models.BooleanField(
                default=True, help_text="Whether the member gets the daily digest email."
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="digest_hour",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="The hour of the daily digest in the member's zone; empty: the team's hour.",
                null=True,
                validators=[django.core.validators.MaxValueValidator(23)],
            ),
        ),
        migrations.AddField(
            model_name="membershipevent",
            name="digest_enabled",
            field=models.BooleanField(
                default=True, help_text="Whether the member gets the daily digest email."
            ),
        ),
        migrations.AddField(
            model_name="membershipevent",
            name="digest_hour",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="The hour of the daily digest in the member's zone; empty: the team's hour.",
                null=True,
                validators=[django.core.validators.MaxValueValidator(23)],
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="count",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="notification",
            name="first_at",
            field=models.DateTimeField(
                blank=True, help_text="When the group's first alert came (grouped only).", null=True
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="group_key",
            field=models.CharField(
                blank=True,
                help_text="Alerts of one group (by default the kind) to one recipient on one day, unread, collect in one notification: its count and items grow.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="tenant",
            name="public_holidays",
            field=models.BooleanField(
                default=True,
                help_text="The country's (and home state's) public holidays are not business days.",
            ),
        ),
        migrations.AddField(
            model_name="tenantevent",
            name="public_holidays",
            field=models.BooleanField(
                default=True,
                help_text="The country's (and home state's) public holidays are not business days.",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(
                    ("read_at__isnull", True), models.Q(("group_key", ""), _negated=True)
                ),
                fields=["tenant", "recipient", "group_key"],
                name="notification_open_group",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="membership",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_membershipevent" ("capacity", "created_at", "digest_enabled", "digest_hour", "expertise", "id", "is_active", "last_assigned_at", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "tenant_id", "territories", "title", "user_id", "weekly_availability") VALUES (NEW."capacity", NEW."created_at", NEW."digest_enabled", NEW."digest_hour", NEW."expertise", NEW."id", NEW."is_active", NEW."last_assigned_at", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."role", NEW."tenant_id", NEW."territories", NEW."title", NEW."user_id", NEW."weekly_availability"); RETURN NULL;',
                    hash="03a4608cb1281944dcc23bc37c2bf59aea6ae4b2",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_94ecf",
                    table="crm_membership",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="membership",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "crm_membershipevent" ("capacity", "created_at", "digest_enabled", "digest_hour", "expertise", "id", "is_active", "last_assigned_at", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "tenant_id", "territories", "title", "user_id", "weekly_availability") VALUES (NEW."capacity", NEW."created_at", NEW."digest_enabled", NEW."digest_hour", NEW."expertise", NEW."id", NEW."is_active", NEW."last_assigned_at", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."role", NEW."tenant_id", NEW."territories", NEW."title", NEW."user_id", NEW."weekly_availability"); RETURN NULL;',
                    hash="d9449a836d634254b2cf082d38b91b1fe2a6a947",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_e2584",
                    table="crm_membership",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="membership",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_membershipevent" ("capacity", "created_at", "digest_enabled", "digest_hour", "expertise", "id", "is_active", "last_assigned_at", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "tenant_id", "territories", "title", "user_id", "weekly_availability") VALUES (OLD."capacity", OLD."created_at", OLD."digest_enabled", OLD."digest_hour", OLD."expertise", OLD."id", OLD."is_active", OLD."last_assigned_at", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."role", OLD."tenant_id", OLD."territories", OLD."title", OLD."user_id", OLD."weekly_availability"); RETURN NULL;',
                    hash="c24f205baca860bbc45b769f79a740da531c4049",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_52446",
                    table="crm_membership",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "country", "created_at", "currency", "home_state", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (NEW."business_hours", NEW."country", NEW."created_at", NEW."currency", NEW."home_state", NEW."id", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."public_holidays", NEW."slug", NEW."time_zone"); RETURN NULL;',
                    hash="72bb8a9f801a0a9273639703e37e7092add298dd",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_21b9c",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "country", "created_at", "currency", "home_state", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (NEW."business_hours", NEW."country", NEW."created_at", NEW."currency", NEW."home_state", NEW."id", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."public_holidays", NEW."slug", NEW."time_zone"); RETURN NULL;',
                    hash="f5be803cc1dbbb1d2b22468fde2cde792a36df2e",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_09e93",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "country", "created_at", "currency", "home_state", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (OLD."business_hours", OLD."country", OLD."created_at", OLD."currency", OLD."home_state", OLD."id", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."public_holidays", OLD."slug", OLD."time_zone"); RETURN NULL;',
                    hash="315497571bf8276f86de5666cb3e46ac5bc0caff",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_a7357",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        migrations.CreateModel(
            name="ClosedDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("name", models.CharField(max_length=100)),
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
                "ordering": ["date"],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "date"), name="closed_day_unique")
                ],
                "triggers": [
                    pgtrigger.compiler.Trigger(
                        name="insert_insert",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "crm_closeddayevent" ("date", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id") VALUES (NEW."date", NEW."id", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."tenant_id"); RETURN NULL;',
                            hash="d111e2e4ff493905446e9c09ae45c9098efe7338",
                            operation="INSERT",
                            pgid="pgtrigger_insert_insert_6761a",
                            table="crm_closedday",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="update_update",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                            func='INSERT INTO "crm_closeddayevent" ("date", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id") VALUES (NEW."date", NEW."id", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."tenant_id"); RETURN NULL;',
                            hash="0a1f3acc6e72ffccb849011316c35b70ef3877f5",
                            operation="UPDATE",
                            pgid="pgtrigger_update_update_df462",
                            table="crm_closedday",
                            when="AFTER",
                        ),
                    ),
                    pgtrigger.compiler.Trigger(
                        name="delete_delete",
                        sql=pgtrigger.compiler.UpsertTriggerSql(
                            func='INSERT INTO "crm_closeddayevent" ("date", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "tenant_id") VALUES (OLD."date", OLD."id", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."tenant_id"); RETURN NULL;',
                            hash="b7f99f9c5ee880bfc852ba6898589b321e7902a6",
                            operation="DELETE",
                            pgid="pgtrigger_delete_delete_74253",
                            table="crm_closedday",
                            when="AFTER",
                        ),
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ClosedDayEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("date", models.DateField()),
                ("name", models.CharField(max_length=100)),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="crm.closedday",
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
            name="NotificationItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                ("body", models.CharField(blank=True, max_length=1000)),
                ("url", models.CharField(blank=True, max_length=500)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "notification",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="crm.notification",
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
                        fields=["tenant", "notification", "-created_at"],
                        name="notification_item_list",
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX IF NOT EXISTS contact_tenant_first_name\n    ON crm_contact (tenant_id, first_name, last_name, id);\n\nCREATE OR REPLACE FUNCTION threadline_contact_search_first(\n    query tsquery, digits_reversed text, most integer,\n    by_name boolean DEFAULT false, walk boolean DEFAULT NULL\n)\nRETURNS SETOF bigint\nLANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public\nSET plan_cache_mode = force_custom_plan ROWS 50 AS $$\nDECLARE\n    current_tenant bigint := NULLIF(current_setting('app.tenant_id', true), '')::bigint;\n    share numeric := 0;\n    part numeric;\n    plan json;\n    table_name text;\n    found bigint[];\n    walk_rows integer := 20000;\n    table_rows numeric;\nBEGIN\n    IF current_tenant IS NULL OR most < 1 THEN\n        RETURN;\n    END IF;\n    IF walk IS NULL THEN\n        EXECUTE format(\n            'EXPLAIN (FORMAT JSON) SELECT 1 FROM crm_contact c WHERE %s @@ %L::tsquery',\n            $q$to_tsvector('simple'::regconfig, threadline_fold(c.first_name || ' ' || c.last_name || ' ' || c.company_name))$q$, query::text) INTO plan;\n        table_name := 'crm_contact';\n        SELECT coalesce((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 0)\n           / greatest(reltuples::numeric, 1)\n    FROM pg_class WHERE oid = table_name::regclass AND reltuples > 0 INTO part;\n        share := greatest(share, coalesce(part, 0));\n        EXECUTE format(\n            'EXPLAIN (FORMAT JSON) SELECT 1 FROM crm_contactemail e WHERE %s @@ %L::tsquery',\n            $q$to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(e.email, '[@._+-]+', ' ', 'g')))$q$, query::text) INTO plan;\n        table_name := 'crm_contactemail';\n        SELECT coalesce((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 0)\n           / greatest(reltuples::numeric, 1)\n    FROM pg_class WHERE oid = table_name::regclass AND reltuples > 0 INTO part;\n        share := greatest(share, coalesce(part, 0));\n        -- Walking costs about most / share rows, sorting the indexed matches share * rows\n        -- (each about 3 times cheaper than a walked row).\n        SELECT greatest(reltuples, 0) INTO table_rows FROM pg_class WHERE oid = 'crm_contact'::regclass;\n        walk := share * share * table_rows >= most * 3;\n        -- Four times the contacts the estimate needs for `most` matches, then the indexes.\n        -- (By name: matches cluster, \"mar\" in the M's, so read up to WALK_ROWS.)\n        IF walk AND NOT by_name THEN\n            walk_rows := least(walk_rows, ceil(4 * most / share)::integer);\n        END IF;\n    END IF;\n    IF walk THEN\n        IF by_name THEN\n            found := ARRAY(\n            SELECT c.id FROM (\n                SELECT * FROM crm_contact WHERE tenant_id = current_tenant\n                ORDER BY first_name, last_name, id LIMIT walk_rows\n            ) c\n            WHERE (\n    to_tsvector('simple'::regconfig, threadline_fold(c.first_name || ' ' || c.last_name || ' ' || c.company_name)) @@ query\n    OR (SELECT bool_or(to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(e.email, '[@._+-]+', ' ', 'g'))) @@ query) FROM crm_contactemail e\n        WHERE e.contact_id = c.id AND e.tenant_id = current_tenant)\n    OR (digits_reversed <> '' AND (\n        SELECT bool_or((reverse(regexp_replace(p.number, '[^0-9]', '', 'g')) COLLATE \"C\") >= digits_reversed AND (reverse(regexp_replace(p.number, '[^0-9]', '', 'g')) COLLATE \"C\") < digits_reversed || ':')\n        FROM crm_contactphone p WHERE p.contact_id = c.id AND p.tenant_id = current_tenant))\n)\n            ORDER BY first_name, last_name, id LIMIT most\n        );\n        ELSE\n            found := ARRAY(\n            SELECT c.id FROM (\n                SELECT * FROM crm_contact WHERE tenant_id = current_tenant\n                ORDER BY created_at DESC, id DESC LIMIT walk_rows\n            ) c\n            WHERE (\n    to_tsvector('simple'::regconfig, threadline_fold(c.first_name || ' ' || c.last_name || ' ' || c.company_name)) @@ query\n    OR (SELECT bool_or(to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(e.email, '[@._+-]+', ' ', 'g'))) @@ query) FROM crm_contactemail e\n        WHERE e.contact_id = c.id AND e.tenant_id = current_tenant)\n    OR (digits_reversed <> '' AND (\n        SELECT bool_or((reverse(regexp_replace(p.number, '[^0-9]', '', 'g')) COLLATE \"C\") >= digits_reversed AND (reverse(regexp_replace(p.number, '[^0-9]', '', 'g')) COLLATE \"C\") < digits_reversed || ':')\n        FROM crm_contactphone p WHERE p.contact_id = c.id AND p.tenant_id = current_tenant))\n)\n            ORDER BY created_at DESC, id DESC LIMIT most\n        );\n        END IF;\n        IF cardinality(found) >= most THEN\n            RETURN QUERY SELECT f.id FROM unnest(found) WITH ORDINALITY AS f(id, n) ORDER BY f.n;\n            RETURN;\n        END IF;\n    END IF;\n    IF by_name THEN\n        RETURN QUERY SELECT c.id FROM crm_contact c\n        WHERE c.tenant_id = current_tenant\n          AND c.id IN (SELECT threadline_contact_search(query, digits_reversed))\n        ORDER BY c.first_name, c.last_name, c.id LIMIT most;\n    ELSE\n        RETURN QUERY SELECT c.id FROM crm_contact c\n        WHERE c.tenant_id = current_tenant\n          AND c.id IN (SELECT threadline_contact_search(query, digits_reversed))\n        ORDER BY c.created_at DESC, c.id DESC LIMIT most;\n    END IF;\nEND\n$$;\n",
            reverse_sql="\nDROP FUNCTION IF EXISTS threadline_contact_search_first(tsquery, text, integer, boolean, boolean);\nDROP INDEX IF EXISTS contact_tenant_first_name;\n",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="tenant",
            name="calendar_version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Raised when a closed day is added or removed: every process replaces the calendar it keeps for the tenant (crm.selectors.calendar).",
            ),
        ),
        migrations.AddField(
            model_name="tenantevent",
            name="calendar_version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Raised when a closed day is added or removed: every process replaces the calendar it keeps for the tenant (crm.selectors.calendar).",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "calendar_version", "country", "created_at", "currency", "home_state", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (NEW."business_hours", NEW."calendar_version", NEW."country", NEW."created_at", NEW."currency", NEW."home_state", NEW."id", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."public_holidays", NEW."slug", NEW."time_zone"); RETURN NULL;',
                    hash="7b013c51790f4ee274fec5d896f73adf73ec144a",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_21b9c",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "calendar_version", "country", "created_at", "currency", "home_state", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (NEW."business_hours", NEW."calendar_version", NEW."country", NEW."created_at", NEW."currency", NEW."home_state", NEW."id", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."public_holidays", NEW."slug", NEW."time_zone"); RETURN NULL;',
                    hash="9220e9e0e67e9750c459b9eee2e56ae122339131",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_09e93",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "calendar_version", "country", "created_at", "currency", "home_state", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (OLD."business_hours", OLD."calendar_version", OLD."country", OLD."created_at", OLD."currency", OLD."home_state", OLD."id", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."public_holidays", OLD."slug", OLD."time_zone"); RETURN NULL;',
                    hash="856817d44a941365ce5e8412041792efe4c32402",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_a7357",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tenant",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="tenant",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("nl", "Dutch"), ("es", "Spanish")],
                default="en",
                help_text="Staff pages, the portal, public pages and system messages speak it unless the reader chose another.",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="tenantevent",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("nl", "Dutch"), ("es", "Spanish")],
                default="en",
                help_text="Staff pages, the portal, public pages and system messages speak it unless the reader chose another.",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("nl", "Dutch"), ("es", "Spanish")],
                help_text="The language of the staff pages for this person; empty: the team's.",
                max_length=8,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "calendar_version", "country", "created_at", "currency", "home_state", "id", "language", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (NEW."business_hours", NEW."calendar_version", NEW."country", NEW."created_at", NEW."currency", NEW."home_state", NEW."id", NEW."language", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."public_holidays", NEW."slug", NEW."time_zone"); RETURN NULL;',
                    hash="979e8a566be93803e085c45c42823f234806afc8",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_21b9c",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "calendar_version", "country", "created_at", "currency", "home_state", "id", "language", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (NEW."business_hours", NEW."calendar_version", NEW."country", NEW."created_at", NEW."currency", NEW."home_state", NEW."id", NEW."language", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."public_holidays", NEW."slug", NEW."time_zone"); RETURN NULL;',
                    hash="5ea887067af82d2785bdd91e492af29416178486",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_09e93",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tenant",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "crm_tenantevent" ("business_hours", "calendar_version", "country", "created_at", "currency", "home_state", "id", "language", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "public_holidays", "slug", "time_zone") VALUES (OLD."business_hours", OLD."calendar_version", OLD."country", OLD."created_at", OLD."currency", OLD."home_state", OLD."id", OLD."language", OLD."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."public_holidays", OLD."slug", OLD."time_zone"); RETURN NULL;',
                    hash="de37689af12f338097bc66df695572770b520a74",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_a7357",
                    table="crm_tenant",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="timelineevent",
            name="summary_params",
            field=models.JSONField(blank=True, default=dict, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="body_params",
            field=models.JSONField(blank=True, default=dict, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="title_params",
            field=models.JSONField(blank=True, default=dict, null=True),
        ),
        migrations.AddField(
            model_name="notificationitem",
            name="body_params",
            field=models.JSONField(blank=True, default=dict, null=True),
        ),
        migrations.AddField(
            model_name="notificationitem",
            name="title_params",
            field=models.JSONField(blank=True, default=dict, null=True),
        ),
        migrations.RemoveIndex(
            model_name="contactemail",
            name="contact_email_lookup",
        ),
        migrations.RunSQL(
            sql="\nUPDATE crm_contactemail SET email = lower(email) WHERE email <> lower(email)\n",
            reverse_sql="",
        ),
        migrations.AddIndex(
            model_name="contactemail",
            index=models.Index(fields=["tenant", "email"], name="contact_email_lookup"),
        ),
        migrations.AddConstraint(
            model_name="contactemail",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                name="contact_email_lower_case",
            ),
        ),
    ]
