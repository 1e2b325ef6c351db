# The lead list at a million leads (issue 21): a search of two common words on the open leads
# ("john wil": 13,000 and 41,000 leads have them, 79 open leads both) read every lead's entries of
# both words from lead_search, 11 ms of the page's 38. The open leads' own full-text index (a
# sixth of the entries, 53 MB) and a search function that reads it answer in 1.5 ms.
# docs/benchmarks.md, "The open leads' own search index (twentieth session…)".

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

OPEN_SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION threadline_open_lead_search(query tsquery) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$
    SELECT id FROM leads_lead
    WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint
      AND status = 'open'
      AND search_vector @@ query
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("leads", "0015_aging_indexes_hold_the_stage")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=GinIndex(
                condition=models.Q(("status", "open")),
                fields=["search_vector"],
                name="lead_open_search",
            ),
        ),
        migrations.RunSQL(
            OPEN_SEARCH_FUNCTION,
            "DROP FUNCTION IF EXISTS threadline_open_lead_search(tsquery);",
        ),
    ]
