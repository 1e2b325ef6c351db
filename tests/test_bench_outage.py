"""bench/sweeps/outage.py plays beat stopped for some hours: the open follow-ups due in that many
hours from now are moved back past their slot, in the tenants named, and nothing else."""

import datetime as dt

import pytest
from django.utils import timezone

from bench.sweeps.outage import email_copies_ask, move_back
from crm.models import Notification, Tenant
from followups.models import FollowUp, Status
from followups.services import followups as services
from messaging.models import StaffNotificationKind, StaffNotificationPreference
from tests.conftest import build_world
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])


def _follow_up(world, hours_from_now: float) -> FollowUp:
    with world.active():
        return services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Call Maria",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=timezone.now() + dt.timedelta(hours=hours_from_now),
            duration_minutes=30,
            reminders=[],
        )


def test_the_next_hours_follow_ups_move_back_past_their_slot_in_the_tenants_named():
    named, other = build_world("Outage One"), build_world("Other Roofing")
    Tenant.objects.filter(pk=named.tenant.pk).update(slug="outage-one")
    soon, later = _follow_up(named, 1), _follow_up(named, 3)
    done = _follow_up(named, 0.5)
    with named.active():
        assert FollowUp.objects.filter(pk=done.pk).update(status=Status.COMPLETED) == 1
    elsewhere = _follow_up(other, 1)
    before = {f.pk: f.scheduled_at for f in (soon, later, done, elsewhere)}

    assert move_back(hours=2, tenants="outage-*") == (1, 1)

    after = {}
    for world in (named, other):
        with world.active():
            after.update(FollowUp.objects.filter(pk__in=before).values_list("pk", "scheduled_at"))
    assert after[soon.pk] == before[soon.pk] - dt.timedelta(hours=3)
    assert after[soon.pk] < timezone.now() - dt.timedelta(minutes=30)
    assert {pk: after[pk] for pk in (later.pk, done.pk, elsewhere.pk)} == {
        pk: before[pk] for pk in (later.pk, done.pk, elsewhere.pk)
    }


def test_every_member_of_the_tenants_named_asks_for_email_copies_and_their_alerts_start_again():
    named, other = build_world("Outage One"), build_world("Other Roofing")
    Tenant.objects.filter(pk=named.tenant.pk).update(slug="outage-one")
    for world in (named, other):
        with world.active():
            NotificationFactory(tenant=world.tenant, recipient=world.rep.user, kind="follow_up_due")

    assert email_copies_ask(tenants="outage-*") == 3  # the admin, the manager, the rep

    for world, asked, alerts in ((named, 3, 0), (other, 0, 1)):
        with world.active():
            rows = StaffNotificationPreference.objects.filter(
                kind=StaffNotificationKind.FOLLOW_UP_DUE, by_email=True
            )
            assert rows.count() == asked
            # The day's follow-up alerts are forgotten (the world's own other alert stays).
            assert Notification.objects.filter(kind="follow_up_due").count() == alerts
            assert Notification.objects.exclude(kind="follow_up_due").count() == 1
