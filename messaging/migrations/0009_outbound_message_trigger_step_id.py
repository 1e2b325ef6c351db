"""An outbox row keeps the id of the trigger step that scheduled it without messaging naming the
automation app: the foreign key leaves the model, the column stays as it is (automation 0004 owns
the constraint)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0006_triggers_move_to_automation_squashed_0008_digest_source"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="outboundmessage", name="trigger_step"),
                migrations.AddField(
                    model_name="outboundmessage",
                    name="trigger_step_id",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
            ],
            database_operations=[],
        ),
    ]
