"""The timeline keeps the job's id without the core naming the leads app: the foreign key leaves
crm's models, the column and its index stay as they are (leads 0017 owns the constraint)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0023_fold_ascii_text_at_once"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="timelineevent", name="timeline_by_lead"),
                migrations.RemoveField(model_name="timelineevent", name="lead"),
                migrations.AddField(
                    model_name="timelineevent",
                    name="lead_id",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
                migrations.AddIndex(
                    model_name="timelineevent",
                    index=models.Index(
                        condition=models.Q(("lead_id__isnull", False)),
                        fields=["tenant", "lead_id", "-occurred_at", "-id"],
                        name="timeline_by_lead",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
