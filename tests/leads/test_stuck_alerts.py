"""The priority sweep re-scores leads that crossed an aging threshold and tells the owner, once,
when a lead turns red in its stage ("stuck in stage", a staff notification kind)."""

import datetime as dt

import pytest
import time_machine

from crm.models import Notification
from leads.models import Stage
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
