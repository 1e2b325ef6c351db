# The lead list at a million leads (issue 21), a rep's own list: their search walks the owner's
# open leads in priority order with their words from the index alone (as lead_open_priority_search
# does for the team: about 64 MB), and their list of any status checks the owner in the index
# instead of reading the rows (lead_all_priority carries owner_id). docs/benchmarks.md, "A rep's
# search and list of any status (ninth session…)".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0013_lead_open_priority_search")]

    operations = [
        migrations.RemoveIndex(model_name="lead", name="lead_all_priority"),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["tenant", "-priority_score", "-id"],
                include=("owner_id",),
                name="lead_all_priority",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "owner", "-priority_score", "-id"],
                include=("search_vector",),
                name="lead_owner_open_search",
            ),
        ),
    ]
