"""Search: the newest few matching tickets, fast for common words too (the header search).

`threadline_ticket_search_first(query, digits_reversed, most, walk)` returns the `most` newest
tickets (last message first, as the inbox and the header list them) whose subject words match,
or whose customer matches as `threadline_contact_search` finds contacts (crm migrations 0015
and 0017). As `threadline_contact_search_first`: a common word walks the tenant's tickets newest
first (index ticket_recent) and stops at `most` (falling back after twice the tickets the
estimate needs), a rare one sorts the indexed matches; the planner's estimates choose, `walk` forces one (tests). It
returns every ticket of the tenant that matches: callers that must hide some (a rep's inbox) do
not use it. SECURITY DEFINER with the current tenant applied inside; VOLATILE only for EXPLAIN.
"""

from django.db import migrations

SUBJECT_WORDS = "to_tsvector('simple'::regconfig, threadline_fold(t.subject))"
CONTACT_WORDS = (
    "to_tsvector('simple'::regconfig, "
    "threadline_fold(c.first_name || ' ' || c.last_name || ' ' || c.company_name))"
)
EMAIL_WORDS = (
    "to_tsvector('simple'::regconfig, "
    "threadline_fold(regexp_replace(e.email, '[@._+-]+', ' ', 'g')))"
)
PHONE_END = "(reverse(regexp_replace(p.number, '[^0-9]', '', 'g')) COLLATE \"C\")"
TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"
# As in crm migration 0017 (a walked ticket also reads its customer).
WALK_COST = 3
WALK_ROWS = 20000

# The ticket's customer matches (as in crm migration 0017).
CUSTOMER_MATCHES = f"""(
    SELECT {CONTACT_WORDS} @@ query
        OR (SELECT bool_or({EMAIL_WORDS} @@ query) FROM crm_contactemail e
            WHERE e.contact_id = c.id AND e.tenant_id = current_tenant)
        OR (digits_reversed <> '' AND (
            SELECT bool_or(
                {PHONE_END} >= digits_reversed AND {PHONE_END} < digits_reversed || ':')
            FROM crm_contactphone p WHERE p.contact_id = c.id AND p.tenant_id = current_tenant))
    FROM crm_contact c WHERE c.id = t.contact_id AND c.tenant_id = current_tenant
)"""  # noqa: S608

ESTIMATE = """
    SELECT coalesce((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 0)
           / greatest(reltuples::numeric, 1)
    FROM pg_class WHERE oid = table_name::regclass AND reltuples > 0
"""

FIRST_FUNCTION = f"""
CREATE OR REPLACE FUNCTION threadline_ticket_search_first(
    query tsquery, digits_reversed text, most integer, walk boolean DEFAULT NULL
)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
SET plan_cache_mode = force_custom_plan ROWS 10 AS $$
DECLARE
    current_tenant bigint := {TENANT};
    share numeric := 0;
    part numeric;
    plan json;
    table_name text;
    found bigint[];
    walk_rows integer := {WALK_ROWS};
    table_rows numeric;
BEGIN
    IF current_tenant IS NULL OR most < 1 THEN
        RETURN;
    END IF;
    IF walk IS NULL THEN
        EXECUTE format(
            'EXPLAIN (FORMAT JSON) SELECT 1 FROM tickets_ticket t WHERE %s @@ %L::tsquery',
            $q${SUBJECT_WORDS}$q$, query::text) INTO plan;
        table_name := 'tickets_ticket';
        {ESTIMATE.strip()} INTO part;
        share := greatest(share, coalesce(part, 0));
        EXECUTE format(
            'EXPLAIN (FORMAT JSON) SELECT 1 FROM crm_contact c WHERE %s @@ %L::tsquery',
            $q${CONTACT_WORDS}$q$, query::text) INTO plan;
        table_name := 'crm_contact';
        {ESTIMATE.strip()} INTO part;
        share := greatest(share, coalesce(part, 0));
        EXECUTE format(
            'EXPLAIN (FORMAT JSON) SELECT 1 FROM crm_contactemail e WHERE %s @@ %L::tsquery',
            $q${EMAIL_WORDS}$q$, query::text) INTO plan;
        table_name := 'crm_contactemail';
        {ESTIMATE.strip()} INTO part;
        share := greatest(share, coalesce(part, 0));
        -- Walking costs about most / share rows, sorting the indexed matches share * rows
        -- (each about {WALK_COST} times cheaper than a walked row).
        SELECT greatest(reltuples, 0) INTO table_rows FROM pg_class WHERE oid = 'tickets_ticket'::regclass;
        walk := share * share * table_rows >= most * {WALK_COST};
        -- Twice the tickets the estimate needs for `most` matches, then the indexes.
        IF walk THEN
            walk_rows := least(walk_rows, ceil(2 * most / share)::integer);
        END IF;
    END IF;
    IF walk THEN
        found := ARRAY(
            SELECT t.id FROM (
                SELECT id, subject, contact_id, last_message_at FROM tickets_ticket
                WHERE tenant_id = current_tenant
                ORDER BY last_message_at DESC, id DESC LIMIT walk_rows
            ) t
            WHERE {SUBJECT_WORDS} @@ query OR {CUSTOMER_MATCHES}
            ORDER BY t.last_message_at DESC, t.id DESC LIMIT most
        );
        IF cardinality(found) >= most THEN
            RETURN QUERY SELECT f.id FROM unnest(found) WITH ORDINALITY AS f(id, n) ORDER BY f.n;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT t.id FROM tickets_ticket t
    WHERE t.tenant_id = current_tenant
      AND t.id IN (
          SELECT threadline_ticket_search(query)
          UNION ALL
          SELECT other.id FROM tickets_ticket other
          WHERE other.tenant_id = current_tenant
            AND other.contact_id IN (SELECT threadline_contact_search(query, digits_reversed))
      )
    ORDER BY t.last_message_at DESC, t.id DESC LIMIT most;
END
$$;
"""  # noqa: S608

UNDO = "DROP FUNCTION IF EXISTS threadline_ticket_search_first(tsquery, text, integer, boolean);"


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0017_search2_first_contacts"),
        ("tickets", "0008_search_ticket_subject"),
    ]

    operations = [migrations.RunSQL(FIRST_FUNCTION, UNDO)]
