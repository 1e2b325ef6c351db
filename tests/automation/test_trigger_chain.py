"""From a stage change to messages in the outbox and out through the sandbox provider; time
triggers; follow-ups a trigger promises; edits and disabling affect only messages not yet sent."""

import datetime as dt

import pytest
import time_machine

from automation.models import Trigger, TriggerStep
from automation.services import triggers
from crm.models import TimelineEvent
from crm.services.consent import consent_record
from followups.models import FollowUp
from leads.services.stages import lead_move_to_stage
from messaging.models import MessageStatus, OutboundMessage, SandboxDelivery
from messaging.services import outbox, outbox_send
from tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    lead_for,
    message_template_for,
    pipeline_for,
    stage_named,
    trigger_for,
)

pytestmark = pytest.mark.django_db

# A Tuesday, 15:00 in Miami (EDT): inside every channel's default window.
AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def miami(world):
    world.tenant.time_zone = "America/New_York"
    world.tenant.save()
    return world


def _send_due(world, now):
    with world.active():
        ids = outbox.outbox_claim_due(tenant=world.tenant, now=now)
        return [outbox_send.message_send(tenant=world.tenant, message_id=pk, now=now) for pk in ids]


def _quote_sent_trigger(world, pipeline):
    template = message_template_for(world.tenant, "quote-sent", channels=("email", "sms"))
    follow_up = message_template_for(world.tenant, "quote-follow-up", channels=("email",))
    return trigger_for(
        world.tenant,
        name="Quote sent",
        stage=stage_named(pipeline, "Quote sent"),
        steps=[
            {"template": template, "channels": ["email", "sms"], "channel_choice": "all"},
            {"template": follow_up, "channels": ["email"], "delay_minutes": 3 * 24 * 60},
            {
                "action": "follow_up",
                "follow_up_kind": "call",
                "follow_up_subject": "Call about the quote",
                "delay_minutes": 7 * 24 * 60,
            },
        ],
    )


def _another_contact(world):
    contact = ContactFactory(tenant=world.tenant)
    ContactEmailFactory(tenant=world.tenant, contact=contact)
    ContactPhoneFactory(tenant=world.tenant, contact=contact)
    return contact


def _move(world, lead, stage_name, now):
    with world.active(), time_machine.travel(now, tick=False):
        return lead_move_to_stage(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            stage=stage_named(lead.pipeline, stage_name),
        )


def test_stage_change_schedules_the_trigger_steps_and_sends_them_once(miami):
    world = miami
    pipeline = pipeline_for(world.tenant)
    _quote_sent_trigger(world, pipeline)
    lead = lead_for(world, pipeline, owner=world.rep)

    _move(world, lead, "Quote sent", AFTERNOON)

    with world.active():
        messages = list(OutboundMessage.objects.filter(lead=lead).order_by("send_after", "channel"))
        assert [(m.channel, m.status) for m in messages] == [
            ("email", "scheduled"),
            ("sms", "scheduled"),
            ("email", "scheduled"),
        ]
        assert messages[2].send_after == AFTERNOON + dt.timedelta(days=3)
        # The call step is a real follow-up on the owner's list.
        follow_up = FollowUp.objects.get(lead=lead)
        assert follow_up.scheduled_at == AFTERNOON + dt.timedelta(days=7)
        assert (follow_up.assignee, follow_up.source) == (world.rep, "trigger")

    assert _send_due(world, AFTERNOON) == ["sent", "sent"]
    assert _send_due(world, AFTERNOON) == []  # nothing twice
    with world.active():
        deliveries = list(SandboxDelivery.objects.order_by("channel"))
        assert [d.channel for d in deliveries] == ["email", "sms"]
        assert deliveries[0].subject == f"About {lead.reference}"
        assert deliveries[0].body_text == f"Hi {world.contact.first_name}, about {lead.reference}."
        assert "Message-ID" in deliveries[0].headers
        assert TimelineEvent.objects.filter(lead_id=lead.pk, kind="message.sent").count() == 2
        lead.refresh_from_db()
        assert lead.last_outbound_at == AFTERNOON

    three_days_later = AFTERNOON + dt.timedelta(days=3)
    assert _send_due(world, three_days_later) == ["sent"]


def test_the_same_stage_entry_never_schedules_twice_but_a_new_entry_does(miami):
    world = miami
    pipeline = pipeline_for(world.tenant)
    _quote_sent_trigger(world, pipeline)
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Quote sent", AFTERNOON)
    with world.active():
        lead.refresh_from_db()
        # A replayed signal for the same entry is a no-op.
        triggers.triggers_on_stage_entered(tenant=world.tenant, lead=lead, stage=lead.stage)
        assert OutboundMessage.objects.filter(lead=lead).count() == 3


def test_a_message_for_a_stage_the_lead_has_left_is_not_sent(miami):
    world = miami
    pipeline = pipeline_for(world.tenant)
    _quote_sent_trigger(world, pipeline)
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Quote sent", AFTERNOON)
    _send_due(world, AFTERNOON)
    _move(world, lead, "Won", AFTERNOON + dt.timedelta(days=1))

    # Cancelled when the lead moved, not at send time: nobody sees it "Scheduled" meanwhile.
    with world.active():
        cancelled = OutboundMessage.objects.get(lead=lead, status=MessageStatus.CANCELLED)
        assert cancelled.decisions[-1]["reason"] == "Cancelled: the lead moved on to “Won”"
    assert _send_due(world, AFTERNOON + dt.timedelta(days=3)) == []
    with world.active():
        # The call follow-up of the stage was cancelled too.
        assert FollowUp.objects.get(lead=lead).status == "cancelled"


def test_disabling_or_editing_a_trigger_affects_only_messages_not_yet_sent(miami):
    world = miami
    pipeline = pipeline_for(world.tenant)
    trigger = _quote_sent_trigger(world, pipeline)
    lead = lead_for(world, pipeline, owner=world.rep)
    _move(world, lead, "Quote sent", AFTERNOON)
    _send_due(world, AFTERNOON)

    with world.active():
        step = TriggerStep.objects.get(trigger=trigger, position=1)
        step.template.variants.filter(channel="email").update(
            body_text="Edited: {{ order_number }}"
        )
    assert _send_due(world, AFTERNOON + dt.timedelta(days=3)) == ["sent"]
    with world.active():
        assert SandboxDelivery.objects.filter(body_text=f"Edited: {lead.reference}").count() == 1
        # What went before the edit stays as it was sent.
        assert SandboxDelivery.objects.filter(body_text__startswith="Hi ").count() == 2

    other = lead_for(world, pipeline, owner=world.rep, contact=_another_contact(world))
    _move(world, other, "Quote sent", AFTERNOON)
    with world.active():
        Trigger.objects.filter(pk=trigger.pk).update(is_active=False)
    assert sorted(_send_due(world, AFTERNOON)) == ["cancelled", "cancelled"]


def test_appointment_reminders_go_at_their_offsets_once(miami):
    world = miami
    pipeline = pipeline_for(world.tenant)
    reminder = message_template_for(world.tenant, "appointment-reminder", channels=("email", "sms"))
    for offset, channel in ((-48 * 60, "email"), (-24 * 60, "sms")):
        trigger_for(
            world.tenant,
            event="date_reached",
            date_field="appointment_at",
            offset_minutes=offset,
            name=f"Reminder {channel}",
            steps=[{"template": reminder, "channels": [channel]}],
        )
    lead = lead_for(world, pipeline, owner=world.rep)
    appointment = AFTERNOON + dt.timedelta(days=3)
    with world.active():
        type(lead).objects.filter(pk=lead.pk).update(appointment_at=appointment)

    def sweep(now):
        with world.active():
            return triggers.time_triggers_sweep(tenant=world.tenant, now=now)

    assert sweep(AFTERNOON) == 0
    assert sweep(appointment - dt.timedelta(hours=48, minutes=-1)) == 1
    assert sweep(appointment - dt.timedelta(hours=47)) == 0  # the window moved on
    assert sweep(appointment - dt.timedelta(hours=23, minutes=59)) == 1
    with world.active():
        channels = list(OutboundMessage.objects.filter(lead=lead).values_list("channel", flat=True))
        assert sorted(channels) == ["email", "sms"]


def test_no_response_trigger_and_its_call_follow_up(miami):
    world = miami
    pipeline = pipeline_for(world.tenant)
    trigger_for(
        world.tenant,
        event="no_response",
        offset_minutes=72 * 60,
        name="No answer in 72 h",
        steps=[
            {
                "action": "follow_up",
                "follow_up_kind": "call",
                "follow_up_subject": "No answer: call them",
            }
        ],
    )
    lead = lead_for(world, pipeline, owner=world.rep)
    with world.active():
        type(lead).objects.filter(pk=lead.pk).update(last_outbound_at=AFTERNOON)
        sweep = triggers.time_triggers_sweep
        assert sweep(tenant=world.tenant, now=AFTERNOON) == 0
        assert sweep(tenant=world.tenant, now=AFTERNOON + HOUR * 12) == 0
        assert sweep(tenant=world.tenant, now=AFTERNOON + HOUR * 30) == 0
        assert sweep(tenant=world.tenant, now=AFTERNOON + HOUR * 50) == 0
        assert sweep(tenant=world.tenant, now=AFTERNOON + HOUR * 72) == 1
        assert sweep(tenant=world.tenant, now=AFTERNOON + HOUR * 73) == 0
        # The owner's follow-up, due now, with its reminder (the follow-ups app sends it).
        follow_up = FollowUp.objects.get(lead=lead)
        assert (follow_up.subject, follow_up.assignee) == ("No answer: call them", world.rep)
        assert follow_up.scheduled_at == AFTERNOON + HOUR * 72
        assert follow_up.reminders.count() == 1


def test_a_later_stage_cancels_only_what_was_not_due_yet(miami):
    """The final payment recorded a minute after the job moved to Completed: the thank-you, due
    at once, still goes; a check-in due in three days "while in the stage" does not."""
    world = miami
    pipeline = pipeline_for(world.tenant)
    thanks = message_template_for(world.tenant, "job-done", channels=("email",))
    check_in = message_template_for(world.tenant, "check-in", channels=("email",))
    trigger_for(
        world.tenant,
        name="Job completed",
        stage=stage_named(pipeline, "Completed"),
        steps=[
            {"template": thanks, "channels": ["email"]},
            {"template": check_in, "channels": ["email"], "delay_minutes": 3 * 24 * 60},
        ],
    )
    lead = lead_for(world, pipeline, owner=world.rep)

    _move(world, lead, "Completed", AFTERNOON)
    _move(world, lead, "Paid", AFTERNOON + dt.timedelta(minutes=1))

    assert _send_due(world, AFTERNOON + dt.timedelta(minutes=2)) == ["sent"]
    with world.active():
        statuses = dict(
            OutboundMessage.objects.filter(lead=lead).values_list("template__key", "status")
        )
    assert statuses == {"job-done": MessageStatus.SENT, "check-in": MessageStatus.CANCELLED}


def test_a_marketing_email_carries_one_click_unsubscribe_and_a_job_email_does_not(miami):
    world = miami
    survey = message_template_for(world.tenant, "survey", channels=("email",), purpose="marketing")
    notice = message_template_for(world.tenant, "notice", channels=("email",))
    lead = lead_for(world, owner=world.rep)
    with world.active():
        consent_record(
            tenant=world.tenant,
            contact=world.contact,
            channel="email",
            status="granted",
            source="web form",
        )
        for key, template in (("survey", survey), ("notice", notice)):
            outbox.message_schedule(
                tenant=world.tenant,
                channel="email",
                source="update",
                idempotency_key=key,
                contact=world.contact,
                lead=lead,
                template=template,
                now=AFTERNOON,
                send_after=AFTERNOON,
            )
    assert _send_due(world, AFTERNOON) == ["sent", "sent"]
    with world.active():
        headers = {
            delivery.message.template.key: delivery.headers
            for delivery in SandboxDelivery.objects.select_related("message__template")
        }
    assert "List-Unsubscribe" in headers["survey"]
    assert headers["survey"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe" not in headers["notice"]


def test_a_no_reply_reminder_does_not_restart_the_wait_it_is_about(miami):
    world = miami
    reminder = message_template_for(world.tenant, "nudge", channels=("email",))
    trigger_for(
        world.tenant,
        event="no_response",
        offset_minutes=48 * 60,
        name="48 h",
        steps=[{"template": reminder, "channels": ["email"], "only_while_in_stage": False}],
    )
    trigger_for(
        world.tenant,
        event="no_response",
        offset_minutes=72 * 60,
        name="72 h",
        steps=[
            {
                "action": "follow_up",
                "follow_up_kind": "call",
                "follow_up_subject": "Call them",
                "only_while_in_stage": False,
            }
        ],
    )
    lead = lead_for(world, owner=world.rep)
    with world.active():
        type(lead).objects.filter(pk=lead.pk).update(last_outbound_at=AFTERNOON)
        sweep = triggers.time_triggers_sweep
        for hour in range(0, 97, 4):
            at = AFTERNOON + HOUR * hour
            sweep(tenant=world.tenant, now=at)
            _send_due(world, at)
        assert OutboundMessage.objects.filter(lead=lead, template=reminder).count() == 1
        assert FollowUp.objects.filter(lead=lead, subject="Call them").count() == 1
        lead.refresh_from_db()
        assert lead.last_outbound_at == AFTERNOON
