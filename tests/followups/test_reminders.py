"""Reminders: scheduled at their offsets, moved with their follow-up, cancelled when it is done,
claimed and sent exactly once, on the bell, by email or by SMS (through the outbox)."""

import datetime as dt

import phonenumbers
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from crm.models import Notification
from crm.tenancy.sweeps import sweep_inline
from followups import tasks
from followups.models import Reminder, ReminderStatus
from followups.services import followups as services
from followups.services import reminders
from messaging.models import MessageChannel, MessageSource, MessageStatus, OutboundMessage
from messaging.services import outbox, outbox_send

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 10:00 in New York (the world's tenant): inside business hours.
NOW = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
CALL_AT = NOW + dt.timedelta(days=2)


def _follow_up(world, *, at=CALL_AT, reminders_=((24 * 60, "in_app"), (60, "email"))):
    return services.follow_up_create(
        tenant=world.tenant,
        actor=world.rep.user,
        subject="Call about the roof quote",
        contact=world.contact,
        assignee=world.rep,
        scheduled_at=at,
        reminders=list(reminders_),
    )


def _reminder(follow_up, channel):
    return Reminder.objects.get(follow_up=follow_up, channel=channel)


def _claim_and_send(world, now):
    ids = reminders.reminders_claim_due(tenant=world.tenant, now=now)
    return {
        rid: reminders.reminder_send(tenant=world.tenant, reminder_id=rid, now=now) for rid in ids
    }


def _reminder_notifications(world):
    return Notification.objects.filter(tenant=world.tenant, kind="follow_up_due")


def test_reminders_fall_due_at_their_offsets_before_the_follow_up(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world)
        assert _reminder(follow_up, "in_app").remind_at == CALL_AT - dt.timedelta(days=1)
        assert _reminder(follow_up, "email").remind_at == CALL_AT - dt.timedelta(hours=1)

        assert reminders.reminders_claim_due(tenant=world.tenant, now=NOW) == []
        day_before = CALL_AT - dt.timedelta(days=1)
        assert _claim_and_send(world, day_before) == {_reminder(follow_up, "in_app").pk: "sent"}
        hour_before = CALL_AT - dt.timedelta(hours=1)
        assert _claim_and_send(world, hour_before) == {_reminder(follow_up, "email").pk: "sent"}
        assert _claim_and_send(world, CALL_AT) == {}


def test_an_in_app_reminder_rings_the_assignees_bell_once(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world, reminders_=[(60, "in_app")])
        due = CALL_AT - dt.timedelta(hours=1)
        _claim_and_send(world, due)

        notification = _reminder_notifications(world).get()
        reminder = _reminder(follow_up, "in_app")
    assert notification.recipient == world.rep.user
    assert notification.title == "Phone call in 1 hour: Call about the roof quote"
    # The assignee's own zone (the team's: New York): 14:00 UTC on Thursday is 10:00 there.
    assert notification.body == f"{world.contact.display_name}, Thu Mar 12, 10:00"
    assert notification.url == reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
    assert (reminder.status, reminder.sent_at) == (ReminderStatus.SENT, due)


def test_the_assignees_own_time_zone_words_the_reminder(world):
    world.rep.user.time_zone = "Europe/Amsterdam"
    world.rep.user.save(update_fields=["time_zone"])
    with world.active(), time_machine.travel(NOW, tick=False):
        _follow_up(world, reminders_=[(60, "in_app")])
        _claim_and_send(world, CALL_AT - dt.timedelta(hours=1))
        assert _reminder_notifications(world).get().body.endswith("Thu Mar 12, 15:00")


def test_an_email_reminder_goes_through_the_outbox_to_the_assignee(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world, reminders_=[(60, "email")])
        due = CALL_AT - dt.timedelta(hours=1)
        reminder = _reminder(follow_up, "email")
        assert _claim_and_send(world, due) == {reminder.pk: "sent"}

        message = OutboundMessage.objects.get(tenant=world.tenant)
        assert message.channel == MessageChannel.EMAIL
        assert message.source == MessageSource.STAFF
        assert message.recipient_user == world.rep.user
        assert message.contact is None
        assert message.to_address == world.rep.user.email
        assert message.idempotency_key == f"reminder:{reminder.pk}:{int(due.timestamp())}"
        assert message.subject == "Phone call in 1 hour: Call about the roof quote"
        path = reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})
        assert settings.THREADLINE_SITE_URL.rstrip("/") + path in message.body_text
        assert not _reminder_notifications(world).exists()

        # The outbox sends it on its own sweep (the sandbox records it).
        with time_machine.travel(due, tick=False):
            (message_id,) = outbox.outbox_claim_due(tenant=world.tenant, now=due)
            assert (
                outbox_send.message_send(tenant=world.tenant, message_id=message_id, now=due)
                == "sent"
            )
        message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_an_sms_reminder_goes_to_the_assignees_mobile(world):
    world.rep.user.phone = phonenumbers.parse("+13055550142")
    world.rep.user.save(update_fields=["phone"])
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world, reminders_=[(15, "sms")])
        _claim_and_send(world, CALL_AT - dt.timedelta(minutes=15))
        message = OutboundMessage.objects.get(tenant=world.tenant)
    assert message.channel == MessageChannel.SMS
    assert message.to_address == "+13055550142"
    assert message.body_text.startswith("Phone call in 15 min: Call about the roof quote — ")
    assert str(follow_up.pk) in message.body_text


def test_an_sms_reminder_without_a_mobile_number_rings_the_bell_instead(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        _follow_up(world, reminders_=[(15, "sms")])
        _claim_and_send(world, CALL_AT - dt.timedelta(minutes=15))
        assert not OutboundMessage.objects.filter(tenant=world.tenant).exists()
        notification = _reminder_notifications(world).get()
    assert "add your mobile number" in notification.body


def test_rescheduling_moves_the_unsent_reminders_and_a_sent_one_goes_again(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world)
        day_before = CALL_AT - dt.timedelta(days=1)
        _claim_and_send(world, day_before)  # the in-app one has gone

        later = CALL_AT + dt.timedelta(days=3)
        services.follow_up_reschedule(
            tenant=world.tenant, actor=world.rep.user, follow_up=follow_up, scheduled_at=later
        )
        in_app, email = _reminder(follow_up, "in_app"), _reminder(follow_up, "email")
        assert (in_app.status, in_app.remind_at) == ("pending", later - dt.timedelta(days=1))
        assert (email.status, email.remind_at) == ("pending", later - dt.timedelta(hours=1))

        assert _claim_and_send(world, CALL_AT - dt.timedelta(hours=1)) == {}
        assert _claim_and_send(world, later - dt.timedelta(days=1)) == {in_app.pk: "sent"}
        assert sum(n.count for n in _reminder_notifications(world)) == 2
        _claim_and_send(world, later - dt.timedelta(hours=1))
        assert OutboundMessage.objects.filter(tenant=world.tenant).count() == 1


def test_a_reminder_claimed_before_its_follow_up_moved_later_waits_for_the_new_time(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world, reminders_=[(60, "in_app")])
        due = CALL_AT - dt.timedelta(hours=1)
        (reminder_id,) = reminders.reminders_claim_due(tenant=world.tenant, now=due)
        later = CALL_AT + dt.timedelta(days=1)
        services.follow_up_reschedule(
            tenant=world.tenant, actor=world.rep.user, follow_up=follow_up, scheduled_at=later
        )
        outcome = reminders.reminder_send(tenant=world.tenant, reminder_id=reminder_id, now=due)
        reminder = _reminder(follow_up, "in_app")
        assert outcome == "postponed"
        assert (reminder.status, reminder.remind_at) == ("pending", later - dt.timedelta(hours=1))
        assert not _reminder_notifications(world).exists()
        assert _claim_and_send(world, later - dt.timedelta(hours=1)) == {reminder.pk: "sent"}


def test_completing_or_cancelling_a_follow_up_cancels_its_reminders_queued_ones_too(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        done = _follow_up(world)
        dropped = services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Site visit",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=CALL_AT,
            reminders=[(24 * 60, "in_app")],
        )
        day_before = CALL_AT - dt.timedelta(days=1)
        queued = reminders.reminders_claim_due(tenant=world.tenant, now=day_before)
        assert len(queued) == 2
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=done, outcome="successful"
        )
        services.follow_up_cancel(tenant=world.tenant, actor=world.rep.user, follow_up=dropped)
        outcomes = {
            reminders.reminder_send(tenant=world.tenant, reminder_id=rid, now=day_before)
            for rid in queued
        }
        assert outcomes == {"skipped"}
        assert set(
            Reminder.objects.filter(tenant=world.tenant).values_list("status", flat=True)
        ) == {ReminderStatus.CANCELLED}
        assert not _reminder_notifications(world).exists()


def test_a_reminder_whose_follow_up_is_over_is_cancelled_not_sent(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world, reminders_=[(60, "in_app")])
        after_the_call = CALL_AT + dt.timedelta(minutes=follow_up.duration_minutes)
        assert _claim_and_send(world, after_the_call) == {
            _reminder(follow_up, "in_app").pk: "cancelled"
        }
        assert not _reminder_notifications(world).exists()


def test_two_claims_and_two_sends_of_one_reminder_deliver_it_once(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world, reminders_=[(60, "in_app"), (60, "email")])
        due = CALL_AT - dt.timedelta(hours=1)
        first = reminders.reminders_claim_due(tenant=world.tenant, now=due)
        assert reminders.reminders_claim_due(tenant=world.tenant, now=due) == []
        assert len(first) == 2
        for reminder_id in first + first:
            reminders.reminder_send(tenant=world.tenant, reminder_id=reminder_id, now=due)
        assert _reminder_notifications(world).count() == 1
        assert OutboundMessage.objects.filter(tenant=world.tenant).count() == 1
        assert set(
            Reminder.objects.filter(follow_up=follow_up).values_list("status", flat=True)
        ) == {ReminderStatus.SENT}
        # Sent stays sent: a later claim (past the lease) finds nothing.
        later = due + reminders.QUEUED_LEASE * 2
        assert reminders.reminders_claim_due(tenant=world.tenant, now=later) == []


def test_a_claim_whose_task_was_lost_is_claimed_again_after_the_lease(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        follow_up = _follow_up(world, reminders_=[(24 * 60, "in_app")])
        due = CALL_AT - dt.timedelta(days=1)
        (reminder_id,) = reminders.reminders_claim_due(tenant=world.tenant, now=due)
        within = due + reminders.QUEUED_LEASE - dt.timedelta(seconds=1)
        assert reminders.reminders_claim_due(tenant=world.tenant, now=within) == []
        after = due + reminders.QUEUED_LEASE + dt.timedelta(seconds=1)
        assert reminders.reminders_claim_due(tenant=world.tenant, now=after) == [reminder_id]
        assert _claim_and_send(world, after) == {}
        assert (
            reminders.reminder_send(tenant=world.tenant, reminder_id=reminder_id, now=after)
            == "sent"
        )
        assert _reminder(follow_up, "in_app").status == ReminderStatus.SENT


def test_a_claim_tops_the_queued_reminders_up_to_the_limit(world):
    with world.active(), time_machine.travel(NOW, tick=False):
        for number in range(5):
            _follow_up(
                world, at=CALL_AT + dt.timedelta(minutes=number), reminders_=[(60, "in_app")]
            )
        due = CALL_AT
        assert len(reminders.reminders_claim_due(tenant=world.tenant, now=due, limit=3)) == 3
        assert reminders.reminders_claim_due(tenant=world.tenant, now=due, limit=3) == []
        assert len(reminders.reminders_claim_due(tenant=world.tenant, now=due, limit=5)) == 2


def test_the_beat_sweep_queues_one_send_task_per_claimed_reminder(
    world, django_capture_on_commit_callbacks
):
    with world.active(), time_machine.travel(NOW, tick=False):
        _follow_up(world)
    travel = time_machine.travel(CALL_AT, tick=False)
    with travel, django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert sweep_inline(tasks.dispatch_due_reminders) == 2
    assert len(callbacks) == 2
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["followups.tasks.dispatch_due_reminders"]["schedule"].run_every <= (
        dt.timedelta(seconds=15)
    )
    assert "followups.tasks.sweep_missed_follow_ups" in schedule
    assert "followups.tasks.extend_follow_up_series" in schedule
    assert tasks.send_reminder.name == "followups.tasks.send_reminder"


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(0, "now"), (10, "in 10 min"), (60, "in 1 hour"), (90, "in 1 h 30 min"), (2880, "in 2 days")],
)
def test_how_long_before_is_said_as_people_say_it(minutes, words):
    assert reminders._lead_time(minutes) == words
