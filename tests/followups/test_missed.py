"""The missed sweep: open follow-ups past their slot become missed once; the assignee and their
managers (or the admins) hear about it, and the contact's timeline records it."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from crm.models import Notification, Role, TimelineEvent
from crm.tenancy.sweeps import sweep_inline
from followups import tasks
from followups.models import FollowUp, Reminder, ReminderStatus, Status
from followups.services import followups as services
from followups.services import missed
from leads.models import Lead
from tests.factories import MembershipFactory, lead_for

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 10:00 in New York (the world's tenant).
CALL_AT = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
BEFORE = CALL_AT - dt.timedelta(days=1)


def _follow_up(world, *, at=CALL_AT, assignee=None, duration=30, subject="Call Maria", **extra):
    with time_machine.travel(BEFORE, tick=False):
        return services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject=subject,
            contact=world.contact,
            assignee=assignee or world.rep,
            scheduled_at=at,
            duration_minutes=duration,
            reminders=[],
            **extra,
        )


def _sweep(world, now):
    return missed.follow_ups_mark_missed(tenant=world.tenant, now=now)


def _warnings(world, membership):
    return list(
        Notification.objects.filter(
            tenant=world.tenant, recipient=membership.user, kind="follow_up_due"
        ).order_by("pk")
    )


def test_a_follow_up_is_missed_once_its_slot_is_over_and_only_once(world):
    with world.active():
        follow_up = _follow_up(world)
        assert _sweep(world, CALL_AT + dt.timedelta(minutes=29)) == 0
        over = CALL_AT + dt.timedelta(minutes=30)
        assert _sweep(world, over) == 1
        follow_up.refresh_from_db()
        assert (follow_up.status, follow_up.missed_at) == (Status.MISSED, over)

        (told,) = _warnings(world, world.rep)
        assert told.title == "Missed follow-up: Call Maria"
        assert "was due Tue Mar 10, 10:00" in told.body
        assert told.level == "warning"
        (manager_told,) = _warnings(world, world.manager)
        assert manager_told.title == f"{world.rep.user.full_name} missed a follow-up: Call Maria"
        assert _warnings(world, world.admin) == []  # there is a manager
        event = TimelineEvent.objects.get(tenant=world.tenant, kind="follow_up.missed")
        assert event.contact_id == world.contact.pk
        assert event.detail == {"follow_up": follow_up.pk}
        assert event.shown_summary.endswith("it was due Tue Mar 10, 10:00")
        with translation.override("nl"):  # each reader reads the time in their own order
            assert event.shown_summary.endswith("di 10 mrt, 10:00")

        # Idempotent: the next sweeps find nothing more to do.
        assert _sweep(world, over + dt.timedelta(minutes=1)) == 0
        assert _sweep(world, over + dt.timedelta(days=1)) == 0
        assert len(_warnings(world, world.rep)) == 1
        assert len(_warnings(world, world.manager)) == 1
        assert TimelineEvent.objects.filter(kind="follow_up.missed").count() == 1


def test_a_short_follow_up_gets_at_least_the_minimum_grace(world):
    with world.active():
        follow_up = _follow_up(world, duration=0)
        assert _sweep(world, CALL_AT + missed.MIN_GRACE - dt.timedelta(seconds=1)) == 0
        assert _sweep(world, CALL_AT + missed.MIN_GRACE) == 1
        follow_up.refresh_from_db()
        assert follow_up.status == Status.MISSED


def test_a_started_follow_up_is_missed_only_if_left_started_long_after_its_slot(world):
    with world.active():
        follow_up = _follow_up(world)
        services.follow_up_start(tenant=world.tenant, actor=world.rep.user, follow_up=follow_up)
        over = CALL_AT + dt.timedelta(minutes=30)
        assert _sweep(world, over) == 0
        assert _sweep(world, over + missed.STARTED_GRACE - dt.timedelta(seconds=1)) == 0
        assert _sweep(world, over + missed.STARTED_GRACE) == 1


def test_done_and_cancelled_follow_ups_are_never_missed(world):
    with world.active():
        done, dropped = _follow_up(world), _follow_up(world, subject="Send the invoice")
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=done, outcome="successful"
        )
        services.follow_up_cancel(tenant=world.tenant, actor=world.rep.user, follow_up=dropped)
        assert _sweep(world, CALL_AT + dt.timedelta(days=2)) == 0
        assert _warnings(world, world.rep) == []


def test_the_admins_hear_about_it_when_there_is_no_other_manager(world):
    with world.active():
        world.manager.is_active = False
        world.manager.save(update_fields=["is_active"])
        _follow_up(world)
        _sweep(world, CALL_AT + dt.timedelta(hours=1))
        assert len(_warnings(world, world.admin)) == 1
        assert _warnings(world, world.manager) == []


def test_a_managers_own_missed_follow_up_goes_to_the_other_managers(world):
    with world.active():
        other = MembershipFactory(tenant=world.tenant, role=Role.MANAGER)
        _follow_up(world, assignee=world.manager)
        _sweep(world, CALL_AT + dt.timedelta(hours=1))
        assert [n.title for n in _warnings(world, world.manager)] == [
            "Missed follow-up: Call Maria"
        ]
        assert len(_warnings(world, other)) == 1
        assert _warnings(world, world.admin) == []


def test_a_burst_of_missed_follow_ups_is_one_grouped_alert_each_with_its_list(world):
    with world.active():
        for number in range(6):
            _follow_up(world, at=CALL_AT + dt.timedelta(minutes=number), subject=f"Call {number}")
        assert _sweep(world, CALL_AT + dt.timedelta(hours=1)) == 6
        [mine] = _warnings(world, world.rep)
        [theirs] = _warnings(world, world.manager)
        mine_items = [item.title for item in mine.items.order_by("created_at", "pk")]
        their_items = [item.title for item in theirs.items.order_by("created_at", "pk")]
    name = world.rep.user.full_name
    assert (mine.title, mine.count) == ("6 follow-ups were missed today", 6)
    assert mine_items == [f"Missed follow-up: Call {number}" for number in range(6)]
    assert (theirs.title, theirs.count) == ("6 follow-ups were missed today", 6)
    assert their_items == [f"{name} missed a follow-up: Call {number}" for number in range(6)]


def test_missing_one_cancels_its_unsent_reminders_and_updates_the_leads_next_follow_up(world):
    with world.active():
        lead = lead_for(world)
        first = _follow_up(world, lead=lead)
        later = CALL_AT + dt.timedelta(days=2)
        _follow_up(world, at=later, lead=lead)
        Reminder.objects.create(
            tenant=world.tenant,
            follow_up=first,
            offset_minutes=0,
            channel="in_app",
            remind_at=CALL_AT + dt.timedelta(days=1),
        )
        assert Lead.objects.get(pk=lead.pk).next_follow_up_at == CALL_AT
        _sweep(world, CALL_AT + dt.timedelta(hours=1))
        assert Lead.objects.get(pk=lead.pk).next_follow_up_at == later
        assert Reminder.objects.get(follow_up=first).status == ReminderStatus.CANCELLED


def test_a_missed_follow_up_moved_to_a_new_time_can_be_missed_again_there(world):
    with world.active():
        follow_up = _follow_up(world)
        _sweep(world, CALL_AT + dt.timedelta(hours=1))
        tomorrow = CALL_AT + dt.timedelta(days=1)
        with time_machine.travel(CALL_AT + dt.timedelta(hours=2), tick=False):
            services.follow_up_reschedule(
                tenant=world.tenant,
                actor=world.rep.user,
                follow_up=follow_up,
                scheduled_at=tomorrow,
            )
        follow_up.refresh_from_db()
        assert (follow_up.status, follow_up.missed_at) == (Status.PENDING, None)
        assert _sweep(world, CALL_AT + dt.timedelta(hours=3)) == 0
        assert _sweep(world, tomorrow + dt.timedelta(hours=1)) == 1
        # Both alerts reached the rep (grouped in one bell item when they come the same day).
        assert sum(n.count for n in _warnings(world, world.rep)) == 2


def test_the_beat_task_sweeps_every_tenant_and_keeps_them_apart(world, other_world):
    with world.active():
        mine = _follow_up(world)
    with other_world.active():
        theirs = _follow_up(other_world, subject="Charger check")
    with time_machine.travel(CALL_AT + dt.timedelta(hours=1), tick=False):
        assert sweep_inline(tasks.sweep_missed_follow_ups) == 2
    with world.active():
        assert FollowUp.objects.get(pk=mine.pk).status == Status.MISSED
        assert {n.recipient_id for n in Notification.objects.filter(kind="follow_up_due")} == {
            world.rep.user_id,
            world.manager.user_id,
        }
    with other_world.active():
        assert FollowUp.objects.get(pk=theirs.pk).status == Status.MISSED


def test_a_batch_costs_the_same_statements_whatever_its_size(world):
    """After an outage every tenant has dozens missed at once: the batch's writes are a few
    statements in all (the reminders, the timeline, each recipient's group), not each one's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(count, at):
        with world.active():
            for number in range(count):
                _follow_up(world, at=at + dt.timedelta(minutes=number), subject=f"Call {number}")
            with CaptureQueriesContext(connection) as queries:
                assert _sweep(world, at + dt.timedelta(hours=3)) == count
        return len(queries)

    statements(1, CALL_AT)  # the rep's and the manager's groups of the day exist from here on
    assert statements(3, CALL_AT + dt.timedelta(days=1)) == statements(
        30, CALL_AT + dt.timedelta(days=2)
    )
