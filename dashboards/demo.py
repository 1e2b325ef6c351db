"""Twelve weeks of lead history for the demo's Florida tenant, so the dashboard has something to
say: leads created week after week from every source, first touched after a few minutes or an
hour or never, walked through their stages at varied speeds, then won, lost for every reason, or
still open and ageing; and the work around them — calls logged, customers' emails answered —
so the anomaly section has trailing weeks to compare the latest one with. Replayed through the
services at past moments, like leads.demo and tickets.demo.
"""

import datetime as dt
import random
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone
from django.utils.translation import gettext_noop

from automation.models import Trigger
from crm.kit.stored_text import stored_label
from crm.models import ContactEmail, Membership, Tenant, TimelineEvent
from crm.services.contacts import contact_create
from crm.services.timeline import timeline_record
from leads.models import CallOutcome, Lead, LeadSource, LostReason, Pipeline, Stage
from leads.services.activity import lead_record_touch
from leads.services.leads import lead_create
from leads.services.stages import lead_mark_lost, lead_move_to_stage
from tickets.demo import FLORIDA_EMAIL
from tickets.models import InboundEvent, Ticket
from tickets.services import ingest
from tickets.services.replies import ticket_reply

HISTORY_DOMAIN = "history.example.com"
WEEKS = 12
REP, REP2 = "rep@demo.test", "rep2@demo.test"
FIRST_NAMES = [
    "Aaron", "Bianca", "Carlos", "Dana", "Elena", "Felix", "Gloria", "Hank", "Irene", "Jamal",
    "Karen", "Luis", "Monica", "Nate", "Olga", "Pedro", "Quinn", "Rosa", "Steve", "Tina",
]  # fmt: skip
LAST_NAMES = [
    "Alvarez", "Brooks", "Castillo", "Dixon", "Estrada", "Fleming", "Guerrero", "Hayes",
    "Ibarra", "Jensen", "Keller", "Lozano", "Meyer", "Navarro", "Ortega", "Parker",
]  # fmt: skip
# (source, weight, share of its leads that are jobs we don't do)
SOURCES = [
    ("Google Ads", 30, 0.04),
    ("Angi", 22, 0.22),
    ("Referral", 14, 0.0),
    ("Web form", 14, 0.03),
    ("Phone call", 8, 0.0),
    ("Door knocking", 6, 0.0),
    ("Home show", 6, 0.25),
]
LOST_REASONS = [
    (LostReason.PRICE, 30),
    (LostReason.TOO_FAR_OUT, 22),
    (LostReason.COMPETITOR, 16),
    (LostReason.NO_RESPONSE, 16),
    (LostReason.OUT_OF_AREA, 8),
    (LostReason.OTHER, 8),
]
VALUES = {"residential-roofing": (6000, 32000), "insurance-claim": (9000, 40000)}


def seed_dashboard_history(tenant: Tenant) -> None:
    """Adds the history once, to the Florida tenant, while its comms triggers do not exist yet:
    replayed after them, its stage moves would send their messages."""
    if tenant.slug != "demo" or Trigger.objects.filter(tenant=tenant).exists():
        return
    if ContactEmail.objects.filter(tenant=tenant, email__endswith=f"@{HISTORY_DOMAIN}").exists():
        return
    pipelines = {
        pipeline.name: pipeline
        for pipeline in Pipeline.objects.filter(tenant=tenant).prefetch_related("stages")
    }
    sources = {source.name: source for source in LeadSource.objects.filter(tenant=tenant)}
    members = {
        membership.user.email: membership
        for membership in Membership.objects.filter(tenant=tenant).select_related("user")
    }
    rng = random.Random(2026)  # noqa: S311  (the same demo every time; nothing secret)
    now = timezone.now()
    for number in range(rng.randint(90, 100)):
        created = _created_at(rng, now)
        key = "insurance-claim" if rng.random() < 0.2 else "residential-roofing"
        pipeline = next(p for p in pipelines.values() if _template_key(p) == key)
        owner = None if rng.random() < 0.05 else members[REP if rng.random() < 0.75 else REP2]
        _replay(tenant, number, created, pipeline, sources, owner, rng, now)


def _created_at(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """Most weeks alike; the week before last got a burst (a storm), for the anomalies."""
    if rng.random() < 0.18:
        return now - dt.timedelta(days=rng.uniform(7, 14))
    return now - dt.timedelta(days=rng.uniform(0.2, WEEKS * 7))


def _template_key(pipeline: Pipeline) -> str:
    return {"Residential roofing": "residential-roofing", "Insurance claim": "insurance-claim"}.get(
        pipeline.name, ""
    )


def _weighted(rng: random.Random, choices):
    return rng.choices([choice for choice, *_ in choices], [w for _, w, *_ in choices])[0]


def _contact(tenant: Tenant, number: int, rng: random.Random):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return contact_create(
        tenant=tenant,
        actor=None,
        first_name=first,
        last_name=last,
        emails=[f"{first}.{last}.{number}@{HISTORY_DOMAIN}".lower()],
        source="demo import",
    )


def _first_touch_after(rng: random.Random) -> dt.timedelta | None:
    """Most leads within minutes; some after an hour or more; a few never."""
    draw = rng.random()
    if draw < 0.72:
        return dt.timedelta(minutes=rng.uniform(2, 14))
    if draw < 0.93:
        return dt.timedelta(minutes=rng.uniform(16, 180))
    return None


def _replay(tenant, number, created, pipeline, sources, owner, rng, now) -> Lead:
    source_name = _weighted(rng, SOURCES)
    not_our_work = rng.random() < next(share for name, _, share in SOURCES if name == source_name)
    low, high = VALUES[_template_key(pipeline)]
    lead = lead_create(
        tenant=tenant,
        actor=None,
        contact=_contact(tenant, number, rng),
        pipeline=pipeline,
        owner=owner,
        # Unowned: the rules said why when it came in (no address, and both reps cover areas).
        assign_automatically=owner is None,
        estimated_value=Decimal(rng.randrange(low, high, 100)),
        source=sources[source_name],
        created_via="demo",
        notify_owner=False,
        announce=False,
        now=created,
    )
    actor = owner.user if owner else None
    touch_after = _first_touch_after(rng)
    if touch_after is not None and created + touch_after < now:
        lead_record_touch(
            tenant=tenant, lead=lead, channel="phone", actor=actor, at=created + touch_after
        )
    stages = [stage for stage in pipeline.stages.all() if not (stage.is_lost or stage.is_archived)]
    age = now - created
    if not_our_work:
        return _lost(tenant, lead, actor, LostReason.NOT_OUR_WORK, created + age * 0.1)
    outcome = rng.random()
    at = max(created + (touch_after or dt.timedelta(hours=1)), lead.stage_entered_at)
    won_at = next(index for index, stage in enumerate(stages) if stage.is_won)
    # Older leads are likelier to be settled; young ones mostly still open.
    settled = min(age / dt.timedelta(days=30), 1.0)
    if outcome < 0.35 * settled:
        target = rng.randint(won_at, min(won_at + 3, len(stages) - 2))
    elif outcome < 0.75 * settled:
        target = rng.randint(1, won_at - 1)
    else:
        target = rng.randint(0, won_at - 1)
    lead = _walk(tenant, lead, actor, stages[: target + 1], at, now, rng)
    if 0.35 * settled <= outcome < 0.75 * settled:
        reason = _weighted(rng, LOST_REASONS)
        lost_at = min(lead.stage_entered_at + dt.timedelta(days=rng.uniform(0.5, 6)), now)
        return _lost(tenant, lead, actor, reason, lost_at)
    return lead


def _walk(tenant, lead, actor, path: list[Stage], at, now, rng) -> Lead:
    """Move the lead stage by stage; each stay takes hours to a week, never past now."""
    for stage in path[1:]:
        at = at + dt.timedelta(days=rng.uniform(0.15, 7))
        if at >= now:
            break
        if lead.stage_id != stage.pk:
            lead = lead_move_to_stage(tenant=tenant, actor=actor, lead=lead, stage=stage, now=at)
    return lead


def _lost(tenant, lead, actor, reason, at) -> Lead:
    return lead_mark_lost(
        tenant=tenant,
        actor=actor,
        lead=lead,
        reason=reason,
        note="Moved away." if reason == LostReason.OTHER else "",
        now=at,
    )


# --- Calls and emails around the history leads ----------------------------------------------------

CALL_OUTCOMES = [
    (CallOutcome.REACHED, 55),
    (CallOutcome.NO_ANSWER, 25),
    (CallOutcome.VOICEMAIL, 20),
]
QUESTIONS = [
    ("Roof estimate", "Hi, could someone come out and look at the roof this week?"),
    ("Question about the quote", "Does the price include taking the old shingles away?"),
    ("Inspection time", "Is the inspection still on for Thursday morning?"),
    ("Gutters too?", "While you are up there, can you check the gutters?"),
]
CALLING_DAYS = dt.timedelta(days=10)
ANSWER = "Thanks for writing. Yes — we will confirm the time by text the day before."


def seed_dashboard_activity(tenant: Tenant) -> None:
    """Calls logged on the history leads (one to three each, in their first days) and, for
    most of them, a customer email answered by the owner a few hours later. Once, after
    seed_inbox: the inbox fills its demo conversations only while it is empty."""
    if tenant.slug != "demo":
        return
    history = list(
        Lead.objects.filter(tenant=tenant, contact__emails__email__endswith=f"@{HISTORY_DOMAIN}")
        .select_related("owner__user", "contact")
        .prefetch_related("contact__emails")
        .order_by("created_at", "pk")
    )
    calls = TimelineEvent.objects.filter(
        tenant=tenant, kind="lead.call", lead_id__in=[lead.pk for lead in history]
    )
    if not history or calls.exists():
        return
    rng = random.Random(2027)  # noqa: S311  (the same demo every time; nothing secret)
    now = timezone.now()
    for lead in history:
        actor = lead.owner.user if lead.owner else None
        start = lead.first_touch_at or lead.created_at + dt.timedelta(hours=2)
        # Calls cluster in a lead's first days, while it is being worked.
        until = min(lead.closed_at or now, now, start + CALLING_DAYS)
        for _ in range(rng.randint(1, 3)):
            at = start + (until - start) * rng.random()
            if at < now:
                _log_call(tenant, lead, actor, at, rng)
        if rng.random() < 0.7:
            asked = lead.created_at + dt.timedelta(days=rng.uniform(0.2, 3))
            _email_answered(tenant, lead, actor, asked, now, rng)


def _log_call(tenant: Tenant, lead: Lead, actor, at: dt.datetime, rng: random.Random) -> None:
    """As leads.services.lead_log_call records it, at a past moment."""
    outcome = _weighted(rng, CALL_OUTCOMES)
    timeline_record(
        tenant=tenant,
        kind="lead.call",
        summary=gettext_noop("Call: %(outcome)s"),
        params={"outcome": stored_label(CallOutcome(outcome).label)},
        actor=actor,
        lead=lead,
        detail={"outcome": outcome, "note": "", "inbound": False},
        occurred_at=at,
    )


def _email_answered(tenant, lead, actor, asked: dt.datetime, now, rng: random.Random) -> None:
    """The customer's email, received and threaded as the inbound webhook's would be, and the
    owner's answer through the outbox a few minutes to a day later."""
    if asked >= now:
        return
    subject, text = rng.choice(QUESTIONS)
    sender = lead.contact.emails.all()[0].email
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, FLORIDA_EMAIL, subject
    message["Date"] = format_datetime(asked)
    message["Message-ID"] = make_msgid(domain=HISTORY_DOMAIN)
    message.set_content(text)
    stored = ingest.email_inbound_store(provider="postmark", raw=message.as_bytes())
    if stored.event_id is None or not stored.created:
        return
    InboundEvent.objects.filter(tenant=tenant, pk=stored.event_id).update(received_at=asked)
    ingest.inbound_event_process(tenant=tenant, event_id=stored.event_id)
    answered = asked + dt.timedelta(minutes=rng.uniform(5, 24 * 60))
    ticket = Ticket.objects.filter(tenant=tenant, contact=lead.contact).order_by("-pk").first()
    if ticket is None or actor is None or answered >= now:
        return
    ticket_reply(
        tenant=tenant,
        actor=actor,
        ticket=ticket,
        channel="email",
        body=ANSWER,
        nonce=f"demo-history-{lead.pk}",
        now=answered,
    )
