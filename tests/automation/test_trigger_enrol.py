"""A trigger's enrol step puts the lead in a follow-up sequence when it fires, its days counted
from the step's delay; firing again while the lead is in it changes nothing; a sequence switched
off since is skipped; the admin picks the sequence on the step page, and a sequence a trigger
uses cannot be deleted from under it."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from automation.models import EnrolmentStatus, SequenceEnrolment, StepAction, StepKind
from automation.services import sequence_editing, sequences
from automation.services.configuration_triggers import trigger_step_save
from followups.services.followups import follow_up_type_get
from leads.services.stages import lead_move_to_stage
from tests.conftest import sign_in
from tests.factories import lead_for, pipeline_for, stage_named, trigger_for

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 6, 9, 14, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _sequence(world, name="Payment reminders"):
    with world.active():
        sequence = sequence_editing.sequence_save(tenant=world.tenant, actor=None, name=name)
        sequence_editing.sequence_step_save(
            tenant=world.tenant,
            actor=None,
            sequence=sequence,
            day_offset=3,
            kind=StepKind.TASK,
            subject="Call about the invoice",
            follow_up_type=follow_up_type_get(tenant=world.tenant, key="call"),
        )
    return sequence


def _move(world, lead, stage_name, at):
    with world.active(), time_machine.travel(at, tick=False):
        lead.refresh_from_db()
        lead_move_to_stage(
            tenant=world.tenant, actor=None, lead=lead, stage=stage_named(lead.pipeline, stage_name)
        )


def _enrolments(world, lead):
    with world.active():
        return list(SequenceEnrolment.objects.filter(lead=lead).order_by("id"))


def test_an_enrol_step_puts_the_lead_in_the_sequence_once(world):
    sequence = _sequence(world)
    pipeline = pipeline_for(world.tenant)
    trigger_for(
        world.tenant,
        stage=stage_named(pipeline, "Quote sent"),
        steps=[{"action": "enrol", "sequence": sequence, "delay_minutes": 24 * 60}],
    )
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Quote sent", MORNING)
    [enrolment] = _enrolments(world, lead)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert (enrolment.sequence_id, enrolment.owner_id) == (sequence.pk, world.rep.pk)
    # The sequence's days count from the step's delay: its day-3 task is due on day 1 + 3.
    assert enrolment.enrolled_at == MORNING + DAY
    assert enrolment.next_step_at == sequences.step_due_at(
        tenant=world.tenant, enrolled_at=MORNING + DAY, day_offset=3
    )
    # Back and in again while still enrolled: nothing new.
    _move(world, lead, "Inspection scheduled", MORNING + DAY / 2)
    _move(world, lead, "Quote sent", MORNING + DAY)
    assert len(_enrolments(world, lead)) == 1


def test_a_sequence_switched_off_since_is_skipped(world):
    sequence = _sequence(world)
    pipeline = pipeline_for(world.tenant)
    trigger_for(
        world.tenant,
        stage=stage_named(pipeline, "Quote sent"),
        steps=[{"action": "enrol", "sequence": sequence}],
    )
    with world.active():
        sequence_editing.sequence_save(
            tenant=world.tenant, actor=None, sequence=sequence, name=sequence.name, is_active=False
        )
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Quote sent", MORNING)
    assert _enrolments(world, lead) == []


def test_the_step_needs_a_live_sequence_of_the_tenant(world, other_world):
    pipeline = pipeline_for(world.tenant)
    trigger = trigger_for(world.tenant, stage=stage_named(pipeline, "Quote sent"))
    foreign = _sequence(other_world)
    with world.active():
        for sequence in (None, foreign):
            with pytest.raises(ValidationError) as refused:
                trigger_step_save(
                    tenant=world.tenant,
                    actor=None,
                    trigger=trigger,
                    action=StepAction.ENROL,
                    sequence=sequence,
                )
            assert "Pick the sequence" in str(refused.value)


def test_the_admin_adds_an_enrol_step_and_cannot_delete_the_sequence_it_uses(client, world):
    sequence = _sequence(world)
    pipeline = pipeline_for(world.tenant)
    trigger = trigger_for(world.tenant, stage=stage_named(pipeline, "Quote sent"))
    sign_in(client, world.admin)
    url = reverse("automation-settings:trigger-step-create", kwargs={"trigger_pk": trigger.pk})
    form = client.post(url, {"action": "enrol", "refresh": "1"}).content.decode()
    assert f'<option value="{sequence.pk}">Payment reminders</option>' in form
    response = client.post(url, {"action": "enrol", "sequence": sequence.pk, "delay_unit": "days"})
    assert response.status_code == 302
    page = client.get(
        reverse("automation-settings:trigger-edit", kwargs={"trigger_pk": trigger.pk})
    )
    assert "Enrol in Payment reminders" in page.content.decode()
    with world.active(), pytest.raises(ValidationError, match="enrols leads in this sequence"):
        sequence_editing.sequence_delete(tenant=world.tenant, actor=None, sequence=sequence)
