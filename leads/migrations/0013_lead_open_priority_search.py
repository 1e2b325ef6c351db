# The lead list at a million leads (issue 21): the open leads in priority order with their search
# words, so a search of a common word walks the list's order from the index alone (about 62 MB:
# the words take some 300 bytes a lead). docs/benchmarks.md, "Lead list at a million leads".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0012_lead_owner_open_priority")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "-priority_score", "-id"],
                include=("search_vector",),
                name="lead_open_priority_search",
            ),
        ),
    ]
