"""The demo's follow-ups (called by seed_demo after the leads, the comms and the inbox).

Each rep gets a working week of follow-ups made through the real services: some due today, some
overdue, some later this week, a few done with their outcomes, and one weekly recurring call.
Two stages get a shorter neglect threshold, and the neglect sweep is replayed four days back and
again now, so a couple of leads the reps have left alone are flagged and (still untouched) the
managers have been told. Idempotent: a tenant that has demo follow-ups is left as it is.
"""

import datetime as dt

from django.utils import timezone

from crm.models import Language, Membership, Role, Tenant
from followups.models import FollowUp, Outcome, Priority, StageNeglect
from followups.selectors.neglect import live_leads
from followups.services import followups as services
from followups.services import neglect, recurrence
from leads.models import Lead, Stage

# Stages that should not wait two weeks for a call (the demo shows a per-stage threshold).
QUICK_STAGES = {"Scheduled": 7, "Claim filed": 7, "Photos requested": 5, "Foto's aangevraagd": 5}

# (key, subject, type key, days from today, local time, priority, reminders); a time of None is
# "in a few hours", so today's follow-ups are still ahead whenever the demo is seeded.
PLANNED = [
    ("today-call", "Call about the quote", "call", 0, None, Priority.HIGH, [(60, "in_app")]),
    ("today-visit", "Measure the roof for the estimate", "meeting", 0, None, Priority.MEDIUM, [(60, "in_app"), (1440, "email")]),
    ("overdue-docs", "Check the signed contract came back", "document_review", -2, dt.time(11), Priority.MEDIUM, []),
    ("overdue-call", "Return the voicemail", "call", -1, dt.time(9, 30), Priority.HIGH, []),
    ("week-email", "Send the financing options", "email", 2, dt.time(10), Priority.LOW, [(60, "in_app")]),
    ("week-status", "Status check with the adjuster", "status_check", 3, dt.time(14), Priority.MEDIUM, [(1440, "in_app")]),
    ("week-payment", "Payment follow-up: deposit", "payment", 4, dt.time(10, 30), Priority.HIGH, [(60, "in_app")]),
]  # fmt: skip

DONE = [
    ("done-intro", "Intro call", "call", -6, Outcome.SUCCESSFUL, "Wants a quote for the whole roof."),
    ("done-text", "Text the appointment window", "message", -4, Outcome.NO_RESPONSE, ""),
    ("done-review", "Review the insurance paperwork", "document_review", -3, Outcome.RESCHEDULED, "Adjuster needs another week."),
]  # fmt: skip


# The Dutch demo installs EV chargers: the same week of work in its words.
PLANNED_NL = [
    ("today-call", "Bellen over de offerte", "call", 0, None, Priority.HIGH, [(60, "in_app")]),
    ("today-visit", "Schouw: meterkast en plek van de laadpaal bekijken", "meeting", 0, None, Priority.MEDIUM, [(60, "in_app"), (1440, "email")]),
    ("overdue-docs", "Controleren of de getekende opdracht terug is", "document_review", -2, dt.time(11), Priority.MEDIUM, []),
    ("overdue-call", "Voicemail terugbellen", "call", -1, dt.time(9, 30), Priority.HIGH, []),
    ("week-email", "Subsidie- en leaseopties sturen", "email", 2, dt.time(10), Priority.LOW, [(60, "in_app")]),
    ("week-status", "Netbeheerder: status van de aansluiting nagaan", "status_check", 3, dt.time(14), Priority.MEDIUM, [(1440, "in_app")]),
    ("week-payment", "Betaling opvolgen: aanbetaling", "payment", 4, dt.time(10, 30), Priority.HIGH, [(60, "in_app")]),
]  # fmt: skip

DONE_NL = [
    ("done-intro", "Kennismakingsgesprek", "call", -6, Outcome.SUCCESSFUL, "Wil een offerte voor een thuislader van 11 kW."),
    ("done-text", "Tijdvak van de installatie appen", "message", -4, Outcome.NO_RESPONSE, ""),
    ("done-review", "Foto's van de meterkast beoordelen", "document_review", -3, Outcome.RESCHEDULED, "Groepenkast moet eerst uitgebreid worden."),
]  # fmt: skip

SERIES_SUBJECT = {"en": "Weekly check-in on the job", "nl": "Wekelijks contact over de installatie"}


def _local(tenant: Tenant, day_offset: int, at: dt.time, now: dt.datetime) -> dt.datetime:
    """A moment `day_offset` days from today at `at` local time."""
    day = timezone.localdate(now, tenant.zone) + dt.timedelta(days=day_offset)
    return dt.datetime.combine(day, at, tzinfo=tenant.zone)


def _live_leads(tenant: Tenant, rep: Membership) -> list[Lead]:
    return list(
        live_leads(tenant)
        .filter(owner=rep)
        .select_related("contact")
        .order_by("-stage_entered_at", "pk")
    )


def seed_followups(tenant: Tenant) -> None:
    """Everything the follow-up pages need in a demo tenant; adds nothing to a tenant that has
    demo follow-ups already."""
    if FollowUp.objects.filter(tenant=tenant, key__startswith="demo:").exists():
        return
    now = timezone.now()
    types = {t.key: t for t in services.follow_up_types_ensure(tenant=tenant)}
    reps = list(
        Membership.objects.filter(tenant=tenant, role=Role.REP, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    for rep in reps:
        leads = _live_leads(tenant, rep)
        if not leads:
            continue
        _seed_rep(tenant, rep, leads, types, now)
    _seed_neglect(tenant, now)


def _seed_rep(tenant, rep, leads, types, now) -> None:
    tag = rep.user.email
    dutch = tenant.language == Language.DUTCH
    planned, done = (PLANNED_NL, DONE_NL) if dutch else (PLANNED, DONE)
    # The freshest leads get today's and this week's work; the contacts of the oldest ones are
    # left alone here, so the neglect sweep has something true to find.
    fresh = leads[: max(len(leads) // 2, 1)]
    for index, (key, subject, type_key, days, at, priority, reminders) in enumerate(planned):
        lead = fresh[index % len(fresh)]
        services.follow_up_create(
            tenant=tenant,
            actor=rep.user,
            subject=subject,
            contact=lead.contact,
            lead=lead,
            assignee=rep,
            scheduled_at=(
                now + dt.timedelta(hours=1 + 2 * index)
                if at is None
                else _local(tenant, days, at, now)
            ),
            type=types[type_key],
            priority=priority,
            reminders=reminders,
            key=f"demo:{tag}:{key}",
        )
    for index, (key, subject, type_key, days, outcome, notes) in enumerate(done):
        lead = fresh[(index + 1) % len(fresh)]
        # Done follow-ups are history: linked to the contact only, so completing them now does
        # not rewrite when their lead was last worked.
        follow_up = services.follow_up_create(
            tenant=tenant,
            actor=rep.user,
            subject=subject,
            contact=lead.contact,
            assignee=rep,
            scheduled_at=_local(tenant, days, dt.time(10), now),
            type=types[type_key],
            reminders=[],
            key=f"demo:{tag}:{key}",
        )
        services.follow_up_complete(
            tenant=tenant,
            actor=rep.user,
            follow_up=follow_up,
            outcome=outcome,
            notes=notes,
            now=follow_up.scheduled_at + dt.timedelta(minutes=20),
        )
    lead = fresh[0]
    recurrence.series_create(
        tenant=tenant,
        actor=rep.user,
        subject=SERIES_SUBJECT["nl" if dutch else "en"],
        contact=lead.contact,
        lead=lead,
        assignee=rep,
        starts_at=_local(tenant, 1, dt.time(9), now),
        rule="FREQ=WEEKLY;COUNT=8",
        type=types["call"],
        reminders=[(30, "in_app")],
        now=now,
    )


def _seed_neglect(tenant: Tenant, now: dt.datetime) -> None:
    for stage in Stage.objects.filter(tenant=tenant, name__in=list(QUICK_STAGES)):
        StageNeglect.objects.get_or_create(
            tenant=tenant,
            stage=stage,
            defaults={"neglect_after_days": QUICK_STAGES[stage.name]},
        )
    # Flagged four days ago and still untouched: the reps had their follow-up, the managers have
    # now been told. Then the hourly sweep as it runs now.
    neglect.neglect_flags_raise(tenant=tenant, now=now - dt.timedelta(days=4))
    neglect.neglect_sweep(tenant=tenant, now=now)
