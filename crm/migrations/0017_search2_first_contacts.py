"""Search: the first few matching contacts, fast for common words too (crm.kit.search).

`threadline_contact_search` (migration 0015) returns every match; a list that shows the newest
few then sorts them all, which for a word 77,000 contacts share ("mar") took seconds.
`threadline_contact_search_first(query, digits_reversed, most, by_name, walk)` returns the first
`most` matches in a list's own order (newest first: created_at, id descending; or by name:
first name, last name, id), choosing the cheaper of two reads:

- common words: walk the tenant's contacts in that order (B-tree indexes
  contact_tenant_recent and contact_tenant_first_name), check each against the query, stop at
  `most`. A contact matches exactly as in threadline_contact_search (name and company words,
  email words, the end of a phone number). The walk reads at most four times the contacts the
  estimate says `most` matches need (WALK_ROWS at most, and always for the name order, where
  matches cluster: "mar" among the M's); when that is not enough it falls back
  to the next read, so the answer never depends on the choice, only its time;
- rare words: threadline_contact_search's indexed matches (GIN), sorted.

The choice is the planner's estimate of the share of contacts with the words (the statistics
ANALYZE keeps on the GIN index expressions, the larger of the name and the email estimates):
the walk when it should cost less than sorting every match (WALK_COST). `walk` forces one read (true: the walk, false: the indexes), for the tests.
SECURITY DEFINER with the current tenant applied inside, as threadline_contact_search: with no
tenant set it returns nothing. VOLATILE only because PostgreSQL allows EXPLAIN (the estimate)
in no other kind of function; it reads and writes nothing else.
"""

from django.db import migrations

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
# A walked contact costs about this many indexed matches sorted (50 µs against 15 µs): the walk
# is chosen when most / share * WALK_COST < share * rows. At a million contacts "mar" (8 %) is
# walked, "smith" (0.4 %) is not.
WALK_COST = 3
# ... and reads at most this many (four times what the estimate needs) before the indexes.
WALK_ROWS = 20000

# One contact row `c` matches: its words, one of its emails' words, one of its numbers' end.
# Scalar subqueries (not EXISTS) so PostgreSQL checks the contact's own few rows each time
# instead of hashing every email that matches the query.
MATCHES = f"""(
    {CONTACT_WORDS} @@ query
    OR (SELECT bool_or({EMAIL_WORDS} @@ query) FROM crm_contactemail e
        WHERE e.contact_id = c.id AND e.tenant_id = current_tenant)
    OR (digits_reversed <> '' AND (
        SELECT bool_or({PHONE_END} >= digits_reversed AND {PHONE_END} < digits_reversed || ':')
        FROM crm_contactphone p WHERE p.contact_id = c.id AND p.tenant_id = current_tenant))
)"""  # noqa: S608


def walk(order: str) -> str:
    return f"""ARRAY(
            SELECT c.id FROM (
                SELECT * FROM crm_contact WHERE tenant_id = current_tenant
                ORDER BY {order} LIMIT walk_rows
            ) c
            WHERE {MATCHES}
            ORDER BY {order} LIMIT most
        )"""  # noqa: S608


NEWEST = "created_at DESC, id DESC"
BY_NAME = "first_name, last_name, id"

# A share of the table matching the words: the planner's row estimate over the table's rows.
ESTIMATE = """
    SELECT coalesce((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 0)
           / greatest(reltuples::numeric, 1)
    FROM pg_class WHERE oid = table_name::regclass AND reltuples > 0
"""

FIRST_FUNCTION = f"""
CREATE INDEX IF NOT EXISTS contact_tenant_first_name
    ON crm_contact (tenant_id, first_name, last_name, id);

CREATE OR REPLACE FUNCTION threadline_contact_search_first(
    query tsquery, digits_reversed text, most integer,
    by_name boolean DEFAULT false, walk boolean DEFAULT NULL
)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
SET plan_cache_mode = force_custom_plan ROWS 50 AS $$
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
        SELECT greatest(reltuples, 0) INTO table_rows FROM pg_class WHERE oid = 'crm_contact'::regclass;
        walk := share * share * table_rows >= most * {WALK_COST};
        -- Four times the contacts the estimate needs for `most` matches, then the indexes.
        -- (By name: matches cluster, "mar" in the M's, so read up to WALK_ROWS.)
        IF walk AND NOT by_name THEN
            walk_rows := least(walk_rows, ceil(4 * most / share)::integer);
        END IF;
    END IF;
    IF walk THEN
        IF by_name THEN
            found := {walk(BY_NAME)};
        ELSE
            found := {walk(NEWEST)};
        END IF;
        IF cardinality(found) >= most THEN
            RETURN QUERY SELECT f.id FROM unnest(found) WITH ORDINALITY AS f(id, n) ORDER BY f.n;
            RETURN;
        END IF;
    END IF;
    IF by_name THEN
        RETURN QUERY SELECT c.id FROM crm_contact c
        WHERE c.tenant_id = current_tenant
          AND c.id IN (SELECT threadline_contact_search(query, digits_reversed))
        ORDER BY c.{BY_NAME.replace(", ", ", c.")} LIMIT most;
    ELSE
        RETURN QUERY SELECT c.id FROM crm_contact c
        WHERE c.tenant_id = current_tenant
          AND c.id IN (SELECT threadline_contact_search(query, digits_reversed))
        ORDER BY c.created_at DESC, c.id DESC LIMIT most;
    END IF;
END
$$;
"""  # noqa: S608

UNDO = """
DROP FUNCTION IF EXISTS threadline_contact_search_first(tsquery, text, integer, boolean, boolean);
DROP INDEX IF EXISTS contact_tenant_first_name;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0016_alerts_grouped_notifications_calendar_preferences"),
    ]

    operations = [migrations.RunSQL(FIRST_FUNCTION, UNDO)]
