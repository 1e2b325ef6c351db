"""portal 0001–0004 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.db.models.deletion
import django.utils.timezone
import phonenumber_field.modelfields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("crm", "0003_timeline_lead_squashed_0007_user_time_zone"),
        ("crm", "0008_dashboard_count_indexes_squashed_0022_contact_email_lower_case"),
        ("leads", "0002_search_function_and_any_status_indexes_squashed_0006_assign_decision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PortalAccess",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "email",
                    models.EmailField(
                        blank=True,
                        help_text="The last email address they signed in with.",
                        max_length=254,
                    ),
                ),
                (
                    "phone",
                    phonenumber_field.modelfields.PhoneNumberField(
                        blank=True,
                        help_text="The last mobile number they signed in with.",
                        max_length=128,
                        region=None,
                    ),
                ),
                ("invited_at", models.DateTimeField(blank=True, null=True)),
                ("first_signed_in_at", models.DateTimeField(blank=True, null=True)),
                ("last_signed_in_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="portal_accesses",
                        to="crm.contact",
                    ),
                ),
                (
                    "invited_by",
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
                "verbose_name_plural": "portal accesses",
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "contact"), name="portal_access_one")
                ],
            },
        ),
        migrations.CreateModel(
            name="SignInChallenge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(choices=[("email", "Email"), ("sms", "SMS")], max_length=8),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("sign_in", "Asked for by the customer"),
                            ("invitation", "Sent by staff as an invitation"),
                        ],
                        default="sign_in",
                        max_length=16,
                    ),
                ),
                (
                    "address",
                    models.CharField(
                        help_text="The lower-case email address or E.164 number it went to.",
                        max_length=254,
                    ),
                ),
                ("secret_hash", models.CharField(max_length=64)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("failed_attempts", models.PositiveSmallIntegerField(default=0)),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        help_text="The contact the message went to (sign-in works for every contact with the address).",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
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
                    models.Index(fields=["tenant", "expires_at"], name="sign_in_by_expiry")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "secret_hash"), name="sign_in_secret_unique"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_portal_tenants(email_address text, phone_number text)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT tenant.id FROM crm_tenant AS tenant\n    WHERE EXISTS (\n        SELECT 1 FROM crm_contactemail AS address\n        WHERE address.tenant_id = tenant.id AND lower(address.email) = email_address\n    ) OR EXISTS (\n        SELECT 1 FROM crm_contactphone AS phone\n        WHERE phone.tenant_id = tenant.id AND phone.number = phone_number\n          AND phone.kind <> 'landline'\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_portal_tenants(text, text);",
        ),
        migrations.CreateModel(
            name="DocumentRequest",
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
                            ("photo", "Photo"),
                            ("insurance", "Insurance paper"),
                            ("signed_form", "Signed form"),
                            ("quote", "Quote"),
                            ("invoice", "Invoice"),
                            ("warranty", "Warranty"),
                            ("completion_photo", "Completion photo"),
                            ("other", "Other"),
                        ],
                        max_length=24,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200)),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "access",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="portal.portalaccess",
                    ),
                ),
                (
                    "requested_by",
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
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "access", "kind"), name="document_request_one_per_kind"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="JobInsurance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("is_claim", models.BooleanField(default=True)),
                ("carrier", models.CharField(blank=True, max_length=120)),
                ("claim_number", models.CharField(blank=True, max_length=60)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "access",
                    models.ForeignKey(
                        help_text="Whose answer it is (their erasure removes it).",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="portal.portalaccess",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
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
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "lead"), name="job_insurance_one_per_job"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Onboarding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("details_confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("properties_confirmed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "code_channel",
                    models.CharField(
                        blank=True, choices=[("email", "Email"), ("sms", "SMS")], max_length=8
                    ),
                ),
                ("code_address", models.CharField(blank=True, max_length=254)),
                ("code_hash", models.CharField(blank=True, max_length=64)),
                ("code_expires_at", models.DateTimeField(blank=True, null=True)),
                ("code_failed_attempts", models.PositiveSmallIntegerField(default=0)),
                ("reminders_sent", models.PositiveSmallIntegerField(default=0)),
                ("last_reminder_at", models.DateTimeField(blank=True, null=True)),
                (
                    "completed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Every step done when last checked (the reminder sweep).",
                        null=True,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "access",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="portal.portalaccess",
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
                        condition=models.Q(("completed_at__isnull", True)),
                        fields=["tenant", "last_reminder_at"],
                        name="onboarding_unfinished",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "access"), name="onboarding_one_per_access"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_portal_tenants(email_address text, phone_number text)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT tenant.id FROM crm_tenant AS tenant\n    WHERE EXISTS (\n        SELECT 1 FROM crm_contactemail AS address\n        WHERE address.tenant_id = tenant.id AND lower(address.email) = email_address\n          AND address.verified_at IS NOT NULL\n    ) OR EXISTS (\n        SELECT 1 FROM crm_contactphone AS phone\n        WHERE phone.tenant_id = tenant.id AND phone.number = phone_number\n          AND phone.kind <> 'landline' AND phone.verified_at IS NOT NULL\n    )\n$$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION threadline_portal_tenants(email_address text, phone_number text)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT tenant.id FROM crm_tenant AS tenant\n    WHERE EXISTS (\n        SELECT 1 FROM crm_contactemail AS address\n        WHERE address.tenant_id = tenant.id AND lower(address.email) = email_address\n    ) OR EXISTS (\n        SELECT 1 FROM crm_contactphone AS phone\n        WHERE phone.tenant_id = tenant.id AND phone.number = phone_number\n          AND phone.kind <> 'landline'\n    )\n$$;\n",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_portal_tenants(email_address text, phone_number text)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT tenant.id FROM crm_tenant AS tenant\n    WHERE EXISTS (\n        SELECT 1 FROM crm_contactemail AS address\n        WHERE address.tenant_id = tenant.id AND address.email = lower(email_address)\n          AND address.verified_at IS NOT NULL\n    ) OR EXISTS (\n        SELECT 1 FROM crm_contactphone AS phone\n        WHERE phone.tenant_id = tenant.id AND phone.number = phone_number\n          AND phone.kind <> 'landline' AND phone.verified_at IS NOT NULL\n    )\n$$;\n",
            reverse_sql="\nCREATE OR REPLACE FUNCTION threadline_portal_tenants(email_address text, phone_number text)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT tenant.id FROM crm_tenant AS tenant\n    WHERE EXISTS (\n        SELECT 1 FROM crm_contactemail AS address\n        WHERE address.tenant_id = tenant.id AND lower(address.email) = email_address\n          AND address.verified_at IS NOT NULL\n    ) OR EXISTS (\n        SELECT 1 FROM crm_contactphone AS phone\n        WHERE phone.tenant_id = tenant.id AND phone.number = phone_number\n          AND phone.kind <> 'landline' AND phone.verified_at IS NOT NULL\n    )\n$$;\n",
        ),
    ]
