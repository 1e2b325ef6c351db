"""comms 0006–0008 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them).

The trigger models leave messaging's state without waiting for automation's to take them (their
tables stay; automation 0001 adopts them): the outbox's trigger step becomes a plain id here, as
comms 0009 once made it, and automation 0004 owns its foreign key."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0004_trigger_step_enrols_in_sequence_squashed_0005_message_sources_portal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="triggerstepevent",
                    name="trigger",
                ),
                migrations.RemoveField(
                    model_name="triggerevent",
                    name="pgh_obj",
                ),
                migrations.RemoveField(
                    model_name="triggerstep",
                    name="trigger",
                ),
                migrations.RemoveField(
                    model_name="triggerevent",
                    name="brand",
                ),
                migrations.RemoveField(
                    model_name="triggerevent",
                    name="pipeline",
                ),
                migrations.RemoveField(
                    model_name="triggerevent",
                    name="source",
                ),
                migrations.RemoveField(
                    model_name="triggerevent",
                    name="stage",
                ),
                migrations.RemoveField(
                    model_name="triggerevent",
                    name="tenant",
                ),
                migrations.RemoveField(
                    model_name="triggerstep",
                    name="template",
                ),
                migrations.RemoveField(
                    model_name="triggerstep",
                    name="tenant",
                ),
                migrations.RemoveField(
                    model_name="triggerstepevent",
                    name="pgh_obj",
                ),
                migrations.RemoveField(model_name="outboundmessage", name="trigger_step"),
                migrations.AddField(
                    model_name="outboundmessage",
                    name="trigger_step_id",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
                migrations.RemoveField(
                    model_name="triggerstepevent",
                    name="template",
                ),
                migrations.RemoveField(
                    model_name="triggerstepevent",
                    name="tenant",
                ),
                migrations.DeleteModel(
                    name="Trigger",
                ),
                migrations.DeleteModel(
                    name="TriggerEvent",
                ),
                migrations.DeleteModel(
                    name="TriggerStep",
                ),
                migrations.DeleteModel(
                    name="TriggerStepEvent",
                ),
            ],
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_tenants_with_due_messages(\n    due_before timestamptz, queued_before timestamptz\n) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM comms_outboundmessage m\n        WHERE m.tenant_id = t.id AND m.status = 'scheduled' AND m.send_after <= due_before\n    ) OR EXISTS (\n        SELECT 1 FROM comms_outboundmessage m\n        WHERE m.tenant_id = t.id AND m.status = 'queued' AND m.queued_at <= queued_before\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_due_messages(timestamptz, timestamptz);",
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
                    ("digest", "Daily digest"),
                ],
                max_length=16,
            ),
        ),
    ]
