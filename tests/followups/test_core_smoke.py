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
