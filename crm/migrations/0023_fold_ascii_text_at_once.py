"""`threadline_fold` returns text with only ASCII characters lower-cased, without translate().

translate() over the 250 letters with diacritics compares every character of the text with each
of them: about 14 µs a call, 15 s of CPU to index a million contacts' email words (more than the
GIN build itself), and the same on every write of a contact, email or ticket subject. Text with
no character above U+007F has nothing to translate, and a regular expression tells that in about
a microsecond; any other text is folded as before. The results are the same for every input, so
the indexes on the function stay valid (no rebuild).

The function is no longer STRICT: PostgreSQL inlines a SQL function into the statement (and into
the index expressions, as the planner reads them) only when a STRICT one's body is strict too,
and a CASE is not. NULL still gives NULL (the test of a NULL is NULL, so the ELSE branch folds it
to NULL).
"""

import importlib

from django.db import migrations

_search = importlib.import_module("crm.migrations.0015_search_contact_search")

FOLD_ASCII_AT_ONCE = f"""
CREATE OR REPLACE FUNCTION threadline_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value ~ '^[\\x01-\\x7f]*$' THEN lower(value)
                ELSE lower(translate(value, '{_search.FOLD_FROM}', '{_search.FOLD_TO}')) END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0022_contact_email_lower_case"),
    ]

    operations = [
        migrations.RunSQL(FOLD_ASCII_AT_ONCE, _search.FOLD_FUNCTION),
    ]
