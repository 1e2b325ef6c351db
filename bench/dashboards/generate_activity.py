"""Give a bench tenant the activity the manager dashboard reads, at the volume its leads imply.

    python bench/dashboards/generate_activity.py --tenant bench-big

Run it after bench/leads/generate.py, through `scripts/devenv.py run --` (bench/README.md). For
every lead of the tenant, over its own lifetime (creation to close, or now while it is open):

- follow-ups: the pending one behind each `next_follow_up_at`, and up to three earlier ones,
  done on time, done late, missed (as the missed sweep marks them) or cancelled;
- timeline events: `lead.created`, calls logged (`lead.call`, the anomaly section's "calls
  logged"; one at the first touch when there is one) and notes;
- tickets for 45 % of the leads, each one to four exchanges of a customer message and our answer
  (email, SMS or WhatsApp), with the SLA events the inbox records (`started`, then `met`, or
  `breached` and `answered_late`), the ticket's first response and, for a recent ticket whose
  last message is unanswered, its running SLA clock;
- neglect flags: open ones on live leads untouched for weeks (escalated to the managers after
  three days), and cleared ones in the past;
- quotes (without lines): an accepted one for every won lead, an offered one (sent, viewed,
  rejected or expired) for most leads lost on price, competition or timing and for open leads
  past the first two stages. The sources and lost-reason sections read their totals.

Lost reasons and each lead's cost (its source's price, varied by ±30 %) come with the leads.

The small set-up (follow-up types, SLA policies, a "Sales" inbox on the default brand) goes
through the services as the app role. The volume is set-based SQL on the owner connection in one
transaction, as in bench/leads/generate.py (audit triggers skipped; secondary indexes of empty
tables dropped and rebuilt), then VACUUM and ANALYZE. `--replace` deletes the tenant's rows of
these tables first. The run ends by counting the rows as the app role in the tenant's context.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.leads.generate import (  # noqa: E402
    SEED,
    Clock,
    quiet_triggers,
    secondary_indexes,
    setup_django,
)

# Written in this order; deleted in the reverse order by --replace.
ACTIVITY_TABLES = [
    "followups_followup",
    "crm_timelineevent",
    "tickets_ticket",
    "tickets_ticketmessage",
    "tickets_slaevent",
    "followups_neglectflag",
    "leads_quote",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="bench-big", help="tenant slug (bench-big)")
    parser.add_argument(
        "--replace", action="store_true", help="delete the tenant's activity rows first"
    )
    parser.add_argument("--database-url", help="owner URL of the bench database (DATABASE_URL)")
    parser.add_argument("--seed", type=float, default=SEED, help="random seed in [-1, 1]")
    return parser.parse_args()


def set_up(tenant) -> dict:
    """Follow-up types, SLA policies and the inbox, through the services as the app role."""
    from django.db import transaction

    from crm.models import Brand, Membership, Role
    from crm.tenancy import tenant_context
    from followups.services.followups import follow_up_types_ensure
    from tickets.models import Inbox
    from tickets.services.configuration import inbox_save, sla_policies_ensure

    with transaction.atomic(), tenant_context(tenant):
        types = {t.key: t.pk for t in follow_up_types_ensure(tenant=tenant)}
        policies = {
            p.priority: p.first_response_minutes for p in sla_policies_ensure(tenant=tenant)
        }
        manager = (
            Membership.objects.filter(tenant=tenant, role=Role.MANAGER)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        inbox = Inbox.objects.filter(tenant=tenant, name="Sales").first() or inbox_save(
            tenant=tenant,
            actor=manager.user,
            name="Sales",
            brand=Brand.objects.get(tenant=tenant, is_default=True),
        )
    return {
        "types": types,
        "policies": policies,
        "inbox": inbox.pk,
        "manager": manager.pk,
        "manager_user": manager.user_id,
    }


LEADS_SQL = """
CREATE TEMP TABLE act_lead AS
SELECT l.id AS lead_id, l.contact_id, l.property_id, l.pipeline_id, l.brand_id, l.status,
       l.lost_reason, l.title, l.created_at, l.first_touch_at, l.won_at, l.closed_at,
       l.last_activity_at, l.next_follow_up_at, l.estimated_value, l.number,
       coalesce(l.owner_id, %(manager)s) AS assignee_id,
       coalesce(m.user_id, %(manager_user)s) AS user_id,
       s.position AS stage_position, s.is_terminal,
       -- when the lead stops producing activity: its close, else now (won jobs go on a while)
       greatest(l.created_at + interval '1 minute', CASE
           WHEN l.status = 'open' THEN %(now)s::timestamptz
           WHEN l.status = 'lost' THEN l.closed_at
           ELSE least(%(now)s::timestamptz, coalesce(l.closed_at, l.won_at + interval '60 days'))
       END) AS active_until,
       random() AS u_follow, random() AS u_call, random() AS u_note, random() AS u_ticket,
       random() AS u_pairs, random() AS u_channel, random() AS u_priority, random() AS u_neglect,
       random() AS u_quote, random() AS u_quote2
FROM leads_lead l
LEFT JOIN crm_membership m ON m.id = l.owner_id
LEFT JOIN leads_stage s ON s.id = l.stage_id
WHERE l.tenant_id = %(tenant)s
ORDER BY l.id;

CREATE TEMP TABLE act_quote_stage AS
SELECT pipeline_id, min(position) AS position FROM leads_stage
WHERE tenant_id = %(tenant)s AND moves_on = 'quote_sent' GROUP BY pipeline_id;

ANALYZE act_lead, act_quote_stage
"""

FOLLOW_UPS_SQL = """
WITH planned AS (
    -- the next follow-up of each open lead that has one (the lead list's "next follow-up")
    SELECT a.*, a.next_follow_up_at AS scheduled_at, 1.0 AS u_status, true AS is_next,
           random() AS u_type, random() AS u_done
    FROM act_lead a WHERE a.status = 'open' AND a.next_follow_up_at IS NOT NULL
    UNION ALL
    -- up to three earlier ones over the lead's life
    SELECT a.*, a.created_at + (a.active_until - a.created_at) * random(), random(), false,
           random(), random()
    FROM act_lead a CROSS JOIN LATERAL generate_series(1, floor(a.u_follow * 3.3)::int) AS i
), typed AS (
    SELECT p.*,
           CASE WHEN p.u_type < 0.50 THEN 'call' WHEN p.u_type < 0.70 THEN 'email'
                WHEN p.u_type < 0.85 THEN 'message' WHEN p.u_type < 0.95 THEN 'meeting'
                ELSE 'video' END AS type_key,
           CASE WHEN p.u_type < 0.85 THEN 15 WHEN p.u_type < 0.95 THEN 60 ELSE 30 END AS minutes
    FROM planned p
), judged AS (
    SELECT t.*, t.scheduled_at + make_interval(mins => t.minutes) AS slot_end,
           CASE
               WHEN t.is_next THEN
                   CASE WHEN t.scheduled_at + make_interval(mins => t.minutes)
                             > %(now)s::timestamptz - interval '30 minutes' THEN 'pending'
                        ELSE 'missed' END
               WHEN t.u_status < 0.72 THEN 'on_time'
               WHEN t.u_status < 0.84 THEN 'late'
               WHEN t.u_status < 0.92 THEN 'missed'
               ELSE 'cancelled'
           END AS fate
    FROM typed t
)
INSERT INTO followups_followup (tenant_id, subject, description, type_id, scheduled_at,
    duration_minutes, priority, status, assignee_id, contact_id, lead_id, property_id, outcome,
    outcome_notes, completed_at, missed_at, source, key, created_by_id, created_at, updated_at)
SELECT %(tenant)s,
       CASE j.type_key WHEN 'call' THEN 'Call back' WHEN 'email' THEN 'Email the details'
            WHEN 'message' THEN 'Text a reminder' WHEN 'meeting' THEN 'Inspection visit'
            ELSE 'Video walk-through' END || ': ' || j.title,
       '', (%(types)s::jsonb ->> j.type_key)::bigint, j.scheduled_at, j.minutes,
       CASE WHEN j.u_done < 0.15 THEN 'high' WHEN j.u_done > 0.9 THEN 'low' ELSE 'medium' END,
       CASE j.fate WHEN 'pending' THEN 'pending' WHEN 'missed' THEN 'missed'
            WHEN 'cancelled' THEN 'cancelled' ELSE 'completed' END,
       j.assignee_id, j.contact_id, j.lead_id, j.property_id,
       CASE WHEN j.fate IN ('on_time', 'late')
            THEN CASE WHEN j.u_done < 0.7 THEN 'successful' ELSE 'no_response' END ELSE '' END,
       '',
       CASE j.fate
           WHEN 'on_time' THEN least(j.scheduled_at + (j.slot_end - j.scheduled_at) * j.u_done,
                                     %(now)s::timestamptz)
           WHEN 'late' THEN least(j.slot_end + interval '1 hour' * (1 + 47 * power(j.u_done, 2)),
                                  %(now)s::timestamptz)
       END,
       CASE WHEN j.fate = 'missed'
            THEN least(j.slot_end + interval '1 hour' * j.u_done, %(now)s::timestamptz) END,
       CASE WHEN j.u_done < 0.2 THEN 'trigger' ELSE 'manual' END, '', j.user_id,
       -- A follow-up ahead was written before now, as auto_now would have (a later updated_at
       -- made the team rollup's sweep see every tenant as changed at every run).
       least(greatest(j.created_at, j.scheduled_at - interval '1 day' * 3 * j.u_done),
             %(now)s::timestamptz),
       least(greatest(j.created_at, j.scheduled_at - interval '1 day' * 3 * j.u_done),
             %(now)s::timestamptz)
FROM judged j ORDER BY j.scheduled_at
"""

TIMELINE_SQL = """
WITH calls AS (
    -- the call that was the first touch, then up to three more over the lead's life
    SELECT a.*, a.first_touch_at AS at, false AS inbound, random() AS u
    FROM act_lead a WHERE a.first_touch_at IS NOT NULL AND a.u_call < 0.6
    UNION ALL
    SELECT a.*, a.created_at + (a.active_until - a.created_at) * random(), random() < 0.2,
           random()
    FROM act_lead a CROSS JOIN LATERAL generate_series(1, floor(a.u_call * 4)::int) AS i
    WHERE a.first_touch_at IS NOT NULL
), events AS (
    SELECT lead_id, contact_id, user_id, created_at AS at, 'lead.created' AS kind,
           'Lead created' AS summary, '{"via": "web form"}'::jsonb AS detail, number AS sort
    FROM act_lead
    UNION ALL
    SELECT lead_id, contact_id, user_id, at, 'lead.call',
           CASE WHEN inbound THEN 'Call from customer: ' ELSE 'Call: ' END
           || CASE WHEN u < 0.55 THEN 'Reached' WHEN u < 0.85 THEN 'No answer'
                   ELSE 'Left voicemail' END,
           jsonb_build_object('outcome', CASE WHEN u < 0.55 THEN 'reached'
                                              WHEN u < 0.85 THEN 'no_answer' ELSE 'voicemail' END,
                              'note', '', 'inbound', inbound),
           number
    FROM calls
    UNION ALL
    SELECT a.lead_id, a.contact_id, a.user_id,
           a.created_at + (a.active_until - a.created_at) * random(), 'lead.note',
           'Customer prefers mornings; gate code at the side door.',
           '{"body": "Customer prefers mornings; gate code at the side door."}'::jsonb, a.number
    FROM act_lead a WHERE a.u_note < 0.3
)
INSERT INTO crm_timelineevent (tenant_id, occurred_at, kind, summary, detail, actor_id,
    customer_visible, contact_id, lead_id)
SELECT %(tenant)s, at, kind, summary, detail, user_id, false, contact_id, lead_id
FROM events ORDER BY at
"""

# One row per exchange: the customer's message and (unless still owed) our answer.
EXCHANGES_SQL = """
CREATE TEMP TABLE act_ticket AS
SELECT a.lead_id, a.contact_id, a.assignee_id, a.user_id, a.title, a.status AS lead_status,
       nextval(pg_get_serial_sequence('tickets_ticket', 'id')) AS ticket_id,
       %(first_number)s + row_number() OVER (ORDER BY a.created_at, a.lead_id) AS number,
       a.created_at + (a.active_until - a.created_at) * 0.3 * power(random(), 2) AS opened_at,
       a.active_until, 1 + floor(a.u_pairs * 3.6)::int AS exchanges,
       CASE WHEN a.u_channel < 0.6 THEN 'email' WHEN a.u_channel < 0.95 THEN 'sms'
            ELSE 'whatsapp' END AS channel,
       CASE WHEN a.u_priority < 0.03 THEN 'urgent' WHEN a.u_priority < 0.15 THEN 'high'
            WHEN a.u_priority < 0.95 THEN 'normal' ELSE 'low' END AS priority
FROM act_lead a WHERE a.u_ticket < 0.45 ORDER BY a.created_at, a.lead_id;

CREATE TEMP TABLE act_exchange AS
WITH spread AS (
    SELECT t.*, i AS exchange,
           t.opened_at + least(t.active_until - t.opened_at, interval '30 days')
                         * (i - 1) / t.exchanges AS asked_at,
           (%(policies)s::jsonb ->> t.priority)::int AS target_minutes,
           random() AS u_wait, random() AS u_owed
    FROM act_ticket t CROSS JOIN LATERAL generate_series(1, t.exchanges) AS i
), answered AS (
    SELECT s.*,
           s.asked_at + interval '1 minute' * CASE
               WHEN s.u_wait < 0.55 THEN 3 + 57 * s.u_wait / 0.55
               WHEN s.u_wait < 0.85 THEN 60 + 1140 * (s.u_wait - 0.55) / 0.30
               ELSE 1200 + 3120 * (s.u_wait - 0.85) / 0.15 END AS wait_until
    FROM spread s
)
SELECT a.*, a.asked_at + make_interval(mins => a.target_minutes) AS due_at,
       -- the last question of a recent ticket may still be owed
       CASE WHEN (a.exchange = a.exchanges AND a.u_owed < 0.5
                  AND a.asked_at > %(now)s::timestamptz - interval '3 days')
                 OR a.wait_until > %(now)s::timestamptz THEN NULL
            ELSE a.wait_until END AS answered_at
FROM answered a;

CREATE INDEX ON act_exchange (ticket_id);
ANALYZE act_ticket, act_exchange
"""

TICKETS_SQL = """
WITH summary AS (
    SELECT e.ticket_id,
           max(e.answered_at) FILTER (WHERE e.exchange = 1) AS first_response_at,
           max(e.asked_at) AS last_asked_at,
           max(greatest(e.asked_at, e.answered_at)) AS last_message_at,
           bool_or(e.answered_at IS NULL) AS owes,
           max(e.due_at) FILTER (WHERE e.answered_at IS NULL) AS owed_due_at,
           max(e.asked_at) FILTER (WHERE e.answered_at IS NULL) AS owed_since,
           max(e.exchange) FILTER (WHERE e.answered_at IS NULL) AS owed_exchange
    FROM act_exchange e GROUP BY e.ticket_id
)
INSERT INTO tickets_ticket (id, tenant_id, number, inbox_id, contact_id, lead_id, subject,
    status, priority, priority_reason, assignee_id, created_at, updated_at, last_message_at,
    last_message_snippet, last_message_channel, last_message_direction,
    last_customer_message_at, first_response_at, resolved_at, sla_target, sla_started_at,
    sla_due_at, sla_breached_at, escalation_level)
SELECT t.ticket_id, %(tenant)s, t.number, %(inbox)s, t.contact_id, t.lead_id, t.title,
       CASE WHEN s.owes THEN 'open'
            WHEN s.last_message_at < %(now)s::timestamptz - interval '7 days' THEN 'resolved'
            ELSE 'waiting' END,
       t.priority, '', t.assignee_id, t.opened_at, s.last_message_at, s.last_message_at,
       CASE WHEN s.owes THEN 'Any update on this? Thanks.'
            ELSE 'Thanks for your message, we will be in touch shortly.' END,
       t.channel, CASE WHEN s.owes THEN 'in' ELSE 'out' END,
       s.last_asked_at, s.first_response_at,
       CASE WHEN NOT s.owes AND s.last_message_at < %(now)s::timestamptz - interval '7 days'
            THEN s.last_message_at + interval '7 days' END,
       CASE WHEN s.owes THEN CASE WHEN s.owed_exchange = 1 THEN 'first' ELSE 'next' END
            ELSE '' END,
       CASE WHEN s.owes THEN s.owed_since END,
       CASE WHEN s.owes THEN s.owed_due_at END,
       CASE WHEN s.owes AND s.owed_due_at < %(now)s::timestamptz THEN s.owed_due_at END,
       0
FROM act_ticket t JOIN summary s ON s.ticket_id = t.ticket_id ORDER BY t.ticket_id
"""

MESSAGES_SQL = """
INSERT INTO tickets_ticketmessage (tenant_id, ticket_id, direction, channel, author_id,
    sent_at, from_address, to_address, subject, body_text, reply_text, body_html, message_id,
    in_reply_to, is_auto_reply, is_delivery_report, enclosed, media, created_at)
SELECT %(tenant)s, m.ticket_id, m.direction, m.channel, m.author_id, m.sent_at,
       CASE WHEN m.direction = 'in' THEN 'customer' ELSE 'sales' END
       || CASE WHEN m.channel = 'email' THEN '@bench.test' ELSE '' END,
       CASE WHEN m.direction = 'in' THEN 'sales' ELSE 'customer' END
       || CASE WHEN m.channel = 'email' THEN '@bench.test' ELSE '' END,
       CASE WHEN m.channel = 'email' THEN m.title ELSE '' END,
       m.body, '', '',
       CASE WHEN m.channel = 'email'
            THEN '<' || m.ticket_id || '.' || m.exchange || '.' || m.direction || '@bench.test>'
            ELSE '' END,
       '', false, false, '[]'::jsonb, '[]'::jsonb, m.sent_at
FROM (
    SELECT e.ticket_id, e.exchange, e.channel, e.title, 'in' AS direction, NULL::bigint AS author_id,
           e.asked_at AS sent_at,
           'Hi, could you tell me when you can come out to look at the roof?' AS body
    FROM act_exchange e
    UNION ALL
    SELECT e.ticket_id, e.exchange, e.channel, e.title, 'out', e.user_id, e.answered_at,
           'Thanks for reaching out. We can inspect on Thursday morning; does 9:00 work?'
    FROM act_exchange e WHERE e.answered_at IS NOT NULL
) m ORDER BY m.sent_at
"""

SLA_EVENTS_SQL = """
INSERT INTO tickets_slaevent (tenant_id, ticket_id, kind, target, occurred_at, due_at, detail)
SELECT %(tenant)s, v.ticket_id, v.kind, v.target, v.occurred_at, v.due_at, ''
FROM (
    SELECT e.ticket_id, 'started' AS kind, e.target, e.asked_at AS occurred_at, e.due_at
    FROM (SELECT *, CASE WHEN exchange = 1 THEN 'first' ELSE 'next' END AS target
          FROM act_exchange) e
    UNION ALL
    SELECT e.ticket_id, 'breached', e.target, e.due_at, e.due_at
    FROM (SELECT *, CASE WHEN exchange = 1 THEN 'first' ELSE 'next' END AS target
          FROM act_exchange) e
    WHERE e.due_at < coalesce(e.answered_at, %(now)s::timestamptz)
    UNION ALL
    SELECT e.ticket_id, CASE WHEN e.answered_at <= e.due_at THEN 'met' ELSE 'answered_late' END,
           e.target, e.answered_at, e.due_at
    FROM (SELECT *, CASE WHEN exchange = 1 THEN 'first' ELSE 'next' END AS target
          FROM act_exchange) e
    WHERE e.answered_at IS NOT NULL
) v ORDER BY v.occurred_at
"""

NEGLECT_SQL = """
INSERT INTO followups_neglectflag (tenant_id, contact_id, lead_id, owner_id, last_touch_at,
    flagged_at, manager_alerted_at, cleared_at)
SELECT %(tenant)s, f.contact_id, f.lead_id, f.owner_id, f.last_touch_at, f.flagged_at,
       CASE WHEN f.flagged_at + interval '3 days' <= coalesce(f.cleared_at, %(now)s::timestamptz)
            THEN f.flagged_at + interval '3 days' END,
       f.cleared_at
FROM (
    -- open flags: live leads nobody has touched for two weeks and more
    SELECT a.contact_id, a.lead_id, a.assignee_id AS owner_id, a.last_activity_at AS last_touch_at,
           least(a.last_activity_at + interval '14 days' + interval '1 hour' * 48 * a.u_neglect,
                 %(now)s::timestamptz) AS flagged_at,
           NULL::timestamptz AS cleared_at
    FROM act_lead a
    WHERE (a.status = 'open' OR (a.status = 'won' AND NOT a.is_terminal))
      AND a.last_activity_at < %(now)s::timestamptz - interval '14 days' AND a.u_neglect < 0.35
    UNION ALL
    -- cleared flags: a touch came after the flag
    SELECT a.contact_id, a.lead_id, a.assignee_id, flagged - interval '14 days', flagged,
           flagged + interval '1 hour' * (4 + 140 * a.u_neglect)
    FROM (SELECT a.*, a.created_at + (a.active_until - a.created_at) * a.u_neglect AS flagged
          FROM act_lead a) a
    WHERE a.u_neglect > 0.96
      AND a.flagged + interval '1 hour' * (4 + 140 * a.u_neglect) < a.active_until
) f ORDER BY f.flagged_at
"""

QUOTES_SQL = """
WITH offered AS (
    SELECT a.*,
           CASE WHEN a.status = 'won' THEN 'accepted'
                WHEN a.status = 'lost' THEN
                    CASE WHEN a.u_quote2 < 0.5 THEN 'rejected' WHEN a.u_quote2 < 0.75 THEN 'expired'
                         WHEN a.u_quote2 < 0.9 THEN 'viewed' ELSE 'sent' END
                ELSE CASE WHEN a.u_quote2 < 0.6 THEN 'sent' ELSE 'viewed' END
           END AS quote_status,
           CASE WHEN a.status = 'won' THEN a.won_at - interval '1 day' * (1 + 6 * a.u_quote2)
                WHEN a.status = 'lost'
                     THEN a.closed_at - (a.closed_at - a.created_at) * 0.5 * a.u_quote2
                ELSE a.created_at + (a.active_until - a.created_at) * (0.3 + 0.6 * a.u_quote2)
           END AS sent
    FROM act_lead a LEFT JOIN act_quote_stage q ON q.pipeline_id = a.pipeline_id
    WHERE a.status = 'won'
       OR (a.status = 'lost' AND a.u_quote < CASE
              WHEN a.lost_reason IN ('price', 'competitor', 'too_far_out') THEN 0.85
              WHEN a.lost_reason IN ('no_response', 'other') THEN 0.3 ELSE 0.05 END)
       OR (a.status = 'open' AND a.stage_position >= q.position AND a.u_quote < 0.9)
)
INSERT INTO leads_quote (tenant_id, lead_id, number, title, message, status, valid_until, total,
    subtotal, discount_kind, discount_value, discount_total, tax_total, deposit_kind,
    deposit_value, deposit_total, progress_percents,
    public_token, created_by_id, created_at, sent_at, viewed_at, decided_at, decided_by_name,
    rejection_reason, rejection_note)
SELECT %(tenant)s, o.lead_id, 1, o.title, '', o.quote_status,
       (greatest(o.sent, o.created_at) + interval '30 days')::date,
       o.amount, o.amount, '', 0, 0, 0, '', 0, 0, '{}',
       md5(o.lead_id::text || random()::text), o.user_id,
       greatest(o.sent, o.created_at) - interval '2 hours', greatest(o.sent, o.created_at),
       CASE WHEN o.quote_status <> 'sent'
            THEN greatest(o.sent, o.created_at) + interval '5 hours' END,
       CASE WHEN o.quote_status = 'accepted' THEN o.won_at
            WHEN o.quote_status = 'rejected' THEN o.closed_at END,
       CASE WHEN o.quote_status IN ('accepted', 'rejected') THEN 'The customer' ELSE '' END,
       CASE WHEN o.quote_status = 'rejected' THEN o.lost_reason ELSE '' END, ''
FROM (SELECT *, round(coalesce(estimated_value, 9000) * (0.85 + 0.3 * u_quote)::numeric, 2)
             AS amount
      FROM offered) o
ORDER BY o.lead_id
"""


def delete_activity(cursor, tenant_id: int, clock: Clock) -> None:
    with clock.step("deleting the tenant's activity rows"):
        cursor.execute(
            "UPDATE followups_followup SET quote_id = NULL WHERE tenant_id = %s", [tenant_id]
        )
        for table in reversed(ACTIVITY_TABLES):
            # Table names from the constant above; the tenant is a parameter.
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant_id])  # noqa: S608  # nosec B608


def write_activity(tenant, setup: dict, seed: float, replace: bool, now, clock: Clock) -> None:
    import json

    from django.db import connections, transaction

    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        print(f"  {quiet_triggers(cursor)}")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL jit = off")
        if replace:
            delete_activity(cursor, tenant.pk, clock)
        cursor.execute("SELECT count(*) FROM followups_followup WHERE tenant_id = %s", [tenant.pk])
        if cursor.fetchone()[0]:
            raise SystemExit(
                f"{tenant.slug} already has follow-ups: pass --replace to write its activity again."
            )
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "SELECT coalesce(max(last_number), 1000) FROM tickets_ticketcounter WHERE tenant_id = %s",
            [tenant.pk],
        )
        params = {
            "tenant": tenant.pk,
            "now": now,
            "manager": setup["manager"],
            "manager_user": setup["manager_user"],
            "inbox": setup["inbox"],
            "types": json.dumps(setup["types"]),
            "policies": json.dumps(setup["policies"]),
            "first_number": cursor.fetchone()[0],
        }
        with clock.step("the leads' lifetimes"):
            for statement in LEADS_SQL.split(";\n\n"):
                cursor.execute(statement, params)
        # Tables this run fills from empty: their indexes are built after the load.
        empty = []
        for table in ACTIVITY_TABLES:
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")  # noqa: S608  # nosec B608
            if cursor.fetchone()[0]:
                empty.append(table)
        indexes = secondary_indexes(cursor, empty) if empty else []
        if indexes:
            with clock.step(f"dropping {len(indexes)} secondary indexes of empty tables"):
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {name}")
        steps = [
            ("follow-ups", FOLLOW_UPS_SQL),
            ("timeline events", TIMELINE_SQL),
            ("ticket exchanges (plan)", EXCHANGES_SQL),
            ("tickets", TICKETS_SQL),
            ("ticket messages", MESSAGES_SQL),
            ("SLA events", SLA_EVENTS_SQL),
            ("neglect flags", NEGLECT_SQL),
            ("quotes", QUOTES_SQL),
        ]
        for label, sql in steps:
            with clock.step(label):
                for statement in sql.split(";\n"):
                    if statement.strip():
                        cursor.execute(statement, params)
                if cursor.rowcount > 0:
                    print(f" {cursor.rowcount:,} rows", end="")
        if indexes:
            with clock.step(f"rebuilding {len(indexes)} indexes"):
                for _name, definition in indexes:
                    cursor.execute(definition)
        cursor.execute(
            "INSERT INTO tickets_ticketcounter (tenant_id, last_number) "
            "SELECT %s, coalesce(max(number), %s) FROM act_ticket "
            "ON CONFLICT (tenant_id) DO UPDATE SET last_number = EXCLUDED.last_number",
            [tenant.pk, params["first_number"]],
        )
        cursor.execute("DROP TABLE act_lead, act_quote_stage, act_ticket, act_exchange")
    with clock.step("VACUUM and ANALYZE"), owner.cursor() as cursor:
        for table in ACTIVITY_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def count_as_app(tenant) -> None:
    """What a request in the tenant's context sees (row-level security on)."""
    from django.db import transaction

    from crm.models import TimelineEvent
    from crm.tenancy import tenant_context
    from followups.models import FollowUp, NeglectFlag
    from leads.models import Quote
    from tickets.models import SlaEvent, Ticket, TicketMessage

    with transaction.atomic(), tenant_context(tenant):
        for model in (FollowUp, TimelineEvent, Ticket, TicketMessage, SlaEvent, NeglectFlag, Quote):
            seen = model.objects.filter(tenant=tenant).count()
            print(f"  the app role sees {seen:,} {model._meta.verbose_name_plural}")
            if not seen:
                raise SystemExit(f"No {model._meta.verbose_name_plural} visible: check the grants.")


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.utils import timezone

    from crm.models import Tenant

    tenant = Tenant.objects.filter(slug=args.tenant).first()
    if tenant is None:
        raise SystemExit(f"No tenant {args.tenant}: run bench/leads/generate.py first.")
    clock = Clock()
    print(f"Generating the activity of tenant {args.tenant}")
    now = timezone.now().replace(microsecond=0)
    with clock.step("follow-up types, SLA policies and the inbox (services)"):
        setup = set_up(tenant)
    write_activity(tenant, setup, args.seed, args.replace, now, clock)
    count_as_app(tenant)
    print(f"Done in {clock.total():.0f} s.")


if __name__ == "__main__":
    main()
