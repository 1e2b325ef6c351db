"""A first pass over the core services: create with reminders, complete, reschedule, cancel."""

import datetime as dt

import pytest
from django.utils import timezone

from followups.models import Reminder, Status
from followups.services import followups as services

pytestmark = pytest.mark.django_db


def test_create_complete_reschedule_cancel(world):
    with world.active():
        when = timezone.now() + dt.timedelta(days=1)
        follow_up = services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Call about the quote",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=when,
            reminders=[(24 * 60, "email"), (60, "in_app")],
        )
        assert Reminder.objects.filter(follow_up=follow_up).count() == 2
        follow_up = services.follow_up_reschedule(
            tenant=world.tenant,
            actor=world.rep.user,
            follow_up=follow_up,
            scheduled_at=when + dt.timedelta(hours=2),
        )
        reminder = Reminder.objects.get(follow_up=follow_up, channel="in_app")
        assert reminder.remind_at == when + dt.timedelta(hours=1)
        follow_up = services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=follow_up, outcome="successful"
        )
        assert follow_up.status == Status.COMPLETED
        assert not Reminder.objects.filter(follow_up=follow_up, status="pending").exists()
        again = services.follow_up_create(
            tenant=world.tenant,
            actor=None,
            subject="Thank-you call",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=when,
            key="paid:1",
        )
        assert (
            services.follow_up_create(
                tenant=world.tenant,
                actor=None,
                subject="Thank-you call",
                contact=world.contact,
                assignee=world.rep,
                scheduled_at=when,
                key="paid:1",
            )
            == again
        )
        services.follow_up_cancel(tenant=world.tenant, actor=world.rep.user, follow_up=again)
        again.refresh_from_db()
        assert again.status == Status.CANCELLED


def test_the_timeline_gives_a_follow_ups_time_in_the_readers_order(world):
    """Written once, read by an English and a Dutch member: each in their own order and clock."""
    from django.utils import translation

    from crm.kit.stored_text import stored_render
    from crm.models import TimelineEvent

    with world.active():
        zone = world.tenant.zone
        when = dt.datetime(2030, 12, 3, 14, 5, tzinfo=zone)
        before = when - dt.timedelta(days=1)
        follow_up = services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Call",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=before,
        )
        services.follow_up_reschedule(
            tenant=world.tenant, actor=world.rep.user, follow_up=follow_up, scheduled_at=when
        )
        events = list(
            TimelineEvent.objects.filter(tenant=world.tenant, contact=world.contact)
            .filter(kind__startswith="follow_up.")
            .order_by("pk")
        )
    created, moved = (stored_render(event.summary, event.summary_params) for event in events)
    assert "Mon Dec 2, 14:05" in created and "Tue Dec 3, 14:05" in moved
    with translation.override("nl"):
        created, moved = (stored_render(event.summary, event.summary_params) for event in events)
    assert "ma 2 dec, 14:05" in created
    assert "van ma 2 dec, 14:05 naar di 3 dec, 14:05" in moved
