"""Search: folding accents in SQL, and the contact search the lists share (crm.kit.search).

Plain PostgreSQL, no extension (the embedded PostgreSQL of `make dev` and the tests ships
neither unaccent nor pg_trgm): `threadline_fold` is translate() over the Latin letters with
diacritics, IMMUTABLE so the indexes can use it, and the same table as `crm.kit.search.fold`.
The indexes are full-text (GIN, prefix queries) on a contact's name and company and on their
email addresses' words, and a B-tree on each phone number's digits read backwards (a number is
found from its end: with or without the country code, or by its last digits).

Row-level security keeps PostgreSQL from using an index for a condition that is not leakproof,
so the search runs as the table owner in `threadline_contact_search`, which applies the same
current-tenant condition as the policy; with no tenant set it returns nothing.
"""

from django.db import migrations

FOLD_FROM = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳøØđĐłŁħĦŧŦı"
FOLD_TO = "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoUuAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyoOdDlLhHtTi"

FOLD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION threadline_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(translate(value, '{FOLD_FROM}', '{FOLD_TO}'))
$$;
"""

CONTACT_WORDS = (
    "to_tsvector('simple'::regconfig, "
    "threadline_fold(first_name || ' ' || last_name || ' ' || company_name))"
)
EMAIL_WORDS = (
    "to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(email, '[@._+-]+', ' ', 'g')))"
)
PHONE_END = "(reverse(regexp_replace(number, '[^0-9]', '', 'g')) COLLATE \"C\")"
TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"

INDEXES = f"""
CREATE INDEX contact_search_words ON crm_contact USING gin ({CONTACT_WORDS});
CREATE INDEX contact_email_search_words ON crm_contactemail USING gin ({EMAIL_WORDS});
CREATE INDEX contact_phone_digits_end ON crm_contactphone (tenant_id, {PHONE_END});
"""
DROP_INDEXES = """
DROP INDEX IF EXISTS contact_search_words;
DROP INDEX IF EXISTS contact_email_search_words;
DROP INDEX IF EXISTS contact_phone_digits_end;
"""

# UNION ALL, not UNION: a caller reading the first N ids stops there (a contact found by name and
# by email comes twice; callers read the ids as a set).
# digits_reversed: a phone number's digits, last first ('' for a search that is not a number);
# ':' sorts right after '9', so the range is every number ending in those digits.
SEARCH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION threadline_contact_search(query tsquery, digits_reversed text)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$
    SELECT id FROM crm_contact
    WHERE tenant_id = {TENANT} AND {CONTACT_WORDS} @@ query
    UNION ALL
    SELECT contact_id FROM crm_contactemail
    WHERE tenant_id = {TENANT} AND {EMAIL_WORDS} @@ query
    UNION ALL
    SELECT contact_id FROM crm_contactphone
    WHERE tenant_id = {TENANT} AND digits_reversed <> ''
      AND {PHONE_END} >= digits_reversed AND {PHONE_END} < digits_reversed || ':'
$$;
"""  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0014_brands_logo_phone"),
    ]

    operations = [
        migrations.RunSQL(FOLD_FUNCTION, "DROP FUNCTION IF EXISTS threadline_fold(text);"),
        migrations.RunSQL(INDEXES, DROP_INDEXES),
        migrations.RunSQL(
            SEARCH_FUNCTION,
            "DROP FUNCTION IF EXISTS threadline_contact_search(tsquery, text);",
        ),
    ]
