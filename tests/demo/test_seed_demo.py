"""`manage.py seed_demo`: every app's seeder, run in order, idempotently; the demo's follow-ups a
working week for each rep, one recurring series and a couple of neglected leads flagged."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from automation.models import Trigger, TriggerStep
from crm.models import Brand, Contact, Membership, Property, Tenant, User
from crm.tenancy import tenant_context
from demo.management.commands.seed_demo import Command
from followups.models import FollowUp, FollowUpSeries, NeglectFlag, Source, Status
from messaging.models import MessageTemplate, TemplateVariant
from tickets.models import InboundEvent, InboxAddress, Ticket, TicketMessage


def _counts() -> dict:
    counts = {"tenants": Tenant.objects.count(), "users": User.objects.count()}
    for tenant in Tenant.objects.all():
        with tenant_context(tenant):
            for model in (
                Brand,
                Membership,
                Contact,
                Property,
                MessageTemplate,
                TemplateVariant,
                Trigger,
                TriggerStep,
                InboxAddress,
                Ticket,
                TicketMessage,
                FollowUp,
            ):
                counts[f"{tenant.slug}.{model.__name__}"] = model.objects.count()
    return counts


def _every_kind_of_follow_up(tenant: Tenant) -> None:
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


@pytest.mark.django_db
def test_the_demo_seed_is_idempotent_and_its_logins_work():
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first
    assert first["tenants"] == 2
    assert first["demo.Membership"] == 4
    assert first["chargecars.Brand"] == 2
    assert first["demo.Contact"] >= 15
    assert first["demo.MessageTemplate"] >= 12  # the comms templates, and the sequences' own
    assert first["demo.Trigger"] >= 10 and first["chargecars.Trigger"] >= 5
    assert first["demo.InboxAddress"] == 3 and first["demo.Ticket"] >= 7
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        # A real day: one ticket mixes SMS and email, one is breached, one waits on the customer.
        channels = {
            ticket.pk: set(ticket.messages.values_list("channel", flat=True))
            for ticket in Ticket.objects.all()
        }
        assert {"sms", "email"} in channels.values()
        assert Ticket.objects.filter(sla_breached_at__isnull=False).exists()
        assert Ticket.objects.filter(status="waiting").exists()
        assert Ticket.objects.filter(contact__needs_review=True, assignee__isnull=True).exists()
        assert not InboundEvent.objects.exclude(status="processed").exists()
        _every_kind_of_follow_up(tenant)
    for email in ("admin@demo.test", "manager@demo.test", "rep@demo.test", "rep2@demo.test",
                  "admin@chargecars.test"):  # fmt: skip
        request = RequestFactory().post(reverse("login"))
        assert authenticate(request, username=email, password="threadline-demo"), email


def test_the_help_describes_the_option_to_skip_the_history():
    parser = Command().create_parser("manage.py", "seed_demo")
    assert "--without-history" in parser.format_help()
