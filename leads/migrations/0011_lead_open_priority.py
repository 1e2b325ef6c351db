# The lead list at a million leads (issue 21): the open leads in priority order with their stage
# and its entry time, so a stage or aging filter walks the list's order from the index alone
# (about 10 MB: open leads only). docs/benchmarks.md, "Lead list at a million leads".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_sweeps2_priorities_due")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "-priority_score", "-id"],
                include=("stage_id", "stage_entered_at"),
                name="lead_open_priority",
            ),
        ),
    ]
