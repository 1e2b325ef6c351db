# The lead list at a million leads (issue 21): each owner's open leads in priority order with
# their pipeline, stage and stage-entry time, so a rep's list filtered by a pipeline, a stage or an
# aging colour walks the index alone (about 12 MB: open leads only). docs/benchmarks.md, "Lead list
# at a million leads".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0011_lead_open_priority")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "owner", "-priority_score", "-id"],
                include=("pipeline_id", "stage_id", "stage_entered_at"),
                name="lead_owner_open_priority",
            ),
        ),
    ]
