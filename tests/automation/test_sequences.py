"""Sequences with controlled time: each step runs at its day offset exactly once; a reply on any
channel (not an auto-reply), an unsubscribe, a bounce, or the lead won or lost unenrols, with the
reason kept; enrolling by hand, in bulk, and the pre-built demo sequences."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from automation.demo_sequences import seed_sequences
from automation.models import EnrolmentStatus, Sequence, SequenceEnrolment, SequenceStep, StepKind
from automation.services import sequence_editing, sequences
from crm.models import Notification, TimelineEvent
from crm.services.consent import consent_record
from followups.models import FollowUp
from followups.services.followups import follow_up_type_get
from leads.services.stages import lead_mark_lost, lead_move_to_next_stage, lead_move_to_stage
from messaging import consent
from messaging.links import UnsubscribeTarget
from messaging.models import MessageStatus, OutboundMessage
from messaging.services import outbox, outbox_delivery, outbox_send
from messaging.services.outbox_delivery import DeliveryEvent
from tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    lead_for,
    message_template_for,
    pipeline_for,
    stage_named,
)
from tickets.models import InboundEvent
from tickets.services import configuration, ingest

pytestmark = pytest.mark.django_db

# A Tuesday, 15:00 in Miami (EDT).
AFTERNOON = dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
SITE = "https://crm.example"
TWILIO_TOKEN = "sequence-twilio-token"


def _nine_am(days_after: int) -> dt.datetime:
    """09:00 in Miami (EDT, UTC-4), `days_after` the day of AFTERNOON."""
    return dt.datetime(2026, 6, 9, 13, 0, tzinfo=dt.UTC) + days_after * DAY


def _sequence(world, name="Onboarding", *, purpose="transactional", steps=None) -> Sequence:
    welcome = message_template_for(world.tenant, f"welcome-{purpose}", purpose=purpose)
    with world.active():
        sequence = sequence_editing.sequence_save(tenant=world.tenant, actor=None, name=name)
        call = follow_up_type_get(tenant=world.tenant, key="call")
        for values in steps or (
            {"day_offset": 0, "kind": StepKind.MESSAGE, "channels": ["email"]},
            {"day_offset": 2, "kind": StepKind.TASK, "subject": "Welcome call"},
            {"day_offset": 5, "kind": StepKind.MESSAGE, "channels": ["email", "sms"]},
            {"day_offset": 14, "kind": StepKind.ESCALATE, "subject": "Still nothing"},
        ):
            is_message = values["kind"] == StepKind.MESSAGE
            sequence_editing.sequence_step_save(
                tenant=world.tenant,
                actor=None,
                sequence=sequence,
                template=welcome if is_message else None,
                follow_up_type=None if is_message else call,
                **values,
            )
        return sequence


def _enrol(world, sequence, lead=None, *, at=AFTERNOON, **kwargs):
    with world.active(), time_machine.travel(at, tick=False):
        return sequences.sequence_enrol(
            tenant=world.tenant, actor=world.rep.user, sequence=sequence, lead=lead, **kwargs
        )


def _refused(world, sequence, lead, match: str) -> None:
    # Inside the tenant's context: an error leaving it would doom the test's transaction.
    with world.active(), pytest.raises(ValidationError, match=match):
        sequences.sequence_enrol(
            tenant=world.tenant, actor=world.rep.user, sequence=sequence, lead=lead
        )


def _sweep(world, at) -> int:
    with world.active(), time_machine.travel(at, tick=False):
        return sequences.sequences_sweep(tenant=world.tenant, now=at)


def _reload(world, enrolment) -> SequenceEnrolment:
    with world.active():
        return SequenceEnrolment.objects.get(pk=enrolment.pk)


def _sequence_messages(world):
    with world.active():
        return list(
            OutboundMessage.objects.filter(source="sequence")
            .order_by("created_at", "channel")
            .values_list("channel", flat=True)
        )


# --- Steps at their day offsets -----------------------------------------------------------------


def test_each_step_runs_at_its_day_offset_exactly_once(world):
    sequence = _sequence(world)
    lead = lead_for(world, owner=world.rep)
    enrolment = _enrol(world, sequence, lead)
    assert enrolment.next_step_at == AFTERNOON  # day 0: at once

    assert _sweep(world, AFTERNOON) == 1
    assert _sweep(world, AFTERNOON) == 0
    assert _sequence_messages(world) == ["email"]
    assert _reload(world, enrolment).next_step_at == _nine_am(2)

    # Day 2 comes at 09:00 in the business's zone, not a minute before.
    assert _sweep(world, _nine_am(2) - MINUTE) == 0
    assert _sweep(world, _nine_am(2)) == 1
    assert _sweep(world, _nine_am(2) + dt.timedelta(hours=3)) == 0
    with world.active():
        call = FollowUp.objects.get(source="sequence")
        assert (call.subject, call.assignee, call.lead, call.contact) == (
            "Welcome call",
            world.rep,
            lead,
            world.contact,
        )
        assert call.scheduled_at == _nine_am(2) + dt.timedelta(hours=1)
        assert call.type.key == "call"
        assert call.reminders.count() == 1

    assert _sweep(world, _nine_am(5)) == 1
    assert _sequence_messages(world) == ["email", "email", "sms"]

    assert _sweep(world, _nine_am(14)) == 1
    with world.active():
        escalation = FollowUp.objects.get(source="sequence", priority="high")
        assert escalation.assignee == world.manager
        note = Notification.objects.get(recipient=world.manager.user, kind="follow_up_due")
        assert note.title.startswith("Escalated: Still nothing")
        assert FollowUp.objects.filter(source="sequence").count() == 2
    done = _reload(world, enrolment)
    assert (done.status, done.next_step_at, done.next_step) == ("completed", None, 4)
    assert _sweep(world, _nine_am(30)) == 0
    assert len(_sequence_messages(world)) == 3


def test_a_late_sweep_catches_up_each_missed_step_once(world):
    sequence = _sequence(world)
    lead = lead_for(world, owner=world.rep)
    enrolment = _enrol(world, sequence, lead)
    # The beat was down for a week: days 0, 2 and 5 all run now, each once.
    assert _sweep(world, _nine_am(6)) == 3
    assert _sweep(world, _nine_am(6)) == 0
    assert _sequence_messages(world) == ["email", "email", "sms"]
    assert _reload(world, enrolment).next_step_at == _nine_am(14)


def test_a_step_added_or_removed_later_never_runs_twice_or_backwards(world):
    sequence = _sequence(world)
    lead = lead_for(world, owner=world.rep)
    enrolment = _enrol(world, sequence, lead)
    _sweep(world, _nine_am(2))
    with world.active():
        # A step for day 1 (already passed for this enrolment) and day 2's step moved to day 3.
        template = SequenceStep.objects.filter(sequence=sequence, kind="message").first().template
        sequence_editing.sequence_step_save(
            tenant=world.tenant,
            actor=None,
            sequence=sequence,
            day_offset=1,
            kind=StepKind.MESSAGE,
            template=template,
            channels=["sms"],
        )
        task = SequenceStep.objects.get(sequence=sequence, kind="task")
        sequence_editing.sequence_step_save(
            tenant=world.tenant,
            actor=None,
            sequence=sequence,
            step=task,
            day_offset=3,
            kind=StepKind.TASK,
            subject="Welcome call",
        )
        positions = list(
            SequenceStep.objects.filter(sequence=sequence).values_list("day_offset", flat=True)
        )
    assert positions == [0, 1, 3, 5, 14]
    # The moved task ran on day 2 already: the enrolment is past it (and its key would hold).
    assert _sweep(world, _nine_am(3)) == 0
    with world.active():
        assert FollowUp.objects.filter(source="sequence").count() == 1
    assert _sequence_messages(world) == ["email"]
    assert _reload(world, enrolment).next_step_at == _nine_am(5)


def test_a_contact_on_their_own_and_a_lead_without_owner(world):
    sequence = _sequence(world)
    contact = ContactFactory(tenant=world.tenant)
    ContactEmailFactory(tenant=world.tenant, contact=contact)
    by_hand = _enrol(world, sequence, contact=contact, owner=world.rep)
    orphan = lead_for(world, owner=None, assign_automatically=False)
    unowned = _enrol(world, sequence, orphan)
    assert (by_hand.lead, by_hand.owner, unowned.owner) == (None, world.rep, None)
    _sweep(world, _nine_am(2))
    with world.active():
        tasks = {f.contact_id: f.assignee for f in FollowUp.objects.filter(source="sequence")}
    # Nobody owns the lead: a manager takes its task.
    assert tasks == {contact.pk: world.rep, world.contact.pk: world.manager}


def test_enrolling_twice_a_lost_lead_or_a_switched_off_sequence_is_refused(world):
    sequence = _sequence(world)
    lead = lead_for(world, owner=world.rep)
    _enrol(world, sequence, lead)
    _refused(world, sequence, lead, "already in")
    other = lead_for(world, owner=world.rep)
    with world.active():
        lead_mark_lost(tenant=world.tenant, actor=None, lead=other, reason="price")
    _refused(world, sequence, other, "lost")
    with world.active():
        sequence_editing.sequence_save(
            tenant=world.tenant, actor=None, sequence=sequence, name=sequence.name, is_active=False
        )
        # Switched off: everyone in it stops, with that reason.
        stopped = SequenceEnrolment.objects.get(lead=lead)
        assert (stopped.status, stopped.stop_reason) == ("stopped", "The sequence was switched off")
    _refused(world, sequence, lead, "switched off")


def test_bulk_enrol_skips_what_cannot_be_enrolled(world):
    sequence = _sequence(world)
    first, second = lead_for(world, owner=world.rep), lead_for(world, owner=world.rep)
    lost = lead_for(world, owner=world.rep)
    with world.active():
        lead_mark_lost(tenant=world.tenant, actor=None, lead=lost, reason="price")
        sequences.sequence_enrol(
            tenant=world.tenant, actor=None, sequence=sequence, lead=second, now=AFTERNOON
        )
        result = sequences.sequence_enrol_bulk(
            tenant=world.tenant,
            actor=world.manager.user,
            sequence=sequence,
            lead_ids=[first.pk, second.pk, lost.pk],
            contact_ids=[world.contact.pk],
            owner=world.manager,
        )
        assert result.enrolled == 2  # the first lead and the contact on their own
        assert len(result.skipped) == 2
        assert any("already in" in reason for reason in result.skipped)
        assert any("lost" in reason for reason in result.skipped)
        on_their_own = SequenceEnrolment.objects.get(lead=None)
        assert on_their_own.owner == world.manager
        # A lead's tasks stay with its owner, whoever enrolled it.
        assert SequenceEnrolment.objects.get(lead=first).owner == world.rep


# --- Unenrolment ---------------------------------------------------------------------------------


def _inbox(world):
    with world.active():
        inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Support")
        configuration.inbox_address_save(
            tenant=world.tenant,
            inbox=inbox,
            channel="sms",
            address="(305) 555-0100",
            twilio_account_sid="AC123",
            twilio_auth_token=TWILIO_TOKEN,
        )
        configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel="email", address="hello@roofing.test"
        )
        configuration.inbox_agent_set(tenant=world.tenant, inbox=inbox, membership=world.rep)


def _process_inbound(world):
    with world.active():
        for event in InboundEvent.objects.filter(status="pending").order_by("pk"):
            ingest.inbound_event_process(tenant=world.tenant, event_id=event.pk)
        assert not InboundEvent.objects.exclude(status="processed").exists()


@override_settings(THREADLINE_SITE_URL=SITE)
def test_a_text_reply_unenrols_and_its_waiting_message_is_cancelled(
    world, client, django_capture_on_commit_callbacks
):
    _inbox(world)
    sequence = _sequence(world)
    lead = lead_for(world, owner=world.rep)
    # Enrolled late at night: the day-0 text waits for the morning (quiet hours).
    night = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)
    sms_first = _sequence(
        world,
        "Night",
        steps=(
            {"day_offset": 0, "kind": StepKind.MESSAGE, "channels": ["sms"]},
            {"day_offset": 3, "kind": StepKind.TASK, "subject": "Check in"},
        ),
    )
    enrolment = _enrol(world, sequence, lead)
    waiting = _enrol(world, sms_first, lead, at=night)
    _sweep(world, night)
    with world.active():
        deferred = OutboundMessage.objects.get(
            idempotency_key__startswith=f"sequence:{waiting.pk}:"
        )
        assert deferred.status == MessageStatus.SCHEDULED and deferred.send_after > night

    with world.active():
        phone = str(world.contact.phones.first().number)
    path = reverse("tickets-public:twilio-inbound")
    data = {"MessageSid": "SM9", "From": phone, "To": "+13055550100", "Body": "Sounds good!"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(SITE + path, data)
    with time_machine.travel(night + dt.timedelta(hours=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code == 200
        _process_inbound(world)

    for stopped in (_reload(world, enrolment), _reload(world, waiting)):
        assert stopped.status == EnrolmentStatus.STOPPED
        assert stopped.stop_reason.startswith("Replied by SMS (T-")
        assert stopped.next_step_at is None
    with world.active():
        deferred.refresh_from_db()
        assert deferred.status == MessageStatus.CANCELLED
        assert "the sequence stopped" in deferred.decisions[-1]["reason"]
        assert TimelineEvent.objects.filter(kind="sequence.stopped", lead_id=lead.pk).count() == 2
    assert _sweep(world, _nine_am(30)) == 0


@override_settings(THREADLINE_SITE_URL=SITE)
def test_an_out_of_office_email_does_not_unenrol_but_a_real_email_does(
    world, django_capture_on_commit_callbacks
):
    _inbox(world)
    sequence = _sequence(world)
    enrolment = _enrol(world, sequence, lead_for(world, owner=world.rep))
    with world.active():
        email = world.contact.emails.first().email

    def receive(message_id: str, headers: str, body: str):
        raw = (
            f"From: Jane <{email}>\r\nTo: hello@roofing.test\r\nSubject: Re: Welcome\r\n"
            f"Message-ID: <{message_id}@example.com>\r\n{headers}\r\n{body}\r\n"
        ).encode()
        with time_machine.travel(AFTERNOON + dt.timedelta(hours=1), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                ingest.email_inbound_store(provider="postmark", raw=raw)
            _process_inbound(world)

    receive("ooo", "Auto-Submitted: auto-replied\r\n", "I am out of the office until Monday.")
    assert _reload(world, enrolment).status == EnrolmentStatus.ACTIVE

    receive("real", "", "Thanks, the documents are attached.")
    stopped = _reload(world, enrolment)
    assert (stopped.status, stopped.stop_reason[:17]) == ("stopped", "Replied by Email ")


def test_unsubscribing_from_marketing_stops_only_marketing_sequences(world):
    onboarding = _sequence(world, "Onboarding")
    newsletter = _sequence(world, "Seasonal tips", purpose="marketing")
    lead = lead_for(world, owner=world.rep)
    jobs = _enrol(world, onboarding, lead)
    tips = _enrol(world, newsletter, lead)
    with world.active():
        consent.unsubscribe(
            tenant=world.tenant,
            target=UnsubscribeTarget(world.tenant.pk, world.contact.pk, "email"),
        )
    assert _reload(world, jobs).status == EnrolmentStatus.ACTIVE
    stopped = _reload(world, tips)
    assert stopped.status == EnrolmentStatus.STOPPED
    assert stopped.stop_reason == "Unsubscribed: Email job messages only (unsubscribe link)"

    with world.active():
        # STOP by text withdraws consent: every sequence of the contact stops.
        consent_record(
            tenant=world.tenant,
            contact=world.contact,
            channel="sms",
            status="withdrawn",
            source="STOP reply",
        )
    assert _reload(world, jobs).stop_reason == "Unsubscribed: SMS consent withdrawn (STOP reply)"


def test_a_hard_bounce_unenrols_a_soft_failure_does_not(world):
    sequence = _sequence(world)
    enrolment = _enrol(world, sequence, lead_for(world, owner=world.rep))
    _sweep(world, AFTERNOON)
    with world.active():
        message = OutboundMessage.objects.get(source="sequence")
        outbox_delivery.message_record_delivery(
            tenant=world.tenant,
            message_id=message.pk,
            event=DeliveryEvent.FAILED,
            detail="Soft bounce: mailbox full",
        )
    assert _reload(world, enrolment).status == EnrolmentStatus.ACTIVE

    other = _sequence(world, "Payment reminders")
    second = _enrol(world, other, lead_for(world, owner=world.rep))
    _sweep(world, AFTERNOON + MINUTE)
    with world.active():
        bounced = OutboundMessage.objects.filter(source="sequence", status="scheduled").first()
        outbox_delivery.message_record_delivery(
            tenant=world.tenant,
            message_id=bounced.pk,
            event=DeliveryEvent.BOUNCED,
            detail="550 no such user",
        )
    with world.active():
        to = world.contact.emails.first().email
    # The contact's address bounced: all of their sequences stop.
    for stopped in (_reload(world, enrolment), _reload(world, second)):
        assert (stopped.status, stopped.stop_reason) == ("stopped", f"Email to {to} bounced")


def test_the_lead_won_or_lost_unenrols_it(world):
    pipeline = pipeline_for(world.tenant)
    sequence = _sequence(world)
    won, lost = (
        lead_for(world, pipeline, owner=world.rep),
        lead_for(world, pipeline, owner=world.rep),
    )
    on_won, on_lost = _enrol(world, sequence, won), _enrol(world, sequence, lost)
    contact_only = _enrol(world, sequence, contact=world.contact)
    with world.active(), time_machine.travel(AFTERNOON + DAY, tick=False):
        lead_move_to_stage(
            tenant=world.tenant, actor=None, lead=won, stage=stage_named(pipeline, "Won")
        )
        lead_mark_lost(tenant=world.tenant, actor=None, lead=lost, reason="competitor")
    assert _reload(world, on_won).stop_reason == "The lead was won (Won)"
    assert _reload(world, on_lost).stop_reason == "The lead was lost (Chose a competitor)"
    assert _reload(world, contact_only).status == EnrolmentStatus.ACTIVE

    # A won lead enrolled afterwards (payment reminders) keeps going as the job moves on.
    reminders = _enrol(world, _sequence(world, "Payment reminders"), won, at=AFTERNOON + 2 * DAY)
    with world.active(), time_machine.travel(AFTERNOON + 3 * DAY, tick=False):
        won.refresh_from_db()
        lead_move_to_next_stage(tenant=world.tenant, actor=None, lead=won)
    assert _reload(world, reminders).status == EnrolmentStatus.ACTIVE


def test_stopping_by_hand_keeps_the_reason_and_a_finished_one_stays(world):
    sequence = _sequence(world)
    enrolment = _enrol(world, sequence, lead_for(world, owner=world.rep))
    with world.active():
        sequences.enrolment_stop(
            tenant=world.tenant, actor=world.admin.user, enrolment=enrolment, reason=""
        )
        stopped = SequenceEnrolment.objects.get(pk=enrolment.pk)
        assert stopped.stop_reason == f"Stopped by hand by {world.admin.user.full_name}"
        again = sequences.enrolment_stop(
            tenant=world.tenant, actor=world.admin.user, enrolment=stopped, reason="twice"
        )
        assert SequenceEnrolment.objects.get(pk=again.pk).stop_reason == stopped.stop_reason


def test_the_other_tenants_sweep_never_runs_these_steps(world, other_world):
    sequence = _sequence(world)
    _enrol(world, sequence, lead_for(world, owner=world.rep))
    assert _sweep(other_world, _nine_am(30)) == 0
    assert _sweep(world, _nine_am(30)) == 4


# --- The demo's sequences -----------------------------------------------------------------------


def test_the_demo_sequences_are_the_issues_examples_and_seed_once(world):
    with world.active():
        first = seed_sequences(world.tenant)
        second = seed_sequences(world.tenant)
        assert [s.pk for s in first] == [s.pk for s in second]
        plans = {
            sequence.name: [
                (
                    step.day_offset,
                    step.kind,
                    step.channels,
                    step.follow_up_type_id and step.follow_up_type.key,
                )
                for step in sequence.steps.order_by("position")
            ]
            for sequence in Sequence.objects.all()
        }
    assert plans == {
        "New client onboarding": [
            (2, "task", [], "call"),
            (5, "message", ["email"], None),
            (7, "task", [], "document_review"),
            (14, "task", [], "status_check"),
        ],
        "Payment reminders": [
            (3, "message", ["email"], None),
            (7, "message", ["email", "sms"], None),
            (10, "task", [], "payment"),
            (14, "escalate", [], "payment"),
        ],
    }


def test_a_demo_sequence_sends_its_messages_for_a_contact_without_a_lead(world):
    """The demo templates need no lead: a contact on their own gets real text, not an error."""
    contact = ContactFactory(tenant=world.tenant, first_name="Rosa")
    ContactEmailFactory(tenant=world.tenant, contact=contact)
    ContactPhoneFactory(tenant=world.tenant, contact=contact)
    with world.active():
        payments = next(s for s in seed_sequences(world.tenant) if s.name == "Payment reminders")
    _enrol(world, payments, contact=contact, owner=world.rep)
    _sweep(world, _nine_am(7))
    with world.active():
        ids = list(OutboundMessage.objects.filter(source="sequence").values_list("pk", flat=True))
        assert len(ids) == 3
        for message_id in ids:
            outbox.outbox_claim_due(tenant=world.tenant, now=_nine_am(7) + dt.timedelta(hours=2))
            outbox_send.message_send(
                tenant=world.tenant, message_id=message_id, now=_nine_am(7) + dt.timedelta(hours=2)
            )
        sent = OutboundMessage.objects.filter(source="sequence", status="sent")
        assert sent.count() == 3
        assert all("Rosa" in message.body_text for message in sent)
