"""A trigger's follow-up step makes a real follow-up (followups.FollowUp) for the lead's owner:
typed by the step's kind, due after the step's delay, once per firing; a stage's follow-up ends
when the lead leaves the stage or is lost; a repeating one comes back every N days; and the demo
trigger leaves no paid customer without a thank-you call and a review request."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from automation.demo_triggers import seed_triggers
from automation.services import triggers
from followups.models import FollowUp, Status
from leads.models import Lead
from leads.services.payments import payment_record
from leads.services.stages import lead_mark_lost, lead_move_to_stage
from messaging.demo_templates import seed_templates
from tests.factories import lead_for, pipeline_for, stage_named, trigger_for

pytestmark = pytest.mark.django_db

AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _move(world, lead, stage_name, at):
    with world.active(), time_machine.travel(at, tick=False):
        lead.refresh_from_db()
        return lead_move_to_stage(
            tenant=world.tenant,
            actor=None,
            lead=lead,
            stage=stage_named(lead.pipeline, stage_name),
        )


def _follow_ups(world, lead):
    with world.active():
        return list(
            FollowUp.objects.filter(lead=lead)
            .select_related("type", "assignee", "contact")
            .order_by("scheduled_at", "id")
        )


def _waiting_trigger(world, pipeline, **step):
    return trigger_for(
        world.tenant,
        name="Waiting for the crew",
        stage=stage_named(pipeline, "Scheduled"),
        steps=[
            {
                "action": "follow_up",
                "follow_up_kind": "call",
                "follow_up_subject": "Check in while the job waits",
                "delay_minutes": 7 * 24 * 60,
                **step,
            }
        ],
    )


def test_a_follow_up_step_makes_the_owners_follow_up_once(world):
    pipeline = pipeline_for(world.tenant)
    trigger_for(
        world.tenant,
        stage=stage_named(pipeline, "Quote sent"),
        steps=[
            {
                "action": "follow_up",
                "follow_up_kind": "meeting",
                "follow_up_subject": "Walk the roof with them",
                "delay_minutes": 2 * 24 * 60,
            }
        ],
    )
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Quote sent", AFTERNOON)
    with world.active():
        lead.refresh_from_db()
        # A replayed signal for the same stage entry makes nothing new.
        assert (
            triggers.triggers_on_stage_entered(tenant=world.tenant, lead=lead, stage=lead.stage)
            == 0
        )
        assert lead.next_follow_up_at == AFTERNOON + 2 * DAY

    [follow_up] = _follow_ups(world, lead)
    assert follow_up.subject == "Walk the roof with them"
    assert follow_up.type.key == "meeting"
    assert (follow_up.assignee, follow_up.contact, follow_up.priority) == (
        world.rep,
        world.contact,
        "medium",
    )
    assert follow_up.scheduled_at == AFTERNOON + 2 * DAY
    assert follow_up.source == "trigger" and follow_up.key.startswith("trigger:")


def test_an_escalation_goes_to_a_manager_and_an_unowned_lead_to_a_manager_too(world):
    pipeline = pipeline_for(world.tenant)
    trigger_for(
        world.tenant,
        stage=stage_named(pipeline, "Quote sent"),
        steps=[
            {"action": "follow_up", "follow_up_kind": "escalation", "follow_up_subject": "Step in"},
            {"action": "follow_up", "follow_up_kind": "email", "follow_up_subject": "Email them"},
        ],
    )
    owned = lead_for(world, pipeline, owner=world.rep)
    nobodys = lead_for(world, pipeline, owner=None, assign_automatically=False)
    _move(world, owned, "Quote sent", AFTERNOON)
    _move(world, nobodys, "Quote sent", AFTERNOON)

    escalation, email = _follow_ups(world, owned)[0], _follow_ups(world, owned)[1]
    if escalation.subject != "Step in":
        escalation, email = email, escalation
    assert (escalation.assignee, escalation.priority, escalation.type.key) == (
        world.manager,
        "high",
        "call",
    )
    assert (email.assignee, email.type.key) == (world.rep, "email")
    assert {f.assignee for f in _follow_ups(world, nobodys)} == {world.manager}


def test_leaving_the_stage_cancels_its_follow_up_but_not_one_meant_to_outlive_it(world):
    pipeline = pipeline_for(world.tenant)
    _waiting_trigger(world, pipeline)
    trigger_for(
        world.tenant,
        name="Completed",
        stage=stage_named(pipeline, "Completed"),
        steps=[
            {
                "action": "follow_up",
                "follow_up_kind": "call",
                "follow_up_subject": "Check the gutters after the first storm",
                "delay_minutes": 30 * 24 * 60,
                "only_while_in_stage": False,
            }
        ],
    )
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Scheduled", AFTERNOON)
    _move(world, lead, "Completed", AFTERNOON + DAY)
    _move(world, lead, "Paid", AFTERNOON + 2 * DAY)
    statuses = {f.subject: f.status for f in _follow_ups(world, lead)}
    assert statuses == {
        "Check in while the job waits": Status.CANCELLED,
        "Check the gutters after the first storm": Status.PENDING,
    }


def test_a_lost_lead_drops_its_trigger_follow_ups_except_an_escalation(world):
    pipeline = pipeline_for(world.tenant)
    trigger_for(
        world.tenant,
        stage=stage_named(pipeline, "Quote sent"),
        steps=[
            {"action": "follow_up", "follow_up_kind": "call", "follow_up_subject": "Call"},
            {"action": "follow_up", "follow_up_kind": "escalation", "follow_up_subject": "Why?"},
        ],
    )
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Quote sent", AFTERNOON)
    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        lead_mark_lost(tenant=world.tenant, actor=None, lead=lead, reason="price")
    assert {f.subject: f.status for f in _follow_ups(world, lead)} == {
        "Call": Status.CANCELLED,
        "Why?": Status.PENDING,
    }


def test_a_repeating_follow_up_comes_back_every_n_days_while_the_lead_stays(world):
    pipeline = pipeline_for(world.tenant)
    _waiting_trigger(world, pipeline, repeat_every_days=7)
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Scheduled", AFTERNOON)

    def sweep(at):
        with world.active(), time_machine.travel(at, tick=False):
            return triggers.follow_ups_sweep(tenant=world.tenant, now=at)

    assert sweep(AFTERNOON + 6 * DAY) == 0  # the first is not due yet
    assert sweep(AFTERNOON + 7 * DAY) == 1
    assert sweep(AFTERNOON + 7 * DAY) == 0
    assert sweep(AFTERNOON + 10 * DAY) == 0
    assert sweep(AFTERNOON + 14 * DAY) == 1
    times = [f.scheduled_at for f in _follow_ups(world, lead)]
    assert times == [AFTERNOON + 7 * DAY, AFTERNOON + 14 * DAY, AFTERNOON + 21 * DAY]

    # The lead moves on: the pending one is cancelled and the chain ends.
    _move(world, lead, "Completed", AFTERNOON + 15 * DAY)
    assert sweep(AFTERNOON + 30 * DAY) == 0
    assert [f.status for f in _follow_ups(world, lead)][-1] == Status.CANCELLED


def _paid_world(world):
    pipeline = pipeline_for(world.tenant)
    with world.active():
        seed_triggers(tenant=world.tenant, templates=seed_templates(tenant=world.tenant))
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Won", AFTERNOON)
    _move(world, lead, "Completed", AFTERNOON + 20 * DAY)
    return lead


def test_a_paid_job_gets_a_thank_you_call_and_a_review_request(world):
    lead = _paid_world(world)
    paid_at = AFTERNOON + 30 * DAY
    with world.active(), time_machine.travel(paid_at, tick=False):
        lead.refresh_from_db()
        payment_record(
            tenant=world.tenant,
            actor=world.manager.user,
            lead=lead,
            amount=Decimal("12500.00"),
            method="check",
            received_on=paid_at.date(),
            kind="final",
        )
        lead.refresh_from_db()
        assert lead.stage.name == "Paid"
    # The job moves on to the review stage at once: the follow-ups stay.
    _move(world, lead, "Review requested", paid_at + dt.timedelta(hours=1))

    after_paid = {
        f.subject: (f.type.key, f.assignee, f.scheduled_at, f.status)
        for f in _follow_ups(world, lead)
        if f.scheduled_at > paid_at
    }
    assert after_paid == {
        "Thank-you call: the job is paid": ("call", world.rep, paid_at + DAY, Status.PENDING),
        "Ask for a review (text them the link)": (
            "message",
            world.rep,
            paid_at + 3 * DAY,
            Status.PENDING,
        ),
    }


def test_a_deposit_schedules_neither_the_thank_you_call_nor_the_review_request(world):
    """A $3,000 deposit on a $17,300 job, in production: the job is not paid, nobody thanks the
    customer for a roof not yet built. The final payment, once the work is done, does."""
    from leads.models import QuoteStatus
    from leads.services.quotes import quote_save_draft

    pipeline = pipeline_for(world.tenant)
    with world.active():
        seed_triggers(tenant=world.tenant, templates=seed_templates(tenant=world.tenant))
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            lines=[("Roof replacement", Decimal("1"), Decimal("17300"))],
            valid_until=world.tenant.today() + dt.timedelta(days=30),
        )
        type(quote).objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)
    _move(world, lead, "Won", AFTERNOON)
    _move(world, lead, "In production", AFTERNOON + DAY)

    def pay(amount, kind, at):
        with world.active(), time_machine.travel(at, tick=False):
            lead.refresh_from_db()
            payment_record(
                tenant=world.tenant,
                actor=world.manager.user,
                lead=lead,
                amount=Decimal(amount),
                method="check",
                received_on=at.date(),
                kind=kind,
            )
            lead.refresh_from_db()
            return lead.stage.name

    assert pay("3000", "deposit", AFTERNOON + 2 * DAY) == "In production"
    assert not [f for f in _follow_ups(world, lead) if "paid" in f.subject or "review" in f.subject]

    assert pay("14300", "final", AFTERNOON + 5 * DAY) == "In production"  # the work is not done
    assert not [f for f in _follow_ups(world, lead) if "paid" in f.subject]

    assert _move(world, lead, "Completed", AFTERNOON + 9 * DAY).stage.name == "Paid"
    subjects = {f.subject: f.scheduled_at for f in _follow_ups(world, lead)}
    assert subjects["Thank-you call: the job is paid"] == AFTERNOON + 10 * DAY
    assert subjects["Ask for a review (text them the link)"] == AFTERNOON + 12 * DAY


def test_every_paid_lead_of_the_demo_pipelines_gets_them(world):
    """Whichever ready-made pipeline: its paid stage carries the trigger."""
    from leads.pipeline_templates import (
        COMMERCIAL_ROOFING,
        EV_CHARGER_INSTALL,
        INSURANCE_CLAIM,
    )

    for template in (COMMERCIAL_ROOFING, INSURANCE_CLAIM, EV_CHARGER_INSTALL):
        pipeline_for(world.tenant, template)
    pipeline_for(world.tenant)
    with world.active():
        triggers_made = seed_triggers(
            tenant=world.tenant, templates=seed_templates(tenant=world.tenant)
        )
        paid_triggers = [t for t in triggers_made if t.name.startswith("Job paid")]
        assert len(paid_triggers) == 4
        assert all(t.stage.moves_on == "paid_in_full" for t in paid_triggers)
        assert Lead.objects.count() == 0
