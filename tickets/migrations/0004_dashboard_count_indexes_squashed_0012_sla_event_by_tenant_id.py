"""tickets 0004–0012 in one migration, made by scripts/squash_migrations.py. A database that applied those
migrations one by one has this one recorded as applied too (Django did that while it replaced them)."""

import django.contrib.postgres.operations
import django.db.migrations.operations.special
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def routes_for_paused_addresses_and_domain_claims(apps, schema_editor):
    """Migrations run as the tables' owner, so every tenant's addresses are read here. A paused
    address gets its (not receiving) route, so it stays its tenant's; each custom domain in use
    is claimed by the tenant that added an address on it first. A domain two tenants already
    shared stays with the first: the other keeps its existing addresses, adds no new ones there,
    and a platform operator decides (platform admin, Inbound domains)."""
    InboxAddress = apps.get_model("tickets", "InboxAddress")
    InboundRoute = apps.get_model("tickets", "InboundRoute")
    InboundDomain = apps.get_model("tickets", "InboundDomain")
    owner = schema_editor.connection.alias
    routes = InboundRoute.objects.using(owner)
    routed = set(routes.values_list("inbox_address_id", flat=True))
    taken = set(routes.values_list("channel", "address"))
    for address in InboxAddress._base_manager.using(owner).order_by("created_at", "pk"):
        if address.pk not in routed and (address.channel, address.address) not in taken:
            routes.create(
                channel=address.channel,
                address=address.address,
                tenant_id=address.tenant_id,
                inbox_address_id=address.pk,
                is_receiving=False,
            )
            taken.add((address.channel, address.address))
        domain = address.address.rpartition("@")[2]
        if address.channel == "email" and domain not in settings.THREADLINE_SHARED_MAIL_DOMAINS:
            InboundDomain.objects.using(owner).get_or_create(
                domain=domain, defaults={"claimed_by_id": address.tenant_id}
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comms", "0004_trigger_step_enrols_in_sequence_squashed_0005_message_sources_portal"),
        ("crm", "0008_dashboard_count_indexes_squashed_0022_contact_email_lower_case"),
        ("leads", "0007_search_folded_documents_squashed_0016_open_lead_search"),
        ("tickets", "0001_initial_squashed_0003_priority_changed_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticketmessage",
            index=models.Index(
                condition=models.Q(("direction__in", ["in", "out"])),
                fields=["tenant", "sent_at"],
                name="ticket_message_by_time",
            ),
        ),
        migrations.AddField(
            model_name="inboundevent",
            name="post_content_type",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="inboundevent",
            name="provider_post",
            field=models.BinaryField(
                blank=True,
                default=b"",
                help_text="The provider's post as it came, when it carried no raw message (parsed fields) or could not be read: the original staff can download.",
            ),
        ),
        migrations.AddField(
            model_name="inboundevent",
            name="too_large_bytes",
            field=models.PositiveBigIntegerField(
                blank=True,
                help_text="The size of a message too large to keep: only its headers were stored.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="ticketmessage",
            name="too_large_bytes",
            field=models.PositiveBigIntegerField(
                blank=True,
                help_text="The size of a message too large to keep: only its headers were stored.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="unroutedinbound",
            name="content_key",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="inboundevent",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be processed"),
                    ("processed", "Processed"),
                    ("failed", "Failed (retrying)"),
                    ("dead", "Failed (gave up; needs a person)"),
                    ("unreadable", "Could not be read (original kept)"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="unroutedinbound",
            constraint=models.UniqueConstraint(
                condition=models.Q(("content_key", ""), _negated=True),
                fields=("content_key",),
                name="unrouted_inbound_once",
            ),
        ),
        migrations.AddField(
            model_name="ticketmessage",
            name="dated_at",
            field=models.DateTimeField(
                blank=True, help_text="The sender's Date header, shown but not trusted.", null=True
            ),
        ),
        migrations.AddField(
            model_name="ticketmessage",
            name="enclosed",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Messages forwarded as attachments or in a digest: sender, subject, date, text.",
            ),
        ),
        migrations.AddField(
            model_name="ticketmessage",
            name="is_delivery_report",
            field=models.BooleanField(
                default=False, help_text="A bounce or delay notice about one of our emails."
            ),
        ),
        migrations.AlterField(
            model_name="ticketmessage",
            name="sent_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="Its place in the thread: for inbound mail, when we received it (imported history: when its last server did), never the sender's Date header.",
            ),
        ),
        migrations.RunSQL(
            sql="\n        UPDATE tickets_ticketmessage AS message\n        SET dated_at = message.sent_at, sent_at = event.received_at\n        FROM tickets_inboundevent AS event\n        WHERE message.inbound_event_id = event.id\n          AND message.direction = 'in' AND message.channel = 'email'\n          AND event.provider <> 'import';\n\n        UPDATE tickets_ticket AS ticket\n        SET last_message_at = GREATEST(ticket.last_message_at, latest.sent_at),\n            last_customer_message_at = GREATEST(ticket.last_customer_message_at, latest.sent_at)\n        FROM (\n            SELECT ticket_id, MAX(sent_at) AS sent_at\n            FROM tickets_ticketmessage\n            WHERE direction = 'in' AND NOT is_auto_reply\n            GROUP BY ticket_id\n        ) AS latest\n        WHERE latest.ticket_id = ticket.id;\n        ",
            reverse_sql="",
        ),
        migrations.AddField(
            model_name="inboundroute",
            name="is_receiving",
            field=models.BooleanField(default=True),
        ),
        migrations.CreateModel(
            name="InboundDomain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("domain", models.CharField(max_length=253, unique=True)),
                ("claimed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "claimed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.tenant",
                    ),
                ),
            ],
            options={
                "ordering": ["domain"],
            },
        ),
        migrations.RunPython(
            code=routes_for_paused_addresses_and_domain_claims,
            reverse_code=django.db.migrations.operations.special.RunPython.noop,
        ),
        migrations.RunSQL(
            sql="\nCREATE INDEX ticket_subject_words ON tickets_ticket USING gin (to_tsvector('simple'::regconfig, threadline_fold(subject)));\nCREATE OR REPLACE FUNCTION threadline_ticket_search(query tsquery) RETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$\n    SELECT id FROM tickets_ticket WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint AND to_tsvector('simple'::regconfig, threadline_fold(subject)) @@ query\n$$;\n",
            reverse_sql="\nDROP FUNCTION IF EXISTS threadline_ticket_search(tsquery);\nDROP INDEX IF EXISTS ticket_subject_words;\n",
        ),
        migrations.RunSQL(
            sql="\nCREATE OR REPLACE FUNCTION threadline_ticket_search_first(\n    query tsquery, digits_reversed text, most integer, walk boolean DEFAULT NULL\n)\nRETURNS SETOF bigint\nLANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public\nSET plan_cache_mode = force_custom_plan ROWS 10 AS $$\nDECLARE\n    current_tenant bigint := NULLIF(current_setting('app.tenant_id', true), '')::bigint;\n    share numeric := 0;\n    part numeric;\n    plan json;\n    table_name text;\n    found bigint[];\n    walk_rows integer := 20000;\n    table_rows numeric;\nBEGIN\n    IF current_tenant IS NULL OR most < 1 THEN\n        RETURN;\n    END IF;\n    IF walk IS NULL THEN\n        EXECUTE format(\n            'EXPLAIN (FORMAT JSON) SELECT 1 FROM tickets_ticket t WHERE %s @@ %L::tsquery',\n            $q$to_tsvector('simple'::regconfig, threadline_fold(t.subject))$q$, query::text) INTO plan;\n        table_name := 'tickets_ticket';\n        SELECT coalesce((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 0)\n           / greatest(reltuples::numeric, 1)\n    FROM pg_class WHERE oid = table_name::regclass AND reltuples > 0 INTO part;\n        share := greatest(share, coalesce(part, 0));\n        EXECUTE format(\n            'EXPLAIN (FORMAT JSON) SELECT 1 FROM crm_contact c WHERE %s @@ %L::tsquery',\n            $q$to_tsvector('simple'::regconfig, threadline_fold(c.first_name || ' ' || c.last_name || ' ' || c.company_name))$q$, query::text) INTO plan;\n        table_name := 'crm_contact';\n        SELECT coalesce((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 0)\n           / greatest(reltuples::numeric, 1)\n    FROM pg_class WHERE oid = table_name::regclass AND reltuples > 0 INTO part;\n        share := greatest(share, coalesce(part, 0));\n        EXECUTE format(\n            'EXPLAIN (FORMAT JSON) SELECT 1 FROM crm_contactemail e WHERE %s @@ %L::tsquery',\n            $q$to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(e.email, '[@._+-]+', ' ', 'g')))$q$, query::text) INTO plan;\n        table_name := 'crm_contactemail';\n        SELECT coalesce((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric, 0)\n           / greatest(reltuples::numeric, 1)\n    FROM pg_class WHERE oid = table_name::regclass AND reltuples > 0 INTO part;\n        share := greatest(share, coalesce(part, 0));\n        -- Walking costs about most / share rows, sorting the indexed matches share * rows\n        -- (each about 3 times cheaper than a walked row).\n        SELECT greatest(reltuples, 0) INTO table_rows FROM pg_class WHERE oid = 'tickets_ticket'::regclass;\n        walk := share * share * table_rows >= most * 3;\n        -- Twice the tickets the estimate needs for `most` matches, then the indexes.\n        IF walk THEN\n            walk_rows := least(walk_rows, ceil(2 * most / share)::integer);\n        END IF;\n    END IF;\n    IF walk THEN\n        found := ARRAY(\n            SELECT t.id FROM (\n                SELECT id, subject, contact_id, last_message_at FROM tickets_ticket\n                WHERE tenant_id = current_tenant\n                ORDER BY last_message_at DESC, id DESC LIMIT walk_rows\n            ) t\n            WHERE to_tsvector('simple'::regconfig, threadline_fold(t.subject)) @@ query OR (\n    SELECT to_tsvector('simple'::regconfig, threadline_fold(c.first_name || ' ' || c.last_name || ' ' || c.company_name)) @@ query\n        OR (SELECT bool_or(to_tsvector('simple'::regconfig, threadline_fold(regexp_replace(e.email, '[@._+-]+', ' ', 'g'))) @@ query) FROM crm_contactemail e\n            WHERE e.contact_id = c.id AND e.tenant_id = current_tenant)\n        OR (digits_reversed <> '' AND (\n            SELECT bool_or(\n                (reverse(regexp_replace(p.number, '[^0-9]', '', 'g')) COLLATE \"C\") >= digits_reversed AND (reverse(regexp_replace(p.number, '[^0-9]', '', 'g')) COLLATE \"C\") < digits_reversed || ':')\n            FROM crm_contactphone p WHERE p.contact_id = c.id AND p.tenant_id = current_tenant))\n    FROM crm_contact c WHERE c.id = t.contact_id AND c.tenant_id = current_tenant\n)\n            ORDER BY t.last_message_at DESC, t.id DESC LIMIT most\n        );\n        IF cardinality(found) >= most THEN\n            RETURN QUERY SELECT f.id FROM unnest(found) WITH ORDINALITY AS f(id, n) ORDER BY f.n;\n            RETURN;\n        END IF;\n    END IF;\n    RETURN QUERY SELECT t.id FROM tickets_ticket t\n    WHERE t.tenant_id = current_tenant\n      AND t.id IN (\n          SELECT threadline_ticket_search(query)\n          UNION ALL\n          SELECT other.id FROM tickets_ticket other\n          WHERE other.tenant_id = current_tenant\n            AND other.contact_id IN (SELECT threadline_contact_search(query, digits_reversed))\n      )\n    ORDER BY t.last_message_at DESC, t.id DESC LIMIT most;\nEND\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_ticket_search_first(tsquery, text, integer, boolean);",
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "waiting"])),
                fields=["tenant", "-last_message_at", "-id"],
                name="ticket_active_recent",
            ),
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "waiting"])),
                fields=["tenant", "assignee", "-last_message_at", "-id"],
                name="ticket_active_by_assignee",
            ),
        ),
        migrations.RunSQL(
            sql="\n-- Events stored but not processed whose turn has come (inbound_events_due): inbound_event_unprocessed.\nCREATE OR REPLACE FUNCTION threadline_tenants_with_due_inbound_events(at timestamptz)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t\n    WHERE EXISTS (\n        SELECT 1 FROM tickets_inboundevent e\n        WHERE e.tenant_id = t.id AND e.status IN ('pending', 'failed') AND e.next_attempt_at <= at\n    )\n$$;\n\n-- An SLA clock that ran out, or a breach the team lead was told of longer ago than the tenant's\n-- wait for the managers (sla_breaches_sweep): ticket_sla_running, ticket_sla_escalated_once.\nCREATE OR REPLACE FUNCTION threadline_tenants_with_sla_due(at timestamptz, manager_minutes integer)\nRETURNS SETOF bigint\nLANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$\n    SELECT t.id FROM crm_tenant t LEFT JOIN tickets_inboxsettings s ON s.tenant_id = t.id\n    WHERE EXISTS (\n        SELECT 1 FROM tickets_ticket k\n        WHERE k.tenant_id = t.id AND k.sla_breached_at IS NULL AND k.sla_due_at IS NOT NULL\n          AND k.sla_due_at <= at AND k.status IN ('open', 'waiting')\n    ) OR EXISTS (\n        SELECT 1 FROM tickets_ticket k\n        WHERE k.tenant_id = t.id AND k.escalation_level = 1 AND k.sla_due_at IS NOT NULL\n          AND k.status IN ('open', 'waiting')\n          AND k.escalated_at <= at - make_interval(\n              mins => coalesce(s.escalate_to_manager_after_minutes, manager_minutes))\n    )\n$$;\n",
            reverse_sql="DROP FUNCTION IF EXISTS threadline_tenants_with_due_inbound_events(timestamptz);DROP FUNCTION IF EXISTS threadline_tenants_with_sla_due(timestamptz, integer);",
        ),
        django.contrib.postgres.operations.AddIndexConcurrently(
            model_name="slaevent",
            index=models.Index(fields=["tenant", "id"], name="sla_event_by_tenant_id"),
        ),
    ]
