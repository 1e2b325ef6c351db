"""Exactly once with real workers: Celery worker processes send a few hundred reminders as they fall
due, while two sweeps claim them (one of them on a broker that hands out every task twice), and
workers are killed (SIGKILL, whole process group) in the middle of a send and replaced.

The workers are separate processes (`celery -A config worker`, prefork) on this run's test database
and broker queue, started as in tests/messaging/test_outbox_workers.py (whose process plumbing this
file reuses). A trigger the test puts on the two tables a reminder's delivery writes (the in-app
notification, the outbox row of an email reminder; test scaffolding, dropped afterwards) makes
each delivery pause inside the send transaction and count itself with a sequence, which no
rollback undoes: a kill can be aimed at a worker whose send is open, and the count afterwards
shows the kills landed there.
"""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification
from crm.tenancy.sweeps import sweep_inline
from followups.models import FollowUp, Reminder, ReminderStatus
from followups.services import followups as services
from followups.services import reminders
from followups.tasks import dispatch_due_reminders, send_reminder
from messaging.models import OutboundMessage
from messaging.services.policy import comms_settings_get
from tests.conftest import build_world
from tests.factories import ContactFactory
from tests.messaging.test_outbox_workers import (
    KILLS,
    TwiceDeliveringSweeper,
    _owner_connection,
    send_through_kills,
)

pytestmark = pytest.mark.django_db(transaction=True)

REMINDERS = 300
EMAIL_EVERY = 5  # every fifth reminder is an email (an outbox row), the others ring the bell
OFFSET = dt.timedelta(hours=1)
DUE_APART = dt.timedelta(milliseconds=20)
SEND_PAUSE_SECONDS = 0.03
STRANDED_AFTER = dt.timedelta(seconds=2)

SLOW_DELIVERY = f"""
    CREATE SEQUENCE test_reminder_attempts;
    CREATE FUNCTION test_slow_reminder() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
        PERFORM nextval('test_reminder_attempts');
        PERFORM pg_sleep({SEND_PAUSE_SECONDS});
        RETURN NEW;
    END $$;
    -- A bell alert writes one notification row: a new one, or a grouped one grown (an update).
    CREATE TRIGGER test_slow_reminder BEFORE INSERT OR UPDATE ON crm_notification
        FOR EACH ROW EXECUTE FUNCTION test_slow_reminder();
    CREATE TRIGGER test_slow_reminder BEFORE INSERT ON comms_outboundmessage
        FOR EACH ROW EXECUTE FUNCTION test_slow_reminder();
"""
FAST_DELIVERY = """
    DROP TRIGGER IF EXISTS test_slow_reminder ON crm_notification;
    DROP TRIGGER IF EXISTS test_slow_reminder ON comms_outboundmessage;
    DROP FUNCTION IF EXISTS test_slow_reminder();
    DROP SEQUENCE IF EXISTS test_reminder_attempts;
"""


def _delivery_attempts() -> int:
    """Deliveries a send began to write, committed or not."""
    with _owner_connection() as conn:
        return conn.execute(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM test_reminder_attempts"
        ).fetchone()[0]


@pytest.fixture
def slow_delivery(transactional_db):
    with _owner_connection() as conn:
        conn.execute(SLOW_DELIVERY)
    try:
        yield _delivery_attempts
    finally:
        with _owner_connection() as conn:
            conn.execute(FAST_DELIVERY)


def _follow_ups_with_reminders(world, count: int) -> dict[int, str]:
    """`count` follow-ups tomorrow with one reminder each; {reminder id: channel}."""
    tomorrow = timezone.now() + dt.timedelta(days=1)
    with world.active():
        comms_settings_get(tenant=world.tenant)  # as any team that sends has them already
        contacts = [world.contact, *(ContactFactory(tenant=world.tenant) for _ in range(9))]
        for number in range(count):
            channel = "email" if number % EMAIL_EVERY == 0 else "in_app"
            services.follow_up_create(
                tenant=world.tenant,
                actor=world.rep.user,
                subject=f"Call back about job {number}",
                contact=contacts[number % len(contacts)],
                assignee=world.rep,
                scheduled_at=tomorrow,
                reminders=[(int(OFFSET.total_seconds() // 60), channel)],
            )
        return dict(Reminder.objects.filter(tenant=world.tenant).values_list("pk", "channel"))


def _fall_due_one_by_one(world, apart: dt.timedelta) -> None:
    """Each follow-up moves to an hour after its reminder's turn, so the reminders fall due one
    after another from now (and the send's re-check finds each due, not moved)."""
    start = timezone.now()
    with world.active():
        follow_ups = list(FollowUp.objects.filter(tenant=world.tenant).order_by("pk"))
        for number, follow_up in enumerate(follow_ups):
            follow_up.scheduled_at = start + number * apart + OFFSET
        FollowUp.objects.bulk_update(follow_ups, ["scheduled_at"])
        at = {follow_up.pk: follow_up.scheduled_at for follow_up in follow_ups}
        rows = list(Reminder.objects.filter(tenant=world.tenant))
        for reminder in rows:
            reminder.remind_at = at[reminder.follow_up_id] - OFFSET
        Reminder.objects.bulk_update(rows, ["remind_at"])


def _age_stranded(world) -> int:
    """Move the claim of rows whose task died with a worker back by the lease, as the clock
    would: the next sweep claims them again."""
    with world.active():
        return Reminder.objects.filter(
            tenant=world.tenant,
            status=ReminderStatus.QUEUED,
            queued_at__lt=timezone.now() - STRANDED_AFTER,
        ).update(queued_at=F("queued_at") - reminders.QUEUED_LEASE)


def _statuses(world) -> Counter:
    with world.active():
        return Counter(
            Reminder.objects.filter(tenant=world.tenant).values_list("status", flat=True)
        )


def test_workers_killed_mid_send_never_send_a_reminder_twice_or_skip_one(slow_delivery, tmp_path):
    world = build_world("Gulf Coast Roofing")
    channels = _follow_ups_with_reminders(world, REMINDERS)
    events = send_through_kills(
        tmp_path=tmp_path,
        total=REMINDERS,
        dispatch=lambda: sweep_inline(dispatch_due_reminders),
        sent=lambda: _statuses(world)[ReminderStatus.SENT],
        fall_due=lambda: _fall_due_one_by_one(world, DUE_APART),
        age_stranded=lambda: _age_stranded(world),
        sweeper=TwiceDeliveringSweeper(
            world, claim=reminders.reminders_claim_due, send_task=send_reminder
        ),
        statuses=lambda: _statuses(world),
    )
    with world.active():
        sent = dict(Reminder.objects.filter(tenant=world.tenant).values_list("pk", "follow_up_id"))
        # Each alert: a lone notification's own, or each item of a grouped one.
        bells = Counter()
        for notification in Notification.objects.filter(
            tenant=world.tenant, kind="follow_up_due"
        ).prefetch_related("items"):
            items = list(notification.items.all())
            bells.update([item.url for item in items] or [notification.url])
        emails = Counter(
            OutboundMessage.objects.filter(tenant=world.tenant).values_list(
                "idempotency_key", flat=True
            )
        )
        statuses = set(
            Reminder.objects.filter(tenant=world.tenant).values_list("status", flat=True)
        )
    assert statuses == {ReminderStatus.SENT}
    in_app = {pk for pk, channel in channels.items() if channel == "in_app"}
    by_email = set(channels) - in_app
    expected_bells = {
        reverse("followups:detail", kwargs={"follow_up_pk": sent[pk]}) for pk in in_app
    }
    assert set(bells) == expected_bells, "a reminder without its bell, or a stray one"
    assert [url for url, times in bells.items() if times > 1] == [], "rang twice"
    assert {key.split(":")[1] for key in emails} == {str(pk) for pk in by_email}
    assert sum(emails.values()) == len(by_email), "an email reminder written twice"
    # Each kill caught a delivery in its open transaction, which rolled back and was sent again.
    rolled_back = slow_delivery() - sum(bells.values()) - sum(emails.values())
    assert rolled_back >= len(KILLS), (rolled_back, events)
