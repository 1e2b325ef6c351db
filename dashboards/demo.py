"""Twelve weeks of lead history for the demo's Florida tenant, so the dashboard has something to
say: leads created week after week from every source, first touched after a few minutes or an
hour or never, walked through their stages at varied speeds, then won, lost for every reason, or
still open and ageing. Replayed through the lead services at past moments, like leads.demo.
"""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from comms.models import Trigger
from crm.models import ContactEmail, Membership, Tenant
from crm.services import contact_create
from leads import services
from leads.models import Lead, LeadSource, LostReason, Pipeline, Stage

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
    lead = services.lead_create(
        tenant=tenant,
        actor=None,
        contact=_contact(tenant, number, rng),
        pipeline=pipeline,
        owner=owner,
        assign_automatically=False,
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
        services.lead_record_touch(
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
            lead = services.lead_move_to_stage(
                tenant=tenant, actor=actor, lead=lead, stage=stage, now=at
            )
    return lead


def _lost(tenant, lead, actor, reason, at) -> Lead:
    return services.lead_mark_lost(
        tenant=tenant,
        actor=actor,
        lead=lead,
        reason=reason,
        note="Moved away." if reason == LostReason.OTHER else "",
        now=at,
    )
