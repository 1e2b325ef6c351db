"""Aging colours against allowed delays (hours and business days), the progress bar, assignment."""

import datetime as dt
import zoneinfo

import pytest

from crm.models import Notification, Role, TimeOff
from crm.services.calendar import public_holidays_set
from leads.aging import Aging, AgingClock, StageCutoffs, aging_filter, cutoff
from leads.models import AssignmentRule, Lead, LeadType
from leads.pipeline_templates import COMMERCIAL_ROOFING
from leads.progress import build_progress
from leads.selectors.configuration import stages_by_pipeline
from leads.services.assignment import lead_assign, member_is_available
from leads.services.stages import lead_move_to_stage
from tests import factories
from tests.factories import lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


def test_business_days_skip_the_days_the_business_is_closed(world):
    # Mon-Fri 08:00-17:00 (the default). Monday 10:00 minus one business day is Friday 10:00.
    monday = at(2026, 11, 16, 10, 0)
    with world.active():
        # Weekends only here: Wednesday 11 November is Veterans Day (see the holiday test).
        public_holidays_set(tenant=world.tenant, actor=None, observed=False)
        assert cutoff(world.tenant, monday, 1, "business_days") == at(2026, 11, 13, 10, 0)
        assert cutoff(world.tenant, monday, 3, "business_days") == at(2026, 11, 11, 10, 0)
        # On a Saturday, one business day back is Friday at the same time.
        saturday = at(2026, 11, 21, 9, 30)
        assert cutoff(world.tenant, saturday, 1, "business_days") == at(2026, 11, 20, 9, 30)
        assert cutoff(world.tenant, monday, 5, "hours") == monday - dt.timedelta(hours=5)


def test_a_pages_clock_gives_every_lead_the_colour_a_clock_of_its_own_gives(world):
    """The lead list works each stage's cutoffs out once per page (AgingClock): the same colours
    as asking stage by stage, lead by lead, for every stage of the pipeline (terminal ones done)."""
    pipeline = pipeline_for(world.tenant)
    now = at(2026, 11, 16, 9, 0)
    with world.active():
        stages = [*pipeline.stages.all(), None]
        clock = AgingClock(world.tenant, now)
        for days in (0, 1, 3, 5, 12):
            entered = now - dt.timedelta(days=days)
            for stage in stages:
                expected = AgingClock(world.tenant, now).colour(stage, entered)
                assert clock.colour(stage, entered) == expected, (stage, days)
    assert {clock.colour(stage, now - dt.timedelta(days=12)) for stage in stages} >= {
        Aging.RED,
        Aging.DONE,
    }


def test_a_stage_turns_orange_then_red_and_the_filter_agrees(world):
    pipeline = pipeline_for(world.tenant)
    inspection = stage_named(pipeline, "Inspection scheduled")  # orange 3, red 5 business days
    entered = at(2026, 11, 9, 9, 0)  # a Monday
    with world.active():
        public_holidays_set(tenant=world.tenant, actor=None, observed=False)  # no Veterans Day
        cut = StageCutoffs.for_stage(world.tenant, inspection, at(2026, 11, 11, 9, 0))
        assert cut.colour(entered) == Aging.GREEN
        cut = StageCutoffs.for_stage(world.tenant, inspection, at(2026, 11, 12, 9, 0))
        assert cut.colour(entered) == Aging.ORANGE  # Thursday: three business days
        cut = StageCutoffs.for_stage(world.tenant, inspection, at(2026, 11, 16, 9, 0))
        assert cut.colour(entered) == Aging.RED  # next Monday: five business days

    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        lead_move_to_stage(
            tenant=world.tenant, actor=None, lead=lead, stage=inspection, now=entered
        )
        stages = list(pipeline.stages.all())
        for now, colour in (
            (at(2026, 11, 11, 9, 0), "green"),
            (at(2026, 11, 12, 9, 0), "orange"),
            (at(2026, 11, 16, 9, 0), "red"),
        ):
            matching = Lead.objects.filter(aging_filter(world.tenant, stages, colour, now))
            assert list(matching) == [lead], colour


def test_the_progress_bar_has_a_segment_per_stage_and_tints_the_past(world):
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep)
    created = lead.created_at
    with world.active():
        lead.first_touch_at = created + dt.timedelta(minutes=5)
        lead.save(update_fields=["first_touch_at"])
        # Contacted in 30 minutes (on time), then two weeks before the inspection was booked.
        lead_move_to_stage(
            tenant=world.tenant,
            actor=None,
            lead=lead,
            stage=stage_named(pipeline, "Contacted"),
            now=created + dt.timedelta(minutes=30),
        )
        lead_move_to_stage(
            tenant=world.tenant,
            actor=None,
            lead=lead,
            stage=stage_named(pipeline, "Quote sent"),
            now=created + dt.timedelta(days=14),
        )
        lead = Lead.objects.select_related("stage").get(pk=lead.pk)
        bar = build_progress(
            tenant=world.tenant,
            lead=lead,
            pipeline_stages=stages_by_pipeline(tenant=world.tenant)[pipeline.pk],
            visits=list(lead.visits.all()),
            now=created + dt.timedelta(days=14, hours=1),
            untouched_after=dt.timedelta(minutes=15),
        )
    # Ten steps (the lost stage is where a lead ends, not a step).
    assert [s.stage.name for s in bar.segments][:4] == [
        "New lead",
        "Contacted",
        "Inspection scheduled",
        "Quote sent",
    ]
    assert len(bar.segments) == 10
    states = [(s.state, s.tint) for s in bar.segments[:5]]
    assert states == [
        ("past", "on-time"),
        ("past", "late"),
        ("past", "skipped"),
        ("current", "green"),
        ("future", ""),
    ]
    assert bar.colour == "green" and not bar.stalled
    assert bar.summary.startswith("Stage 4 of 10: Quote sent")


def test_a_lead_nobody_touched_is_marked_stalled(world):
    lead = lead_for(world, owner=world.rep)
    with world.active():
        lead = Lead.objects.select_related("stage").get(pk=lead.pk)
        bar = build_progress(
            tenant=world.tenant,
            lead=lead,
            pipeline_stages=stages_by_pipeline(tenant=world.tenant)[lead.pipeline_id],
            visits=list(lead.visits.all()),
            now=lead.created_at + dt.timedelta(minutes=20),
            untouched_after=dt.timedelta(minutes=15),
        )
    assert bar.stalled and "not contacted yet" in bar.summary


# --- Assignment ---------------------------------------------------------------------------------


def _rep(world, **profile):
    always = {
        day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    profile.setdefault("weekly_availability", always)
    return factories.MembershipFactory(tenant=world.tenant, role=Role.REP, **profile)


def test_round_robin_gives_the_next_lead_to_whoever_waited_longest(world):
    with world.active():
        world.rep.is_active = False
        world.rep.save()
    first, second = _rep(world), _rep(world)
    owners = [lead_for(world).owner for _ in range(4)]
    assert [o.pk for o in owners] == [first.pk, second.pk, first.pk, second.pk]


def test_availability_to_23_59_lasts_to_midnight_and_other_ends_are_exclusive(world):
    rep = _rep(
        world, weekly_availability={"tue": [["00:00", "23:59"]], "wed": [["09:00", "17:00"]]}
    )
    zone = world.tenant.zone

    def available(day: int, hour: int, minute: int, second: int = 0) -> bool:
        now = dt.datetime(2026, 3, day, hour, minute, second, tzinfo=zone)  # 3 March: a Tuesday
        return member_is_available(rep, world.tenant, now, away=set())

    assert available(3, 0, 0) and available(3, 23, 59, 30)
    assert available(4, 9, 0) and available(4, 16, 59, 59)
    assert not available(4, 17, 0) and not available(4, 8, 59)


def test_assignment_checks_capacity_expertise_territory_and_time_off(world):
    with world.active():
        world.rep.is_active = False
        world.rep.save()
    full = _rep(world, capacity=1)
    lead_for(world, owner=full)  # now at capacity
    commercial_only = _rep(world, expertise="commercial")
    elsewhere = _rep(world, territories=["GA", "Atlanta"])
    away = _rep(world)
    today = world.tenant.today()
    with world.active():
        TimeOff.objects.create(tenant=world.tenant, membership=away, starts_on=today, ends_on=today)
    covering = _rep(world, territories=["331"])  # the world's property is in 33145
    lead = lead_for(world, lead_type=LeadType.RESIDENTIAL)
    assert lead.owner == covering
    assert {full, commercial_only, elsewhere, away}.isdisjoint({lead.owner})


def test_nobody_eligible_puts_the_lead_in_the_managers_queue(world):
    with world.active():
        world.rep.weekly_availability = {
            d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        }
        world.rep.save()
    lead = lead_for(world)
    assert lead.owner is None
    with world.active():
        notified = set(
            Notification.objects.filter(title__contains="needs an owner").values_list(
                "recipient_id", flat=True
            )
        )
    assert notified == {world.manager.user_id, world.admin.user_id}


def test_the_first_matching_rule_picks_from_its_members(world):
    commercial_pipeline = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
    specialist = _rep(world, expertise="commercial")
    with world.active():
        rule = AssignmentRule.objects.create(
            tenant=world.tenant, name="Commercial", pipeline=commercial_pipeline
        )
        rule.members.set([specialist])
    lead = lead_for(world, commercial_pipeline, lead_type=LeadType.COMMERCIAL)
    assert lead.owner == specialist
    # A lead no rule matches waits for a manager, even though reps are free.
    residential = lead_for(world, lead_type=LeadType.RESIDENTIAL)
    assert residential.owner is None


def test_reassigning_notifies_the_new_owner_and_lands_on_the_timeline(world):
    lead = lead_for(world, owner=world.rep)
    other = _rep(world)
    with world.active():
        lead_assign(tenant=world.tenant, actor=world.manager.user, lead=lead, owner=other)
        assert Notification.objects.filter(recipient=other.user).count() == 1
        assert lead.timeline.filter(kind="lead.assigned").count() == 2


def _leads_across_stages_and_times(world, pipeline, now) -> None:
    """Open leads in every stage of the pipeline, entered from an hour to a month before `now`,
    with scores that interleave the colours (as a walk in priority order meets them)."""
    ages = [dt.timedelta(hours=hours) for hours in (1, 5, 30, 60, 100, 200, 400, 800)]
    leads = [lead_for(world, pipeline, owner=world.rep) for _ in range(len(ages) * 3)]
    with world.active():
        stages = list(pipeline.stages.order_by("position"))
        for index, lead in enumerate(leads):
            Lead.objects.filter(tenant=world.tenant, pk=lead.pk).update(
                stage=stages[index % len(stages)],
                stage_entered_at=now - ages[index % len(ages)],
                priority_score=(index * 7) % 50,
            )


def _by_colour(world, leads, now) -> dict:
    """The ids of `leads`, in their order, by each lead's colour as its row shows it."""
    clock = AgingClock(world.tenant, now)
    return {
        colour: [
            lead.pk for lead in leads if clock.colour(lead.stage, lead.stage_entered_at) == colour
        ]
        for colour in (Aging.GREEN, Aging.ORANGE, Aging.RED)
    }


@pytest.mark.parametrize("colour", [Aging.GREEN, Aging.ORANGE, Aging.RED])
def test_the_walked_aging_filter_finds_the_same_leads_in_the_same_order(world, colour):
    """The shape for a walk of lead_open_priority (the windows hidden from the planner, their
    envelope kept) finds the leads the per-stage conditions find, and the colours a page shows."""
    pipeline = pipeline_for(world.tenant)
    now = at(2026, 11, 16, 9, 0)
    _leads_across_stages_and_times(world, pipeline, now)
    with world.active():
        stages = list(pipeline.stages.all())
        ordered = Lead.objects.filter(tenant=world.tenant, status="open").order_by(
            "-priority_score", "-id"
        )
        plain = list(ordered.filter(aging_filter(world.tenant, stages, colour, now)))
        walked = list(ordered.filter(aging_filter(world.tenant, stages, colour, now, walked=True)))
        clock = AgingClock(world.tenant, now)
        expected = [
            lead for lead in ordered if clock.colour(lead.stage, lead.stage_entered_at) == colour
        ]
    assert walked == plain == expected
    assert plain  # the data set has leads of every colour


def test_the_teams_list_by_aging_colour_or_stage_shows_the_plain_filters_leads(client, world):
    """The manager's open leads by priority (the list that walks lead_open_priority) filtered by
    colour or stage: the page's leads, in order, are the plain filter's."""
    from django.urls import reverse
    from django.utils import timezone

    from tests.conftest import sign_in

    pipeline = pipeline_for(world.tenant)
    now = timezone.now()
    _leads_across_stages_and_times(world, pipeline, now)
    sign_in(client, world.manager)
    with world.active():
        ordered = Lead.objects.filter(tenant=world.tenant, status="open").order_by(
            "-priority_score", "-id"
        )
        by_colour = _by_colour(world, ordered, now)
        stage = stage_named(pipeline, "Contacted")
        in_stage = list(ordered.filter(stage=stage).values_list("pk", flat=True))

    def shown(**params):
        page = client.get(reverse("leads:list"), params).context["page"]
        return [lead.pk for lead in page.items]

    for colour, expected in by_colour.items():
        assert expected and shown(aging=colour) == expected, colour
    assert in_stage and shown(stage=stage.pk) == in_stage
    assert shown(stage=stage.pk, aging=Aging.ORANGE) == [
        pk for pk in by_colour[Aging.ORANGE] if pk in in_stage
    ]


def test_a_reps_own_list_by_colour_pipeline_or_stage_shows_the_plain_filters_leads(client, world):
    """A rep's open leads by priority (the list that walks lead_owner_open_priority) filtered by
    colour, pipeline or stage: the page's leads, in order, are the plain filter's, none of
    another member's; a pipeline where the rep has no lead shows none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from tests.conftest import sign_in

    pipeline = pipeline_for(world.tenant)
    other_pipeline = pipeline_for(world.tenant, COMMERCIAL_ROOFING)
    now = timezone.now()
    _leads_across_stages_and_times(world, pipeline, now)
    other = _rep(world)
    theirs = [lead_for(world, pipeline, owner=other), lead_for(world, other_pipeline, owner=other)]
    sign_in(client, world.rep)
    with world.active():
        mine = Lead.objects.filter(tenant=world.tenant, status="open", owner=world.rep).order_by(
            "-priority_score", "-id"
        )
        by_colour = _by_colour(world, mine, now)
        stage = stage_named(pipeline, "Contacted")
        in_stage = list(mine.filter(stage=stage).values_list("pk", flat=True))
        in_pipeline = list(mine.filter(pipeline=pipeline).values_list("pk", flat=True))

    def shown(**params):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("leads:list"), params).context["page"]
        keys = [
            q["sql"] for q in captured.captured_queries if '"leads_lead"."owner_id" =' in q["sql"]
        ]
        return [lead.pk for lead in page.items], keys

    for colour, expected in by_colour.items():
        leads, keys = shown(aging=colour)
        assert expected and leads == expected, colour
        if colour == Aging.ORANGE:
            # The windows hidden from the planner: the rep's order is walked, not sorted.
            assert any("CASE WHEN" in sql for sql in keys)
    assert in_stage and shown(stage=stage.pk)[0] == in_stage
    assert shown(pipeline=pipeline.pk)[0] == in_pipeline
    assert shown(pipeline=other_pipeline.pk)[0] == []
    assert shown(pipeline=pipeline.pk, aging=Aging.ORANGE)[0] == by_colour[Aging.ORANGE]
    assert not {lead.pk for lead in theirs} & set(in_pipeline)
