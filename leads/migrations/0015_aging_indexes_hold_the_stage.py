# The daily digest at a million leads (issue 21): a rep's leads gone red were counted and listed
# from about 46,000 table pages a rep (each stage's window needs the stage), 0.3 s a digest. The
# aging indexes now carry the stage, so the windows are checked on their entries alone.
# docs/benchmarks.md, "The digests' own reads (fourteenth session…)".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0014_rep_search_and_any_status")]

    operations = [
        migrations.RemoveIndex(model_name="lead", name="lead_owner_aging"),
        migrations.RemoveIndex(model_name="lead", name="lead_team_aging"),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "owner", "status", "stage_entered_at", "id"],
                include=("stage_id",),
                name="lead_owner_aging",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "status", "stage_entered_at", "id"],
                include=("stage_id",),
                name="lead_team_aging",
            ),
        ),
    ]
