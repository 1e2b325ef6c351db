import io
import json
import logging

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from comms.models import MessageTemplate, TemplateVariant, Trigger, TriggerStep
from crm.logging import JsonFormatter, RequestContextFilter, bind_log_context, log_context
from crm.models import Brand, Contact, Membership, Property, Tenant, User
from crm.tenancy import tenant_context
from tests.conftest import sign_in
from tickets.models import InboundEvent, InboxAddress, Ticket, TicketMessage


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_json_lines_carry_the_bound_context():
    record = logging.LogRecord("threadline", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    token = bind_log_context(request_id="abc123", tenant="demo", user=7)
    try:
        RequestContextFilter().filter(record)
    finally:
        log_context.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you"
    assert (entry["request_id"], entry["tenant"], entry["user"]) == ("abc123", "demo", 7)


@pytest.mark.django_db
def test_a_request_logs_its_id_tenant_and_user(client, world, json_log):
    sign_in(client, world.rep)
    response = client.get(reverse("settings:profile"))  # a rep: 403, which Django logs
    entry = json.loads(json_log.getvalue().splitlines()[-1])
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["tenant"] == world.tenant.slug
    assert entry["user"] == world.rep.user.pk


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
            ):
                counts[f"{tenant.slug}.{model.__name__}"] = model.objects.count()
    return counts


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
    for email in ("admin@demo.test", "manager@demo.test", "rep@demo.test", "rep2@demo.test",
                  "admin@chargecars.test"):  # fmt: skip
        request = RequestFactory().post(reverse("login"))
        assert authenticate(request, username=email, password="threadline-demo"), email
