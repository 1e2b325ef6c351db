"""Neglect ("rotting") detection: a live lead nobody touches for the tenant's (or its stage's)
number of days is flagged, its owner gets a high-priority follow-up, the managers hear about it
if it stays untouched, and any touch clears it."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.celery import app as celery_app
from crm.models import Notification
from crm.tenancy.sweeps import More, sweep_tenant
from followups.models import FollowUp, NeglectFlag, Priority, Source, Status
from followups.selectors.neglect import neglected_lead_ids
from followups.services import followups as services
from followups.services import neglect
from followups.services.configuration import follow_up_settings_save, stage_neglect_save
from followups.services.neglect import neglect_sweep, neglect_sweep_step
from followups.tasks import sweep_neglected_leads
from leads.services.activity import lead_log_call
from leads.services.stages import lead_mark_lost
from messaging.models import MessageChannel, MessageSource, MessageStatus, OutboundMessage
from tests.conftest import sign_in
from tests.factories import ContactFactory, lead_for, pipeline_for

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def _lead(world, **fields):
    with time_machine.travel(START, tick=False):
        return lead_for(world, owner=fields.pop("owner", world.rep), **fields)


def _sweep(world, at: dt.datetime) -> int:
    with world.active(), time_machine.travel(at, tick=False):
        return neglect_sweep(tenant=world.tenant, now=at)


def _open_flags(world):
    with world.active():
        return list(NeglectFlag.objects.filter(tenant=world.tenant, cleared_at__isnull=True))


def test_an_untouched_lead_is_flagged_once_with_a_high_priority_follow_up_for_its_owner(world):
    lead = _lead(world)
    assert _sweep(world, START + days(13.9)) == 0
    assert _sweep(world, START + days(14.1)) == 1
    assert _sweep(world, START + days(14.2)) == 0  # flagged already: nothing twice
    [flag] = _open_flags(world)
    with world.active():
        follow_up = FollowUp.objects.get(pk=flag.follow_up_id)
        assert neglected_lead_ids(tenant=world.tenant, lead_ids=[lead.pk]) == {lead.pk}
        assert FollowUp.objects.filter(source=Source.NEGLECT).count() == 1
    assert flag.lead_id == lead.pk and flag.owner_id == world.rep.pk
    assert flag.last_touch_at == START
    assert follow_up.assignee_id == world.rep.pk
    assert follow_up.priority == Priority.HIGH and follow_up.status == Status.PENDING
    assert follow_up.key == f"neglect:{flag.pk}" and follow_up.lead_id == lead.pk


def test_a_stage_threshold_beats_the_tenants(world):
    lead = _lead(world)
    with world.active():
        follow_up_settings_save(
            tenant=world.tenant,
            actor=world.admin.user,
            neglect_after_days=30,
            manager_alert_after_days=3,
            digest_hour=7,
        )
        stage_neglect_save(
            tenant=world.tenant, actor=world.admin.user, thresholds={lead.stage_id: 3}
        )
    assert _sweep(world, START + days(2.9)) == 0
    assert _sweep(world, START + days(3.1)) == 1


def test_a_logged_call_hides_the_badge_at_once_and_the_sweep_clears_the_flag(world):
    lead = _lead(world)
    _sweep(world, START + days(15))
    [flag] = _open_flags(world)
    with world.active(), time_machine.travel(START + days(16), tick=False):
        lead_log_call(tenant=world.tenant, actor=world.rep.user, lead=lead, outcome="reached")
        assert neglected_lead_ids(tenant=world.tenant, lead_ids=[lead.pk]) == set()
    _sweep(world, START + days(16.1))
    assert _open_flags(world) == []
    with world.active():
        flag.refresh_from_db()
        assert flag.cleared_at == START + days(16.1)
        assert FollowUp.objects.get(pk=flag.follow_up_id).status == Status.CANCELLED


def test_touches_on_the_contact_count_whatever_the_channel(world):
    lead = _lead(world)
    with world.active():
        # An email sent to the customer (from a ticket, say) on day 10: not neglected on day 15.
        OutboundMessage.objects.create(
            tenant=world.tenant,
            idempotency_key="sent-by-hand",
            channel=MessageChannel.EMAIL,
            source=MessageSource.MANUAL,
            status=MessageStatus.SENT,
            send_after=START + days(10),
            sent_at=START + days(10),
            contact=world.contact,
            to_address="customer@example.com",
        )
    assert _sweep(world, START + days(15)) == 0
    assert _sweep(world, START + days(24.1)) == 1
    # A follow-up with the customer done on day 25 (not linked to the lead) clears it.
    with world.active(), time_machine.travel(START + days(25), tick=False):
        call = services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Quick call",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=START + days(25),
        )
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=call, outcome="successful"
        )
    _sweep(world, START + days(25.1))
    assert _open_flags(world) == []
    assert lead.pk  # the lead itself was never touched


def test_the_managers_hear_about_a_flag_left_untouched(world):
    lead = _lead(world)
    _sweep(world, START + days(15))
    _sweep(world, START + days(17.9))
    with world.active():
        assert not Notification.objects.filter(kind="lead_untouched").exists()
    _sweep(world, START + days(18.1))
    _sweep(world, START + days(19))  # once per flag
    with world.active():
        told = list(
            Notification.objects.filter(kind="lead_untouched").values_list(
                "recipient_id", "title", "body", "url"
            )
        )
    assert {recipient for recipient, *_ in told} == {world.manager.user_id, world.admin.user_id}
    assert len(told) == 2
    _, title, body, url = told[0]
    assert world.contact.display_name in title and world.rep.user.full_name in title
    assert body == "This customer has not been contacted; check on the rep."
    assert url == reverse("leads:detail", kwargs={"lead_pk": lead.pk})


def test_neglect_alerts_group_apart_from_new_leads_not_contacted(world):
    """The bell's "N new leads have not been contacted" counts speed-to-lead alerts only; leads
    neglected for weeks make a group that says so."""
    for _ in range(3):
        _lead(world, owner=None, assign_automatically=False)
    _sweep(world, START + days(15))
    with world.active():
        [group] = Notification.objects.filter(recipient=world.manager.user, count__gt=1)
        assert group.count == 3
        assert group.shown_title == "3 leads were flagged as neglected today"
        assert group.group_key == "lead_neglected" and group.kind == "lead_untouched"


def test_an_unowned_lead_goes_to_the_managers_at_once(world):
    _lead(world, owner=None, assign_automatically=False)
    assert _sweep(world, START + days(15)) == 1
    [flag] = _open_flags(world)
    assert flag.follow_up_id is None and flag.manager_alerted_at is not None
    with world.active():
        assert Notification.objects.filter(kind="lead_untouched").count() == 2


def test_closed_and_won_leads(world):
    lead = _lead(world)
    _sweep(world, START + days(15))
    with world.active(), time_machine.travel(START + days(15.5), tick=False):
        lead_mark_lost(tenant=world.tenant, actor=world.rep.user, lead=lead, reason="price")
    _sweep(world, START + days(16))
    assert _open_flags(world) == []
    _sweep(world, START + days(40))
    assert _open_flags(world) == []  # a lost lead never rots


def test_the_sweep_reads_in_batches_whatever_the_number_of_touched_leads(world):
    pipeline = pipeline_for(world.tenant)

    def leads_touched_by_contact(count: int):
        for _ in range(count):
            contact = ContactFactory(tenant=world.tenant)
            lead = _lead(world, contact=contact, place=None, pipeline=pipeline)
            with world.active():
                OutboundMessage.objects.create(
                    tenant=world.tenant,
                    idempotency_key=f"sent-{lead.pk}",
                    channel=MessageChannel.SMS,
                    source=MessageSource.MANUAL,
                    status=MessageStatus.SENT,
                    send_after=START + days(20),
                    sent_at=START + days(20),
                    contact=contact,
                )

    def queries() -> int:
        with world.active(), CaptureQueriesContext(connection) as captured:
            assert neglect_sweep(tenant=world.tenant, now=START + days(21)) == 0
        return len(captured)

    leads_touched_by_contact(2)
    few = queries()
    leads_touched_by_contact(25)
    assert queries() == few


def test_the_lead_page_loads_the_badge_and_other_tenants_see_nothing(client, world, other_world):
    lead = _lead(world)
    other = _lead(other_world, owner=other_world.rep)
    _sweep(world, START + days(15))
    _sweep(other_world, START + days(15))
    sign_in(client, world.rep)
    page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()
    badge_url = reverse("followups:lead-neglect", kwargs={"lead_pk": lead.pk})
    assert f'hx-get="{badge_url}"' in page
    with time_machine.travel(START + days(15.5), tick=False):
        badge = client.get(badge_url).content.decode()
    assert "Neglected" in badge and "15 days without contact" in badge
    other_url = reverse("followups:lead-neglect", kwargs={"lead_pk": other.pk})
    assert client.get(other_url).status_code == 404
    with world.active():
        assert neglected_lead_ids(tenant=world.tenant, lead_ids=[other.pk]) == set()


def test_the_lead_list_marks_neglected_rows(client, world):
    neglected = _lead(world)
    _sweep(world, START + days(15))
    touched = _lead(world)
    sign_in(client, world.rep)
    with time_machine.travel(START + days(15.5), tick=False):
        page = client.get(reverse("leads:list")).content.decode()
    rows = {
        lead.pk: page.split(f'id="lead-{lead.pk}"')[1].split("</tbody>")[0]
        for lead in (neglected, touched)
    }
    assert "neglect-badge" in rows[neglected.pk]
    assert "neglect-badge" not in rows[touched.pk]


# --- Bounded steps (the beat task runs one step per task; docs/benchmarks.md) -------------------


def test_a_step_stops_at_its_limit_and_says_there_may_be_more(world):
    for _ in range(3):
        _lead(world, contact=ContactFactory(tenant=world.tenant), place=None)
    at = START + days(15)
    with world.active(), time_machine.travel(at, tick=False):
        steps = [neglect_sweep_step(tenant=world.tenant, now=at, limit=2) for _ in range(3)]
    assert [(step.raised, step.more) for step in steps] == [(2, True), (1, False), (0, False)]
    assert len(_open_flags(world)) == 3


def test_a_round_checks_each_open_flag_once_each_step_going_on_from_the_last(world, monkeypatch):
    monkeypatch.setattr(neglect, "CLEAR_READS", 2)
    leads = [_lead(world, contact=ContactFactory(tenant=world.tenant)) for _ in range(5)]
    assert _sweep(world, START + days(15)) == 5
    flags = sorted(_open_flags(world), key=lambda flag: flag.pk)
    at = START + days(16)
    with world.active(), time_machine.travel(at, tick=False):
        lead_log_call(tenant=world.tenant, actor=world.rep.user, lead=leads[4], outcome="reached")
        first = neglect_sweep_step(tenant=world.tenant, now=at)
        second = neglect_sweep_step(tenant=world.tenant, now=at, clear_after=first.clear_after)
        # Touched behind the check: this round has read its flag already, the next one clears it.
        lead_log_call(tenant=world.tenant, actor=world.rep.user, lead=leads[0], outcome="reached")
        third = neglect_sweep_step(tenant=world.tenant, now=at, clear_after=second.clear_after)
    assert (first.more, first.clear_after) == (True, flags[1].pk)
    assert (second.more, second.clear_after) == (True, flags[3].pk)
    assert (third.raised, third.more, third.clear_after) == (0, False, None)
    assert {flag.lead_id for flag in _open_flags(world)} == {lead.pk for lead in leads[:4]}
    assert _sweep(world, at + dt.timedelta(hours=1)) == 0
    assert {flag.lead_id for flag in _open_flags(world)} == {lead.pk for lead in leads[1:4]}


def test_the_tasks_follow_up_goes_on_from_the_flag_its_check_got_to(world, monkeypatch, task_queue):
    monkeypatch.setattr(neglect, "CLEAR_READS", 2)
    for _ in range(3):
        _lead(world, contact=ContactFactory(tenant=world.tenant))
    _sweep(world, START + days(15))
    flags = sorted(_open_flags(world), key=lambda flag: flag.pk)
    with time_machine.travel(START + days(16), tick=False):
        first = sweep_tenant(sweep_neglected_leads.name, world.tenant.pk)
        [follow_up] = task_queue()
        assert follow_up.payload[0] == [
            sweep_neglected_leads.name,
            world.tenant.pk,
            {"clear_after": flags[1].pk},
        ]
        second = sweep_tenant(*follow_up.payload[0])
        assert task_queue() == []
    assert (first, isinstance(first, More), second, isinstance(second, More)) == (0, True, 0, False)


def test_the_task_continues_a_step_that_stopped_at_its_limit(world, monkeypatch):
    monkeypatch.setattr(neglect, "TASK_WRITES", 2)
    for _ in range(3):
        _lead(world, contact=ContactFactory(tenant=world.tenant), place=None)
    at = START + days(15)
    celery_app.control.purge()  # this run's queue
    with time_machine.travel(at, tick=False):
        first = sweep_tenant(sweep_neglected_leads.name, world.tenant.pk)
        assert celery_app.control.purge() == 1  # its follow-up task, queued
        second = sweep_tenant(sweep_neglected_leads.name, world.tenant.pk)
        assert celery_app.control.purge() == 0
    assert (first, isinstance(first, More)) == (2, True)
    assert (second, isinstance(second, More)) == (1, False)


def test_at_most_so_many_new_flags_in_any_hour_however_many_steps(world, monkeypatch):
    monkeypatch.setattr(neglect, "MAX_FLAGS_PER_HOUR", 2)
    for _ in range(3):
        _lead(world, contact=ContactFactory(tenant=world.tenant), place=None)
    assert _sweep(world, START + days(15)) == 2
    assert _sweep(world, START + days(15) + dt.timedelta(minutes=59)) == 0
    assert _sweep(world, START + days(15) + dt.timedelta(minutes=61)) == 1
