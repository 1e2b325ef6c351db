"""Search: the inbox and the header search find tickets by subject words (folded as in
crm.kit.search), through a SECURITY DEFINER function for the reason given in crm migration 0014."""

from django.db import migrations

SUBJECT_WORDS = "to_tsvector('simple'::regconfig, threadline_fold(subject))"
TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"

SEARCH = f"""
CREATE INDEX ticket_subject_words ON tickets_ticket USING gin ({SUBJECT_WORDS});
CREATE OR REPLACE FUNCTION threadline_ticket_search(query tsquery) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$
    SELECT id FROM tickets_ticket WHERE tenant_id = {TENANT} AND {SUBJECT_WORDS} @@ query
$$;
"""  # noqa: S608
UNDO = """
DROP FUNCTION IF EXISTS threadline_ticket_search(tsquery);
DROP INDEX IF EXISTS ticket_subject_words;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0015_search_contact_search"),
        ("tickets", "0007_inbound_domain_claims_and_paused_routes"),
    ]

    operations = [migrations.RunSQL(SEARCH, UNDO)]
