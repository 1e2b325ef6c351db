"""The minute sweeps visit only the tenants with something due (one query across tenants each):
a tenant with a due row gets a task, a tenant without does not, and what the tenant's task then
does is the sweep's own work, unchanged."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from automation import tasks as automation_tasks
from crm.tenancy.sweeps import fan_out
from followups import tasks as followup_tasks
from gateway import tasks as gateway_tasks
from leads import tasks as lead_tasks
from leads.models import Lead
from leads.services.speed_to_lead import leads_alert_untouched
from tests.automation.test_sequences import AFTERNOON, _enrol, _sequence, _sweep
from tests.crm.test_sweeps import NOW, _missed_follow_up
from tests.factories import lead_for, trigger_for
from tests.tickets import test_sla
from tests.tickets.test_sla import INBOX_NUMBER, sweep, text_in
from tickets import routing
from tickets import tasks as ticket_tasks
from tickets.services import ingest

# The SLA tests' fixtures: their inbox, and a frozen clock in business hours.
clock = test_sla.clock
desk = test_sla.desk


def _due(task, now) -> set[int]:
    return set(task.sweep.tenant_ids(now))


@pytest.fixture
def one_query(django_assert_num_queries):
    return lambda: django_assert_num_queries(1)


def test_the_missed_sweep_visits_only_tenants_with_a_follow_up_past_its_slot(
    world, other_world, one_query
):
    follow_up = _missed_follow_up(world)  # 14:00 for 30 minutes: missed from 14:30
    task = followup_tasks.sweep_missed_follow_ups
    with one_query():
        assert _due(task, NOW) == {world.tenant.pk}
    assert _due(task, dt.datetime(2026, 3, 2, 14, 29, tzinfo=dt.UTC)) == set()
    with world.active():
        follow_up.__class__.objects.filter(pk=follow_up.pk).update(status="in_progress")
    assert _due(task, NOW) == set()  # started: two hours more
    assert _due(task, NOW + dt.timedelta(hours=2)) == {world.tenant.pk}


def test_the_speed_to_lead_sweep_visits_only_tenants_with_a_lead_waiting_for_an_alert(
    world, other_world, one_query
):
    created = timezone.now()
    lead = lead_for(world, owner=world.rep)
    task = lead_tasks.alert_untouched_leads
    assert _due(task, created + dt.timedelta(minutes=14)) == set()
    with one_query():
        assert _due(task, created + dt.timedelta(minutes=16)) == {world.tenant.pk}  # the owner
    with world.active():
        assert leads_alert_untouched(tenant=world.tenant, now=created + dt.timedelta(minutes=16))
    assert _due(task, created + dt.timedelta(minutes=59)) == set()  # owner told; managers wait
    assert _due(task, created + dt.timedelta(minutes=61)) == {world.tenant.pk}
    with world.active():
        assert leads_alert_untouched(tenant=world.tenant, now=created + dt.timedelta(minutes=61))
        assert Lead.objects.get(pk=lead.pk).untouched_alerts_sent == 2
    assert _due(task, created + dt.timedelta(days=1)) == set()  # both told: never again


def test_the_speed_to_lead_sweep_reads_the_tenants_own_waits(world, other_world):
    from leads.models import LeadSettings

    created = timezone.now()
    lead_for(world, owner=world.rep)
    with world.active():
        LeadSettings.objects.update_or_create(
            tenant=world.tenant,
            defaults={"untouched_owner_alert_minutes": 5, "untouched_manager_alert_minutes": 10},
        )
    assert _due(lead_tasks.alert_untouched_leads, created + dt.timedelta(minutes=6)) == {
        world.tenant.pk
    }


def test_the_sequence_sweep_visits_only_tenants_with_a_step_due(world, other_world, one_query):
    _enrol(world, _sequence(world), lead_for(world))  # first step at AFTERNOON
    task = automation_tasks.sweep_sequences
    assert _due(task, AFTERNOON - dt.timedelta(minutes=1)) == set()
    with one_query():
        assert _due(task, AFTERNOON) == {world.tenant.pk}
    assert _sweep(world, AFTERNOON) == 1
    assert _due(task, AFTERNOON) == set()  # moved on to day 2


def test_the_trigger_sweeps_visit_only_tenants_with_such_triggers(world, other_world, one_query):
    time_triggers = automation_tasks.sweep_time_triggers
    repeating = automation_tasks.sweep_follow_ups
    now = timezone.now()
    trigger_for(world.tenant, event="lead_created")  # neither sweep reads it
    assert _due(time_triggers, now) == _due(repeating, now) == set()
    trigger_for(other_world.tenant, event="no_response")
    with one_query():
        assert _due(time_triggers, now) == {other_world.tenant.pk}
    step = {"action": "follow_up", "follow_up_subject": "Check in", "repeat_every_days": 7}
    trigger_for(world.tenant, event="lead_created", steps=[step])
    off = trigger_for(other_world.tenant, event="lead_created", steps=[step], is_active=False)
    with one_query():
        assert _due(repeating, now) == {world.tenant.pk}
    assert off.pk


def test_the_inbox_sweeps_visit_only_tenants_with_an_event_or_a_clock_due(
    world,
    other_world,
    desk,
    clock,
    one_query,
):
    inbound = ticket_tasks.sweep_inbound_events
    breaches = ticket_tasks.sweep_sla_breaches
    payload = {"MessageSid": "SM-due", "From": desk.phone, "To": INBOX_NUMBER, "Body": "Hi"}
    stored = ingest.twilio_inbound_store(
        route=routing.route_for("sms", INBOX_NUMBER), payload=payload
    )
    now = timezone.now() + ingest.SWEEP_GRACE
    assert _due(inbound, now - dt.timedelta(seconds=1)) == set()  # its own task's turn first
    with one_query():
        assert _due(inbound, now) == {world.tenant.pk}  # stored, never processed
    with world.active():
        ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
    assert _due(inbound, now) == set()
    ticket = text_in(world, desk, sid="SM-second")
    assert ticket.sla_due_at
    assert _due(breaches, ticket.sla_due_at - dt.timedelta(minutes=1)) == set()
    with one_query():
        assert _due(breaches, ticket.sla_due_at) == {world.tenant.pk}
    assert sweep(world, ticket.sla_due_at) == 1  # breached, the team lead told
    assert _due(breaches, ticket.sla_due_at) == set()
    assert _due(breaches, ticket.sla_due_at + dt.timedelta(minutes=61)) == {world.tenant.pk}


def test_the_customer_update_sweep_visits_only_tenants_with_an_update_due(
    world, other_world, one_query
):
    lead = lead_for(world, owner=world.rep)
    now = timezone.now()
    task = automation_tasks.sweep_customer_updates
    assert _due(task, now) == set()  # no rhythm
    with world.active():
        Lead.objects.filter(pk=lead.pk).update(next_update_due_at=now + dt.timedelta(minutes=1))
    assert _due(task, now) == set()
    with one_query():
        assert _due(task, now + dt.timedelta(minutes=1)) == {world.tenant.pk}


@pytest.mark.parametrize(
    "task",
    [
        lead_tasks.alert_untouched_leads,
        followup_tasks.sweep_missed_follow_ups,
        automation_tasks.sweep_sequences,
        automation_tasks.sweep_time_triggers,
        automation_tasks.sweep_follow_ups,
        ticket_tasks.sweep_inbound_events,
        ticket_tasks.sweep_sla_breaches,
        automation_tasks.sweep_customer_updates,
        gateway_tasks.sweep_provider_events,
    ],
)
def test_every_minute_sweep_sends_nothing_when_no_tenant_has_anything_due(world, task):
    with time_machine.travel(NOW, tick=False):
        assert task.sweep.due_tenants is not None
        assert fan_out(task.sweep) == 0
