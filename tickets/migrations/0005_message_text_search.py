"""The inbox finds tickets by the text of their messages: a full-text (GIN) index on each
message's subject and shown text (the new part of an email, not its quoted history, which is the
earlier messages' own text), and the SECURITY DEFINER function that reads it for the current
tenant only (under row-level security no index could serve `@@`: see docs/architecture.md,
"Indexes behind the second wall")."""

from django.db import migrations

# The words of one message, written identically in the index and in the function so the planner
# matches them. A message's text is cut at 100,000 characters: a tsvector holds at most 1 MB, and
# a longer text (a pasted log, a huge newsletter) must not make its insert fail.
MESSAGE_WORDS = (
    "to_tsvector('simple'::regconfig, threadline_fold(subject || ' ' || "
    "left(CASE WHEN reply_text <> '' THEN reply_text ELSE body_text END, 100000)))"
)

MESSAGE_SEARCH = f"""
CREATE OR REPLACE FUNCTION threadline_ticket_message_search(query tsquery) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$
    SELECT DISTINCT ticket_id FROM tickets_ticketmessage WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint AND {MESSAGE_WORDS} @@ query
$$;
"""  # noqa: S608  # nosec B608: constant text, nothing typed reaches it


class Migration(migrations.Migration):
    # The index is built CONCURRENTLY: millions of messages keep arriving while it is.
    atomic = False

    dependencies = [
        ("tickets", "0004_dashboard_count_indexes_squashed_0012_sla_event_by_tenant_id"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_message_words "
            f"ON tickets_ticketmessage USING gin ({MESSAGE_WORDS});",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS ticket_message_words;",
        ),
        migrations.RunSQL(
            sql=MESSAGE_SEARCH,
            reverse_sql="DROP FUNCTION IF EXISTS threadline_ticket_message_search(tsquery);",
        ),
    ]
