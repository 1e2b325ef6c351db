"""Search: lead search documents hold folded words ("jose pena" for José Peña, crm.kit.search);
the documents written before hold the accented ones, folded here in SQL (the few with a letter
outside ASCII)."""

from django.db import migrations

FOLD_DOCUMENTS = r"""
UPDATE leads_lead
SET search_vector = to_tsvector(
    'simple'::regconfig, threadline_fold(array_to_string(tsvector_to_array(search_vector), ' '))
)
WHERE search_vector IS NOT NULL AND search_vector::text ~ '[^\x01-\x7f]';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0015_search_contact_search"),
        ("leads", "0006_assign_decision"),
    ]

    operations = [migrations.RunSQL(FOLD_DOCUMENTS, migrations.RunSQL.noop)]
