"""The priority sweep re-scores leads that crossed an aging threshold and tells the owner, once,
when a lead turns red in its stage ("stuck in stage", a staff notification kind)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Notification
from leads.models import Lead, Stage
from leads.services.priorities import leads_refresh_priorities
from leads.services.stages import lead_move_to_stage
from tests.factories import lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 9, 14, 0, tzinfo=dt.UTC)


def test_a_lead_turning_red_tells_its_owner_once(world):
    pipeline = pipeline_for(world.tenant)
    stage = stage_named(pipeline, "Contacted")
    with world.active():
        Stage.objects.filter(pk=stage.pk).update(delay_unit="hours", orange_after=2, red_after=4)
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active(), time_machine.travel(START, tick=False):
        lead_move_to_stage(tenant=world.tenant, actor=world.rep.user, lead=lead, stage=stage)

    def sweep(at):
        with world.active():
            leads_refresh_priorities(tenant=world.tenant, now=at)
            return list(
                Notification.objects.filter(kind="lead_stuck").values_list("recipient", "title")
            )

    assert sweep(START + dt.timedelta(hours=1)) == []  # the first run only scores
    assert sweep(START + dt.timedelta(hours=3)) == []  # orange is not stuck yet
    [(recipient, title)] = sweep(START + dt.timedelta(hours=4, minutes=1))
    assert recipient == world.rep.user_id
    assert title.startswith("Stuck in Contacted:") and lead.reference in title
    assert len(sweep(START + dt.timedelta(hours=9))) == 1


def test_the_sweep_stores_the_score_the_lead_page_shows_in_a_fixed_number_of_queries(world):
    """Varied leads (stages in hours and business days, untouched or not, commercial, valued,
    won): after a sweep each stored score is leads.scoring's, and the sweep's queries do not grow
    with the number of leads it re-scores."""
    from leads.models import Lead
    from leads.scoring import priority_score, score_parts
    from leads.selectors.settings import lead_settings_get, untouched_after

    pipeline = pipeline_for(world.tenant)
    hours, days = stage_named(pipeline, "Contacted"), stage_named(pipeline, "Scheduled")
    with world.active():
        Stage.objects.filter(pk=hours.pk).update(delay_unit="hours", orange_after=2, red_after=4)
        Stage.objects.filter(pk=days.pk).update(delay_unit="days", orange_after=1, red_after=3)
    leads = []
    for number, (stage, entered_days_ago) in enumerate(
        [(hours, 0), (hours, 1), (days, 2), (days, 6), (None, 3), (days, 10), (hours, 20)]
    ):
        with time_machine.travel(START - dt.timedelta(days=entered_days_ago), tick=False):
            fields = {"lead_type": "commercial"} if number % 2 else {}
            lead = lead_for(world, pipeline, owner=world.rep, **fields)
            if stage is not None:
                with world.active():
                    lead_move_to_stage(
                        tenant=world.tenant, actor=world.rep.user, lead=lead, stage=stage
                    )
        leads.append(lead)
    with world.active():
        Lead.objects.filter(pk=leads[2].pk).update(estimated_value=12_500)
        Lead.objects.filter(pk=leads[3].pk).update(first_touch_at=START - dt.timedelta(days=5))
        Lead.objects.filter(pk=leads[5].pk).update(status="won")
        Lead.objects.filter(tenant=world.tenant).update(priority_score=-1)  # all stale

    at = START + dt.timedelta(hours=5)
    with world.active(), CaptureQueriesContext(connection) as queries:
        assert leads_refresh_priorities(tenant=world.tenant, now=at) >= 5
    # Not one settings read and one UPDATE per re-scored lead (5 or more here): one of each.
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum(q.startswith('UPDATE "leads_lead" ') for q in sql) == 1, sql
    assert sum('FROM "leads_leadsettings"' in q for q in sql) == 1, sql
    with world.active():
        wait = untouched_after(lead_settings_get(tenant=world.tenant))
        stored = Lead.objects.filter(tenant=world.tenant).select_related("stage", "source")
        scores = {
            lead.pk: (
                lead.priority_score,
                priority_score(
                    score_parts(lead, tenant=world.tenant, now=at, untouched_after=wait)
                ),
            )
            for lead in stored
        }
    rescored = [pair for pair in scores.values() if pair[0] != -1]
    assert len(rescored) >= 5
    assert all(stored_score == expected for stored_score, expected in rescored), scores


def test_the_sweep_visits_a_tenant_only_when_a_score_can_have_changed(world, other_world):
    """Due when never run, when the next crossing the last run found has come, or when a lead
    entered a stage since; not in between (leads.selectors.sweeps.priorities_due_tenant_ids)."""
    from leads.tasks import refresh_lead_priorities

    pipeline = pipeline_for(world.tenant)
    stage = stage_named(pipeline, "Contacted")
    with world.active():
        Stage.objects.filter(pk=stage.pk).update(delay_unit="hours", orange_after=2, red_after=4)
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        lead = lead_for(world, pipeline, owner=world.rep)
    with world.active(), time_machine.travel(START, tick=False):
        lead_move_to_stage(tenant=world.tenant, actor=world.rep.user, lead=lead, stage=stage)
        Lead.objects.filter(pk=lead.pk).update(first_touch_at=START)

    def due(at) -> bool:
        return world.tenant.pk in refresh_lead_priorities.sweep.tenant_ids(at)

    def sweep(at) -> None:
        with world.active():
            leads_refresh_priorities(tenant=world.tenant, now=at)
        with other_world.active():
            leads_refresh_priorities(tenant=other_world.tenant, now=at)

    later = START + dt.timedelta(hours=1)
    assert due(later)  # never run
    sweep(later)
    assert not due(later + dt.timedelta(minutes=5))
    assert not due(START + dt.timedelta(hours=2) - dt.timedelta(seconds=1))
    assert due(START + dt.timedelta(hours=2))  # turns orange
    sweep(START + dt.timedelta(hours=2))
    assert not due(START + dt.timedelta(hours=3))
    assert due(START + dt.timedelta(hours=4))  # turns red
    sweep(START + dt.timedelta(hours=4))
    assert not due(START + dt.timedelta(hours=12))  # nothing ahead: once a day or two
    assert due(START + dt.timedelta(hours=4, days=2))
    other = stage_named(pipeline, "Scheduled")
    with world.active(), time_machine.travel(START + dt.timedelta(hours=5), tick=False):
        lead_move_to_stage(tenant=world.tenant, actor=world.rep.user, lead=lead, stage=other)
    assert due(START + dt.timedelta(hours=5, minutes=5))  # a lead entered a stage
    assert other_world.tenant.pk not in refresh_lead_priorities.sweep.tenant_ids(
        START + dt.timedelta(hours=5)
    )


@pytest.mark.parametrize("amount", [1, 3])
@pytest.mark.parametrize("entered_hour", [3, 10, 23])
def test_the_next_crossing_in_business_days_is_the_first_moment_the_cutoff_reaches(
    world, amount, entered_hour
):
    from leads.aging import cutoff
    from leads.services.priorities import _crossing

    stage = Stage(delay_unit="days", orange_after=amount)
    zone = world.tenant.zone
    for day in range(5, 13):  # Friday 5 June 2026 to the next Saturday (a weekend in between)
        entered = dt.datetime(2026, 6, day, entered_hour, 30, tzinfo=zone)
        with world.active():
            at = _crossing(world.tenant, stage, amount, entered)
            assert cutoff(world.tenant, at, amount, "days") >= entered
            assert cutoff(world.tenant, at - dt.timedelta(minutes=1), amount, "days") < entered
