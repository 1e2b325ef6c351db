"""The demo's follow-ups: a working week for each rep, one recurring series, and a couple of
neglected leads flagged; seeding again adds nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.models import Tenant
from crm.tenancy import tenant_context
from followups.demo import seed_followups
from followups.models import FollowUp, FollowUpSeries, NeglectFlag, Source, Status

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_kind_of_follow_up_and_seeds_once():
    call_command("seed_demo", verbosity=0)
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        seed_followups(tenant)
        now = timezone.now()
        demo = FollowUp.objects.filter(tenant=tenant, key__startswith="demo:")
        assert demo.filter(status__in=["pending", "in_progress"], scheduled_at__gt=now).exists()
        assert demo.filter(status="pending", scheduled_at__lt=now).exists()  # overdue
        done = demo.filter(status=Status.COMPLETED)
        assert set(done.values_list("outcome", flat=True)) == {
            "successful",
            "no_response",
            "rescheduled",
        }
        assert FollowUpSeries.objects.filter(tenant=tenant).count() >= 1
        flags = NeglectFlag.objects.filter(tenant=tenant, cleared_at__isnull=True)
        assert flags.count() >= 2
        assert flags.filter(manager_alerted_at__isnull=False).exists()
        assert FollowUp.objects.filter(tenant=tenant, source=Source.NEGLECT).count() >= 1
        before = FollowUp.objects.filter(tenant=tenant).count()
        seed_followups(tenant)
        assert FollowUp.objects.filter(tenant=tenant).count() == before
